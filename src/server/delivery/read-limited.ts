/**
 * Reads a whole message into memory while enforcing the size limit (RFC 1870 SIZE / config
 * limits.maxMessageSize). Over the limit, the rest of the input is still drained (an SMTP/LMTP DATA
 * stream must be consumed to its terminating "." before the reply) but not kept, so memory stays bounded.
 */
import type { Readable } from 'node:stream';
import { TempError, TooBigError } from '../../lib/errors.js';

export function readLimited(input: Buffer | Readable, maxSize: number): Promise<Buffer> {
  if (Buffer.isBuffer(input)) {
    if (input.length > maxSize) return Promise.reject(tooBig(maxSize));
    return Promise.resolve(input);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (err: Error | null, value?: Buffer) => {
      if (finished) return;
      finished = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.off('close', onClose);
      if (err) reject(err);
      else resolve(value as Buffer);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'binary') : chunk;
      size += buf.length;
      if (size <= maxSize) chunks.push(buf);
      else chunks.length = 0;
    };
    const onEnd = () => {
      if (size > maxSize) finish(tooBig(maxSize));
      else finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) =>
      finish(new TempError(`message input failed: ${err.message}`, { cause: err }));
    const onClose = () => finish(new TempError('message input closed before its end'));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.on('close', onClose);
  });
}

/** The one wording of the size refusal, for every ingest path. */
export function tooBig(maxSize: number): TooBigError {
  return new TooBigError(`Message exceeds the maximum size of ${maxSize} bytes`);
}
