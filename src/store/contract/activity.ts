import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailEvent } from '../activity.js';
import { appendSample, createUser, mailboxId, type OpenStore, withStore } from './fixture.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function event(overrides: Partial<MailEvent> = {}): MailEvent {
  return {
    at: new Date(T0),
    outcome: 'delivered',
    protocol: 'lmtp',
    sender: 'someone@example.net',
    recipient: 'alice@example.org',
    accountId: null,
    size: 1234,
    reason: null,
    remoteAddress: '127.0.0.1',
    ...overrides,
  };
}

export function activityContract(open: OpenStore): void {
  describe('activity', () => {
    it('sums logins per protocol and device, newest first, and drops logins of unknown accounts', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        const bob = await createUser(store, 'bob@example.org');
        await store.recordActivity({
          logins: [
            { accountId: alice.id, protocol: 'pop3', device: '10.0.0.1', at: new Date(T0) },
            { accountId: alice.id, protocol: 'pop3', device: '10.0.0.1', at: new Date(T0 + 60_000) },
            { accountId: alice.id, protocol: 'imap', device: '10.0.0.2', at: new Date(T0 + 30_000) },
            { accountId: bob.id, protocol: 'imap', device: '10.0.0.9', at: new Date(T0) },
            { accountId: 99_999, protocol: 'imap', device: 'ghost', at: new Date(T0) },
          ],
        });
        // A batch may come late: an older login must not move last-seen back.
        await store.recordActivity({
          logins: [{ accountId: alice.id, protocol: 'pop3', device: '10.0.0.1', at: new Date(T0 - 5_000) }],
        });
        const history = await store.loginHistory(alice.id, new Date(T0 - DAY));
        assert.deepEqual(history, [
          {
            protocol: 'pop3',
            device: '10.0.0.1',
            firstSeen: new Date(T0),
            lastSeen: new Date(T0 + 60_000),
            logins: 3,
          },
          {
            protocol: 'imap',
            device: '10.0.0.2',
            firstSeen: new Date(T0 + 30_000),
            lastSeen: new Date(T0 + 30_000),
            logins: 1,
          },
        ]);
        assert.deepEqual(
          (await store.loginHistory(alice.id, new Date(T0 + 45_000))).map((d) => d.protocol),
          ['pop3'],
          'since filters by last seen',
        );
        assert.equal((await store.loginHistory(bob.id, new Date(0))).length, 1);
      }));

    it('keeps mail events newest first, per account or all, and keeps them when the account goes', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        await store.recordActivity({
          mailEvents: [
            event({ accountId: alice.id, at: new Date(T0) }),
            event({
              outcome: 'refused',
              recipient: 'nobody@example.org',
              reason: '550 5.1.1 No such user',
              size: null,
              at: new Date(T0 + 1_000),
            }),
            event({ accountId: alice.id, at: new Date(T0 + 2_000), protocol: 'smtp', sender: '' }),
          ],
        });
        const all = await store.recentMailEvents({ limit: 10 });
        assert.deepEqual(
          all.map((e) => [e.outcome, e.protocol, e.recipient]),
          [
            ['delivered', 'smtp', 'alice@example.org'],
            ['refused', 'lmtp', 'nobody@example.org'],
            ['delivered', 'lmtp', 'alice@example.org'],
          ],
        );
        assert.equal(all[1]!.reason, '550 5.1.1 No such user');
        assert.equal(all[1]!.size, null);
        assert.equal(all[0]!.sender, '');
        assert.ok(all.every((e) => typeof e.id === 'number'));
        assert.equal((await store.recentMailEvents({ limit: 2 })).length, 2);
        assert.equal((await store.recentMailEvents({ limit: 10, accountId: alice.id })).length, 2);
        assert.equal((await store.recentMailEvents({ limit: 10, since: new Date(T0 + 1_000) })).length, 2);

        await store.deleteAccount(alice.login);
        const after = await store.recentMailEvents({ limit: 10 });
        assert.equal(after.length, 3);
        assert.ok(after.every((e) => e.accountId === null));
      }));

    it("samples every account's usage once per day, the day's last sample winning", () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        const bob = await createUser(store, 'bob@example.org');
        const inbox = await mailboxId(store, alice.id);
        assert.equal(await store.recordUsageSamples(new Date(T0)), 2);
        await appendSample(store, alice.id, inbox, { bytes: 1000 });
        await store.recordUsageSamples(new Date(T0 + 3_600_000));
        await appendSample(store, alice.id, inbox, { bytes: 500 });
        await store.recordUsageSamples(new Date(T0 + 2 * DAY));
        assert.deepEqual(await store.usageHistory(alice.id, new Date(T0 - 30 * DAY)), [
          { day: '2026-01-10', bytes: 1000, messages: 1 },
          { day: '2026-01-12', bytes: 1500, messages: 2 },
        ]);
        assert.deepEqual(await store.usageHistory(alice.id, new Date(T0 + DAY)), [
          { day: '2026-01-12', bytes: 1500, messages: 2 },
        ]);
        assert.equal((await store.usageHistory(bob.id, new Date(0))).length, 2);
      }));

    it('prunes old events, logins, samples and expired web sessions', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        await store.recordActivity({
          logins: [
            { accountId: alice.id, protocol: 'imap', device: 'old', at: new Date(T0 - 100 * DAY) },
            { accountId: alice.id, protocol: 'imap', device: 'new', at: new Date(T0) },
          ],
          mailEvents: [event({ at: new Date(T0 - 100 * DAY) }), event({ at: new Date(T0) })],
        });
        await store.recordUsageSamples(new Date(T0 - 500 * DAY));
        await store.recordUsageSamples(new Date(T0));
        const session = {
          accountId: alice.id,
          purpose: 'session' as const,
          csrfToken: 'c',
          createdAt: new Date(T0 - DAY),
        };
        await store.createWebSession({ ...session, tokenHash: 'expired', expiresAt: new Date(T0 - 1) });
        await store.createWebSession({ ...session, tokenHash: 'live', expiresAt: new Date(T0 + DAY) });

        const removed = await store.pruneActivity({
          before: new Date(T0 - 90 * DAY),
          usageBefore: new Date(T0 - 400 * DAY),
          now: new Date(T0),
        });
        assert.equal(removed, 4);
        assert.deepEqual(
          (await store.loginHistory(alice.id, new Date(0))).map((d) => d.device),
          ['new'],
        );
        assert.equal((await store.recentMailEvents({ limit: 10 })).length, 1);
        assert.equal((await store.usageHistory(alice.id, new Date(0))).length, 1);
        assert.ok(await store.getWebSession('live', new Date(T0)));
      }));
  });
}
