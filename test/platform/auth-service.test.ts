import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { Writable } from 'node:stream';
import { describe, type TestContext, test } from 'node:test';
import pino from 'pino';
import { defaultConfig, mergeConfig } from '../../src/config/config.js';
import { REDACT_PATHS, silentLogger } from '../../src/lib/log.js';
import type { AuthRequest } from '../../src/server/auth/auth.js';
import { hashPassword, isPasswordHash, verifyPassword } from '../../src/server/auth/password.js';
import { createAuthService } from '../../src/server/auth/service.js';
import { createRootLogger } from '../../src/server/logging.js';
import type { Account, Store } from '../../src/store/store.js';

const FAST = { N: 1024, r: 8, p: 1 };

/**
 * Counts calls of crypto.scrypt, the asynchronous (thread-pool) function every hash and verification
 * goes through: work is counted, not timed. The module's named import follows the spy once
 * syncBuiltinESMExports() has run.
 */
function countScrypt(t: TestContext): () => number {
  const spy = t.mock.method(crypto, 'scrypt');
  syncBuiltinESMExports();
  t.after(() => {
    spy.mock.restore();
    syncBuiltinESMExports();
  });
  return () => spy.mock.callCount();
}

function fakeStore() {
  const users = new Map<string, { account: Account; passwordHash: string }>();
  let failing = false;
  const store = {
    async getPasswordHash(login: string) {
      if (failing) throw new Error('database is locked');
      return users.get(login) ?? null;
    },
  } as unknown as Store;
  return {
    store,
    add(login: string, passwordHash: string) {
      const account: Account = {
        id: users.size + 1,
        login,
        quotaBytes: null,
        quotaMessages: null,
        retentionDays: null,
        popDeletePolicy: null,
        popMarkSeen: null,
        admin: false,
        createdAt: new Date(),
      };
      users.set(login, { account, passwordHash });
      return account;
    },
    fail(on: boolean) {
      failing = on;
    },
  };
}

function fakeClock() {
  const clock = { t: 5_000_000, now: () => clock.t };
  return clock;
}

const req = (login: string, password: string, remoteAddress = '192.0.2.1'): AuthRequest => ({
  login,
  password,
  remoteAddress,
  protocol: 'imap',
});

describe('password hashing', () => {
  test('scrypt hash format, verify, and rejection of malformed hashes', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^\$scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.equal(isPasswordHash(hash), true);
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horsE', hash), false);
    assert.notEqual(await hashPassword('correct horse'), hash, 'salted');
    for (const bad of [
      '',
      'plain',
      '$scrypt$N=3,r=8,p=1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==',
      `${hash}$x`,
      '$scrypt$N=2097152,r=8,p=1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==',
    ]) {
      assert.equal(await verifyPassword('x', bad), false, bad);
      assert.equal(isPasswordHash(bad), false);
    }
  });

  test('hashing runs off the event loop: on the thread pool, nothing finishes before the loop turns', async (t) => {
    const scryptCalls = countScrypt(t);
    const finished: number[] = [];
    const hashes = Array.from({ length: 8 }, (_, i) =>
      hashPassword(`pw${i}`).then((hash) => {
        finished.push(i);
        return hash;
      }),
    );
    // Thread-pool results are delivered in the event loop's poll phase, which cannot run while this
    // test only awaits microtasks; a synchronous hash (scryptSync) would have settled by now.
    for (let i = 0; i < 100; i++) await Promise.resolve();
    assert.deepEqual(finished, [], 'no hash finished without the event loop turning');
    assert.equal(scryptCalls(), 8, 'every hash went to the asynchronous crypto.scrypt');
    const done = await Promise.all(hashes);
    for (let i = 0; i < done.length; i++) assert.equal(await verifyPassword(`pw${i}`, done[i]!), true);
  });
});

