/** The configured certificate: readable, currently valid, not about to expire, matching key and host name. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Config } from '../../config/types.js';
import { type Finding, fail, ok, warn } from './finding.js';

const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export async function checkCertificate(config: Config, now = new Date()): Promise<Finding[]> {
  const findings: Finding[] = await keyPermissions(config.tls.key);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await readFile(config.tls.cert));
  } catch (err) {
    findings.push(
      fail('cert', `tls.cert ${config.tls.cert} is not a readable PEM certificate: ${reason(err)}`),
    );
    return findings;
  }
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  const until = validTo.toISOString().slice(0, 10);
  if (now < validFrom)
    findings.push(fail('cert', `${config.tls.cert} is not valid before ${validFrom.toISOString()}`));
  else if (daysLeft < 0) findings.push(fail('cert', `${config.tls.cert} expired on ${until}`));
  else if (daysLeft < EXPIRY_WARNING_DAYS)
    findings.push(warn('cert', `${config.tls.cert} expires in ${daysLeft} days (${until})`));
  else findings.push(ok('cert', `${config.tls.cert} valid until ${until} (${daysLeft} days left)`));

  try {
    const key = createPrivateKey(await readFile(config.tls.key));
    if (!cert.checkPrivateKey(key))
      findings.push(fail('cert', `tls.key ${config.tls.key} does not match the certificate`));
  } catch (err) {
    findings.push(fail('cert', `tls.key ${config.tls.key} is not a readable private key: ${reason(err)}`));
  }
  if (cert.checkHost(config.hostname) === undefined && cert.checkIP(config.hostname) === undefined) {
    findings.push(
      warn('cert', `the certificate does not name the hostname ${config.hostname}; clients will warn`),
    );
  }
  if (cert.issuer === cert.subject) {
    findings.push(
      warn('cert', 'self-signed: fine for testing; configure tls.cert/tls.key with a CA-issued certificate'),
    );
  }
  return findings;
}

/** A private key others can read is a leaked key waiting to happen. */
async function keyPermissions(keyFile: string): Promise<Finding[]> {
  const mode = (await stat(keyFile).catch(() => null))?.mode;
  if (mode === undefined || (mode & 0o077) === 0) return [];
  const octal = (mode & 0o777).toString(8);
  return [warn('cert', `tls.key ${keyFile} is readable by others (mode ${octal}); chmod 600 it`)];
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message ?? String(err);
}
