/**
 * The self-signed certificate `postyard init` writes for a first run (real deployments configure PEM
 * files from their CA). Uses the `selfsigned` package (native WebCrypto key generation).
 */
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_CERT_FILE, DEFAULT_KEY_FILE } from '../../config/config-schema.js';

/**
 * Writes a self-signed certificate and key for `hostname` (plus localhost, 127.0.0.1 and ::1) to the
 * default paths in the data directory, key readable by the owner only. Existing files are kept unless
 * `overwrite`. Returns the paths and whether new files were written.
 */
export async function generateSelfSigned(
  dataDir: string,
  hostname: string,
  options: { overwrite?: boolean; days?: number } = {},
): Promise<{ cert: string; key: string; created: boolean }> {
  const cert = join(dataDir, DEFAULT_CERT_FILE);
  const key = join(dataDir, DEFAULT_KEY_FILE);
  if (!options.overwrite && (await fileExists(cert)) && (await fileExists(key))) {
    return { cert, key, created: false };
  }
  const pems = await selfSignedPems(hostname, options.days ?? 825);
  // The certificate is public (clients must be able to trust it), the key is not.
  await mkdir(dirname(cert), { recursive: true, mode: 0o711 });
  await writeAtomically(key, pems.key, 0o600);
  await writeAtomically(cert, pems.cert, 0o644);
  return { cert, key, created: true };
}

async function selfSignedPems(hostname: string, days: number): Promise<{ cert: string; key: string }> {
  const { generate } = await import('selfsigned');
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + days * 86_400_000);
  const names = [...new Set([hostname, 'localhost'])];
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
