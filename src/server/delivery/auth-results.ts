/**
 * Inbound SMTP: SPF (RFC 7208), DKIM (RFC 6376) and DMARC (RFC 7489) checked by mailauth and recorded in
 * Received-SPF and Authentication-Results (RFC 8601) header fields on the stored message. Nothing is
 * refused on them; a mail client or filter decides. Messages up to CHECK_LIMIT are checked (DKIM needs
 * the whole body); a larger one streams on unchecked with "none" recorded, so memory stays bounded.
 */
import { promises as dns } from 'node:dns';
import { PassThrough, type Readable } from 'node:stream';
import { authenticate } from 'mailauth';
import type { Config } from '../../config/types.js';

export const CHECK_LIMIT = 4 * 1024 * 1024;
/** The checks never hold a delivery longer than this (DNS may be slow or unreachable). */
const CHECK_TIMEOUT_MS = 15_000;

export interface AuthCheckInput {
  config: Config;
  remoteAddress: string;
  helo: string;
  sender: string;
}

/** The message (buffered or re-streamed) and the header fields to prepend, ending in CRLF. */
export async function checkAuthentication(
  input: Readable,
  check: AuthCheckInput,
): Promise<{ input: Buffer | Readable; headers: string }> {
  const head = await readUpTo(input, CHECK_LIMIT);
  if (!head.complete) {
    const rest = new PassThrough();
    for (const chunk of head.chunks) rest.write(chunk);
    input.pipe(rest);
    input.resume();
    return {
      input: rest,
      headers: `Authentication-Results: ${check.config.hostname}; none (message too large to check)\r\n`,
    };
  }
  const message = Buffer.concat(head.chunks);
  try {
    const result = await withTimeout(
      authenticate(message, {
        ip: check.remoteAddress,
        helo: check.helo || undefined,
        sender: check.sender || undefined,
        mta: check.config.hostname,
        resolver: resolverFor(check.config),
        disableArc: true,
        disableBimi: true,
      }),
      CHECK_TIMEOUT_MS,
    );
    return { input: message, headers: result.headers.replace(/\r?\n/g, '\r\n') };
  } catch {
    return {
      input: message,
      headers: `Authentication-Results: ${check.config.hostname}; none (checks failed)\r\n`,
    };
  }
}

function resolverFor(config: Config): (name: string, type: string) => Promise<never> {
  const resolver = new dns.Resolver({ timeout: 3_000, tries: 1 });
  if (config.outgoing.dnsServers.length > 0) resolver.setServers(config.outgoing.dnsServers);
  return (name, type) => resolver.resolve(name, type) as Promise<never>;
}

/** Reads until the end or until more than `limit` bytes arrived (then stops reading, pauses the input). */
function readUpTo(input: Readable, limit: number): Promise<{ chunks: Buffer[]; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (complete: boolean) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      resolve({ chunks, complete });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        input.pause();
        done(false);
      }
    };
    const onEnd = () => done(true);
    const onError = (err: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      reject(err);
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('authentication checks timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
