/**
 * Golden tests: for every fixture in test/fixtures/mime, our ENVELOPE, BODYSTRUCTURE, BODY and section
 * answers must equal what Dovecot 2.3 answered (recorded by scripts/record-dovecot-mime.py), byte for byte.
 * Deliberate differences are listed in KNOWN_DIFFERENCES with the reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeMessage } from './analyze.js';
import { decodeSectionForBinary } from './binary.js';
import {
  type FetchItem,
  literalPayload,
  loadFixtures,
  parseFetchItem,
  type RecordedValue,
  sameAsRecorded,
} from './fixtures.test-helper.js';
import { applyPartial, resolveSection, sectionBytes } from './section.js';
import { deserializeStructure } from './structure-json.js';

/** fixture name → item → why we differ from Dovecot on purpose. */
const KNOWN_DIFFERENCES: Record<string, Record<string, string>> = {
  '012-8bit-headers': {
    ENVELOPE:
      'a Latin-1 byte in a header is not valid UTF-8: we send it as the UTF-8 character (wire strings are UTF-8), Dovecot sends the raw byte',
  },
  '028-rfc822-base64': {
    'BODY[2.HEADER.FIELDS (Subject From)]':
      'Dovecot answers "" for HEADER.FIELDS of an encapsulated message whose header has no blank line; we answer the blank line, as Dovecot itself does for a top-level header (021)',
  },
  '043-duplicate-content-type': {
    'BINARY[1]':
      'Dovecot decodes BINARY with the last of two Content-Transfer-Encoding fields (base64) and fails [PARSE]; we use the first, like BODYSTRUCTURE (Dovecot too) does',
    'BINARY.SIZE[1]': 'see BINARY[1]',
    'BINARY[]': 'see BINARY[1]',
    'BINARY.SIZE[]': 'see BINARY[1]',
    'BINARY[1]<2.4>': 'see BINARY[1]',
  },
  '023-unknown-cte': {
    'BINARY.SIZE[2]':
      'Dovecot refuses BINARY.SIZE of every part once one part has an unknown CTE, yet sends BINARY[2]',
    'BINARY.SIZE[3]': 'same Dovecot inconsistency as BINARY.SIZE[2]',
  },
};

function ourSection(raw: Buffer, structureJson: string, item: FetchItem): { bytes: Buffer | null } {
  const tree = deserializeStructure(structureJson);
  const location = resolveSection(tree, item.spec);
  let bytes: Buffer | null = sectionBytes(raw, location);
  if (item.binary) {
    const part = location.kind === 'range' ? location.part : null;
    bytes = decodeSectionForBinary(bytes, part, location.kind === 'range' ? location.start : 0);
  }
  if (bytes && item.partial) bytes = applyPartial(bytes, item.partial.offset, item.partial.length);
  return { bytes };
}

describe('MIME golden files (Dovecot answers)', () => {
  for (const fixture of loadFixtures()) {
    const recording = fixture.recording;
    if (!recording) continue;
    it(fixture.name, () => {
      const known = KNOWN_DIFFERENCES[fixture.name] ?? {};
      const meta = analyzeMessage(fixture.raw);
      const problems: string[] = [];
      const compare = (label: string, ours: Buffer, theirs: RecordedValue): void => {
        if (known[label] || sameAsRecorded(ours, theirs)) return;
        const shown = typeof theirs === 'string' ? theirs : `${theirs.length} bytes, sha256 ${theirs.sha256}`;
        problems.push(
          `${label}\n  ours:    ${JSON.stringify(ours.toString('latin1').slice(0, 3000))}\n  dovecot: ${JSON.stringify(shown.slice(0, 3000))}`,
        );
      };
      compare('ENVELOPE', Buffer.from(meta.envelope, 'utf8'), recording.ENVELOPE);
      compare('BODYSTRUCTURE', Buffer.from(meta.bodyStructure, 'utf8'), recording.BODYSTRUCTURE);
      compare('BODY', Buffer.from(meta.body, 'utf8'), recording.BODY);
      for (const [request, answer] of Object.entries(recording.sections)) {
        const item = parseFetchItem(request);
        const label = request.replace('.PEEK', '');
        const ours = ourSection(fixture.raw, meta.structure, item);
        // Dovecot's imap process crashed on this request (recorded as CRASH); there is nothing to compare.
        if (
          answer.status === 'CRASH' ||
          (answer.status === 'BAD' && /Internal error|socket error/.test(answer.text ?? ''))
        ) {
          continue;
        }
        if (answer.status !== 'OK') {
          if (!known[label] && ours.bytes !== null)
            problems.push(`${label}: Dovecot said ${answer.status} ${answer.text}, we answered`);
          continue;
        }
        const value = answer.value ?? '';
        if (item.size) {
          // Dovecot's BINARY.SIZE sometimes disagrees with the BINARY[] it sends; we report what we send,
          // so our size must equal the length of Dovecot's own BINARY[] answer for the same section.
          const sent = recording.sections[request.replace('BINARY.SIZE', 'BINARY.PEEK')];
          const sentLength =
            sent?.status === 'OK' && sent.value ? String(literalPayload(sent.value).length) : null;
          if (
            !known[label] &&
            String(ours.bytes?.length) !== value &&
            String(ours.bytes?.length) !== sentLength
          ) {
            problems.push(`${label}: ours ${ours.bytes?.length} dovecot ${value}`);
          }
          continue;
        }
        if (ours.bytes === null) {
          if (!known[label]) problems.push(`${label}: we refused, Dovecot answered`);
          continue;
        }
        if (answer.sha256 !== undefined && answer.length !== undefined) {
          // Digest of the whole literal as sent: rebuild ours the same way ("{n}\r\n" or "~{n}\r\n" + bytes).
          const asSent = (prefix: string): Buffer =>
            Buffer.concat([Buffer.from(`${prefix}{${ours.bytes?.length}}\r\n`), ours.bytes as Buffer]);
          const digest = { length: answer.length, sha256: answer.sha256 };
          if (!sameAsRecorded(asSent(''), digest) && !sameAsRecorded(asSent('~'), digest))
            compare(label, ours.bytes, digest);
          continue;
        }
        compare(label, ours.bytes, literalPayload(value).toString('latin1'));
      }
      assert.deepEqual(problems, []);
    });
  }
});
