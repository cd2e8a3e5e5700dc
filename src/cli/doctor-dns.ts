/**
 * `postyard doctor dns DOMAIN`: the DNS records to publish so mail apps find this server from an
 * address alone. The mail-client part (SRV, autoconfig, autodiscover) comes from doctor/client-dns.ts;
 * other record sets (MX, SPF, DKIM, DMARC) can be printed beside it.
 */
import { hostOrAddress } from '../config/schema.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { clientDnsRecords, formatZone } from './doctor/client-dns.js';
import { EX, UsageError } from './exit.js';
import { resolvePaths } from './paths.js';
import { loadCliConfig } from './runtime.js';

export const doctorDns: Command = {
  name: 'doctor dns',
  summary: 'print the DNS records that let mail apps find this server',
  usage: 'doctor dns DOMAIN',
  help: `Prints, in zone-file form, the records to publish for DOMAIN (the part after @ in your users'
addresses): RFC 6186 SRV records for IMAP, POP3 and submission (RFC 8314 implicit TLS first, "." for
a service that is off), and the autoconfig and autodiscover names mail apps look up. The ports are
the configured ones; notes say what else a mail app needs to reach the server.
${DATA_HELP}

Example:
  postyard doctor dns example.com`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['DOMAIN']);
    const domain = positionals[0]!.trim();
    try {
      hostOrAddress()(domain, 'DOMAIN');
    } catch {
      throw new UsageError(`'${domain}' is not a domain name`);
    }
    const config = await loadCliConfig(resolvePaths(values));
    const advice = clientDnsRecords(config, domain);
    console.log(`; Mail apps (RFC 6186 / RFC 8314, autoconfig, Autodiscover) for ${domain}`);
    console.log(formatZone(advice.records));
    for (const note of advice.notes) console.log(`; note: ${note}`);
    return EX.OK;
  },
};
