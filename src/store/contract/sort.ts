/**
 * Store.getSortRows, for backends that keep SORT/THREAD keys (the method is optional; a backend without
 * it is skipped): per UID asked for, in UID order, the fields sortFieldsOf computes from the header text,
 * the INTERNALDATE and size; copies share their source's row; expunged and unknown UIDs are skipped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SortFields, sortFieldsOf } from '../../mime/sort-fields.js';
import type { SortField, SortRow, Store } from '../store.js';
import { createUser, mailboxId, type OpenStore, sampleMeta, withStore } from './fixture.js';

const ALL_FIELDS: readonly SortField[] = [
  'subject',
  'replyOrForward',
  'from',
  'to',
  'cc',
  'displayFrom',
  'displayTo',
  'messageId',
  'references',
];

const HEADERS = [
  'Subject: Re: [list] Quarterly Report (fwd)\nFrom: "Ann Lee" <ann@example.org>\nTo: bob@example.net, c@d\n' +
    'Cc: team: x@y.z;\nMessage-ID: <a1@example.org>\nReferences: <r0@x> <r1@x>\nIn-Reply-To: <r9@x>',
  'Subject: ölçü\nFrom: zoë@example.de\nMessage-ID: <b2@example.org>\nIn-Reply-To: <a1@example.org> <zz@x>',
  'To: Undisclosed recipients:;',
];
const DATES = [Date.UTC(2026, 0, 2, 3, 4, 5), null, Date.UTC(2020, 5, 6)];

async function add(store: Store, accountId: number, mailbox: number, i: number) {
  const headerText = HEADERS[i]!;
  const blob = await store.blobs.put(Buffer.from(`${headerText}\n\nbody ${i}`));
  return store.append({
    accountId,
    mailboxId: mailbox,
    blob,
    meta: { ...sampleMeta(), headerText, sentDate: DATES[i]! },
    internalDate: new Date(Date.UTC(2025, 1, 1 + i)),
  });
}

function expected(i: number, uid: number): SortRow {
  const fields: SortFields = sortFieldsOf({ headerText: HEADERS[i]!, sentDate: DATES[i]! });
  return {
    uid,
    internalDate: Date.UTC(2025, 1, 1 + i),
    size: Buffer.byteLength(`${HEADERS[i]}\n\nbody ${i}`),
    ...fields,
  };
}

export function sortContract(open: OpenStore): void {
  describe('sort rows', () => {
    it('gives each message the fields computed from its header text, in UID order', () =>
      withStore(open, async ({ store, reopen }) => {
        if (!store.getSortRows) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        for (let i = 0; i < HEADERS.length; i++) await add(store, account.id, inbox, i);
        const want = HEADERS.map((_, i) => expected(i, i + 1));
        assert.equal(want[0]!.subject, 'QUARTERLY REPORT');
        assert.equal(want[0]!.replyOrForward, true);
        assert.deepEqual(want[0]!.references, ['r0@x', 'r1@x']);
        assert.deepEqual(await store.getSortRows(inbox, [1, 2, 3], ALL_FIELDS), want);
        assert.deepEqual(await store.getSortRows(inbox, [3, 1, 99], ALL_FIELDS), [want[0], want[2]]);
        const reopened = await reopen();
        assert.deepEqual(await reopened.getSortRows!(inbox, [1, 2, 3], ALL_FIELDS), want);
      }));

    it('reads the asked-for fields (others may be empty), the sent date always', () =>
      withStore(open, async ({ store }) => {
        if (!store.getSortRows) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(store, account.id, inbox, 0);
        const [row] = await store.getSortRows(inbox, [1], ['displayFrom']);
        assert.equal(row!.displayFrom, 'ANN LEE');
        assert.equal(row!.sentDate, DATES[0]);
        assert.equal(row!.uid, 1);
        assert.deepEqual(await store.getSortRows(inbox, [], ALL_FIELDS), []);
      }));

    it('follows copies and expunges, per mailbox', () =>
      withStore(open, async ({ store }) => {
        if (!store.getSortRows) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        for (let i = 0; i < HEADERS.length; i++) await add(store, account.id, inbox, i);
        await store.copy(inbox, [2, 3], archive);
        await store.expunge(inbox, { uids: [2], force: true });
        const rows = (mailbox: number, uids: number[]) => store.getSortRows!(mailbox, uids, ['messageId']);
        assert.deepEqual(
          (await rows(inbox, [1, 2, 3])).map((r) => [r.uid, r.messageId]),
          [
            [1, 'a1@example.org'],
            [3, null],
          ],
        );
        assert.deepEqual(
          (await rows(archive, [1, 2])).map((r) => [r.uid, r.messageId]),
          [
            [1, 'b2@example.org'],
            [2, null],
          ],
        );
        await store.expunge(inbox, { uids: [1, 3], force: true });
        await store.collectGarbage({ graceMs: 0 });
        assert.deepEqual((await rows(archive, [1, 2])).length, 2, 'the copies keep their rows');
      }));
  });
}
