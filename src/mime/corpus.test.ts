/**
 * Differential tests against Dovecot: random corpora with Dovecot's recorded answers
 * (scripts/record-dovecot-mime.py --corpus N [--kind structured]): MIME-ish line soup (broken headers,
 * stray boundaries, odd encodings) and random MIME trees (nesting, colliding boundaries, digests).
 * ENVELOPE, BODYSTRUCTURE, BODY and the recorded sections must match byte for byte.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeMessage } from './analyze.js';
import { decodeSectionForBinary } from './binary.js';
import { FIXTURE_DIR, literalPayload, parseFetchItem } from './fixtures.test-helper.js';
import { parseMessageWithHeaders } from './parse.js';
import { resolveSection, sectionBytes } from './section.js';
import { deserializeStructure } from './structure-json.js';
import { PART_MULTIPART } from './types.js';

interface CorpusAnswer {
  status: string;
  value?: string;
  text?: string;
}
interface Corpus {
  seed: number;
  messages: Array<{ raw: string; answers: Record<string, CorpusAnswer> }>;
}

const CORPORA = ['random-corpus.dovecot.json', 'structured-corpus.dovecot.json'];

/**
 * BINARY where Dovecot's own answers are unreliable, so there is nothing sound to compare: a part whose
 * header has no blank line, an empty base64/QP body, repeated Content-Type or Content-Transfer-Encoding
 * fields, or a multipart
 * carrying base64/quoted-printable (forbidden by RFC 2045 §6.4). Dovecot then sends truncated literals,
 * decodes parts its own BODYSTRUCTURE does not have, or answers [PARSE]. Dovecot also answers [PARSE]
 * for base64/QP with stray characters, which RFC 2045 §6.7/§6.8 tell decoders to tolerate; we decode.
 */
function dovecotBinaryIsUnreliable(raw: Buffer): boolean {
  const { root, headers } = parseMessageWithHeaders(raw);
  for (const [part, fields] of headers) {
    const count = (name: string): number => fields.filter((f) => f.lower === name).length;
    if (count('content-type') > 1 || count('content-transfer-encoding') > 1) return true;
    if (part.bodyStart === part.bodyEnd && part.bodyEnd >= raw.length) return true;
    // An empty base64/QP body: Dovecot leaves the part alone but sizes the literal as if it had not.
    if (
      part.bodyStart === part.bodyEnd &&
      (part.encoding === 'base64' || part.encoding === 'quoted-printable')
    ) {
      return true;
    }
    if (part.flags & PART_MULTIPART && part.encoding !== '7bit' && part.encoding !== '8bit') return true;
  }
  return root.bodyStart >= raw.length;
}

for (const file of CORPORA) {
  const path = join(FIXTURE_DIR, file);
  describe(`${file} (Dovecot differential)`, { skip: !existsSync(path) }, () => {
    it('matches Dovecot on every recorded item', () => {
      const corpus = JSON.parse(readFileSync(path, 'utf8')) as Corpus;
      assert.deepEqual(compareCorpus(corpus), []);
    });
  });
}

function compareCorpus(corpus: Corpus): string[] {
  const problems: string[] = [];
  corpus.messages.forEach(({ raw: rawText, answers }, index) => {
    const raw = Buffer.from(rawText, 'latin1');
    const meta = analyzeMessage(raw);
    const tree = deserializeStructure(meta.structure);
    for (const [item, answer] of Object.entries(answers)) {
      if (answer.status === 'CRASH') continue;
      let ours: Buffer | null;
      let theirs: Buffer | null = null;
      if (item === 'ENVELOPE' || item === 'BODYSTRUCTURE' || item === 'BODY') {
        const wire = item === 'ENVELOPE' ? meta.envelope : item === 'BODY' ? meta.body : meta.bodyStructure;
        ours = Buffer.from(wire, 'utf8');
        theirs = Buffer.from(answer.value ?? '', 'latin1');
      } else {
        const fetch = parseFetchItem(item);
        const location = resolveSection(tree, fetch.spec);
        ours = sectionBytes(raw, location);
        if (fetch.binary) {
          if (answer.text?.includes('[PARSE]') || dovecotBinaryIsUnreliable(raw)) continue;
          ours = decodeSectionForBinary(ours, location.kind === 'range' ? location.part : null);
        }
        if (answer.status === 'OK') theirs = literalPayload(answer.value ?? '');
      }
      const same = ours === null || theirs === null ? ours === theirs : ours.equals(theirs);
      if (!same && problems.length < 10) {
        problems.push(
          `#${index} ${item}\n  ours:    ${JSON.stringify(ours?.toString('latin1') ?? null)}\n  dovecot: ${JSON.stringify(theirs?.toString('latin1') ?? answer)}`,
        );
      }
    }
  });
  return problems;
}
