/**
 * The device-side clients the sync benchmark runs, each as a person would: `postyard sync` (the
 * compiled CLI), mbsync (isync), getmail6 and fetchmail, each with a fresh configuration, state and
 * Maildir per run, timed from process start to exit.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getmailCommand } from '../../test/helpers/getmail.js';

const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/postyard.js', import.meta.url));

export interface Login {
  user: string;
  password: string;
  port: number;
}

export interface Timed {
  ms: number;
  stdout: string;
}

export async function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, out, errOut) => {
      if (err && (err as { code?: unknown }).code !== 1)
        reject(new Error(`${command} failed: ${errOut || err.message}`));
      else resolve(out);
    });
  });
  return { ms: performance.now() - started, stdout };
}

/** A fresh working directory per client run (removed by `cleanup`). */
export async function workDir(name: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `postyard-bench-${name}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Messages in a Maildir folder (new/ and cur/). */
export async function countMessages(maildir: string): Promise<number> {
  let n = 0;
  for (const sub of ['new', 'cur']) n += (await readdir(join(maildir, sub)).catch(() => [])).length;
  return n;
}

export class PostyardSync {
  readonly state: string;
  readonly maildir: string;

  constructor(
    dir: string,
    private readonly protocol: 'imap' | 'pop3',
    private readonly login: Login,
  ) {
    this.state = join(dir, 'state');
    this.maildir = join(dir, 'Mail');
  }

  async add(): Promise<void> {
    await timed(
      process.execPath,
      [
        BIN,
        'sync',
        'add',
        'bench',
        `--${this.protocol}`,
        '--host',
        '127.0.0.1',
        '--port',
        String(this.login.port),
        '--user',
        this.login.user,
        '--plain',
        '--maildir',
        this.maildir,
        '--state',
        this.state,
        '--password-env',
        'BENCH_PASSWORD',
        '--offline',
        ...(this.protocol === 'pop3' ? ['--keep'] : ['--folders', 'INBOX']),
      ],
      this.env(),
    );
  }

  /** One `sync run`; `inProcessMs` is the run's own time from its summary line (no Node start-up). */
  async run(): Promise<Timed & { inProcessMs: number }> {
    const result = await timed(
      process.execPath,
      [BIN, 'sync', 'run', 'bench', '--state', this.state],
      this.env(),
    );
    const seconds = /in (\d+\.\d+) s$/m.exec(result.stdout);
    if (!seconds) throw new Error(`unexpected postyard sync output: ${result.stdout}`);
    return { ...result, inProcessMs: Number(seconds[1]) * 1000 };
  }

  private env() {
    return { BENCH_PASSWORD: this.login.password };
  }
}

export class Mbsync {
  readonly maildir: string;
  private readonly config: string;

  constructor(
    private readonly dir: string,
    private readonly login: Login,
  ) {
    this.maildir = join(dir, 'mail', 'INBOX');
    this.config = join(dir, 'mbsyncrc');
  }

  async setup(): Promise<void> {
    await mkdir(join(this.dir, 'mail'), { recursive: true });
    await writeFile(
      this.config,
      `IMAPAccount bench\nHost 127.0.0.1\nPort ${this.login.port}\nUser ${this.login.user}\nPass ${this.login.password}\n` +
        'SSLType None\nAuthMechs LOGIN\n\nIMAPStore remote\nAccount bench\n\n' +
        `MaildirStore local\nPath ${this.dir}/mail/\nInbox ${this.maildir}\nSubFolders Verbatim\n\n` +
        'Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Both\nExpunge Both\nSyncState *\n',
      { mode: 0o600 },
    );
  }

  run(): Promise<Timed> {
    return timed('mbsync', ['-q', '-c', this.config, '-a'], { HOME: this.dir });
  }
}

export class Getmail {
  readonly maildir: string;

  constructor(
    private readonly dir: string,
    private readonly login: Login,
  ) {
    this.maildir = join(dir, 'Maildir');
  }

  async setup(): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(this.maildir, sub), { recursive: true });
    await writeFile(
      join(this.dir, 'getmailrc'),
      // timeout: a short one makes a run that hangs anyway fail fast.
      `[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = ${this.login.port}\n` +
        `username = ${this.login.user}\npassword = ${this.login.password}\ntimeout = 10\n\n` +
        `[destination]\ntype = Maildir\npath = ${this.maildir}/\n\n` +
        '[options]\nread_all = false\ndelete = false\nverbose = 0\n',
    );
    // getmail6 refuses to deliver as root: under root it runs as nobody, as a normal user would run it.
    if (process.getuid?.() === 0) await execFileAsync('chown', ['-R', 'nobody:nogroup', this.dir]);
  }

  /** getmail6 with its fork/SIGCHLD race fixed (test/helpers/getmail-no-race.py), so load does not fail it. */
  run(): Promise<Timed> {
    const [python, script] = getmailCommand();
    const args = [script, '--getmaildir', this.dir, '--rcfile', 'getmailrc'];
    if (process.getuid?.() !== 0) return timed(python, args, { HOME: this.dir });
    return timed('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', python, ...args], {
      HOME: this.dir,
    });
  }
}

export class Fetchmail {
  readonly maildir: string;

  constructor(
    private readonly dir: string,
    private readonly login: Login,
  ) {
    this.maildir = join(dir, 'Maildir');
  }

  /** fetchmail hands each message to an MDA; this one writes it into the Maildir (tmp, then new). */
  async setup(): Promise<void> {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(this.maildir, sub), { recursive: true });
    const mda = join(this.dir, 'maildir-mda.sh');
    await writeFile(
      mda,
      `#!/bin/sh\nname=$(date +%s).$$.fetchmail\ncat > "${this.maildir}/tmp/$name" && sync "${this.maildir}/tmp/$name" && ` +
        `mv "${this.maildir}/tmp/$name" "${this.maildir}/new/$name"\n`,
    );
    await chmod(mda, 0o700);
    await writeFile(
      join(this.dir, 'fetchmailrc'),
      `set no syslog\nset idfile "${join(this.dir, 'fetchids')}"\n` +
        `poll 127.0.0.1 service ${this.login.port} protocol pop3 uidl auth password timeout 60\n` +
        `  user "${this.login.user}" password "${this.login.password}" keep no sslcertck\n  mda "${mda}"\n`,
      { mode: 0o600 },
    );
  }

  run(): Promise<Timed> {
    return timed(
      'fetchmail',
      ['-f', join(this.dir, 'fetchmailrc'), '--pidfile', join(this.dir, 'pid'), '--nodetach', '-s'],
      { HOME: this.dir, FETCHMAILHOME: this.dir },
    );
  }
}
