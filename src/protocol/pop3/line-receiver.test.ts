import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LineReceiver, type ReceivedLine } from './line-receiver.js';
import { REPLAY_SEEDS, randomChunks } from './random-chunks.test-util.js';

function drain(receiver: LineReceiver): string[] {
  const out: string[] = [];
  for (let ev = receiver.next(); ev; ev = receiver.next()) out.push(describe(ev));
  return out;
}

function describe(ev: ReceivedLine): string {
  return ev.kind === 'line' ? ev.line.toString('latin1') : '<too-long>';
}

function replay(input: Buffer, max: number, seed: number, chunkMax = 512): string[] {
  const receiver = new LineReceiver(max);
  const out: string[] = [];
  for (const chunk of randomChunks(input, seed, chunkMax)) {
    receiver.push(chunk);
    out.push(...drain(receiver));
  }
  return out;
}

test('splits CRLF and bare LF lines regardless of chunking', () => {
  const input = Buffer.from('USER a\r\nPASS b c\r\nSTAT\nQUIT\r\npartial');
  for (const seed of REPLAY_SEEDS) {
    for (const chunkMax of [1, 3, 512]) {
      assert.deepEqual(
        replay(input, 100, seed, chunkMax),
        ['USER a', 'PASS b c', 'STAT', 'QUIT'],
        `seed ${seed}`,
      );
    }
  }
});

test('a line over the limit gives one too-long event and the next line still parses', () => {
  const long = 'X'.repeat(100 * 1024);
  const input = Buffer.from(`NOOP\r\n${long}\r\nSTAT\r\n`);
  for (const seed of REPLAY_SEEDS) {
    assert.deepEqual(replay(input, 1000, seed, 4096), ['NOOP', '<too-long>', 'STAT'], `seed ${seed}`);
  }
});

test('a line exactly at the limit passes; one byte more does not', () => {
  assert.deepEqual(replay(Buffer.from(`${'a'.repeat(10)}\r\n`), 10, 1), ['a'.repeat(10)]);
  assert.deepEqual(replay(Buffer.from(`${'a'.repeat(11)}\r\n`), 10, 1), ['<too-long>']);
  assert.deepEqual(replay(Buffer.from(`${'a'.repeat(11)}\n`), 10, 7), ['<too-long>']);
});

test('too-long is reported before the LF arrives and buffering stays bounded', () => {
  const receiver = new LineReceiver(100);
  for (let i = 0; i < 1000; i++) receiver.push(Buffer.alloc(1000, 0x41));
  assert.deepEqual(drain(receiver), ['<too-long>']);
  assert.equal(receiver.hasPendingBytes(), false);
  receiver.push(Buffer.from('tail\r\nNOOP\r\n'));
  assert.deepEqual(drain(receiver), ['NOOP']);
});

test('clear() drops buffered input (STLS injection)', () => {
  const receiver = new LineReceiver(100);
  receiver.push(Buffer.from('STLS\r\nUSER evil\r\nPA'));
  assert.deepEqual(describe(receiver.next()!), 'STLS');
  receiver.clear();
  assert.equal(receiver.next(), undefined);
  receiver.push(Buffer.from('CAPA\r\n'));
  assert.deepEqual(drain(receiver), ['CAPA']);
});

test('property: never throws, and chunking never changes the result', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer(),
      (bytes, max, seed) => {
        const input = Buffer.from(bytes);
        const whole = replay(input, max, 1, input.length || 1);
        assert.deepEqual(replay(input, max, seed, 17), whole);
        for (const line of whole)
          assert.ok(line === '<too-long>' || Buffer.byteLength(line, 'latin1') <= max);
      },
    ),
    { numRuns: 300 },
  );
});
