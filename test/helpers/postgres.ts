/**
 * A throwaway PostgreSQL cluster for tests, from Debian's `postgresql` package (never a system service):
 * initdb into a temp dir, pg_ctl start on a free port with its unix socket in that dir, stopped and
 * removed by stop(). PostgreSQL refuses to run as root, so as root the server runs as `nobody` (setpriv)
 * on a directory chowned to it. One cluster per test file; tests take a fresh database each
 * (createDatabase), which is cheap (a copy of template1).
 *
 *   const pg = await startPostgres();
 *   const url = await pg.createDatabase();
 *   ...
 *   await pg.stop();
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://… of the `postgres` database (superuser, trust auth over TCP on 127.0.0.1). */
  readonly adminUrl: string;
  readonly port: number;
  /**
   * Creates a database and returns its URL: empty, or a copy of `template` (a database nobody is connected
   * to), which is how a test file gets a fresh, already migrated database per test cheaply.
   */
  createDatabase(options?: { name?: string; template?: string }): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server binaries (/usr/lib/postgresql/<version>/bin), or null when not installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

/** Whether a test may start a cluster; under CI=1 a missing package fails instead of skipping. */
export function postgresAvailable(): boolean {
  if (postgresBinDir()) return true;
  if (process.env.CI) throw new Error('postgresql is not installed (.ci/run installs it)');
  return false;
}

let counter = 0;

/** A port free right now on 127.0.0.1 (the OS picks it; PostgreSQL binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('postgresql is not installed (apt-get install postgresql)');
  const dir = await mkdtemp(join(tmpdir(), 'postyard-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  // setpriv drops to nobody for every server command; the temp dir must then belong to nobody.
  const exec = (cmd: string, args: string[]) =>
    asRoot
      ? run(
          'setpriv',
          ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', join(bin, cmd), ...args],
          {
            cwd: dir,
          },
        )
      : run(join(bin, cmd), args, { cwd: dir });
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'nobody']);
    const { stdout: gid } = await run('getent', ['group', 'nogroup']);
    await chown(dir, Number(stdout.trim()), Number(gid.split(':')[2]));
  }
  await chmod(dir, 0o700);
  const port = await freePort();
  let started = false;
  try {
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    // fsync off: a test cluster dies with the test, so durability across a machine crash buys nothing here.
    const opts = `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
    await exec('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    started = true;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    port,
    async createDatabase({
      name = `t${process.pid}_${++counter}`,
      template,
    }: {
      name?: string;
      template?: string;
    } = {}) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // FILE_COPY: a checkpoint and a directory copy, far cheaper than WAL-logging every page of a copy.
        const from = template ? ` TEMPLATE "${template}" STRATEGY FILE_COPY` : '';
        await client.query(`CREATE DATABASE "${name}"${from}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (started) {
        started = false;
        await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
