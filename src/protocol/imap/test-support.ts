/**
 * Test support for the receiver (not a test file itself): replays input in chunks and normalises the
 * events so that chunk boundaries can be compared away.
 */

import { prng } from '../../lib/prng.js';
import { ImapReceiver } from './receiver.js';
import type { ReceiverEvent, ReceiverOptions } from './receiver-events.js';

/** A normalised event: appendData chunks of one message merged into one `data` string (latin1). */
export { prng };

export type NormalEvent =
  | Exclude<ReceiverEvent, { type: 'appendData' }>
  | { type: 'appendData'; data: string };

/** What a session would do in reaction to an event (switch receiver modes). */
export type Reaction = (event: ReceiverEvent, receiver: ImapReceiver) => void;

/** Default reactions: IDLE → startIdle, AUTHENTICATE without initial response → continuation line. */
export const sessionLike: Reaction = (event, receiver) => {
  if (event.type !== 'command') return;
  if (event.command.name === 'IDLE') receiver.startIdle();
  if (event.command.name === 'AUTHENTICATE' && event.command.initialResponse === undefined) {
    receiver.expectContinuationLine();
  }
};

/**
 * Feeds `input` split into chunks of random sizes in 1..maxChunk (maxChunk 0 = all at once), pulling
 * events after each push, and returns the normalised events.
 */
export function replay(
  input: Buffer | string,
  options: { seed?: number; maxChunk?: number; receiver?: Partial<ReceiverOptions>; react?: Reaction } = {},
): NormalEvent[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const receiver = new ImapReceiver(options.receiver);
  const random = prng(options.seed ?? 1);
  const maxChunk = options.maxChunk ?? 0;
  const react = options.react ?? sessionLike;
  const out: NormalEvent[] = [];
  const drain = () => {
    for (let ev = receiver.next(); ev; ev = receiver.next()) {
      if (ev.type === 'appendData') {
        const last = out[out.length - 1];
        const text = ev.chunk.toString('latin1');
        if (last && last.type === 'appendData')
          out[out.length - 1] = { type: 'appendData', data: last.data + text };
        else out.push({ type: 'appendData', data: text });
      } else out.push(ev);
      react(ev, receiver);
    }
  };
  let pos = 0;
  while (pos < bytes.length) {
    const size = maxChunk === 0 ? bytes.length : 1 + Math.floor(random() * maxChunk);
    // Copy so that the receiver cannot depend on buffers being one allocation.
    receiver.push(Buffer.from(bytes.subarray(pos, pos + size)));
    pos += size;
    drain();
  }
  drain();
  return out;
}

/** Replays with many chunkings (sizes 1..512) and returns the one-shot result after checking all agree. */
export function replayAllChunkings(
  input: Buffer | string,
  options: { receiver?: Partial<ReceiverOptions>; react?: Reaction; rounds?: number } = {},
): NormalEvent[] {
  const whole = replay(input, options);
  const expected = JSON.stringify(whole);
  const rounds = options.rounds ?? 12;
  const sizes = [1, 2, 3, 7, 16, 64, 512];
  for (let r = 0; r < rounds; r++) {
    const maxChunk = sizes[r % sizes.length]!;
    const got = JSON.stringify(replay(input, { ...options, seed: r + 1, maxChunk }));
    if (got !== expected) {
      throw new Error(
        `Chunking changed the result (seed ${r + 1}, max ${maxChunk}):\n${got}\nvs\n${expected}`,
      );
    }
  }
  return whole;
}
