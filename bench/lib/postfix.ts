/**
 * A private Postfix instance for the outgoing benchmark (Debian's `postfix` package, run as root): its own
 * config_directory, queue_directory and data_directory in a temp dir, smtpd on 127.0.0.1:PORT, everything
 * relayed to `relayhost` (the sink). Queue and fsync behaviour are Postfix's defaults; what differs from a
 * stock install is listed in main.cf below (no chroot, no local delivery, log to a file, loopback only).
 * The machine's own Postfix (if any) is not touched.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The services a relay needs, as in Debian's master.cf but without chroot (no copy of /etc needed). */
const MASTER_CF = `SMTPD inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

export class PrivatePostfix {
  readonly dir: string;
  private running = false;

  constructor(
    readonly port: number,
    private readonly relayPort: number,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'postfix-bench-'));
    // Postfix's daemons run as user postfix and must reach the queue below this directory.
    chmodSync(this.dir, 0o755);
  }

  async start(): Promise<void> {
    if (!existsSync('/usr/sbin/postfix')) {
      throw new Error('Postfix is not installed: apt-get install postfix (the bench runs its own instance)');
    }
    if (await listening(this.port)) throw new Error(`127.0.0.1:${this.port} is taken (a Postfix left over?)`);
    const etc = join(this.dir, 'etc');
    const data = join(this.dir, 'data');
    mkdirSync(etc);
    mkdirSync(join(this.dir, 'queue'));
    mkdirSync(data);
    execFileSync('chown', ['postfix', data]);
    writeFileSync(
      join(etc, 'main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${join(this.dir, 'queue')}`,
        `data_directory = ${data}`,
        'meta_directory = /etc/postfix',
        'myhostname = postfix.bench.test',
        'mydomain = bench.test',
        'mydestination =',
        'local_recipient_maps =',
        'alias_maps =',
        'alias_database =',
        'inet_interfaces = loopback-only',
        'inet_protocols = ipv4',
        // The submission clients are trusted by address; Postyard makes them AUTH (a difference to note).
        'mynetworks = 127.0.0.0/8',
        'smtpd_relay_restrictions = permit_mynetworks, reject',
        `relayhost = [127.0.0.1]:${this.relayPort}`,
        `maillog_file = ${join(this.dir, 'maillog')}`,
        `maillog_file_prefixes = ${this.dir}`,
        'syslog_name = postfix-bench',
        'biff = no',
        '',
      ].join('\n'),
    );
    writeFileSync(join(etc, 'master.cf'), MASTER_CF.replace('SMTPD', `127.0.0.1:${this.port}`));
    this.postfix('start');
    this.running = true;
    // `postfix start` returns once master is launched; smtpd's socket follows shortly after.
    for (let i = 0; !(await listening(this.port)); i++) {
      if (i > 200)
        throw new Error(`Postfix did not listen on ${this.port}; see ${join(this.dir, 'maillog')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The maillog's lines, e.g. to count deliveries that failed. */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'maillog'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.postfix('stop');
      this.running = false;
      for (let i = 0; (await listening(this.port)) && i < 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private postfix(command: string): void {
    try {
      execFileSync('postfix', ['-c', join(this.dir, 'etc'), command], { stdio: 'pipe' });
    } catch (err) {
      // Postfix reports startup errors to its log (stderr only on a terminal).
      throw new Error(`postfix ${command} failed: ${this.log().slice(-2000) || String(err)}`);
    }
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
