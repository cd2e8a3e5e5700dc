import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUTH_ADDRESS_FAILURE_FACTOR, AUTH_MAX_DELAY_MS } from '../../lib/limits.js';
import { AuthThrottle, delayFor, FAILURE_WINDOW_MS } from './throttle.js';

function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

describe('AuthThrottle', async () => {
  test('delay grows with each failure and is capped', async () => {
    assert.deepEqual([0, 1, 2, 3, 4].map(delayFor), [0, 100, 200, 400, 800]);
    assert.equal(delayFor(50), 5_000);
  });

  test('blocks an address for one account after maxFailures, for blockMs, then starts afresh', async () => {
    const clock = fakeClock();
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 60_000 }), clock);
    assert.equal((await t.recordFailure('10.0.0.1', 'a')).blocked, false);
    assert.equal((await t.recordFailure('10.0.0.1', 'a')).blocked, false);
    assert.deepEqual(await t.check('10.0.0.1', 'a'), { blocked: false });
    assert.equal((await t.recordFailure('10.0.0.1', 'a')).blocked, true);
    assert.deepEqual(await t.check('10.0.0.1', 'a'), { blocked: true, retryAfterMs: 60_000 });
    assert.deepEqual(await t.check('10.0.0.1', 'b'), { blocked: false }, 'other accounts from that address');
    assert.deepEqual(await t.check('10.0.0.2', 'a'), { blocked: false }, 'the account from other addresses');
    clock.advance(59_999);
    assert.equal((await t.check('10.0.0.1', 'a')).blocked, true);
    clock.advance(1);
    assert.deepEqual(await t.check('10.0.0.1', 'a'), { blocked: false });
    assert.equal(await t.failures('ip+login', '10.0.0.1 a'), 0);
  });

  test(`blocks an address for everyone after ${AUTH_ADDRESS_FAILURE_FACTOR} × maxFailures over any accounts`, async () => {
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 1_000 }), fakeClock());
    const limit = 3 * AUTH_ADDRESS_FAILURE_FACTOR;
    for (let i = 1; i < limit; i++)
      assert.equal((await t.recordFailure('10.0.0.1', `user${i}`)).blocked, false);
    assert.equal((await t.check('10.0.0.1', 'fresh')).blocked, false);
    assert.equal((await t.recordFailure('10.0.0.1', `user${limit}`)).blocked, true);
    assert.equal((await t.check('10.0.0.1', 'fresh')).blocked, true);
    assert.equal((await t.check('10.0.0.2', 'fresh')).blocked, false);
  });

  test('an account attacked from many addresses is slowed down but never blocked', async () => {
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 1_000 }), fakeClock());
    let last = { delayMs: 0, blocked: false };
    for (let i = 0; i < 50; i++) last = await t.recordFailure(`10.1.0.${i}`, 'victim');
    assert.equal(last.blocked, false);
    assert.equal(last.delayMs, AUTH_MAX_DELAY_MS, 'failures are delayed, up to the cap');
    assert.equal(await t.failures('login', 'victim'), 50);
    assert.deepEqual(await t.check('127.0.0.1', 'victim'), { blocked: false }, 'the owner gets through');
  });

  test("a success resets the account's counters but not the address's", async () => {
    const t = new AuthThrottle(() => ({ maxFailures: 10, blockMs: 1_000 }), fakeClock());
    await t.recordFailure('1.1.1.1', 'alice');
    await t.recordFailure('1.1.1.1', 'alice');
    await t.recordSuccess('1.1.1.1', 'alice');
    assert.equal(await t.failures('login', 'alice'), 0);
    assert.equal(await t.failures('ip+login', '1.1.1.1 alice'), 0);
    assert.equal(await t.failures('ip', '1.1.1.1'), 2);
    assert.equal(
      (await t.recordFailure('1.1.1.1', 'alice')).delayMs,
      delayFor(3),
      'delay follows the larger counter',
    );
  });

  test('failures are forgotten after a quiet window', async () => {
    const clock = fakeClock();
    const t = new AuthThrottle(() => ({ maxFailures: 3, blockMs: 1_000 }), clock);
    await t.recordFailure('1.1.1.1', 'a');
    await t.recordFailure('1.1.1.1', 'a');
    clock.advance(FAILURE_WINDOW_MS + 1);
    assert.equal((await t.recordFailure('1.1.1.1', 'a')).blocked, false);
    assert.equal(await t.failures('ip', '1.1.1.1'), 1);
  });

  test('settings are read live (config reload)', async () => {
    const settings = { maxFailures: 5, blockMs: 1_000 };
    const t = new AuthThrottle(() => settings, fakeClock());
    await t.recordFailure('1.1.1.1', 'a');
    settings.maxFailures = 2;
    assert.equal((await t.recordFailure('1.1.1.1', 'a')).blocked, true);
    assert.equal((await t.check('1.1.1.1', 'a')).blocked, true);
  });
});
