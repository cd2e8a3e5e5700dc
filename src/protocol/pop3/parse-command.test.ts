import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCommand } from './parse-command.js';

test('parses every command, keywords case-insensitive', () => {
  const table: Array<[string, unknown]> = [
    ['USER alice@example.com', { name: 'USER', user: 'alice@example.com' }],
    ['pass secret with spaces', { name: 'PASS', password: 'secret with spaces' }],
    ['PASS ', { name: 'PASS', password: '' }],
    ['AUTH', { name: 'AUTH' }],
    ['auth plain', { name: 'AUTH', mechanism: 'PLAIN' }],
    ['AUTH PLAIN AGFAYg==', { name: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGFAYg==' }],
    ['STAT', { name: 'STAT' }],
    ['list', { name: 'LIST' }],
    ['LIST 3', { name: 'LIST', msg: 3 }],
    ['UIDL 10', { name: 'UIDL', msg: 10 }],
    ['RETR 1', { name: 'RETR', msg: 1 }],
    ['TOP 2 0', { name: 'TOP', msg: 2, lines: 0 }],
    ['DELE 4294967295', { name: 'DELE', msg: 4294967295 }],
    ['CAPA', { name: 'CAPA' }],
    ['STLS', { name: 'STLS' }],
    ['UTF8', { name: 'UTF8' }],
    ['NOOP', { name: 'NOOP' }],
    ['RSET', { name: 'RSET' }],
    ['QUIT', { name: 'QUIT' }],
  ];
  for (const [line, command] of table) assert.deepEqual(parseCommand(line), { ok: true, command }, line);
});

test('rejects bad arguments and unknown keywords', () => {
  for (const line of [
    'RETR',
    'RETR 0',
    'RETR -1',
    'RETR 1 2',
    'DELE x',
    'TOP 1',
    'TOP 1 -1',
    'LIST 1 2',
    'STAT 1',
    'USER',
    'PASS',
    'RETR 99999999999',
    'QUIT now',
  ]) {
    const parsed = parseCommand(line);
    assert.equal(parsed.ok, false, line);
    assert.equal(!parsed.ok && parsed.unknown, false, line);
  }
  for (const line of ['', 'APOP a b', 'HELO', '\u0000\u00ff']) {
    const parsed = parseCommand(line);
    assert.ok(!parsed.ok && parsed.unknown, line);
  }
});

test('property: never throws on any bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      parseCommand(Buffer.from(bytes));
    }),
    { numRuns: 2000 },
  );
});
