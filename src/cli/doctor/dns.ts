/**
 * `doctor --dns DOMAIN`: what the world needs to see in DNS for mail of DOMAIN to arrive here and to be
 * trusted when it leaves: MX (RFC 5321 5.1), SPF (RFC 7208), a DKIM key for each local key (RFC 6376)
 * and DMARC (RFC 7489). Each missing record is a WARN line that says what to publish.
 */
import { promises as dns } from 'node:dns';
import type { Config } from '../../config/types.js';
import { dkimTxtRecord, loadDkimKeys } from '../../server/outgoing/dkim.js';
import { type Finding, ok, warn } from './finding.js';

export async function checkDns(config: Config, domain: string): Promise<Finding[]> {
  const resolver = new dns.Resolver({ timeout: 5_000, tries: 2 });
  if (config.outgoing.dnsServers.length > 0) resolver.setServers(config.outgoing.dnsServers);
  const txt = async (name: string) =>
    (await resolver.resolveTxt(name).catch(() => [])).map((r) => r.join(''));
  const findings: Finding[] = [];

  const mx = await resolver.resolveMx(domain).catch(() => []);
  if (mx.length > 0)
    findings.push(ok('dns', `MX of ${domain}: ${mx.map((r) => `${r.priority} ${r.exchange}`).join(', ')}`));
  else findings.push(warn('dns', `no MX for ${domain}: publish ${domain}. IN MX 10 ${config.hostname}.`));

  const spf = (await txt(domain)).filter((t) => /^v=spf1(\s|$)/i.test(t));
  if (spf.length === 1) findings.push(ok('dns', `SPF of ${domain}: ${spf[0]}`));
  else if (spf.length > 1)
    findings.push(warn('dns', `${domain} has ${spf.length} SPF records; RFC 7208 allows one`));
  else
    findings.push(
      warn(
        'dns',
        `no SPF for ${domain}: publish ${domain}. IN TXT "v=spf1 mx${config.outgoing.mode === 'smarthost' ? ` include:${config.outgoing.smarthost.host}` : ''} -all"`,
      ),
    );

  const keys = (await loadDkimKeys(config.dataDir)).get(domain) ?? [];
  if (keys.length === 0)
    findings.push(warn('dns', `no DKIM key for ${domain} here: postyard dkim generate ${domain} makes one`));
  for (const key of keys) {
    const name = `${key.selector}._domainkey.${domain}`;
    const wanted = dkimTxtRecord(key).replace(/\s+/g, '');
    const published = (await txt(name)).map((t) => t.replace(/\s+/g, ''));
    if (published.includes(wanted)) findings.push(ok('dns', `DKIM ${name} matches the ${key.algorithm} key`));
    else if (published.length > 0)
      findings.push(warn('dns', `DKIM ${name} does not match the local key: publish ${dkimTxtRecord(key)}`));
    else findings.push(warn('dns', `no DKIM record ${name}: publish it (postyard dkim show ${domain})`));
  }

  const dmarc = (await txt(`_dmarc.${domain}`)).filter((t) => /^v=DMARC1/i.test(t));
  if (dmarc.length > 0) findings.push(ok('dns', `DMARC of ${domain}: ${dmarc[0]}`));
  else
    findings.push(
      warn(
        'dns',
        `no DMARC for ${domain}: publish _dmarc.${domain}. IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@${domain}"`,
      ),
    );
  return findings;
}
