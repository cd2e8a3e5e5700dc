/** Shared by the MIME tests: locating test/fixtures/mime from source (tsx) or compiled (dist/) runs. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SectionKind, SectionSpec } from './types.js';

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'fixtures', 'mime')))
      return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export const FIXTURE_DIR = join(projectRoot(), 'test', 'fixtures', 'mime');

export interface DovecotAnswer {
  status: string;
  item?: string | null;
  value?: string | null;
  text?: string;
  /** Large answers are recorded as the length and SHA-256 of the bytes sent instead of `value`. */
  length?: number;
  sha256?: string;
}

/** A recorded value: the wire text, or the digest of a large one. */
export type RecordedValue = string | { length: number; sha256: string };

export interface Recording {
  ENVELOPE: RecordedValue;
  BODYSTRUCTURE: RecordedValue;
  BODY: RecordedValue;
  'RFC822.SIZE': string;
  sections: Record<string, DovecotAnswer>;
}

export interface Fixture {
  name: string;
  raw: Buffer;
  recording: Recording | null;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -4);
      const jsonPath = join(FIXTURE_DIR, `${name}.dovecot.json`);
      return {
        name,
        raw: readFileSync(join(FIXTURE_DIR, file)),
        recording: existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Recording) : null,
      };
    });
}

/** True when `sent` (our wire bytes) is what Dovecot sent: equal text, or equal length and SHA-256. */
export function sameAsRecorded(sent: Buffer, recorded: RecordedValue): boolean {
  if (typeof recorded === 'string') return sent.equals(Buffer.from(recorded, 'latin1'));
  return (
    sent.length === recorded.length && createHash('sha256').update(sent).digest('hex') === recorded.sha256
  );
}

/** Dovecot's recorded value (bytes kept as Latin-1 characters) as the bytes it sent. */
export function recordedBytes(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

/** The payload of a recorded literal ("{n}\r\n…" or "~{n}\r\n…"). */
export function literalPayload(value: string): Buffer {
  const m = /^~?\{(\d+)\}\r\n/.exec(value);
  if (!m) return recordedBytes(value === 'NIL' ? '' : value.replace(/^"|"$/g, ''));
  return recordedBytes(value.slice(m[0].length));
}

export interface FetchItem {
  binary: boolean;
  size: boolean;
  spec: SectionSpec;
  partial?: { offset: number; length: number };
}

/** Parses a FETCH item like `BODY.PEEK[1.2.HEADER.FIELDS (From Subject)]<0.10>` (test inputs only). */
export function parseFetchItem(item: string): FetchItem {
  const m = /^(BODY|BINARY)(\.PEEK|\.SIZE)?\[([^\]]*)\](?:<(\d+)\.(\d+)>)?$/.exec(item);
  if (!m) throw new Error(`bad item ${item}`);
  const section = m[3];
  const sm =
    /^((?:\d+\.)*\d+)?\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)?(?: \(([^)]*)\))?$/.exec(
      section,
    );
  if (!sm) throw new Error(`bad section ${section}`);
  return {
    binary: m[1] === 'BINARY',
    size: m[2] === '.SIZE',
    spec: {
      part: sm[1] ? sm[1].split('.').map(Number) : [],
      kind: (sm[2] ?? '') as SectionKind,
      fields: sm[3] ? sm[3].split(' ') : undefined,
    },
    partial: m[4] ? { offset: Number(m[4]), length: Number(m[5]) } : undefined,
  };
}
