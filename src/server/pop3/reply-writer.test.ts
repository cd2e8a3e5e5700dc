import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { ReplyWriter } from './reply-writer.js';

/** A socket stand-in that completes writes only when told to. */
function fakeSocket() {
  const pending: Array<() => void> = [];
  const socket = {
    destroyed: false,
    writable: true,
    writableLength: 0,
    cork() {},
    uncork() {},
    write(_data: Buffer | string, cb?: () => void) {
      pending.push(() => cb?.());
      return true;
    },
  };
  return { socket: socket as unknown as Socket, pending };
}

test('a slab is not handed out again while a write that references it is still pending', () => {
  const { socket, pending } = fakeSocket();
  const writer = new ReplyWriter(socket);
  const seen = new Set<ArrayBufferLike>();
  const live: Buffer[] = [];
  // Fill several slabs' worth while no write completes: every region must stay untouched.
  for (let i = 0; i < 40; i++) {
    const region = writer.reserve(100_000);
    region.fill(i);
    seen.add(region.buffer);
    writer.writeFromSlab(region);
    writer.release(region);
    live.push(region);
  }
  for (let i = 0; i < live.length; i++)
    assert.ok(
      live[i]!.every((b) => b === i),
      `region ${i} intact`,
    );
  assert.ok(seen.size >= 4, 'new slabs were allocated instead of reusing busy ones');
  // Complete all writes; slabs may now be reused.
  for (const done of pending.splice(0)) done();
  let reused = false;
  for (let i = 0; i < 40 && !reused; i++) reused = seen.has(writer.reserve(100_000).buffer);
  assert.ok(reused, 'a slab is reused once its writes completed');
});

test('big reservations get their own buffer', () => {
  const { socket } = fakeSocket();
  const writer = new ReplyWriter(socket);
  const big = writer.reserve(1_500_000);
  assert.equal(big.length, 1_500_000);
  assert.equal(big.byteOffset === 0 || big.buffer.byteLength >= 1_500_000, true);
});

test('replies laid out one after another in a slab go out as one write, in order with other replies', () => {
  const writes: string[] = [];
  const { socket } = fakeSocket();
  const write = socket.write.bind(socket);
  socket.write = ((data: Buffer | string, cb?: () => void) => {
    writes.push(data.toString());
    return write(data, cb);
  }) as Socket['write'];
  const writer = new ReplyWriter(socket);
  const reply = (text: string) => {
    // As RETR: more room reserved than used, the rest given back.
    const space = writer.reserve(text.length + 5);
    space.write(text, 0, 'latin1');
    writer.writeFromSlab(writer.shrink(space, text.length));
    writer.release(space);
  };
  reply('+OK 1\r\n');
  reply('+OK 2\r\n');
  writer.write('-ERR no such message\r\n');
  reply('+OK 3\r\n');
  reply('+OK 4\r\n');
  reply('+OK 5\r\n');
  writer.flush();
  assert.deepEqual(writes, ['+OK 1\r\n+OK 2\r\n', '-ERR no such message\r\n', '+OK 3\r\n+OK 4\r\n+OK 5\r\n']);
});

test('a pipelined download on a real socket reuses its slabs as writes complete', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  let received = 0;
  client.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  const socket = await accepted;
  try {
    const writer = new ReplyWriter(socket);
    const slabs = new Set<ArrayBufferLike>();
    // As pipelined RETRs: 40 MB of replies laid out in slabs, the loop waiting only in backpressure().
    for (let i = 0; i < 400; i++) {
      const reply = writer.reserve(100_000);
      reply.fill(i);
      slabs.add(reply.buffer);
      writer.writeFromSlab(reply);
      writer.release(reply);
      await writer.backpressure();
    }
    await writer.drained();
    // The slab being filled and the one whose write was last in flight; without the event-loop turn in
    // backpressure() every slab stayed held until the socket buffer filled (5 here, 27 per bench download).
    assert.ok(slabs.size <= 3, `${slabs.size} slabs for 40 MB`);
    while (received < 40_000_000) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    client.destroy();
    socket.destroy();
    server.close();
  }
});
