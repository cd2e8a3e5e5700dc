import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../lib/limits.js';
import { UserConnections } from './user-connections.js';

test('slots per user and protocol, released idempotently, limit read live', async () => {
  const config = { limits: { ...DEFAULT_LIMITS, maxConnectionsPerUser: 2 } };
  const u = new UserConnections(config);
  const a = await u.acquire('imap', 1);
  const b = await u.acquire('imap', 1);
  assert.ok(a && b);
  assert.equal(await u.acquire('imap', 1), null);
  assert.ok(await u.acquire('pop3', 1), 'other protocol has its own count');
  assert.ok(await u.acquire('imap', 2), 'other user has its own count');
  a();
  a();
  assert.equal(u.count('imap', 1), 1);
  assert.ok(await u.acquire('imap', 1));
  config.limits.maxConnectionsPerUser = 3;
  assert.ok(await u.acquire('imap', 1));
});
