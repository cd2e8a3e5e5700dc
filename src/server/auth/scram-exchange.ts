/**
 * A SCRAM-SHA-256[-PLUS] exchange as the sessions run it (IMAP AUTHENTICATE, POP3 AUTH): base64 lines in,
 * challenges out, the throttle and stored keys through the one AuthService. Same loop as SaslExchange:
 *
 *   const exchange = new ScramExchange(auth, who, mechanism, channelBinding);
 *   let step = await exchange.start(initialResponse);
 *   while (step.kind === 'challenge') { send `+ ${step.challenge}`; step = await exchange.next(line); }
 *   step.result is the AuthResult (ok with the account, or why not)
 *
 * After a right proof the server-final message (`v=`, RFC 5802 §5) goes out as one more challenge and
 * the client answers it with an empty response (RFC 4422 §5: no additional data in the outcome).
 */
import { BadInputError } from '../../lib/errors.js';
import type { Account } from '../../store/store.js';
import type { AuthResult, AuthService, ScramRequest } from './auth.js';
import { decodeSaslBase64, isSaslCancel, SaslCancelledError } from './sasl.js';
import { type ChannelBindingSource, ScramServer } from './scram.js';

export const SCRAM = 'SCRAM-SHA-256';
export const SCRAM_PLUS = 'SCRAM-SHA-256-PLUS';

/** SCRAM mechanisms for a connection: -PLUS only with TLS (it needs the channel to bind to). */
export function scramMechanisms(secure: boolean): string[] {
  return secure ? [SCRAM_PLUS, SCRAM] : [SCRAM];
}

export function isScramMechanism(mechanism: string): boolean {
  const upper = mechanism.toUpperCase();
  return upper === SCRAM || upper === SCRAM_PLUS;
}

export type ScramStep = { kind: 'challenge'; challenge: string } | { kind: 'done'; result: AuthResult };

export class ScramExchange {
  private readonly server: ScramServer;
  private state: 'first' | 'final' | 'ack' | 'done' = 'first';
  private request: ScramRequest;
  private account: Account | null = null;
  private success: AuthResult | null = null;

  /** `channelBinding` null on a connection without TLS; SCRAM-SHA-256-PLUS then fails. */
  constructor(
    private readonly auth: AuthService,
    who: Omit<ScramRequest, 'login'>,
    mechanism: string,
    channelBinding: ChannelBindingSource | null,
  ) {
    this.request = { ...who, login: '' };
    this.server = new ScramServer({ plus: mechanism.toUpperCase() === SCRAM_PLUS, channelBinding });
  }

  /** The login the client named ('' before its first message). */
  get login(): string {
    return this.request.login;
  }

  /** Without an initial response (SASL-IR) the client is asked for its first message. */
  async start(initialResponse?: string): Promise<ScramStep> {
    if (initialResponse === undefined) return { kind: 'challenge', challenge: '' };
    return this.next(initialResponse);
  }

  /** One client line (without CRLF). Throws SaslCancelledError on "*", BadInputError on garbage. */
  async next(line: string): Promise<ScramStep> {
    if (isSaslCancel(line)) throw new SaslCancelledError();
    const message = decodeSaslBase64(line).toString('utf8');
    switch (this.state) {
      case 'first':
        return this.clientFirst(message);
      case 'final':
        return this.clientFinal(message);
      case 'ack':
        if (message !== '') throw new BadInputError('Unexpected data after SCRAM server-final message');
        this.state = 'done';
        return { kind: 'done', result: this.success as AuthResult };
      case 'done':
        throw new Error('ScramExchange.next() after the end');
    }
  }

  private async clientFirst(message: string): Promise<ScramStep> {
    const { login } = this.server.clientFirst(message);
    this.request = { ...this.request, login };
    const lookup = await this.auth.scramKeys(this.request);
    if (!lookup.ok) {
      this.state = 'done';
      const { reason, retryAfterMs } = lookup;
      return {
        kind: 'done',
        result: retryAfterMs === undefined ? { ok: false, reason } : { ok: false, reason, retryAfterMs },
      };
    }
    this.account = lookup.account;
    this.state = 'final';
    return { kind: 'challenge', challenge: base64(this.server.serverFirst(lookup.keys)) };
  }

  private async clientFinal(message: string): Promise<ScramStep> {
    const serverFinal = this.server.clientFinal(message);
    const result = await this.auth.scramResult(this.request, this.account, serverFinal !== null);
    if (!result.ok || serverFinal === null) {
      this.state = 'done';
      return { kind: 'done', result };
    }
    this.success = result;
    this.state = 'ack';
    return { kind: 'challenge', challenge: base64(serverFinal) };
  }
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
