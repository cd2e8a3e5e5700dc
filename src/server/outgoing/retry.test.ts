import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delayWarningDue, expiresAt, isExpired, nextAttemptAt } from './retry.js';

const policy = { firstMinutes: 5, maxMinutes: 240, expireHours: 120, delayWarningHours: 4 };
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

test('retries after 5 minutes, doubling up to 4 hours', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempts) => {
    const now = T0 + 1000 * MINUTE;
    return (nextAttemptAt(policy, T0, attempts, now) - now) / MINUTE;
  });
  assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 240, 240, 240]);
});

test('the last retry is at the expiry time, and the message expires then', () => {
  const end = expiresAt(policy, T0);
  assert.equal(end, T0 + 120 * 60 * MINUTE);
  assert.equal(nextAttemptAt(policy, T0, 30, end - MINUTE), end);
  assert.equal(isExpired(policy, T0, end - 1), false);
  assert.equal(isExpired(policy, T0, end), true);
  assert.equal(nextAttemptAt(policy, T0, 30, end + MINUTE), end + MINUTE, 'never in the past');
});

test('one delay warning after delayWarningHours, none when disabled', () => {
  const fourHours = 4 * 60 * MINUTE;
  assert.equal(delayWarningDue(policy, { createdAt: T0, warnedAt: null }, T0 + fourHours - 1), false);
  assert.equal(delayWarningDue(policy, { createdAt: T0, warnedAt: null }, T0 + fourHours), true);
  assert.equal(
    delayWarningDue(policy, { createdAt: T0, warnedAt: T0 + fourHours }, T0 + 2 * fourHours),
    false,
  );
  assert.equal(
    delayWarningDue(
      { ...policy, delayWarningHours: 0 },
      { createdAt: T0, warnedAt: null },
      T0 + 10 * fourHours,
    ),
    false,
  );
});