describe('auth service', () => {
  test('authenticates, normalises the login, rejects wrong and unknown', async () => {
    const s = fakeStore();
    const auth = createAuthService(s.store, defaultConfig('/tmp'), silentLogger(), {
      scrypt: FAST,
      sleep: async () => {},
    });
    const account = s.add('alice@example.com', await auth.hashPassword('pw'));
    const ok = await auth.authenticate(req(' Alice@Example.COM ', 'pw'));
    assert.deepEqual(ok, { ok: true, account });
    assert.deepEqual(await auth.authenticate(req('alice@example.com', 'PW')), {
      ok: false,
      reason: 'invalid',
    });
    assert.deepEqual(await auth.authenticate(req('bob@example.com', 'pw')), { ok: false, reason: 'invalid' });
    assert.deepEqual(await auth.authenticate(req('', 'pw')), { ok: false, reason: 'invalid' });
    assert.deepEqual(await auth.authenticate(req('alice@example.com', 'x'.repeat(5000))), {
      ok: false,
      reason: 'invalid',
    });
  });

  test('a store failure is temporary, not a wrong password', async () => {
    const s = fakeStore();
    const auth = createAuthService(s.store, defaultConfig('/tmp'), silentLogger(), { scrypt: FAST });
    s.fail(true);
    assert.deepEqual(await auth.authenticate(req('alice@example.com', 'pw')), {
      ok: false,
      reason: 'temporary',
    });
    assert.equal(await auth.throttle.failures('ip', '192.0.2.1'), 0, 'no penalty for our own failure');
  });

  test('the cache skips scrypt for repeated logins and follows password changes', async (t) => {
    const s = fakeStore();
    const auth = createAuthService(s.store, defaultConfig('/tmp'), silentLogger(), { scrypt: FAST });
    s.add('alice@example.com', await auth.hashPassword('pw'));
    const scryptCalls = countScrypt(t);
    const login = async (password: string) =>
      (await auth.authenticate(req('alice@example.com', password))).ok;
    assert.equal(await login('pw'), true);
    assert.equal(scryptCalls(), 1, 'the first login verifies the hash');
    for (let i = 0; i < 100; i++) assert.equal(await login('pw'), true);
    assert.equal(scryptCalls(), 1, 'cached logins run no scrypt');
    assert.equal(auth.cache.entryCount, 1);

    // Another process (the CLI) changes the hash: the cached verification no longer counts.
    s.add('alice@example.com', await auth.hashPassword('new'));
    const afterChange = scryptCalls();
    assert.equal(await login('pw'), false);
    assert.equal(scryptCalls(), afterChange + 1, 'the old password is checked against the new hash');
    assert.equal(await login('new'), true);
    assert.equal(await login('new'), true);
    assert.equal(scryptCalls(), afterChange + 2, 'the new password is verified once, then cached');
    auth.invalidate('ALICE@example.com');
    assert.equal(auth.cache.entryCount, 0);
    assert.equal(await login('new'), true);
    assert.equal(scryptCalls(), afterChange + 3, 'after invalidate() the hash is verified again');
  });

  test('throttling: growing delay, the address blocked for the account after maxAuthFailures, the owner elsewhere never', async () => {
    const s = fakeStore();
    const clock = fakeClock();
    const sleeps: number[] = [];
    const config = mergeConfig(defaultConfig('/tmp'), {
      limits: { maxAuthFailures: 3, authBlockSeconds: 60 },
    });
    const auth = createAuthService(s.store, config, silentLogger(), {
      scrypt: FAST,
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    s.add('alice@example.com', await auth.hashPassword('pw'));

    for (let i = 0; i < 2; i++)
      assert.equal((await auth.authenticate(req('alice@example.com', 'bad'))).ok, false);
    assert.equal((await auth.authenticate(req('alice@example.com', 'pw'))).ok, true, 'below the limit');
    assert.equal(await auth.throttle.failures('login', 'alice@example.com'), 0, 'success reset the account');
    assert.equal(await auth.throttle.failures('ip', '192.0.2.1'), 2, 'the IP counter stays');

    for (let i = 0; i < 3; i++)
      assert.equal((await auth.authenticate(req('alice@example.com', 'bad'))).ok, false);
    assert.deepEqual(sleeps, [100, 200, 400, 800, 1600], 'the delay follows the address counter');
    const blocked = await auth.authenticate(req('alice@example.com', 'pw'));
    assert.deepEqual(blocked, { ok: false, reason: 'blocked', retryAfterMs: 60_000 });
    // The owner from another address is not locked out by the attacker's failures.
    assert.equal((await auth.authenticate(req('alice@example.com', 'pw', '198.51.100.7'))).ok, true);
    // Counters live in the service, not the connection: a "reconnect" from the same IP is still blocked.
    assert.equal((await auth.authenticate(req('alice@example.com', 'pw'))).ok, false);
    clock.t += 60_000;
    assert.equal((await auth.authenticate(req('alice@example.com', 'pw'))).ok, true);
  });

  test('failures are logged with login and address, never the password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = pino({ level: 'debug', redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } }, sink);
    const s = fakeStore();
    const auth = createAuthService(s.store, defaultConfig('/tmp'), log, {
      scrypt: FAST,
      sleep: async () => {},
    });
    s.add('alice@example.com', await auth.hashPassword('Sup3rSecret!'));
    await auth.authenticate(req('alice@example.com', 'Wr0ngSecret!'));
    await auth.authenticate(req('alice@example.com', 'Sup3rSecret!'));
    log.info({ password: 'Sup3rSecret!', request: { password: 'Sup3rSecret!' } }, 'careless');
    const text = lines.join('');
    assert.match(text, /authentication failed/);
    assert.match(text, /"login":"alice@example.com"/);
    assert.match(text, /"remoteAddress":"192.0.2.1"/);
    assert.doesNotMatch(text, /Sup3rSecret|Wr0ngSecret/);
    assert.match(text, /\[redacted\]/);
  });

  test('createRootLogger applies the same redaction', () => {
    const log = createRootLogger({ level: 'silent' });
    assert.equal(log.level, 'silent');
  });
});
