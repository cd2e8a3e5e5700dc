/**
 * A ~60 MB message (generated as a stream, never whole in memory here either) ingested into a real
 * FileBlobStore: memory growth stays far below the message size, and size, blob bytes and metadata are right.
 * No timing asserts; memory is sampled as the input is produced (heapUsed + arrayBuffers).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deserializeStructure } from '../../src/mime/index.js';
import { ingestMessage } from '../../src/server/delivery/ingest.js';
import { FileBlobStore } from '../../src/store/blobs.js';
import type { Store } from '../../src/store/store.js';

const TEXT = 'Hello from the big message.\nSecond line of the text part.\n';
const LINE = `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx'.repeat(2).slice(0, 76)}\n`;
const LINES = 800_000; // 77 bytes each with LF → ~61.6 MB, ~62.4 MB once CRLF
const head =
  'From: Big Sender <big@example.org>\nTo: rcpt@example.org\nSubject: a very large message\n' +
  'Date: Tue, 3 Jan 2023 04:05:06 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BIG"\n\n' +
  `--BIG\nContent-Type: text/plain; charset=us-ascii\n\n${TEXT}--BIG\n` +
  'Content-Type: application/octet-stream; name="big.bin"\nContent-Transfer-Encoding: base64\n\n';
const tail = '--BIG--\n';

/** The message in 64 KB chunks with bare LF (ingest makes them CRLF); `eol` CRLF gives the stored form. */
function* messageChunks(eol: string): Generator<Buffer> {
  const fix = (s: string) => (eol === '\n' ? s : s.replace(/\n/g, eol));
  yield Buffer.from(fix(head), 'latin1');
  const line = fix(LINE);
  const perChunk = Math.floor(65536 / line.length);
  for (let done = 0; done < LINES; done += perChunk) {
    yield Buffer.from(line.repeat(Math.min(perChunk, LINES - done)), 'latin1');
  }
  yield Buffer.from(fix(tail), 'latin1');
}

// node --test gives no global.gc; this in-process way does, so samples count live memory, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;

const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

test('ingest: a 60 MB streamed message is stored and analysed with bounded memory', {
  timeout: 300_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postyard-large-'));
  try {
    const blobs = new FileBlobStore(dir);
    const store = { blobs } as unknown as Store;
    // Warm up (code compiled, tmp dir created) before measuring.
    await ingestMessage(store, Readable.from([Buffer.from('Subject: w\n\nx\n')]), {
      maxSize: 1e9,
      streamThreshold: 0,
    });

    const expectedHash = createHash('sha256');
    let expectedSize = 0;
    for (const chunk of messageChunks('\r\n')) {
      expectedHash.update(chunk);
      expectedSize += chunk.length;
    }
    assert.ok(expectedSize > 60_000_000);

    gc?.();
    const baseline = memory();
    let peak = 0;
    let received = 0;
    let n = 0;
    const input = Readable.from(
      (function* () {
        for (const chunk of messageChunks('\n')) {
          if (++n % 16 === 0) gc?.();
          peak = Math.max(peak, memory() - baseline);
          received += chunk.length;
          yield chunk;
        }
      })(),
    );
    const { blob, meta } = await ingestMessage(store, input, { maxSize: 100_000_000 });
    peak = Math.max(peak, memory() - baseline);
    console.log(
      `60 MB ingest: peak growth of heapUsed+arrayBuffers ${(peak / 1048576).toFixed(1)} MB (gc ${gc ? 'on' : 'off'})`,
    );
    assert.ok(peak < 30 * 1024 * 1024, `memory grew by ${peak} bytes`);

    assert.equal(blob.size, expectedSize);
    assert.equal(received + LINES + head.split('\n').length - 1 + 1, expectedSize); // one CR per LF
    const stored = createHash('sha256');
    let storedSize = 0;
    for await (const chunk of blobs.stream(blob.id)) {
      stored.update(chunk as Buffer);
      storedSize += (chunk as Buffer).length;
    }
    assert.equal(storedSize, expectedSize);
    assert.equal(stored.digest('hex'), expectedHash.digest('hex'));

    const root = deserializeStructure(meta.structure);
    assert.equal(root.bodyEnd, expectedSize);
    assert.equal(root.children.length, 2);
    const attachment = root.children[1]!;
    assert.equal(attachment.bodyEnd - attachment.bodyStart, LINES * 78 - 2); // the last CRLF belongs to the boundary
    assert.equal(attachment.bodyLines, LINES - 1);
    assert.equal(attachment.encoding, 'base64');
    assert.match(
      meta.envelope,
      /^\("Tue, 3 Jan 2023 04:05:06 \+0000" "a very large message" \(\("Big Sender" NIL "big" "example.org"\)\)/,
    );
    assert.match(meta.bodyStructure, new RegExp(`"base64" ${LINES * 78 - 2} NIL NIL NIL NIL\\) "mixed"`));
    assert.equal(meta.preview, 'Hello from the big message. Second line of the text part.');
    assert.equal(meta.bodyText, TEXT.replace(/\n/g, '\r\n').replace(/\r\n$/, ''));
    assert.match(meta.headerText, /^From: Big Sender <big@example.org>\n/);
    assert.equal(meta.sentDate, Date.UTC(2023, 0, 3, 4, 5, 6));
    assert.equal(meta.sentZone, 0); // the streaming analyzer keeps the zone too
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
