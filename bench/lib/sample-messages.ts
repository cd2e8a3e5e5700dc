/** Realistic sample messages from the shared generator (gen-sample-mbox.py), un-mboxed and CRLF. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedReference } from './shared-reference.js';

export function generateSampleMessages(count: number, seed = 42): Buffer[] {
  const path = join(tmpdir(), `postyard-bench-sample-${count}-${seed}.mbox`);
  execFileSync('python3', [sharedReference('gen-sample-mbox.py'), path, String(count), String(seed)]);
  return readFileSync(path, 'latin1')
    .split(/\n(?=From )/)
    .map((m) =>
      m
        .replace(/^From .*\n/, '')
        .replace(/^>From /gm, 'From ')
        .replace(/\r?\n/g, '\r\n'),
    )
    .filter((m) => m.length > 0)
    .map((m) => Buffer.from(m, 'latin1'));
}
