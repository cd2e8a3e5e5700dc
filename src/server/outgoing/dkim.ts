/**
 * DKIM keys (RFC 6376) and signing through mailauth (we write no DKIM code of our own). A key is a
 * PEM file DATA/dkim/DOMAIN/SELECTOR.pem made by `postyard dkim generate`; Ed25519 (RFC 8463) and
 * RSA keys of one domain all sign, so receivers that know only RSA still find a signature they can check.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type DkimAlgorithm = 'ed25519' | 'rsa';

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  privateKey: string;
}

export const DKIM_DIR = 'dkim';
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Keys are re-read at most this often, so `dkim generate` takes effect without a restart. */
const CACHE_MS = 30_000;

export function dkimDir(dataDir: string): string {
  return join(dataDir, DKIM_DIR);
}

export function validSelector(selector: string): boolean {
  return SELECTOR.test(selector);
}

/** Makes a key pair and stores the private key (0600); returns the key and its DNS TXT value. */
export async function generateDkimKey(
  dataDir: string,
  domain: string,
  selector: string,
  algorithm: DkimAlgorithm,
): Promise<{ key: DkimKey; path: string; txt: string }> {
  const pair =
    algorithm === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = join(dkimDir(dataDir), domain.toLowerCase());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${selector}.pem`);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, privateKey, { mode: 0o600, flag: 'wx' });
  await rename(tmp, path);
  const key: DkimKey = { domain: domain.toLowerCase(), selector, algorithm, privateKey };
  return { key, path, txt: dkimTxtRecord(key) };
}

/** The TXT record value for SELECTOR._domainkey.DOMAIN (RFC 6376 3.6.1; Ed25519: raw key, RFC 8463 4.2). */
export function dkimTxtRecord(key: Pick<DkimKey, 'privateKey' | 'algorithm'>): string {
  const publicKey = createPublicKey(createPrivateKey(key.privateKey));
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const p =
    key.algorithm === 'ed25519' ? der.subarray(der.length - 32).toString('base64') : der.toString('base64');
  return `v=DKIM1; k=${key.algorithm}; p=${p}`;
}

function algorithmOf(key: KeyObject): DkimAlgorithm | null {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  return null;
}

/** Every key under DATA/dkim, by domain. Unreadable or foreign files are skipped. */
export async function loadDkimKeys(dataDir: string): Promise<Map<string, DkimKey[]>> {
  const byDomain = new Map<string, DkimKey[]>();
  let domains: string[];
  try {
    domains = await readdir(dkimDir(dataDir));
  } catch {
    return byDomain;
  }
  for (const domain of domains.sort()) {
    let files: string[];
    try {
      files = await readdir(join(dkimDir(dataDir), domain));
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      const selector = file.replace(/\.pem$/, '');
      if (!file.endsWith('.pem') || !validSelector(selector)) continue;
      try {
        const privateKey = await readFile(join(dkimDir(dataDir), domain, file), 'utf8');
        const algorithm = algorithmOf(createPrivateKey(privateKey));
        if (!algorithm) continue;
        const list = byDomain.get(domain) ?? [];
        list.push({ domain, selector, algorithm, privateKey });
        byDomain.set(domain, list);
      } catch {}
    }
  }
  return byDomain;
}

/** The signer submission uses: keys cached briefly, signatures for the author's domain. */
export class DkimSigner {
  private keys: Map<string, DkimKey[]> | null = null;
  private loadedAt = 0;

  constructor(
    private readonly dataDir: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** DKIM-Signature header fields (ending in CRLF) for `message`, or '' without a key for `domain`. */
  async sign(message: Buffer, domain: string): Promise<string> {
    if (!this.keys || this.now() - this.loadedAt > CACHE_MS) {
      this.keys = await loadDkimKeys(this.dataDir());
      this.loadedAt = this.now();
    }
    const keys = this.keys.get(domain.toLowerCase());
    if (!keys || keys.length === 0) return '';
    // Loaded on first use: mailauth takes most of a second to load, which every CLI command (postyard
    // deliver, run by the MTA per message) would otherwise pay through the command table.
    const { dkimSign } = await import('mailauth');
    const result = await dkimSign(message, {
      signingDomain: domain.toLowerCase(),
      selector: keys[0]!.selector,
      privateKey: keys[0]!.privateKey,
      canonicalization: 'relaxed/relaxed',
      signatureData: keys.map((k) => ({
        signingDomain: k.domain,
        selector: k.selector,
        privateKey: k.privateKey,
        algorithm: k.algorithm === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
        canonicalization: 'relaxed/relaxed',
      })),
    });
    if (result.errors && result.errors.length > 0) throw result.errors[0];
    return result.signatures.replace(/\r?\n/g, '\r\n');
  }
}
