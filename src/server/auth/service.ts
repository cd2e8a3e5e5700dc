/**
 * The authentication service every protocol and the CLI use (issue 5 "Authentication"): scrypt hashes
 * verified off the event loop, an auth cache, and per-IP/per-account brute-force throttling.
 * Passwords never reach a log line; failures are logged with login, address and protocol.
 */

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { FailureCounters } from '../../bus/coordinator.js';
import type { Config } from '../../config/types.js';
import { limitsOf } from '../../lib/limits.js';
import type { Account, Store } from '../../store/store.js';
import type { AuthRequest, AuthResult, AuthService, ScramLookup, ScramRequest } from './auth.js';
import { AuthCache } from './cache.js';
import { hashPassword, type ScryptParams, verifyPassword } from './password.js';
import { decoyScramKeys, deriveScramKeys, encodeScramKeys, parseScramKeys } from './scram.js';
import { AuthThrottle, type Clock, delayFor } from './throttle.js';

/** Longer inputs are rejected before hashing (scrypt cost does not depend on them, but logs do). */
const MAX_LOGIN_LENGTH = 320;
const MAX_PASSWORD_LENGTH = 1024;

/**
 * Verified against for unknown logins so that "no such user" costs as much time as "wrong password"
 * (no account enumeration by timing). The hash value itself can never match.
 */
