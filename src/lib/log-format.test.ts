import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLogLine } from './log-format.js';

test('one readable line: ISO time, level, connection, message, then the fields', () => {
  const time = Date.parse('2026-12-02T10:00:00.123Z');
  assert.equal(
    formatLogLine(
      JSON.stringify({
        level: 30,
        time,
        pid: 1,
        hostname: 'h',
        protocol: 'imap',
        conn: 'c7',
        remote: '127.0.0.1:5',
        login: 'a@b.c',
        msg: 'logged in',
      }),
    ),
    '2026-12-02T10:00:00.123Z INFO  [imap c7] logged in remote=127.0.0.1:5 login=a@b.c',
  );
  assert.equal(
    formatLogLine(JSON.stringify({ level: 40, time, msg: 'maintenance', note: 'two words', n: 3 })),
    '2026-12-02T10:00:00.123Z WARN  maintenance note="two words" n=3',
  );
  const withError = formatLogLine(
    JSON.stringify({
      level: 50,
      time,
      msg: 'failed',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (f.js:1:1)' },
    }),
  );
  assert.equal(withError.split('\n')[0], '2026-12-02T10:00:00.123Z ERROR failed err="Error: boom"');
  assert.match(withError, /\n {4}at x \(f\.js:1:1\)$/);
  assert.equal(formatLogLine('not json\n'), 'not json');
});
