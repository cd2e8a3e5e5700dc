/** Test helper: splits input into random chunk sizes (1..maxChunk) so chunk boundaries get exercised. */
export function randomChunks(input: Buffer, seed: number, maxChunk = 512): Buffer[] {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    // xorshift32: deterministic so a failure names its seed.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const chunks: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    const size = 1 + Math.floor(random() * Math.min(maxChunk, input.length - at));
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Seeds used by every chunk-replay test: byte-at-a-time first, then random splits. */
export const REPLAY_SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
