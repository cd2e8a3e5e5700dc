import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { MailError } from '../../lib/errors.js';
import type { BlobRef, Store } from '../../store/store.js';
import { ingestMessage } from './ingest.js';
import { readLimited } from './read-limited.js';

function memoryStore(): { store: Store; blobs: Map<string, Buffer> } {
  const blobs = new Map<string, Buffer>();
  const put = async (data: Buffer | Readable): Promise<BlobRef> => {
    const buf = Buffer.isBuffer(data) ? data : await readLimited(data, Number.MAX_SAFE_INTEGER);
    const id = createHash('sha256').update(buf).digest('hex');
    blobs.set(id, buf);
    return { id, size: buf.length };
  };
  return { store: { blobs: { put } } as unknown as Store, blobs };
}

const code = (expected: string) => (err: unknown) => err instanceof MailError && err.code === expected;

test('ingest: bare LF → CRLF, prepend kept first, blob written, metadata parsed', async () => {
  const { store, blobs } = memoryStore();
  const input = Readable.from([Buffer.from('Subject: Hello\nFrom: a@example.org\n\nbody\n')]);
  const { blob, meta } = await ingestMessage(store, input, { maxSize: 1000, prepend: 'X-Trace: 1\r\n' });
  const raw = blobs.get(blob.id)!.toString('latin1');
  assert.equal(raw, 'X-Trace: 1\r\nSubject: Hello\r\nFrom: a@example.org\r\n\r\nbody\r\n');
  assert.equal(blob.size, raw.length);
  assert.match(meta.envelope, /"Hello"/);
});

test('ingest: over maxSize is TOO_BIG (Buffer and stream), and the stream is drained to its end', async () => {
  const { store, blobs } = memoryStore();
  await assert.rejects(ingestMessage(store, Buffer.alloc(11, 0x61), { maxSize: 10 }), code('TOO_BIG'));
  const stream = new PassThrough();
  const result = ingestMessage(store, stream, { maxSize: 10 });
  for (let i = 0; i < 100; i++) stream.write(Buffer.alloc(1000, 0x61));
  stream.end();
  await assert.rejects(result, code('TOO_BIG'));
  assert.equal(stream.readableEnded, true);
  assert.equal(blobs.size, 0);
});

test('ingest: NUL in the header section is BAD_INPUT; in the body it is kept', async () => {
  const { store } = memoryStore();
  await assert.rejects(
    ingestMessage(store, Buffer.from('Subject: a\0b\r\n\r\nx'), { maxSize: 100 }),
    code('BAD_INPUT'),
  );
  await assert.rejects(
    ingestMessage(store, Buffer.from('Subject: a\0b'), { maxSize: 100 }),
    code('BAD_INPUT'),
  );
  const ok = await ingestMessage(store, Buffer.from('Subject: a\r\n\r\nx\0y\r\n'), { maxSize: 100 });
  assert.equal(ok.blob.size, 19);
});

test('readLimited: a stream that fails or closes early is a TEMP error', async () => {
  const failing = new PassThrough();
  const failed = readLimited(failing, 100);
  failing.destroy(new Error('reset by peer'));
  await assert.rejects(failed, code('TEMP'));
  const cut = new PassThrough();
  const closed = readLimited(cut, 100);
  cut.write('partial');
  cut.destroy();
  await assert.rejects(closed, code('TEMP'));
});

test('ingest: the streaming path (past the threshold) stores and analyses exactly what the whole path does', async () => {
  const { loadFixtures } = await import('../../mime/fixtures.test-helper.js');
  const fixtures = loadFixtures();
  assert.ok(fixtures.length > 0);
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (const f of fixtures) {
    for (const raw of [f.raw, Buffer.from(f.raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')]) {
      const whole = memoryStore();
      const expected = await ingestMessage(whole.store, raw, { maxSize: 1e9, prepend: 'X-Trace: 1\r\n' });
      for (const threshold of [0, 7, 100]) {
        const chunks: Buffer[] = [];
        for (let pos = 0; pos < raw.length; ) {
          const n = 1 + Math.floor(next() * 64);
          chunks.push(raw.subarray(pos, pos + n));
          pos += n;
        }
        const streamed = memoryStore();
        const got = await ingestMessage(streamed.store, Readable.from(chunks), {
          maxSize: 1e9,
          prepend: 'X-Trace: 1\r\n',
          streamThreshold: threshold,
        });
        assert.deepEqual(got.blob, expected.blob, `${f.name} blob (threshold ${threshold})`);
        assert.deepEqual(streamed.blobs.get(got.blob.id), whole.blobs.get(expected.blob.id));
        assert.deepEqual(got.meta, expected.meta, `${f.name} meta (threshold ${threshold})`);
      }
    }
  }
});

test('ingest (streaming): over maxSize is TOO_BIG, a NUL in the header BAD_INPUT; no blob; input drained', async () => {
  const { store, blobs } = memoryStore();
  const big = new PassThrough();
  const result = ingestMessage(store, big, { maxSize: 50_000, streamThreshold: 1000 });
  for (let i = 0; i < 100; i++) big.write(Buffer.alloc(1000, 0x61));
  big.end();
  await assert.rejects(result, code('TOO_BIG'));
  assert.equal(big.readableEnded, true);
  const nul = new PassThrough();
  const refused = ingestMessage(store, nul, { maxSize: 1e6, streamThreshold: 10 });
  nul.write(Buffer.from(`Subject: ${'x'.repeat(100)}`));
  nul.write(Buffer.from('y\0z\r\n\r\nbody\r\n'));
  for (let i = 0; i < 10; i++) nul.write(Buffer.alloc(1000, 0x61));
  nul.end();
  await assert.rejects(refused, code('BAD_INPUT'));
  assert.equal(nul.readableEnded, true);
  const ok = await ingestMessage(
    store,
    Readable.from([Buffer.from('Subject: a\r\n\r'), Buffer.from('\nx\0y\r\n')]),
    {
      maxSize: 100,
      streamThreshold: 0,
    },
  );
  assert.equal(ok.blob.size, 19);
  assert.equal(blobs.size, 1);
});

test('ingest (streaming): a failing blob write rejects with its error after draining', async () => {
  const failing = {
    blobs: {
      put: async (data: Buffer | Readable) => {
        if (!Buffer.isBuffer(data)) data.resume();
        throw new MailError('TEMP', 'disk full');
      },
    },
  } as unknown as Store;
  const input = Readable.from(Array.from({ length: 50 }, () => Buffer.alloc(1000, 0x62)));
  await assert.rejects(ingestMessage(failing, input, { maxSize: 1e6, streamThreshold: 100 }), /disk full/);
});
