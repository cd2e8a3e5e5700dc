import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendSample, createUser, mailboxId, type OpenStore, withStore } from './fixture.js';

/** A small deterministic PRNG, so a failure replays the same operations. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export function invariantContract(open: OpenStore): void {
  describe('invariants under concurrent mixed operations', () => {
    it('keeps UIDs increasing, modseqs monotonic, quota usage exact and the store consistent', () =>
      withStore(open, async (fx) => {
        const account = await createUser(fx.store, 'mix@x.org', { quotaMessages: 150 });
        const inbox = await mailboxId(fx.store, account.id);
        const archive = await mailboxId(fx.store, account.id, 'Archive');
        const next = random(42);
        const lastUid = new Map<number, number>([
          [inbox, 0],
          [archive, 0],
        ]);
        const lastModseq = new Map<number, number>();

        for (let round = 0; round < 8; round++) {
          const store = fx.store;
          const ops: Promise<unknown>[] = [];
          // Settled below; a backend may reject one (OVER_QUOTA) while later ones are still being queued.
          const add = (op: Promise<unknown>) => {
            op.catch(() => {});
            ops.push(op);
          };
          for (let i = 0; i < 30; i++) {
            const box = next() < 0.5 ? inbox : archive;
            const other = box === inbox ? archive : inbox;
            const uids = Array.from((await store.getIndex(box)).uids);
            const pick = uids.filter(() => next() < 0.3);
            const roll = next();
            if (roll < 0.45) add(appendSample(store, account.id, box, { n: `${round}-${i}`, bytes: 40 }));
            else if (roll < 0.65) {
              // Keywords come and go too, so mailboxKeywords is checked against the records below.
              const keyword = `k${Math.floor(next() * 3)}`;
              const operation = next() < 0.7 ? 'add' : 'remove';
              add(store.storeFlags({ mailboxId: box, uids: pick, operation, flags: ['\\Deleted', keyword] }));
            } else if (roll < 0.75) add(store.expunge(box));
            else if (roll < 0.85) add(store.copy(box, pick, other));
            else if (roll < 0.95) add(store.move(box, pick, other));
            else add(store.expunge(box, { uids: pick, force: true }));
          }
          const results = await Promise.allSettled(ops);
          for (const r of results) {
            if (r.status === 'rejected') assert.equal(r.reason.code, 'OVER_QUOTA', String(r.reason));
          }

          for (const box of [inbox, archive]) {
            // SELECT's index-only status agrees with the full count.
            const full = await store.mailboxStatus(box);
            const quick = await store.selectStatus(box);
            assert.deepEqual(
              [quick.recent, quick.firstUnseenUid, quick.uidNext, quick.uidValidity, quick.highestModseq],
              [full.recent, full.firstUnseenUid, full.uidNext, full.uidValidity, full.highestModseq],
            );
            const index = await store.getIndex(box);
            const uids = Array.from(index.uids);
            assert.ok(
              uids.every((uid, i) => i === 0 || uid > uids[i - 1]!),
              'index ascending',
            );
            assert.ok(index.mailbox.uidNext > (uids.at(-1) ?? 0), 'UIDNEXT above every UID');
            assert.ok(index.mailbox.uidNext - 1 >= lastUid.get(box)!, 'UIDNEXT never goes down');
            lastUid.set(box, index.mailbox.uidNext - 1);
            const records = await store.getMessages(box, uids);
            const inUse = new Set(records.flatMap((r) => r.flags.filter((f) => !f.startsWith('\\'))));
            assert.deepEqual((await store.mailboxKeywords(box, 100)).sort(), [...inUse].sort());
            assert.ok(records.every((r) => r.modseq <= index.mailbox.highestModseq));
            assert.ok(
              index.mailbox.highestModseq >= (lastModseq.get(box) ?? 0),
              'HIGHESTMODSEQ never goes down',
            );
            lastModseq.set(box, index.mailbox.highestModseq);
          }
          const report = await store.checkIntegrity();
          assert.deepEqual(report.problems, []);
          if (round === 4) await fx.reopen();
        }
        const usage = await fx.store.getQuotaUsage(account.id);
        const counts = await Promise.all([inbox, archive].map((box) => fx.store.mailboxStatus(box)));
        assert.equal(usage.messages, counts[0]!.messages + counts[1]!.messages);
        assert.equal(usage.bytes, counts[0]!.size + counts[1]!.size);
        assert.ok(usage.messages <= 150);
      }));
  });
}
