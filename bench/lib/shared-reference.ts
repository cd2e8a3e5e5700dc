/**
 * The reference tools kept beside the repository, in ../shared/reference (dovecot-ref.sh,
 * gen-sample-mbox.py, imaptest): found from the repository root so a clone anywhere works, or from
 * $POSTYARD_SHARED (the `shared` directory itself). Fails with a message that says where it looked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file whose package.json is Postyard's. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'postyard') return dir;
    if (dirname(dir) === dir) throw new Error('cannot find the Postyard repository root above this file');
    dir = dirname(dir);
  }
}

/** Absolute path of `name` in shared/reference; throws naming the path it expected. */
export function sharedReference(name: string): string {
  const shared = process.env.POSTYARD_SHARED
    ? resolve(process.env.POSTYARD_SHARED)
    : join(repositoryRoot(), '..', 'shared');
  const path = join(shared, 'reference', name);
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found: the reference tools live in ../shared/reference beside the repository; ` +
        'set POSTYARD_SHARED to that shared directory if it is elsewhere',
    );
  }
  return path;
}
