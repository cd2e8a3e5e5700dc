/**
 * Memory the process really holds: a full garbage collection first (gc exposed at run time, so plain
 * `node --test` works), then heapUsed + arrayBuffers (Buffers live outside the JS heap).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function retainedBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
