/**
 * getmail6 for the interop tests: Debian's getmail run through test/helpers/getmail-no-race.py, which
 * fixes getmail6's own fork/SIGCHLD race (on a loaded machine it hung 60 s after delivering a message
 * and then failed, see the script). Use `getmailCommand()` instead of the bare `getmail`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: this file runs from dist/test/helpers/ (or test/helpers/ under tsx). */
const ROOT = fileURLToPath(
  new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url),
);

/** [command, ...leading args] that behave like `getmail`. */
export function getmailCommand(): [string, string] {
  return ['/usr/bin/python3', join(ROOT, 'test', 'helpers', 'getmail-no-race.py')];
}
