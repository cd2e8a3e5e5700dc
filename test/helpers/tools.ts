/**
 * External interop clients (mbsync, fetchmail, getmail, swaks, curl, python3).
 * In CI (CI=true) a missing tool is a failure: .ci/run must install it. Locally the test is skipped.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Returns true when the test may proceed; skips (locally) or throws (CI) otherwise. */
export function requireTool(t: TestContext, name: string): boolean {
  if (hasTool(name)) return true;
  if (process.env.CI) throw new Error(`${name} is not installed; .ci/run must install it`);
  t.skip(`${name} not installed`);
  return false;
}
