/**
 * Cold-cache rounds (issue 15): "no warm-up may hide a synchronous read on the event loop". Before a
 * cold measurement the kernel's page cache is emptied (sync, then drop clean pages, dentries and
 * inodes), so the servers read message files and database pages from the disk again. Needs root (or
 * write access to /proc/sys/vm/drop_caches); without it the cold rows say so instead of a number.
 * Dropping is machine-wide: it slows whatever else runs here, so it happens only right before a cold
 * measurement, for each server alike.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

let unavailable: string | null = null;

/** Empties the page cache; false (with the reason in `coldCacheUnavailable()`) when not permitted. */
export function dropPageCache(): boolean {
  if (unavailable !== null) return false;
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    return true;
  } catch (err) {
    unavailable = (err as NodeJS.ErrnoException).code ?? String(err);
    console.warn(`cold-cache rounds skipped: cannot drop the page cache (${unavailable}; needs root)`);
    return false;
  }
}

/** Why cold rounds were not measured, or null when they were (or were not tried yet). */
export function coldCacheUnavailable(): string | null {
  return unavailable;
}
