/**
 * Password hashing with scrypt (memory-hard). Format, self-describing so parameters can be raised later
 * without invalidating stored hashes:
 *
 *   $scrypt$N=16384,r=8,p=1$<salt, base64>$<hash, base64>
 *
 * crypto.scrypt (async) runs on the libuv threadpool, so hashing never blocks the event loop.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 16 MiB of memory and roughly 50 ms per hash on a current core. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 16384, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = '$scrypt$';

export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, KEY_BYTES, params);
  return `${PREFIX}N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * True when `password` matches `encoded`. Constant-time comparison; a malformed hash is a non-match
 * (verifyPassword never throws for bad stored data).
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed) return false;
  const actual = await scryptAsync(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(actual, parsed.hash);
}

/** True when `encoded` is a hash this module can verify. */
export function isPasswordHash(encoded: string): boolean {
  return parseHash(encoded) !== null;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(encoded: string): ParsedHash | null {
  if (!encoded.startsWith(PREFIX)) return null;
  const [paramText, saltText, hashText, extra] = encoded.slice(PREFIX.length).split('$');
  if (!paramText || !saltText || !hashText || extra !== undefined) return null;
  const m = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(paramText);
  if (!m) return null;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Bounds keep a corrupted or hostile hash from asking for gigabytes of memory.
  const powerOfTwo = params.N >= 2 && (params.N & (params.N - 1)) === 0;
  if (!powerOfTwo || params.N > 2 ** 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) {
    return null;
  }
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 128) return null;
  return { params, salt, hash };
}

function scryptAsync(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
