import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthThrottle, delayFor, FAILURE_WINDOW_MS } from './throttle.js';

function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

describe('AuthThrottle', () => {
  test('delay grows with each failure and is capped', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map(delayFor), [0, 100, 200, 400, 800]);
    assert.equal(delayFor(50), 5_000);
  });

  test('blocks the IP after maxFailures, for blockMs, then starts afresh', () => {
    const clock = fakeClock();
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 60_000 }), clock);
    assert.equal(t.recordFailure('10.0.0.1', 'a').blocked, false);
    assert.equal(t.recordFailure('10.0.0.1', 'b').blocked, false);
    assert.deepEqual(t.check('10.0.0.1', 'c'), { blocked: false });
    assert.equal(t.recordFailure('10.0.0.1', 'c').blocked, true);
    assert.deepEqual(t.check('10.0.0.1', 'anyone'), { blocked: true, retryAfterMs: 60_000 });
    assert.deepEqual(t.check('10.0.0.2', 'anyone'), { blocked: false }, 'other IPs unaffected');
    clock.advance(59_999);
    assert.equal(t.check('10.0.0.1', 'x').blocked, true);
    clock.advance(1);
    assert.deepEqual(t.check('10.0.0.1', 'x'), { blocked: false });
    assert.equal(t.failures('ip', '10.0.0.1'), 0);
  });

  test('blocks an account attacked from many IPs', () => {
    const clock = fakeClock();
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 1_000 }), clock);
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) t.recordFailure(ip, 'victim');
    assert.equal(t.check('4.4.4.4', 'victim').blocked, true);
    assert.equal(t.check('4.4.4.4', 'someone-else').blocked, false);
  });

  test('a success resets the account counter but not the IP counter', () => {
    const t = new AuthThrottle(() => ({ maxFailures: 10, blockMs: 1_000 }), fakeClock());
    t.recordFailure('1.1.1.1', 'alice');
    t.recordFailure('1.1.1.1', 'alice');
    t.recordSuccess('alice');
    assert.equal(t.failures('login', 'alice'), 0);
    assert.equal(t.failures('ip', '1.1.1.1'), 2);
    assert.equal(
      t.recordFailure('1.1.1.1', 'alice').delayMs,
      delayFor(3),
      'delay follows the larger counter',
    );
  });

  test('failures are forgotten after a quiet window', () => {
    const clock = fakeClock();
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 1_000 }), clock);
    t.recordFailure('1.1.1.1', 'a');
    t.recordFailure('1.1.1.1', 'a');
    clock.advance(FAILURE_WINDOW_MS + 1);
    assert.equal(t.recordFailure('1.1.1.1', 'a').blocked, false);
    assert.equal(t.failures('ip', '1.1.1.1'), 1);
  });

  test('settings are read live (config reload)', () => {
    const settings = { maxFailures: 5, blockMs: 1_000 };
    const t = new AuthThrottle(() => settings, fakeClock());
    t.recordFailure('1.1.1.1', 'a');
    settings.maxFailures = 2;
    assert.equal(t.recordFailure('1.1.1.1', 'a').blocked, true);
  });
});
