import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodySlabs } from './body-slabs.js';

/** Reserves until a new slab is started; returns the bodies of the first slab. */
function fillOneSlab(slabs: BodySlabs, size: number): Buffer[] {
  const first = slabs.reserve(size);
  const bodies = [first];
  for (;;) {
    const next = slabs.reserve(size);
    if (next.buffer !== first.buffer) {
      slabs.release(next);
      return bodies;
    }
    bodies.push(next);
  }
}

test('a slab is reused only after every reservation is released and every write completed', () => {
  const slabs = new BodySlabs();
  const bodies = fillOneSlab(slabs, 200_000);
  const memory = bodies[0]!.buffer;
  const written = bodies.map((b) => slabs.holdForWrite(b));
  assert.ok(written.every((w) => typeof w === 'function'));
  for (const w of written) w!();
  // Writes done, reservations still held (FETCH reads a group ahead before writing it): not reused.
  const during = Array.from({ length: 30 }, () => slabs.reserve(200_000).buffer);
  assert.ok(!during.includes(memory), 'reused while reservations were held');
  for (const b of bodies) slabs.release(b);
  const after = Array.from({ length: 30 }, () => slabs.reserve(200_000).buffer);
  assert.ok(after.includes(memory), 'reused once released and written');
});

test('memory that is not a slab is left alone; bodies larger than a slab get their own Buffer', () => {
  const slabs = new BodySlabs();
  assert.equal(slabs.holdForWrite(Buffer.alloc(10)), undefined);
  const big = slabs.reserve(2 * 1024 * 1024);
  assert.equal(big.length, 2 * 1024 * 1024);
  assert.equal(slabs.holdForWrite(big), undefined);
});
