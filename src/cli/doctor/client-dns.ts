/**
 * The DNS records that let mail apps find this server by the address alone: RFC 6186 SRV records
 * (with RFC 8314's _submissions, implicit TLS preferred), the autoconfig and autodiscover names, and
 * notes where the config makes them useless. Pure: config in, records out (`postyard doctor dns`).
 */
import { listenerEnabled } from '../../config/config.js';
import type { Config } from '../../config/types.js';

export interface DnsRecord {
  name: string;
  type: 'SRV' | 'CNAME';
  value: string;
  /** Why this record exists. */
  comment: string;
}

export interface ClientDnsAdvice {
  records: DnsRecord[];
  notes: string[];
}

const TTL = 3600;

/** RFC 6186 / RFC 8314 services; implicit TLS gets the better (lower) priority (RFC 8314 5.1). */
const SERVICES: ReadonlyArray<{
  service: string;
  listener: keyof Config['listeners'];
  priority: number;
  what: string;
}> = [
  { service: '_imaps', listener: 'imaps', priority: 0, what: 'IMAP over TLS' },
  { service: '_imap', listener: 'imap', priority: 10, what: 'IMAP with STARTTLS' },
  { service: '_pop3s', listener: 'pop3s', priority: 0, what: 'POP3 over TLS' },
  { service: '_pop3', listener: 'pop3', priority: 10, what: 'POP3 with STARTTLS' },
  { service: '_submissions', listener: 'submissions', priority: 0, what: 'sending over TLS (RFC 8314)' },
  { service: '_submission', listener: 'submission', priority: 10, what: 'sending with STARTTLS' },
];

export function clientDnsRecords(config: Config, domain: string): ClientDnsAdvice {
  const zone = `${domain.toLowerCase().replace(/\.$/, '')}.`;
  const host = `${config.hostname.replace(/\.$/, '')}.`;
  const notes: string[] = [];
  const records: DnsRecord[] = SERVICES.map(({ service, listener, priority, what }) => {
    const settings = config.listeners[listener];
    const running = listenerEnabled(settings) && settings.port > 0;
    return {
      name: `${service}._tcp.${zone}`,
      type: 'SRV',
      // RFC 6186 3.4: target "." says the service is not offered at all.
      value: running ? `${priority} 1 ${settings.port} ${host}` : '0 0 0 .',
      comment: running ? what : `${what}: not offered (listeners.${listener} is off)`,
    };
  });
  const https = config.listeners.https;
  const http = config.listeners.http;
  records.push(
    {
      name: `autoconfig.${zone}`,
      type: 'CNAME',
      value: host,
      comment: 'Thunderbird, K-9, FairEmail: https://autoconfig.DOMAIN/mail/config-v1.1.xml',
    },
    {
      name: `autodiscover.${zone}`,
      type: 'CNAME',
      value: host,
      comment: 'Outlook: https://autodiscover.DOMAIN/autodiscover/autodiscover.xml',
    },
    {
      name: `_autodiscover._tcp.${zone}`,
      type: 'SRV',
      value: `0 1 443 ${host}`,
      comment: 'Outlook, when the names above do not answer',
    },
  );
  if (!listenerEnabled(https) && !listenerEnabled(http)) {
    notes.push('listeners.http and listeners.https are off: nothing answers autoconfig or Autodiscover.');
  } else if (!listenerEnabled(https) || https.port !== 443) {
    notes.push(
      `mail apps fetch autoconfig and Autodiscover over https on port 443; Postyard's https listener is ${
        listenerEnabled(https) ? `on port ${https.port}` : 'off'
      }: forward port 443 to it (or put a reverse proxy in front), or set listeners.https.port to 443.`,
    );
  }
  if (listenerEnabled(https) && https.host.startsWith('127.')) {
    notes.push(
      `listeners.https binds ${https.host}: only this machine reaches it; set its host (or a reverse proxy).`,
    );
  }
  notes.push(
    `the certificate must name ${config.hostname}, autoconfig.${zone.slice(0, -1)} and autodiscover.${zone.slice(0, -1)} (or a proxy in front must).`,
  );
  return { records, notes };
}

/** Zone-file lines: `name TTL IN TYPE value ; comment`. */
export function formatZone(records: readonly DnsRecord[]): string {
  const width = Math.max(...records.map((r) => r.name.length));
  return records
    .map((r) => `${r.name.padEnd(width)}  ${TTL} IN ${r.type.padEnd(5)} ${r.value.padEnd(36)} ; ${r.comment}`)
    .join('\n');
}
