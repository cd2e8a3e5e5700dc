/**
 * Waiting for a condition instead of for a duration. Prefer the event itself when there is one (a
 * socket's 'close', a line from readUntil, a child's 'exit'); this is for state that changes without an
 * event a test can hook, e.g. a server releasing a per-user slot after it has seen a connection close.
 *
 *   await waitUntil(() => srv.ctx.userConnections!.count('imap', id) === 0, 'the IMAP slot to be freed');
 *
 * The deadline is only a hang guard: the condition decides, and a condition that never becomes true
 * fails with `what` instead of hanging the run. The timers are the real ones even when a test fakes
 * the global timers (node:test mock.timers) to control the server's.
 */
const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let checks = 0; !(await condition()); checks++) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    // A few turns of the event loop first (most conditions are one I/O callback away), then short naps.
    await new Promise((resolve) => (checks < 20 ? realSetImmediate(resolve) : realSetTimeout(resolve, 5)));
  }
}
