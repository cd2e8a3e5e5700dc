import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimitedErrors } from './rate-limited-log.js';

test('logs the first error of a kind at once, counts repeats and reports them with the next line', () => {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const clock = { t: 0, now: () => clock.t };
  const errors = new RateLimitedErrors(
    { error: (fields, message) => lines.push({ fields: fields as Record<string, unknown>, message }) },
    1_000,
    clock,
  );
  const boom = new Error('boom');
  errors.report('bus listener failed', boom, { mailboxId: 7 });
  errors.report('bus listener failed', boom);
  errors.report('bus listener failed', boom);
  errors.report('refresh failed', boom);
  assert.deepEqual(
    lines.map((l) => l.message),
    ['bus listener failed', 'refresh failed'],
  );
  assert.equal(lines[0]?.fields.err, boom);
  assert.equal(lines[0]?.fields.mailboxId, 7);
  clock.t = 1_000;
  errors.report('bus listener failed', boom);
  assert.equal(lines.length, 3);
  assert.equal(lines[2]?.fields.suppressed, 2);
});

test('without a logger nothing happens', () => {
  new RateLimitedErrors(undefined).report('x', new Error('y'));
});
