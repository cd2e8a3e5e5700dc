/**
 * THREAD=REFERENCES over arrays (thread.ts) against the object-per-container version it replaced, kept here
 * as the oracle: random mailboxes with replies, missing and duplicate Message-IDs, reference loops, equal
 * base subjects and equal dates must thread identically, also when the numbering of Message-IDs and
 * subjects is kept while messages come and go (as sorted-uids.ts keeps it with the memoized keys). Dovecot's own answers are compared in
 * test/imap/sort-thread.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng } from '../../../lib/prng.js';
import type { ThreadNode } from '../../../protocol/imap/response.js';
import { forestOf } from '../../../protocol/imap/thread-forest.js';
import type { SortKeys } from './sort-keys.js';
import { references, ThreadInterner, type ThreadKeys, threadReferences } from './thread.js';

function bySentDate(a: SortKeys, b: SortKeys): number {
  return a.date - b.date || a.seq - b.seq;
}

type Id = (k: SortKeys) => number;

class Container {
  parent: Container | null = null;
  children: Container[] = [];
  constructor(public message: SortKeys | null) {}

  /** Whether `this` is `other` or one of its ancestors. */
  isAncestorOf(other: Container): boolean {
    for (let c: Container | null = other; c; c = c.parent) if (c === this) return true;
    return false;
  }

  adopt(child: Container): void {
    if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
    child.parent = this;
    this.children.push(child);
  }

  /** The message whose date and subject stand for this container: its own, or its first child's. */
  get representative(): SortKeys | null {
    return this.message ?? this.children[0]?.representative ?? null;
  }
}

function compareContainers(a: Container, b: Container): number {
  const x = a.representative;
  const y = b.representative;
  if (!x || !y) return x ? -1 : y ? 1 : 0;
  return bySentDate(x, y);
}

/** RFC 5256 §4 REFERENCES, steps 1 to 7. */
function referencesWithObjects(messages: readonly SortKeys[], id: Id): ThreadNode[] {
  // (1) Link messages and the ids they reference.
  const table = new Map<string, Container>();
  const all: Container[] = [];
  const containerOf = (messageId: string): Container => {
    let c = table.get(messageId);
    if (!c) {
      c = new Container(null);
      table.set(messageId, c);
      all.push(c);
    }
    return c;
  };
  for (const m of messages) {
    let own: Container;
    const existing = m.messageId === null ? undefined : table.get(m.messageId);
    if (existing && existing.message === null) {
      own = existing;
      own.message = m;
    } else {
      // No Message-ID, or a duplicate one: the message gets a unique id of its own.
      own = new Container(m);
      all.push(own);
      if (m.messageId !== null && !existing) table.set(m.messageId, own);
    }
    // (1.A) Each reference is the parent of the next, unless already linked or that would loop.
    let prev: Container | null = null;
    for (const ref of m.references) {
      const c = containerOf(ref);
      if (prev && c.parent === null && !c.isAncestorOf(prev)) prev.adopt(c);
      prev = c;
    }
    // (1.B) The message's own references decide its parent: the last one (replacing a parent guessed
    // from other messages' References), none without references or when the link would loop (as Dovecot).
    if (prev && !own.isAncestorOf(prev)) prev.adopt(own);
    else if (own.parent) {
      own.parent.children.splice(own.parent.children.indexOf(own), 1);
      own.parent = null;
    }
  }
  // (2), (3) The root set; the id table is no longer needed.
  let roots = all.filter((c) => c.parent === null);
  // (4) Prune dummies: drop empty ones, splice the children of others into their place (at the top
  // level only when there is a single child).
  const prune = (list: Container[], top: boolean): Container[] => {
    const out: Container[] = [];
    for (const c of list) {
      c.children = prune(c.children, false);
      for (const child of c.children) child.parent = c;
      if (c.message === null && c.children.length === 0) continue;
      if (c.message === null && (!top || c.children.length === 1)) {
        for (const child of c.children) child.parent = c.parent;
        out.push(...c.children);
        continue;
      }
      out.push(c);
    }
    return out;
  };
  roots = prune(roots, true);
  for (const r of roots) r.parent = null;
  // (5) Sort the top level by sent date (a dummy by its first child, once its children are sorted).
  for (const r of roots) if (r.message === null) r.children.sort(compareContainers);
  roots.sort(compareContainers);
  // (6) Gather top-level threads with the same base subject.
  // Each subject's chosen thread and its place among the top-level slots (no search for it later).
  const subjects = new Map<string, { container: Container; slot: number }>();
  const subjectOf = (c: Container): string => c.representative?.subject ?? '';
  const isReply = (c: Container): boolean => c.message?.replyOrForward ?? false;
  roots.forEach((r, slot) => {
    const subject = subjectOf(r);
    if (subject === '') return;
    const t = subjects.get(subject)?.container;
    if (
      !t ||
      (t.message !== null && r.message === null) ||
      (t.message !== null && isReply(t) && r.message !== null && !isReply(r))
    )
      subjects.set(subject, { container: r, slot });
  });
  const slots: (Container | null)[] = [...roots];
  for (let i = 0; i < slots.length; i++) {
    const r = slots[i]!;
    if (r === null) continue;
    const subject = subjectOf(r);
    if (subject === '') continue;
    const chosen = subjects.get(subject)!;
    const t = chosen.container;
    if (t === r) continue;
    if (t.message === null && r.message === null) {
      for (const child of [...r.children]) t.adopt(child);
    } else if (t.message === null) {
      t.adopt(r);
    } else if (isReply(r) && !isReply(t)) {
      t.adopt(r);
    } else {
      const dummy = new Container(null);
      slots[chosen.slot] = dummy;
      dummy.adopt(t);
      dummy.adopt(r);
      chosen.container = dummy;
    }
    slots[i] = null;
  }
  // (7) Sort every set of siblings by sent date, children before their parents.
  const sortTree = (list: Container[]): void => {
    for (const c of list) sortTree(c.children);
    list.sort(compareContainers);
  };
  const top = slots.filter((c): c is Container => c !== null);
  sortTree(top);
  const toNode = (c: Container): ThreadNode => ({
    id: c.message ? id(c.message) : null,
    children: c.children.map(toNode),
  });
  return top.map(toNode);
}

