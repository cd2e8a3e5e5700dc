/**
 * Store.searchCandidates, for backends that have a full-text index (the method is optional; a backend
 * without it is skipped). The contract: a superset of the messages that contain every needle, ascending;
 * undefined when nothing can be narrowed. The exact check is the caller's, so these tests assert only
 * what a correct index must include and what a useful one leaves out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../../lib/prng.js';
import type { IndexedSearch, Store, TextNeedle } from '../store.js';
import { createUser, listOf, lists, mailboxId, type OpenStore, sampleMeta, withStore } from './fixture.js';

async function add(store: Store, accountId: number, mailbox: number, header: string, body: string) {
  const blob = await store.blobs.put(Buffer.from(`${header}\r\n\r\n${body}`));
  return store.append({
    accountId,
    mailboxId: mailbox,
    blob,
    meta: { ...sampleMeta(), headerText: header, bodyText: body },
  });
}

export function searchContract(open: OpenStore): void {
  describe('full-text search candidates', () => {
    it('finds messages by header, body or either, case-insensitively, and ANDs the needles', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const find = async (mailbox: number, ...needles: TextNeedle[]) =>
          listOf(await store.searchCandidates!(mailbox, needles));
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(
          store,
          account.id,
          inbox,
          'Subject: Quarterly REPORT\nFrom: Ann <ann@example.org>',
          'numbers',
        );
        await add(store, account.id, inbox, 'Subject: lunch', 'the quarterly report is late');
        await add(store, account.id, inbox, 'Subject: Größe ΟΔΟΣ', 'Straße');
        await add(store, account.id, inbox, 'To: bob (the boss) @ example.net', 'unrelated');

        assert.deepEqual(await find(inbox, { where: 'header', value: 'quarterly' }), [1]);
        assert.deepEqual(await find(inbox, { where: 'body', value: 'QUARTERLY' }), [2]);
        assert.deepEqual(await find(inbox, { where: 'text', value: 'Quarterly report' }), [1, 2]);
        assert.deepEqual(
          await find(inbox, { where: 'text', value: 'quarterly' }, { where: 'body', value: 'late' }),
          [2],
        );
        assert.deepEqual(await find(inbox, { where: 'header', value: 'GRÖSSE' }), [], 'no ß expansion');
        assert.deepEqual(await find(inbox, { where: 'header', value: 'größe' }), [3]);
        assert.deepEqual(await find(inbox, { where: 'header', value: 'οδος' }), [3], 'final sigma');
        assert.deepEqual(await find(inbox, { where: 'body', value: 'STRASSE' }), []);
        // The address as ENVELOPE parses it, which the raw field does not contain.
        assert.deepEqual(await find(inbox, { where: 'header', value: 'bob@example.net' }), [4]);
        assert.deepEqual(await find(inbox, { where: 'text', value: 'nothing like this' }), []);
      }));

    it('cannot narrow by needles shorter than three characters, but narrows by the others', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(store, account.id, inbox, 'Subject: ab', 'xy');
        await add(store, account.id, inbox, 'Subject: abc', 'xyz');
        assert.equal(await store.searchCandidates(inbox, [{ where: 'text', value: 'ab' }]), undefined);
        assert.equal(await store.searchCandidates(inbox, []), undefined);
        const found = await store.searchCandidates(inbox, [
          { where: 'text', value: 'xy' },
          { where: 'body', value: 'xyz' },
        ]);
        const some = found && Array.from(found);
        assert.ok(some?.includes(2) && !some.includes(1), `got ${some}`);
      }));

    it('follows copies, moves and expunges, per mailbox', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        const other = await createUser(store, 'bob@example.org');
        const bobInbox = await mailboxId(store, other.id);
        for (let i = 1; i <= 5; i++)
          await add(store, account.id, inbox, `Subject: item ${i}`, 'shared words');
        await add(store, other.id, bobInbox, 'Subject: bob', 'shared words');
        const needle: TextNeedle[] = [{ where: 'body', value: 'shared' }];
        assert.deepEqual(listOf(await store.searchCandidates(inbox, needle)), [1, 2, 3, 4, 5]);
        await store.copy(inbox, [1, 2], archive);
        await store.move(inbox, [3], archive);
        await store.expunge(inbox, { uids: [5], force: true });
        assert.deepEqual(listOf(await store.searchCandidates(inbox, needle)), [1, 2, 4]);
        assert.deepEqual(listOf(await store.searchCandidates(archive, needle)), [1, 2, 3]);
        assert.deepEqual(listOf(await store.searchCandidates(bobInbox, needle)), [1]);
        await store.expunge(inbox, { uids: [1, 2, 4], force: true });
        await store.collectGarbage({ graceMs: 0 });
        assert.deepEqual(listOf(await store.searchCandidates(inbox, needle)), []);
        assert.deepEqual(
          listOf(await store.searchCandidates(archive, needle)),
          [1, 2, 3],
          'copies keep their text',
        );
        await assert.rejects(store.searchCandidates(999_999, needle), { code: 'NOT_FOUND' });
      }));

    it('proves exactly the messages whose body holds every needle, never one that does not match', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchIndexed) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        // A small alphabet with the characters case folding treats specially (final sigma, ß, dotted
        // İ whose lower case is two code units), spaces and line ends, so substrings repeat and overlap.
        const random = prng(4978);
        const ALPHABET = ['a', 'b', 'A', 'B', 'σ', 'ς', 'Σ', 'ß', 'İ', 'i', ' ', '\n', 'é', '日'];
        const text = (n: number) =>
          Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
        const messages: { header: string; body: string }[] = [];
        for (let i = 0; i < 80; i++) {
          const m = { header: `Subject: ${text(8)}`, body: text(Math.floor(random() * 40)) };
          messages.push(m);
          await add(store, account.id, inbox, m.header, m.body);
        }
        // Mostly needles cut from some message's body, so that many queries match something.
        const pieceOf = (body: string) => {
          const at = Math.floor(random() * Math.max(1, body.length - 4));
          const piece = body.slice(at, at + 3 + Math.floor(random() * 2));
          return piece.length >= 3 ? piece.toUpperCase() : text(3);
        };
        const has = (haystack: string, needle: string) =>
          haystack.toLowerCase().includes(needle.toLowerCase());
        let provenTotal = 0;
        for (let q = 0; q < 300; q++) {
          const needles: TextNeedle[] = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
            where: random() < 0.5 ? 'body' : 'text',
            value: random() < 0.6 ? pieceOf(messages[Math.floor(random() * messages.length)]!.body) : text(3),
          }));
          const expected = messages
            .map((m, i) => ({ m, uid: i + 1 }))
            .filter(({ m }) =>
              needles.every((n) => has(m.body, n.value) || (n.where === 'text' && has(m.header, n.value))),
            )
            .map(({ uid }) => uid);
          const indexed: IndexedSearch | undefined = await store.searchIndexed!(inbox, needles);
          const got: { candidates: number[]; proven: number[] } = lists(indexed!);
          const what = JSON.stringify(needles);
          for (const uid of expected)
            assert.ok(got.candidates.includes(uid), `${what}: candidate ${uid} missing`);
          for (const uid of got.proven)
            assert.ok(expected.includes(uid), `${what}: ${uid} proven, does not match`);
          // Body needles without a sigma: the proof is complete, not merely safe.
          if (needles.every((n) => n.where === 'body' && !/[σςΣ]/.test(n.value)))
            assert.deepEqual(got.proven, expected, what);
          provenTotal += got.proven.length;
        }
        assert.ok(provenTotal > 100, `only ${provenTotal} proven matches: the generator lost its aim`);
      }));

    it('a TEXT word in most bodies: every match a candidate, the body matches proven', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchIndexed) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        // 1,200 messages: the word in the body of 1,100 (enough for a backend to stop asking its index
        // for the rest), in the header only of 50, nowhere in 50.
        const blobs = [];
        for (let i = 1; i <= 1200; i++) {
          const header = i > 1100 && i <= 1150 ? `Subject: Common ${i}` : `Subject: ${i}`;
          const body = i <= 1100 ? `a COMMON word ${i}` : `rare ${i}`;
          blobs.push({ header, body });
        }
        // In order (UIDs 1..1,200), 50 at a time so group commit shares the syncs.
        for (let i = 0; i < blobs.length; i += 50) {
          const chunk = blobs.slice(i, i + 50);
          const blobRefs = await Promise.all(
            chunk.map(({ header, body }) => store.blobs.put(Buffer.from(`${header}\r\n\r\n${body}`))),
          );
          await store.appendMany(
            chunk.map(({ header, body }, k) => ({
              accountId: account.id,
              mailboxId: inbox,
              blob: blobRefs[k]!,
              meta: { ...sampleMeta(), headerText: header, bodyText: body },
            })),
          );
        }
        const got = lists((await store.searchIndexed!(inbox, [{ where: 'text', value: 'common' }]))!);
        const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
        assert.deepEqual(got.proven, range(1, 1100));
        for (const uid of range(1, 1150)) assert.ok(got.candidates.includes(uid), `candidate ${uid} missing`);
      }));

    it('integrity check reports the index complete (if the backend reports on it)', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(store, account.id, inbox, 'Subject: one', 'body');
        const report = await store.checkIntegrity();
        if (report.searchIndex) assert.deepEqual(report.searchIndex, { missing: 0, extra: 0, stale: false });
      }));
  });
}
