/**
 * `postyard cert`: the certificate the listeners present, as a person setting up a client needs it:
 * where the file is, its fingerprints (to compare with what a client shows), the names it covers and
 * when it expires, and whether other users of this machine can read it (to trust it in their clients).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, EX } from './exit.js';
import { resolvePaths } from './paths.js';
import { loadCliConfig } from './runtime.js';

export const cert: Command = {
  name: 'cert',
  summary: 'show the TLS certificate: path, fingerprints, names, expiry',
  usage: 'cert [--data DIR]',
  help: `Prints the certificate file the IMAPS/POP3S/SMTP listeners use (tls.cert), its SHA-256 and SHA-1
fingerprints, the names and addresses it covers, when it expires, and whether other users can read it.
A mail client that warns about the self-signed certificate shows one of these fingerprints: compare
them, or import the file into the client (curl: --cacert FILE).
${DATA_HELP}

Example:
  postyard cert`,
  async run(args) {
    const { values } = parseCommandArgs(this, args, DATA_OPTIONS);
    const config = await loadCliConfig(resolvePaths(values));
    const path = config.tls.cert;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(readFileSync(path));
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new CliError(`cannot read the certificate ${path} (tls.cert): ${why}`, EX.CONFIG);
    }
    const names = (certificate.subjectAltName ?? '')
      .split(', ')
      .filter(Boolean)
      .map((entry) => entry.replace(/^DNS:/, '').replace(/^IP Address:/, ''))
      .map(shortIpv6);
    const expires = new Date(certificate.validTo);
    const days = Math.floor((expires.getTime() - Date.now()) / 86_400_000);
    const selfSigned =
      certificate.subject === certificate.issuer && certificate.verify(certificate.publicKey);
    console.log(`certificate: ${path}`);
    console.log(`  subject:   ${oneLine(certificate.subject)}`);
    console.log(`  issuer:    ${selfSigned ? 'itself (self-signed)' : oneLine(certificate.issuer)}`);
    console.log(`  names:     ${names.join(', ') || '(none: clients check the subject CN only)'}`);
    console.log(`  valid:     until ${expires.toISOString().slice(0, 10)} (${days} days left)`);
    console.log(`  SHA-256:   ${certificate.fingerprint256}`);
    console.log(`  SHA-1:     ${certificate.fingerprint}`);
    console.log(`  readable:  ${describeReadability(path)}`);
    return EX.OK;
  },
};

/** Node prints IPv6 SANs in full ("0:0:0:0:0:0:0:1"): show them as people write them ("::1"). */
function shortIpv6(name: string): string {
  if (!/^[0-9a-f]+(:[0-9a-f]+){7}$/i.test(name)) return name;
  const groups = name.split(':').map((g) => Number.parseInt(g, 16).toString(16));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j > i ? j : i + 1;
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

function oneLine(distinguishedName: string): string {
  return distinguishedName.split('\n').join(', ');
}

/** Can users other than the owner read the file: o+r on it and o+x on every directory above it? */
function describeReadability(path: string): string {
  const blocked: string[] = [];
  let dir = dirname(path);
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) blocked.push(dir);
    if (dirname(dir) === dir) break;
    dir = dirname(dir);
  }
  const fileReadable = (statSync(path).mode & 0o004) !== 0;
  if (fileReadable && blocked.length === 0) return 'by every user (the key stays owner-only)';
  const fixes = [
    ...blocked.reverse().map((d) => `chmod o+x ${d}`),
    ...(fileReadable ? [] : [`chmod o+r ${path}`]),
  ];
  return `by its owner only; for other users: ${fixes.join('; ')}`;
}