function randomMailbox(seed: number, count: number): SortKeys[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const subjects = ['alpha', 'beta', 'gamma', 'delta', ''];
  const ids = Array.from({ length: count + 10 }, (_, i) => `<m${i}@x>`);
  const out: SortKeys[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    // Missing (10%), duplicate (5%) or own Message-ID.
    const messageId = r < 0.1 ? null : r < 0.15 ? pick(ids.slice(0, i + 1)) : ids[i]!;
    const references: string[] = [];
    if (random() < 0.6) {
      const n = 1 + Math.floor(random() * 4);
      // Mostly earlier messages, sometimes later ones or ids no message has (dummies), loops possible.
      for (let k = 0; k < n; k++) references.push(random() < 0.8 ? pick(ids.slice(0, i + 1)) : pick(ids));
    }
    out.push({
      uid: i + 1,
      seq: i + 1,
      internalDate: 0,
      size: 1,
      arrival: 0,
      date: Math.floor(random() * count), // ties on purpose
      sentDate: null,
      subject: pick(subjects),
      replyOrForward: random() < 0.4,
      messageId,
      references,
      from: '',
      to: '',
      cc: '',
      displayFrom: '',
      displayTo: '',
    } as SortKeys);
  }
  return out;
}

test('THREAD=REFERENCES over arrays equals the object version on random mailboxes', () => {
  const byUid = (k: SortKeys) => k.uid;
  let nested = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const messages = randomMailbox(seed, 1 + (seed % 60));
    const expected: ThreadNode[] = referencesWithObjects(messages, byUid);
    assert.deepEqual(references(messages, byUid), expected, `seed ${seed}`);
    if (expected.some((t) => t.children.some((c) => c.children.length > 0))) nested++;
  }
  assert.ok(nested > 100, `only ${nested} mailboxes had nested threads: the generator lost its aim`);
});

test('THREAD=REFERENCES with a numbering kept across appends and expunges equals threading from scratch', () => {
  const byUid = (k: SortKeys) => k.uid;
  for (let seed = 1; seed <= 100; seed++) {
    const random = prng(1000 + seed);
    const all = randomMailbox(seed, 20 + (seed % 80));
    let next = Math.floor(all.length / 2);
    const interner = new ThreadInterner();
    let current: ThreadKeys[] = all.slice(0, next).map((k) => interner.intern(k));
    for (let round = 0; round < 8; round++) {
      // Some expunged (the numbers of their ids stay), some new ones numbered on arrival, in UID order.
      current = current.filter(() => random() >= 0.1);
      const added = Math.floor(random() * 5);
      for (let k = 0; k < added && next < all.length; k++) current.push(interner.intern(all[next++]!));
      const fresh = current.map((k) => ({ ...k }) as SortKeys);
      const expected = forestOf(referencesWithObjects(fresh, byUid));
      assert.deepEqual(threadReferences(current, interner, byUid), expected, `seed ${seed} round ${round}`);
    }
  }
});