const DUMMY_HASH = `$scrypt$N=16384,r=8,p=1$${Buffer.alloc(16, 7).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export interface AuthServiceOptions {
  /** Time source for throttling and cache expiry (tests inject a fake clock). */
  clock?: Clock;
  /** How failure delays are waited (tests skip real waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** scrypt cost for new hashes; defaults to DEFAULT_SCRYPT_PARAMS. */
  scrypt?: ScryptParams;
  /** Where failure counters live: the coordinator's, so every worker and node counts together. */
  failures?: FailureCounters;
}

export interface LocalAuthService extends AuthService {
  readonly throttle: AuthThrottle;
  readonly cache: AuthCache;
}

export function createAuthService(
  store: Store,
  config: Pick<Config, 'limits'>,
  log: Logger,
  options: AuthServiceOptions = {},
): LocalAuthService {
  const clock = options.clock ?? Date;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const throttle = new AuthThrottle(
    () => {
      const limits = limitsOf(config);
      return { maxFailures: limits.maxAuthFailures, blockMs: limits.authBlockMs };
    },
    clock,
    options.failures,
  );
  const cache = new AuthCache(clock);

  /** Salts of decoy SCRAM keys: stable per login in this process. */
  const decoySecret = randomBytes(32);

  async function fail(request: ScramRequest, login: string, why: string): Promise<AuthResult> {
    let outcome: Awaited<ReturnType<AuthThrottle['recordFailure']>>;
    try {
      outcome = await throttle.recordFailure(request.remoteAddress, login);
    } catch (err) {
      log.error({ err, login }, 'authentication: recording a failure failed');
      outcome = { delayMs: delayFor(1), failures: 1, blocked: false };
    }
    const { delayMs, failures, blocked } = outcome;
    log.warn(
      { login, remoteAddress: request.remoteAddress, protocol: request.protocol, failures, blocked, why },
      'authentication failed',
    );
    if (delayMs > 0) await sleep(delayMs);
    return { ok: false, reason: 'invalid' };
  }

  async function forgetFailures(request: ScramRequest, login: string): Promise<void> {
    try {
      await throttle.recordSuccess(request.remoteAddress, login);
    } catch (err) {
      log.error({ err, login }, 'authentication: resetting failure counters failed');
    }
  }

  /** The throttle's verdict before any password work: a refusal to return, or null to go on. */
  async function throttleRefusal(
    request: ScramRequest,
    login: string,
  ): Promise<
    { ok: false; reason: 'temporary' } | { ok: false; reason: 'blocked'; retryAfterMs: number } | null
  > {
    let verdict: Awaited<ReturnType<AuthThrottle['check']>>;
    try {
      verdict = await throttle.check(request.remoteAddress, login);
    } catch (err) {
      log.error({ err, login }, 'authentication: throttle lookup failed');
      return { ok: false, reason: 'temporary' };
    }
    if (!verdict.blocked) return null;
    log.warn(
      { login, remoteAddress: request.remoteAddress, protocol: request.protocol },
      'authentication refused: temporarily blocked',
    );
    return { ok: false, reason: 'blocked', retryAfterMs: verdict.retryAfterMs };
  }

  async function authenticate(request: AuthRequest): Promise<AuthResult> {
    const login = request.login.trim().toLowerCase();
    const refused = await throttleRefusal(request, login);
    if (refused) return refused;
    if (!login || login.length > MAX_LOGIN_LENGTH || request.password.length > MAX_PASSWORD_LENGTH) {
      return fail(request, login.slice(0, MAX_LOGIN_LENGTH), 'malformed');
    }

    let record: Awaited<ReturnType<Store['getPasswordHash']>>;
    try {
      record = await store.getPasswordHash(login);
    } catch (err) {
      log.error({ err, login }, 'authentication: store lookup failed');
      return { ok: false, reason: 'temporary' };
    }
    if (!record) {
      await verifyPassword(request.password, DUMMY_HASH);
      return fail(request, login, 'unknown login');
    }
    if (cache.has(login, request.password, record.passwordHash)) {
      await forgetFailures(request, login);
      return { ok: true, account: record.account };
    }
    let ok: boolean;
    try {
      ok = await verifyPassword(request.password, record.passwordHash);
    } catch (err) {
      log.error({ err, login }, 'authentication: hash verification failed');
      return { ok: false, reason: 'temporary' };
    }
    if (!ok) return fail(request, login, 'wrong password');
    cache.add(login, request.password, record.passwordHash);
    if (!parseScramKeys(record.scramSha256)) await addScramKeys(login, request.password, record.passwordHash);
    await forgetFailures(request, login);
    log.debug({ login, remoteAddress: request.remoteAddress, protocol: request.protocol }, 'authenticated');
    return { ok: true, account: record.account };
  }

  /** An account from before SCRAM gets its keys at its next password login (issue 10). */
  async function addScramKeys(login: string, password: string, passwordHash: string): Promise<void> {
    try {
      const keys = encodeScramKeys(await deriveScramKeys(password));
      await store.setScramSha256(login, passwordHash, keys);
    } catch (err) {
      // The login itself has succeeded; SCRAM waits for the next one.
      log.error({ err, login }, 'authentication: storing SCRAM keys failed');
    }
  }

  async function scramKeys(request: ScramRequest): Promise<ScramLookup> {
    const login = request.login.trim().toLowerCase();
    const refused = await throttleRefusal(request, login);
    if (refused) return refused;
    let record: Awaited<ReturnType<Store['getPasswordHash']>> = null;
    if (login && login.length <= MAX_LOGIN_LENGTH) {
      try {
        record = await store.getPasswordHash(login);
      } catch (err) {
        log.error({ err, login }, 'authentication: store lookup failed');
        return { ok: false, reason: 'temporary' };
      }
    }
    const keys = parseScramKeys(record?.scramSha256);
    if (record && keys) return { ok: true, keys, account: record.account };
    // Unknown, or no keys yet: the exchange goes on with keys no proof matches, so neither shows.
    return { ok: true, keys: decoyScramKeys(login, decoySecret), account: null };
  }

  async function scramResult(
    request: ScramRequest,
    account: Account | null,
    proofOk: boolean,
  ): Promise<AuthResult> {
    const login = request.login.trim().toLowerCase().slice(0, MAX_LOGIN_LENGTH);
    if (!account) return fail(request, login, 'SCRAM: unknown login or no SCRAM keys yet');
    if (!proofOk) return fail(request, login, 'SCRAM: wrong proof');
    await forgetFailures(request, login);
    log.debug({ login, remoteAddress: request.remoteAddress, protocol: request.protocol }, 'authenticated');
    return { ok: true, account };
  }

  return {
    throttle,
    cache,
    authenticate,
    scramKeys,
    scramResult,
    hashPassword: (password) => hashPassword(password, options.scrypt),
    async passwordRecord(password) {
      const [passwordHash, keys] = await Promise.all([
        hashPassword(password, options.scrypt),
        deriveScramKeys(password),
      ]);
      return { passwordHash, scramSha256: encodeScramKeys(keys) };
    },
    invalidate: (login) => cache.invalidate(login.trim().toLowerCase()),
  };
}
