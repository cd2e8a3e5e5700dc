import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageRecord } from '../../store/store.js';
import { Maildrop } from './maildrop.js';
import { formatUidl } from './uidl.js';

function record(uid: number, size: number, popHidden = false): MessageRecord {
  const date = new Date(0);
  return {
    uid,
    size,
    popHidden,
    modseq: 1,
    flags: [],
    internalDate: date,
    saveDate: date,
    blobId: `b${uid}`,
  };
}

test('numbers messages from 1, skips hidden ones, and keeps numbers stable across DELE', () => {
  const drop = new Maildrop(7, 99, [record(3, 10), record(5, 20, true), record(8, 30), record(9, 40)]);
  assert.equal(drop.count, 3);
  assert.deepEqual(drop.stat(), { messages: 3, bytes: 80 });
  assert.deepEqual(drop.get(2), { msg: 2, uid: 8, size: 30, blobId: 'b8' });
  drop.markDeleted(2);
  drop.markDeleted(2);
  assert.equal(drop.get(2), null);
  assert.ok(drop.isDeleted(2));
  assert.deepEqual(drop.stat(), { messages: 2, bytes: 50 });
  assert.deepEqual(
    [...drop.visible()].map((m) => m.msg),
    [1, 3],
  );
  assert.deepEqual(drop.deletedUids(), [8]);
  drop.reset();
  assert.deepEqual(drop.deletedUids(), []);
  assert.deepEqual(drop.stat(), { messages: 3, bytes: 80 });
  for (const bad of [0, 4, -1, 1.5, Number.NaN]) assert.equal(drop.get(bad), null);
});

test('UIDL formats: Dovecot %08Xu%08Xv and decimal UID', () => {
  assert.equal(formatUidl('dovecot', 1, 1732600000), '00000001674560C0');
  assert.equal(formatUidl('dovecot', 0xabcdef, 1), '00ABCDEF00000001');
  assert.equal(formatUidl('uid', 42, 1), '42');
});

test('built from the store columnar snapshot, it answers like one built from records', () => {
  const drop = new Maildrop(7, 99, {
    uids: Uint32Array.from([3, 8, 9]),
    sizes: Float64Array.from([10, 30, 40]),
    blobIds: ['b3', 'b8', 'b9'],
  });
  assert.equal(drop.count, 3);
  assert.deepEqual(drop.stat(), { messages: 3, bytes: 80 });
  assert.deepEqual(drop.get(2), { msg: 2, uid: 8, size: 30, blobId: 'b8' });
  drop.markDeleted(3);
  assert.deepEqual(drop.stat(), { messages: 2, bytes: 40 });
  assert.deepEqual(drop.deletedUids(), [9]);
});
