import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ImapReceiver } from './receiver.js';
import { replay } from './test-support.js';

const limits = {
  maxLineLength: 2048,
  maxLiteralSize: 1024,
  maxCommandSize: 4096,
  maxAppendSize: 4096,
  maxDiscardSize: 8192,
};

/** Fragments that exercise the grammar: commands, literal markers, parentheses, quotes, junk. */
const fragment = fc.oneof(
  fc.constantFrom(
    'a1 ',
    'NOOP',
    'FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.10>)',
    'SEARCH ',
    'OR ',
    'NOT ',
    '(',
    ')',
    'APPEND INBOX ',
    '(\\Seen) ',
    '" 1-Feb-2020 10:00:00 +0000" ',
    '{5}',
    '{3+}',
    '~{2+}',
    '{4294967296}',
    '{0+}',
    '\r\n',
    '\n',
    '"q\\"x"',
    'LOGIN ',
    'IDLE',
    'DONE',
    'AUTHENTICATE PLAIN',
    '*',
    ' ',
    'UID ',
    '\u0000',
    '\u00ff',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
);

describe('receiver properties (fast-check)', () => {
  it('random bytes never throw, and memory stays bounded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 512 }), (bytes, chunk) => {
        const r = new ImapReceiver(limits);
        for (let i = 0; i < bytes.length; i += chunk) {
          r.push(Buffer.from(bytes.subarray(i, i + chunk)));
          for (let ev = r.next(); ev; ev = r.next()) {
            if (ev.type === 'command' && ev.command.name === 'IDLE') r.startIdle();
          }
          // After draining, nothing is left queued: state is bounded by the limits, not by input.
          assert.equal(r.bufferedBytes, 0);
          assert.ok(r.heldBytes <= limits.maxLineLength + limits.maxCommandSize, `held ${r.heldBytes}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('grammar-shaped input: same events for every chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 40 }),
        fc.integer({ min: 1, max: 512 }),
        fc.integer({ min: 1, max: 1000 }),
        (parts, maxChunk, seed) => {
          const input = Buffer.from(parts.join(''), 'latin1');
          const whole = JSON.stringify(replay(input, { receiver: limits }));
          const chunked = JSON.stringify(replay(input, { receiver: limits, maxChunk, seed }));
          assert.equal(chunked, whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a valid command after any garbage line is still understood', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (garbage) => {
        fc.pre(!/[{}\n]/.test(garbage));
        const events = replay(`${garbage}\r\nz9 NOOP\r\n`, { receiver: limits, react: () => {} });
        const last = events[events.length - 1];
        assert.deepEqual(last, { type: 'command', tag: 'z9', command: { name: 'NOOP' } });
      }),
      { numRuns: 200 },
    );
  });
});
