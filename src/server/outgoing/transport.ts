/**
 * One attempt to hand one message to the recipients of one domain, in one SMTP transaction: over a
 * route's hosts in order (a host that cannot be reached or refuses the connection moves us on to the
 * next, RFC 5321 5.1), and the replies turned into per-recipient outcomes: 2xx delivered, 5xx failed,
 * 4xx or no answer deferred.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../../config/types.js';
import type { Route, RouteHost } from './routes.js';
import type { SessionPool } from './session-pool.js';
import type { SendEnvelope, SmtpError, SmtpSession } from './smtp-session.js';

export type RecipientResult = { kind: 'delivered' | 'failed' | 'deferred'; reply: string };

export interface GroupResult {
  results: Map<string, RecipientResult>;
  /** The host that answered (Remote-MTA), if any. */
  remoteMta: string | null;
  /** Whether it advertised DSN, so it reports success itself (RFC 3461 5.2.2). */
  remoteDsn: boolean;
  secure: boolean;
}

export interface GroupRequest {
  envelope: SendEnvelope;
  /** Called once per host tried: the message bytes. */
  body(): Promise<Buffer | Readable>;
}

/** Connection-level failures: the host did not take part in a transaction, so the next one is tried. */
const CONNECTION_ERRORS = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EGREETING',
  'EPROTOCOL',
]);

export async function sendGroup(
  config: Config,
  pool: SessionPool,
  route: Extract<Route, { kind: 'hosts' }>,
  request: GroupRequest,
): Promise<GroupResult> {
  const out = config.outgoing;
  let lastError = 'no host to try';
  for (const host of route.hosts) {
    for (const address of host.addresses) {
      let session: SmtpSession;
      try {
        session = await pool.acquire(sessionKey(route, host, address), {
          address,
          port: host.port,
          servername: host.name,
          ehloName: config.hostname,
          implicitTls: route.smarthost && out.smarthost.security === 'tls',
          requireTls: route.smarthost ? out.smarthost.security === 'starttls' : out.requireTls,
          verifyCertificate: route.smarthost ? out.smarthost.verifyCertificate : false,
          timeoutMs: out.connectTimeout * 1000,
          ...(route.smarthost && out.smarthost.username
            ? { auth: { user: out.smarthost.username, pass: out.smarthost.password ?? '' } }
            : {}),
        });
      } catch (err) {
        lastError = describe(err, host, address);
        const e = err as SmtpError;
        // A smarthost that refuses our login will not accept on another address either.
        // A smarthost that refuses our login will not take it on another address either; that is our
        // configuration's fault, so the mail waits (deferred) instead of bouncing.
        if (e.code === 'EAUTH')
          return allRecipients(request, { kind: 'deferred', reply: lastError }, null, false);
        continue;
      }
      let broken = false;
      try {
        const info = await session.send(request.envelope, await request.body());
        const results = new Map<string, RecipientResult>();
        for (const rcpt of request.envelope.to) {
          const refused = info.rejected.get(rcpt);
          if (refused) results.set(rcpt, classify(refused.code, refused.reply));
          else results.set(rcpt, { kind: 'delivered', reply: info.response });
        }
        return { results, remoteMta: host.name, remoteDsn: session.supportsDsn, secure: session.secure };
      } catch (err) {
        const e = err as SmtpError;
        broken = true;
        if (e.code && CONNECTION_ERRORS.has(e.code) && !e.responseCode) {
          lastError = describe(err, host, address);
          continue;
        }
        return {
          ...fromTransactionError(request, e),
          remoteMta: host.name,
          remoteDsn: false,
          secure: session.secure,
        };
      } finally {
        pool.release(session, broken);
      }
    }
  }
  return allRecipients(request, { kind: 'deferred', reply: lastError }, null, false);
}

function sessionKey(route: Extract<Route, { kind: 'hosts' }>, host: RouteHost, address: string): string {
  return `${route.smarthost ? 'smarthost' : 'mx'}|${host.name}|${address}|${host.port}`;
}

/** A refused transaction: per-recipient RCPT replies where there are some, else one reply for all. */
function fromTransactionError(request: GroupRequest, e: SmtpError): Pick<GroupResult, 'results'> {
  const reply = e.response ?? e.message;
  const results = new Map<string, RecipientResult>();
  const perRecipient = new Map(
    (e.rejectedErrors ?? []).filter((r) => r.recipient).map((r) => [r.recipient!, r] as const),
  );
  for (const rcpt of request.envelope.to) {
    const r = perRecipient.get(rcpt);
    results.set(
      rcpt,
      r ? classify(r.responseCode ?? null, r.response ?? reply) : classify(e.responseCode ?? null, reply),
    );
  }
  return { results };
}

function allRecipients(
  request: GroupRequest,
  result: RecipientResult,
  remoteMta: string | null,
  secure: boolean,
): GroupResult {
  return {
    results: new Map(request.envelope.to.map((r) => [r, result])),
    remoteMta,
    remoteDsn: false,
    secure,
  };
}

function classify(code: number | null, reply: string): RecipientResult {
  if (code !== null && code >= 500 && code < 600) return { kind: 'failed', reply };
  if (code !== null && code >= 200 && code < 300) return { kind: 'delivered', reply };
  return { kind: 'deferred', reply };
}

function describe(err: unknown, host: RouteHost, address: string): string {
  const e = err as SmtpError;
  const where = `${host.name}[${address}]:${host.port}`;
  if (e.response) return `${e.response} (from ${where})`;
  return `${where}: ${e.code ?? 'error'} ${e.message}`.slice(0, 500);
}
