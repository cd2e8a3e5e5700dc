import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendSample,
  createUser,
  mailboxId,
  type OpenStore,
  sampleMessage,
  sampleMeta,
  withStore,
} from './fixture.js';

export function messageContract(open: OpenStore): void {
  describe('messages', () => {
    it('tells which blobs already back a message in a mailbox', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        await appendSample(store, account.id, inbox, { n: 1 });
        const [record] = await store.getMessages(inbox, [1]);
        const stray = await store.blobs.put(Buffer.from('not in any mailbox'));
        assert.deepEqual(
          [...(await store.blobsInMailbox(inbox, [record!.blobId, stray.id]))],
          [record!.blobId],
        );
        assert.equal((await store.blobsInMailbox(archive, [record!.blobId])).size, 0);
        await store.copy(inbox, [1], archive);
        await store.expunge(inbox, { uids: [1], force: true });
        assert.equal((await store.blobsInMailbox(inbox, [record!.blobId])).size, 0, 'expunged');
        assert.equal((await store.blobsInMailbox(archive, [record!.blobId])).size, 1, 'copied');
        await assert.rejects(store.blobsInMailbox(999_999, [record!.blobId]), { code: 'NOT_FOUND' });
      }));

    it('lists flags as columns equal to the records (getFlagColumns, when the backend has it)', () =>
      withStore(open, async ({ store }) => {
        if (!store.getFlagColumns) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const flags = [['\\Seen'], [], ['\\Seen'], ['\\Flagged', 'Work', '$Label1'], [], ['\\Deleted']];
        for (let n = 0; n < flags.length; n++)
          await appendSample(store, account.id, inbox, { n, flags: flags[n] });
        await store.expunge(inbox, { uids: [2], force: true });
        const columns = await store.getFlagColumns(inbox);
        const records = await store.getMessages(inbox, [1, 2, 3, 4, 5, 6]);
        assert.deepEqual(
          [...columns.uids],
          records.map((r) => r.uid),
        );
        assert.deepEqual(
          [...columns.modseqs],
          records.map((r) => r.modseq),
        );
        assert.deepEqual(
          [...columns.flagIds].map((id) => columns.flagSets[id]),
          records.map((r) => r.flags),
        );
        assert.equal(columns.flagSets.length, 4, 'one entry per distinct combination');
        assert.equal(columns.highestModseq, (await store.getMailboxById(inbox))?.highestModseq);
        const empty = await store.getFlagColumns(await mailboxId(store, account.id, 'Archive'));
        assert.equal(empty.uids.length, 0);
      }));

    it('reads only the asked metadata texts, equal to the records (getMetaTexts, when the backend has it)', () =>
      withStore(open, async ({ store }) => {
        if (!store.getMetaTexts) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        for (let n = 1; n <= 6; n++) await appendSample(store, account.id, inbox, { n });
        await store.expunge(inbox, { uids: [2], force: true });
        for (const uids of [
          [1, 2, 3, 4, 5, 6, 99],
          [6, 1, 4],
        ]) {
          const records = await store.getMessagesWithMeta(inbox, uids, { searchText: false });
          const texts = await store.getMetaTexts(inbox, uids, [
            'bodyStructure',
            'envelope',
            'blobId',
            'body',
          ]);
          assert.deepEqual(
            [...texts.uids],
            records.map((r) => r.uid),
          );
          assert.deepEqual(
            texts.texts,
            records.flatMap((r) => [r.meta.bodyStructure, r.meta.envelope, r.blobId, r.meta.body]),
          );
        }
        const one = await store.getMetaTexts(inbox, [3], ['envelope']);
        assert.deepEqual(one, { uids: Uint32Array.of(3), texts: [sampleMeta('3').envelope] });
        assert.equal((await store.getMetaTexts(inbox, [2], ['envelope'])).uids.length, 0, 'expunged');
      }));

    it('appends with strictly increasing UIDs, flags, dates and metadata', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const date = new Date('2024-01-02T03:04:05Z');
        const first = await appendSample(store, account.id, inbox, {
          n: 1,
          flags: ['\\Seen', 'custom', '\\Recent', '\\seen'],
          internalDate: date,
        });
        const second = await appendSample(store, account.id, inbox, { n: 2 });
        assert.equal(first.uid, 1);
        assert.equal(second.uid, 2);
        assert.ok(second.modseq > first.modseq);
        assert.equal(first.mailboxId, inbox);
        const mailbox = await store.getMailboxById(inbox);
        assert.equal(first.uidValidity, mailbox?.uidValidity);
        assert.equal(mailbox?.uidNext, 3);
        assert.equal(mailbox?.highestModseq, second.modseq);

        const [record] = await store.getMessages(inbox, [1]);
        assert.deepEqual(record?.flags, ['\\Seen', 'custom']);
        assert.equal(record?.internalDate.getTime(), date.getTime());
        assert.ok(record!.saveDate instanceof Date);
        assert.equal(record?.popHidden, false);
        const [withMeta] = await store.getMessagesWithMeta(inbox, [1]);
        assert.deepEqual(withMeta?.meta, sampleMeta('1'));
        const [eager] = await store.getMessagesWithMeta(inbox, [1], { searchText: true });
        assert.deepEqual(eager?.meta, sampleMeta('1'));
        const [lean] = await store.getMessagesWithMeta(inbox, [1], { searchText: false });
        assert.deepEqual(lean?.meta, { ...sampleMeta('1'), headerText: '', bodyText: '' });
        const [headerOnly] = await store.getMessagesWithMeta(inbox, [1], { searchText: 'header' });
        const { headerText, sentDate, sentZone } = sampleMeta('1');
        assert.deepEqual(headerOnly?.meta, {
          envelope: '',
          bodyStructure: '',
          body: '',
          structure: '',
          preview: '',
          bodyText: '',
          headerText,
          sentDate,
          sentZone,
        });
        assert.equal(withMeta?.size, (await store.blobs.read(withMeta!.blobId)).length);
      }));

    it('appendMany adds every message or none (one transaction; quota counts the earlier ones)', () =>
      withStore(open, async ({ store }) => {
        const message = sampleMessage('many', 100);
        const account = await createUser(store, 'many@x.org', { quotaBytes: 250, quotaMessages: 10 });
        const inbox = await mailboxId(store, account.id);
        const blob = await store.blobs.put(message);
        const request = (mailbox = inbox, n = 1) => ({
          accountId: account.id,
          mailboxId: mailbox,
          blob,
          meta: sampleMeta(String(n)),
          flags: [`k${n}`],
        });
        const before = await store.getMailboxById(inbox);

        // Room for two of 100 bytes, not three: the third fails and takes the first two with it.
        await assert.rejects(store.appendMany([request(inbox, 1), request(inbox, 2), request(inbox, 3)]), {
          code: 'OVER_QUOTA',
        });
        // A missing mailbox in the middle: nothing of the batch either.
        await assert.rejects(store.appendMany([request(inbox, 1), request(999_999, 2)]), {
          code: 'NOT_FOUND',
        });
        assert.deepEqual(Array.from((await store.getIndex(inbox)).uids), []);
        assert.equal((await store.getMailboxById(inbox))?.uidNext, before?.uidNext);
        const usage = await store.getQuotaUsage(account.id);
        assert.deepEqual([usage.bytes, usage.messages], [0, 0]);
        assert.deepEqual(await store.appendMany([]), []);

        const results = await store.appendMany([request(inbox, 1), request(inbox, 2)]);
        assert.deepEqual(
          results.map((r) => r.uid),
          [before!.uidNext, before!.uidNext + 1],
        );
        assert.ok(results.every((r) => r.mailboxId === inbox && r.uidValidity === before?.uidValidity));
        const records = await store.getMessages(inbox, [results[0]!.uid, results[1]!.uid]);
        assert.deepEqual(
          records.map((r) => r.flags),
          [['k1'], ['k2']],
        );
        const after = await store.getQuotaUsage(account.id);
        assert.deepEqual([after.bytes, after.messages], [200, 2]);
      }));

    it('replace removes one message and adds another in one transaction (RFC 8508)', () =>
      withStore(open, async ({ store }) => {
        // Quota for exactly two messages of 100 bytes: a replacement must count the freed one.
        const account = await createUser(store, 'replace@x.org', { quotaBytes: 200, quotaMessages: 2 });
        const other = await createUser(store, 'other@x.org');
        const drafts = await mailboxId(store, account.id, 'Drafts');
        const archive = await mailboxId(store, account.id, 'Archive');
        const blob = await store.blobs.put(sampleMessage('replace', 100));
        const request = (mailbox: number, n: number) => ({
          accountId: account.id,
          mailboxId: mailbox,
          blob,
          meta: sampleMeta(String(n)),
          flags: ['\\Draft', `v${n}`],
        });
        await store.appendMany([request(drafts, 1), request(drafts, 2)]);
        const before = await store.changesSince(drafts, 0);

        const result = await store.replace(request(drafts, 3), { mailboxId: drafts, uid: 1 });
        assert.equal(result.uid, 3);
        assert.deepEqual(Array.from((await store.getIndex(drafts)).uids), [2, 3]);
        const [record] = await store.getMessages(drafts, [3]);
        assert.deepEqual(record?.flags, ['\\Draft', 'v3']);
        const usage = await store.getQuotaUsage(account.id);
        assert.deepEqual([usage.bytes, usage.messages], [200, 2]);
        const changes = await store.changesSince(drafts, before.highestModseq);
        assert.deepEqual(changes.expunged, [1], 'the replaced message is in the expunge log (QRESYNC)');
        assert.deepEqual(
          changes.changed.map((c) => c.uid),
          [3],
        );

        // Into another mailbox of the same account (RFC 8508 §3.4 allows it).
        const moved = await store.replace(request(archive, 4), { mailboxId: drafts, uid: 2 });
        assert.equal(moved.mailboxId, archive);
        assert.deepEqual(Array.from((await store.getIndex(drafts)).uids), [3]);

        // Gone, foreign, or over quota: nothing changes, no UID is used.
        const uidNext = (await store.getMailboxById(drafts))?.uidNext;
        await assert.rejects(store.replace(request(drafts, 5), { mailboxId: drafts, uid: 1 }), {
          code: 'NOT_FOUND',
        });
        const foreign = await mailboxId(store, other.id);
        await assert.rejects(store.replace(request(drafts, 5), { mailboxId: foreign, uid: 1 }), {
          code: 'NOT_FOUND',
        });
        const big = await store.blobs.put(sampleMessage('too big', 150));
        await assert.rejects(
          store.replace({ ...request(drafts, 6), blob: big }, { mailboxId: drafts, uid: 3 }),
          { code: 'OVER_QUOTA' },
        );
        assert.deepEqual(Array.from((await store.getIndex(drafts)).uids), [3], 'nothing removed');
        assert.equal((await store.getMailboxById(drafts))?.uidNext, uidNext);
        const after = await store.getQuotaUsage(account.id);
        assert.deepEqual([after.bytes, after.messages], [200, 2]);
      }));

    it('rejects an append to a missing or foreign mailbox, or with a bad blob or date', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'a@x.org');
        const bob = await createUser(store, 'b@x.org');
        await assert.rejects(appendSample(store, alice.id, 999_999), { code: 'NOT_FOUND' });
        await assert.rejects(appendSample(store, alice.id, await mailboxId(store, bob.id)), {
          code: 'NOT_FOUND',
        });
        const inbox = await mailboxId(store, alice.id);
        const blob = { id: 'not-a-blob', size: 1 };
        await assert.rejects(
          store.append({ accountId: alice.id, mailboxId: inbox, blob, meta: sampleMeta() }),
          {
            code: 'BAD_INPUT',
          },
        );
        const good = await store.blobs.put(Buffer.from('x'));
        const badDate = new Date('nonsense');
        await assert.rejects(
          store.append({
            accountId: alice.id,
            mailboxId: inbox,
            blob: good,
            meta: sampleMeta(),
            internalDate: badDate,
          }),
          { code: 'BAD_INPUT' },
        );
      }));

    it('returns the index and records for UID lists (ranges, gaps, missing UIDs, any order)', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        for (let n = 1; n <= 10; n++)
          await appendSample(store, account.id, inbox, { n, flags: ['\\Deleted'] });
        await store.expunge(inbox, { uids: [3, 4, 7] });
        const index = await store.getIndex(inbox);
        assert.ok(index.uids instanceof Uint32Array);
        assert.deepEqual(Array.from(index.uids), [1, 2, 5, 6, 8, 9, 10]);
        assert.equal(index.mailbox.id, inbox);
        const uids = (records: { uid: number }[]) => records.map((r) => r.uid);
        assert.deepEqual(uids(await store.getMessages(inbox, [10, 1, 5, 3, 99, 5])), [1, 5, 10]);
        assert.deepEqual(uids(await store.getMessages(inbox, [2, 3, 4, 5, 6])), [2, 5, 6]);
        assert.deepEqual(uids(await store.getMessagesWithMeta(inbox, [9, 8, 1])), [1, 8, 9]);
        assert.deepEqual(await store.getMessages(inbox, []), []);
      }));

    it('stores flags: add, remove, set, UNCHANGEDSINCE', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const a = await appendSample(store, account.id, inbox, { n: 1 });
        await appendSample(store, account.id, inbox, { n: 2, flags: ['\\Flagged'] });

        const added = await store.storeFlags({
          mailboxId: inbox,
          uids: [1, 2],
          operation: 'add',
          flags: ['\\Seen', 'Work'],
        });
        assert.deepEqual(
          added.changed.map((c) => c.flags),
          [
            ['\\Seen', 'Work'],
            ['\\Seen', '\\Flagged', 'Work'],
          ],
        );
        assert.ok(added.changed.every((c) => c.modseq > a.modseq));
        assert.deepEqual(added.modified, []);

        const again = await store.storeFlags({
          mailboxId: inbox,
          uids: [1],
          operation: 'add',
          flags: ['\\seen', 'work'],
        });
        assert.deepEqual(again.changed, [], 'no change, no new modseq');

        const removed = await store.storeFlags({
          mailboxId: inbox,
          uids: [2],
          operation: 'remove',
          flags: ['WORK'],
        });
        assert.deepEqual(removed.changed[0]?.flags, ['\\Seen', '\\Flagged']);

        const set = await store.storeFlags({
          mailboxId: inbox,
          uids: [1],
          operation: 'set',
          flags: ['\\Answered'],
        });
        assert.deepEqual(set.changed[0]?.flags, ['\\Answered']);

        await store.storeFlags({ mailboxId: inbox, uids: [2], operation: 'add', flags: ['Later'] });
        const current = await store.getMessages(inbox, [1, 2]);
        const conditional = await store.storeFlags({
          mailboxId: inbox,
          uids: [1, 2],
          operation: 'add',
          flags: ['\\Draft'],
          unchangedSince: current[0]!.modseq,
        });
        assert.deepEqual(conditional.modified, [2]);
        assert.deepEqual(
          conditional.changed.map((c) => c.uid),
          [1],
        );
      }));

    it('bumps MODSEQ on every mutation', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        const modseq = async () => (await store.getMailboxById(inbox))!.highestModseq;
        let last = await modseq();
        const expectBump = async (what: string) => {
          const now = await modseq();
          assert.ok(now > last, `${what} must bump HIGHESTMODSEQ (${last} -> ${now})`);
          last = now;
        };
        await appendSample(store, account.id, inbox, { n: 1 });
        await expectBump('append');
        await appendSample(store, account.id, inbox, { n: 2 });
        await store.storeFlags({ mailboxId: inbox, uids: [1], operation: 'add', flags: ['\\Deleted'] });
        await expectBump('store');
        await store.expunge(inbox);
        await expectBump('expunge');
        await store.copy(archive, [], inbox);
        await appendSample(store, account.id, archive, { n: 3 });
        await store.copy(archive, [1], inbox);
        await expectBump('copy in');
        await store.move(inbox, [2], archive);
        await expectBump('move out');
        await store.deliver({
          blob: await store.blobs.put(Buffer.from('x')),
          meta: sampleMeta(),
          recipients: [{ accountId: account.id }],
        });
        await expectBump('deliver');
      }));

    it('reports changes and expunges since a modseq', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        for (let n = 1; n <= 4; n++) await appendSample(store, account.id, inbox, { n });
        const base = (await store.getMailboxById(inbox))!.highestModseq;
        await store.storeFlags({ mailboxId: inbox, uids: [2, 3], operation: 'add', flags: ['\\Deleted'] });
        await store.expunge(inbox, { uids: [3] });
        await appendSample(store, account.id, inbox, { n: 5 });
        const changes = await store.changesSince(inbox, base);
        assert.deepEqual(
          changes.changed.map((c) => c.uid),
          [2, 5],
        );
        assert.deepEqual(changes.changed[0]?.flags, ['\\Deleted']);
        assert.deepEqual(changes.expunged, [3]);
        assert.equal(changes.highestModseq, (await store.getMailboxById(inbox))!.highestModseq);
        const none = await store.changesSince(inbox, changes.highestModseq);
        assert.deepEqual([none.changed, none.expunged], [[], []]);
      }));

    it('expunges only \\Deleted messages unless forced', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        for (let n = 1; n <= 5; n++) {
          await appendSample(store, account.id, inbox, { n, bytes: 100, flags: n % 2 ? ['\\Deleted'] : [] });
        }
        assert.deepEqual(await store.expunge(inbox, { uids: [1, 2] }), [1]);
        assert.deepEqual(await store.expunge(inbox), [3, 5]);
        assert.deepEqual(await store.expunge(inbox, { uids: [2, 4], force: true }), [2, 4]);
        assert.equal((await store.getIndex(inbox)).uids.length, 0);
        assert.deepEqual(await store.getQuotaUsage(account.id).then((u) => [u.bytes, u.messages]), [0, 0]);
      }));

    it('never reuses UIDs, also after expunging the last message and reopening', () =>
      withStore(open, async (fx) => {
        const account = await createUser(fx.store);
        const inbox = await mailboxId(fx.store, account.id);
        await appendSample(fx.store, account.id, inbox, { n: 1 });
        await appendSample(fx.store, account.id, inbox, { n: 2 });
        await fx.store.expunge(inbox, { uids: [2], force: true });
        await fx.reopen();
        const next = await appendSample(fx.store, account.id, inbox, { n: 3 });
        assert.equal(next.uid, 3);
      }));

    it('copies and moves with COPYUID data, keeping flags and INTERNALDATE', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        const date = new Date('2020-05-05T00:00:00Z');
        for (let n = 1; n <= 3; n++) {
          await appendSample(store, account.id, inbox, {
            n,
            bytes: 50,
            flags: ['\\Seen', 'k'],
            internalDate: date,
          });
        }
        await appendSample(store, account.id, archive, { n: 9 });
        const copied = await store.copy(inbox, [3, 1, 42], archive);
        assert.deepEqual(copied.sourceUids, [1, 3]);
        assert.deepEqual(copied.destUids, [2, 3]);
        assert.equal(copied.uidValidity, (await store.getMailboxById(archive))?.uidValidity);
        const [copy] = await store.getMessages(archive, [2]);
        assert.deepEqual(copy?.flags, ['\\Seen', 'k']);
        assert.equal(copy?.internalDate.getTime(), date.getTime());
        assert.equal((await store.getQuotaUsage(account.id)).messages, 6);

        const moved = await store.move(inbox, [2, 3], archive);
        assert.deepEqual(moved.sourceUids, [2, 3]);
        assert.deepEqual(moved.destUids, [4, 5]);
        assert.deepEqual(Array.from((await store.getIndex(inbox)).uids), [1]);
        assert.equal((await store.getQuotaUsage(account.id)).messages, 6);
        const changes = await store.changesSince(inbox, 0);
        assert.deepEqual(changes.expunged, [2, 3]);
        assert.deepEqual(await store.copy(inbox, [77], archive).then((r) => r.destUids), []);
      }));

    it('hides messages from POP3 and claims \\Recent once', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await appendSample(store, account.id, inbox, { n: 1 });
        await appendSample(store, account.id, inbox, { n: 2 });
        await store.setPopHidden(inbox, [2]);
        assert.deepEqual(
          (await store.getMessages(inbox, [1, 2])).map((m) => m.popHidden),
          [false, true],
        );
        assert.deepEqual(await store.claimRecent(inbox), [1, 2]);
        assert.deepEqual(await store.claimRecent(inbox), []);
        assert.equal((await store.mailboxStatus(inbox)).recent, 0);
        await appendSample(store, account.id, inbox, { n: 3 });
        assert.equal((await store.mailboxStatus(inbox)).recent, 1);
        assert.deepEqual(await store.claimRecent(inbox), [3]);
      }));

    it('appendClaimingRecent adds and claims \\Recent in one go (when the backend has it)', () =>
      withStore(open, async ({ store }) => {
        if (!store.appendClaimingRecent) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await appendSample(store, account.id, inbox, { n: 1 }); // delivered, not yet claimed
        const blob = await store.blobs.put(sampleMessage('claim', 100));
        const request = (n: number) => ({
          accountId: account.id,
          mailboxId: inbox,
          blob,
          meta: sampleMeta(String(n)),
        });
        const appended = await store.appendClaimingRecent([request(2), request(3)]);
        assert.deepEqual(
          appended.results.map((r) => r.uid),
          [2, 3],
        );
        assert.deepEqual(appended.recent, [1, 2, 3]);
        assert.deepEqual(await store.claimRecent(inbox), []);
        assert.equal((await store.mailboxStatus(inbox)).recent, 0);
      }));

    it('lists the keywords in use in a mailbox, once each, following STORE, COPY and EXPUNGE', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        const sorted = async (box: number, limit = 100) =>
          (await store.mailboxKeywords(box, limit)).map((k) => k.toLowerCase()).sort();
        assert.deepEqual(await store.mailboxKeywords(inbox, 100), []);
        await appendSample(store, account.id, inbox, { n: 1, flags: ['\\Seen', 'Work', '$Label1'] });
        await appendSample(store, account.id, inbox, { n: 2, flags: ['work', 'Later'] });
        await appendSample(store, account.id, inbox, { n: 3, flags: ['\\Flagged'] });
        assert.deepEqual(await sorted(inbox), ['$label1', 'later', 'work']);
        assert.equal((await store.mailboxKeywords(inbox, 2)).length, 2);
        assert.deepEqual(await sorted(archive), []);
        await store.storeFlags({ mailboxId: inbox, uids: [3], operation: 'add', flags: ['Urgent'] });
        await store.storeFlags({ mailboxId: inbox, uids: [1, 2], operation: 'remove', flags: ['WORK'] });
        assert.deepEqual(await sorted(inbox), ['$label1', 'later', 'urgent']);
        await store.copy(inbox, [3], archive);
        assert.deepEqual(await sorted(archive), ['urgent']);
        await store.storeFlags({ mailboxId: inbox, uids: [1, 2], operation: 'set', flags: ['\\Deleted'] });
        await store.expunge(inbox);
        assert.deepEqual(await sorted(inbox), ['urgent']);
        await assert.rejects(store.mailboxKeywords(999_999, 100), { code: 'NOT_FOUND' });
      }));

    it('persists everything across close and reopen', () =>
      withStore(open, async (fx) => {
        const account = await createUser(fx.store);
        const inbox = await mailboxId(fx.store, account.id);
        await appendSample(fx.store, account.id, inbox, { n: 1, flags: ['\\Flagged'] });
        await fx.store.createMailbox(account.id, 'Kept');
        const before = await fx.store.getMailboxById(inbox);
        const store = await fx.reopen();
        assert.deepEqual(await store.getMailboxById(inbox), before);
        assert.deepEqual((await store.getMessages(inbox, [1]))[0]?.flags, ['\\Flagged']);
        assert.ok(await store.getMailbox(account.id, 'Kept'));
        assert.equal((await store.getQuotaUsage(account.id)).messages, 1);
      }));
  });
}
