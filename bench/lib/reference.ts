/**
 * What every benchmark shares: its command-line flags (README "Benchmarks") and the reference Dovecot
 * it runs against, started by ../shared/reference/dovecot-ref.sh.
 */
import { execFileSync } from 'node:child_process';
import { sharedReference } from './shared-reference.js';

/** `--small`: a quick smoke run (smaller sizes, BENCHMARKS.md untouched). */
export const SMALL = process.argv.includes('--small');
/** `--postyard-only`: measure Postyard alone (no Dovecot, BENCHMARKS.md untouched). */
export const POSTYARD_ONLY = process.argv.includes('--postyard-only');
/** `--write`: replace the benchmark's section of BENCHMARKS.md (which also holds hand-written analysis). */
export const WRITE = process.argv.includes('--write');

/**
 * One benchmark's reference Dovecot: its own directory (DOVECOT_DIR overrides it) and ports
 * (`portBase` 13 → IMAP 13143, POP3 13110, LMTP 13024; DOVECOT_PORT_BASE overrides it), so the
 * benchmarks do not meet each other's mail.
 */
export class ReferenceDovecot {
  readonly dir: string;
  readonly ports: { imap: number; pop3: number; lmtp: number };
  private readonly env: NodeJS.ProcessEnv;

  constructor(name: string, portBase: number, extraEnv: Record<string, string> = {}) {
    this.dir = process.env.DOVECOT_DIR ?? `/tmp/dovecot-${name}`;
    // DOVECOT_PORT_BASE: another range when several people benchmark on one machine.
    const base = Number(process.env.DOVECOT_PORT_BASE ?? portBase) * 1000;
    this.ports = { imap: base + 143, pop3: base + 110, lmtp: base + 24 };
    this.env = {
      ...process.env,
      DOVECOT_IMAP_PORT: String(this.ports.imap),
      DOVECOT_POP3_PORT: String(this.ports.pop3),
      DOVECOT_LMTP_PORT: String(this.ports.lmtp),
      ...extraEnv,
    };
  }

  /** (Re)starts Dovecot with empty mail, so earlier runs' messages do not add up. */
  reset(): void {
    execFileSync(sharedReference('dovecot-ref.sh'), ['reset', this.dir], { env: this.env, stdio: 'inherit' });
  }

  stop(): void {
    execFileSync(sharedReference('dovecot-ref.sh'), ['stop', this.dir], { env: this.env, stdio: 'inherit' });
  }
}
