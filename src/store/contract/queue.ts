import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BlobTamper, fileBlobTamper, ManualClock, type OpenStore, withStore } from './fixture.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const MINUTE = 60_000;

export function queueContract(open: OpenStore, tamper: BlobTamper = fileBlobTamper): void {
  describe('outgoing queue', () => {
    it('enqueues durably with recipients, DSN parameters and due times', () =>
      withStore(open, async (fx) => {
        const blob = await fx.store.blobs.put(Buffer.from('Subject: out\r\n\r\nbody\r\n'));
        const queued = await fx.store.enqueue({
          blob,
          sender: 'alice@example.org',
          ret: 'HDRS',
          envid: 'env-1',
          recipients: [
            { address: 'bob@Remote.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;bob@remote.test' },
            { address: 'carol@other.test' },
          ],
          now: T0,
        });
        assert.equal(queued.sender, 'alice@example.org');
        assert.deepEqual(queued.blob, blob);
        assert.equal(queued.ret, 'HDRS');
        assert.equal(queued.envid, 'env-1');
        assert.equal(queued.createdAt, T0);
        assert.deepEqual(
          queued.recipients.map((r) => [r.address, r.domain, r.notify, r.orcpt, r.state, r.nextAttempt]),
          [
            [
              'bob@Remote.test',
              'remote.test',
              ['SUCCESS', 'FAILURE'],
              'rfc822;bob@remote.test',
              'queued',
              T0,
            ],
            ['carol@other.test', 'other.test', [], null, 'queued', T0],
          ],
        );
        const store = await fx.reopen();
        assert.deepEqual(await store.getQueued(queued.id), queued);
        assert.deepEqual(await store.listQueue(), [queued]);
        assert.deepEqual(await store.queueSummary(), {
          messages: 1,
          recipients: 2,
          bytes: blob.size,
          oldest: T0,
        });
      }));

    it('hands out due work, records outcomes and removes a finished message', () =>
      withStore(open, async ({ store }) => {
        const blob = await store.blobs.put(Buffer.from('Subject: due\r\n\r\n'));
        const a = await store.enqueue({
          blob,
          sender: '',
          recipients: [{ address: 'x@a.test' }, { address: 'y@b.test' }],
          now: T0,
        });
        const b = await store.enqueue({
          blob,
          sender: 's@example.org',
          recipients: [{ address: 'z@a.test' }],
          now: T0 + MINUTE,
        });
        assert.deepEqual(
          (await store.dueQueue(T0, 10)).map((m) => m.id),
          [a.id],
        );
        assert.deepEqual(
          (await store.dueQueue(T0 + MINUTE, 10)).map((m) => m.id),
          [a.id, b.id],
        );
        assert.equal(await store.nextQueueAttempt(), T0);
        assert.deepEqual(
          (await store.dueQueue(T0 + MINUTE, 1)).map((m) => m.id),
          [a.id],
          'limit',
        );
        assert.deepEqual(
          (await store.dueQueue(T0 + MINUTE, 10, a.id)).map((m) => m.id),
          [b.id],
          'after an id',
        );

        const after = await store.recordAttempt(
          a.id,
          [
            { address: 'x@a.test', outcome: 'delivered', reply: '250 2.0.0 Ok' },
            {
              address: 'y@b.test',
              outcome: 'deferred',
              reply: '451 4.3.0 later',
              nextAttempt: T0 + 5 * MINUTE,
            },
          ],
          T0,
        );
        assert.ok(after);
        const [x, y] = after.recipients;
        assert.deepEqual([x!.state, x!.attempts, x!.lastReply], ['delivered', 1, '250 2.0.0 Ok']);
        assert.deepEqual(
          [y!.state, y!.attempts, y!.nextAttempt, y!.lastAttempt],
          ['queued', 1, T0 + 5 * MINUTE, T0],
        );
        assert.deepEqual(
          (await store.dueQueue(T0 + MINUTE, 10)).map((m) => m.id),
          [b.id],
        );
        assert.equal(await store.nextQueueAttempt(), T0 + MINUTE);

        // A final outcome for the last waiting recipient removes the message.
        const done = await store.recordAttempt(
          a.id,
          [{ address: 'y@b.test', outcome: 'failed', reply: '550 5.1.1 no such user' }],
          T0 + 5 * MINUTE,
        );
        assert.equal(done, null);
        assert.equal(await store.getQueued(a.id), null);
        // Recording for a message that is gone is a no-op.
        assert.equal(await store.recordAttempt(a.id, [], T0), null);
        assert.equal((await store.queueSummary()).messages, 1);
      }));

    it('reschedules, marks the delay warning and deletes', () =>
      withStore(open, async ({ store }) => {
        const blob = await store.blobs.put(Buffer.from('Subject: r\r\n\r\n'));
        const m = await store.enqueue({
          blob,
          sender: 'a@example.org',
          recipients: [{ address: 'b@c.test' }],
          now: T0,
        });
        await store.recordAttempt(
          m.id,
          [
            {
              address: 'b@c.test',
              outcome: 'deferred',
              reply: 'connect ECONNREFUSED',
              nextAttempt: T0 + 60 * MINUTE,
            },
          ],
          T0,
        );
        assert.deepEqual(await store.dueQueue(T0 + MINUTE, 10), []);
        assert.equal(await store.rescheduleQueue(m.id, T0 + MINUTE), 1);
        assert.deepEqual(
          (await store.dueQueue(T0 + MINUTE, 10)).map((q) => q.id),
          [m.id],
        );
        assert.equal(await store.rescheduleQueue(null, T0 + 2 * MINUTE), 1);
        await assert.rejects(store.rescheduleQueue(m.id + 100, T0), { code: 'NOT_FOUND' });
        await store.markWarned(m.id, T0 + 3 * MINUTE);
        assert.equal((await store.getQueued(m.id))?.warnedAt, T0 + 3 * MINUTE);
        await store.deleteQueued(m.id);
        assert.equal(await store.getQueued(m.id), null);
        await assert.rejects(store.deleteQueued(m.id), { code: 'NOT_FOUND' });
        assert.deepEqual(await store.queueSummary(), { messages: 0, recipients: 0, bytes: 0, oldest: null });
      }));

    it('refuses a recipient without a domain, no recipients and a bad NOTIFY', () =>
      withStore(open, async ({ store }) => {
        const blob = await store.blobs.put(Buffer.from('x'));
        await assert.rejects(store.enqueue({ blob, sender: '', recipients: [] }), { code: 'BAD_INPUT' });
        await assert.rejects(store.enqueue({ blob, sender: '', recipients: [{ address: 'nodomain' }] }), {
          code: 'BAD_INPUT',
        });
        await assert.rejects(
          store.enqueue({
            blob,
            sender: '',
            recipients: [{ address: 'a@b.test', notify: ['SOMETIMES' as 'NEVER'] }],
          }),
          { code: 'BAD_INPUT' },
        );
      }));

    it('refuses to queue a message whose blob is gone (TEMP), like a delivery', () =>
      withStore(open, async ({ store, dataDir }) => {
        const blob = await store.blobs.put(Buffer.from('vanishing'));
        await tamper.lose(dataDir, blob.id);
        await assert.rejects(
          store.enqueue({ blob, sender: 'a@example.org', recipients: [{ address: 'b@c.test' }] }),
          {
            code: 'TEMP',
          },
        );
        assert.equal((await store.queueSummary()).messages, 0);
      }));

    it('garbage collection keeps a queued message blob and collects it once the message is done', () =>
      withStore(open, async ({ store, dataDir }) => {
        const blob = await store.blobs.put(Buffer.from('Subject: keep me\r\n\r\n'));
        const m = await store.enqueue({
          blob,
          sender: 'a@example.org',
          recipients: [{ address: 'b@c.test' }],
        });
        await tamper.age(dataDir, blob.id);
        assert.equal((await store.collectGarbage({ graceMs: 60_000 })).removed, 0);
        assert.equal(await store.blobs.exists(blob.id), true);
        const report = await store.checkIntegrity();
        assert.equal(report.unreferenced.collectable, 0, 'a queued blob is referenced');

        await store.recordAttempt(
          m.id,
          [{ address: 'b@c.test', outcome: 'delivered', reply: '250 ok' }],
          Date.now(),
        );
        assert.equal((await store.collectGarbage({ graceMs: 60_000 })).removed, 1);
        assert.equal(await store.blobs.exists(blob.id), false);
      }));

    it('reports a queued message whose blob is missing', () =>
      withStore(open, async ({ store, dataDir }) => {
        const blob = await store.blobs.put(Buffer.from('Subject: lost\r\n\r\n'));
        await store.enqueue({ blob, sender: 'a@example.org', recipients: [{ address: 'b@c.test' }] });
        await tamper.lose(dataDir, blob.id);
        const report = await store.checkIntegrity();
        assert.deepEqual(
          report.problems.map((p) => p.kind),
          ['missing-blob'],
        );
      }));

    it('uses the store clock when no time is given', async () => {
      const clock = new ManualClock(T0);
      await withStore(
        (dir, extra) => open(dir, { ...extra, clock }),
        async ({ store }) => {
          const blob = await store.blobs.put(Buffer.from('clock'));
          const m = await store.enqueue({ blob, sender: '', recipients: [{ address: 'a@b.test' }] });
          assert.equal(m.createdAt, T0);
          assert.equal(m.recipients[0]?.nextAttempt, T0);
        },
      );
    });
  });
}
