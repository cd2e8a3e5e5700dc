/**
 * Where mail for a domain goes: the smarthost, or the domain's MX hosts (RFC 5321 5.1: MX records by
 * preference, equal preferences in random order; no MX record → the domain's own address records, the
 * "implicit MX"; a null MX (RFC 7505) → undeliverable). Each host comes with its addresses, IPv6 first
 * when both families are allowed. Lookups go through node:dns with the configured servers.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { OutgoingConfig } from '../../config/types.js';

export interface RouteHost {
  /** Host name (for TLS SNI and logs) or address literal. */
  name: string;
  addresses: string[];
  port: number;
}

export type Route =
  | { kind: 'hosts'; hosts: RouteHost[]; smarthost: boolean }
  /** Permanently undeliverable (no such domain, null MX): bounce with this reply. */
  | { kind: 'fail'; reply: string }
  /** Temporarily unresolvable (DNS timeout, SERVFAIL, no address): retry later. */
  | { kind: 'defer'; reply: string };

export interface RouteResolver {
  resolve(domain: string): Promise<Route>;
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export function createRouteResolver(config: () => OutgoingConfig): RouteResolver {
  let servers = '';
  let resolver = new dns.Resolver({ timeout: 5_000, tries: 2 });
  const current = (): InstanceType<typeof dns.Resolver> => {
    const wanted = config().dnsServers;
    const key = wanted.join(',');
    if (key !== servers) {
      resolver = new dns.Resolver({ timeout: 5_000, tries: 2 });
      if (wanted.length > 0) resolver.setServers(wanted);
      servers = key;
    }
    return resolver;
  };

  async function addressesOf(name: string, family: OutgoingConfig['ipFamily']): Promise<string[]> {
    if (isIP(name)) return [name];
    const r = current();
    const lookups: Array<Promise<string[]>> = [];
    if (family !== 'ipv4') lookups.push(r.resolve6(name).catch(() => []));
    if (family !== 'ipv6') lookups.push(r.resolve4(name).catch(() => []));
    return (await Promise.all(lookups)).flat();
  }

  return {
    async resolve(domain) {
      const cfg = config();
      if (cfg.mode === 'smarthost') {
        const host = cfg.smarthost.host;
        const addresses = isIP(host) ? [host] : await systemLookup(host);
        if (addresses.length === 0) return { kind: 'defer', reply: `cannot resolve smarthost ${host}` };
        return {
          kind: 'hosts',
          smarthost: true,
          hosts: [{ name: host, addresses, port: cfg.smarthost.port }],
        };
      }
      const literal = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain);
      if (literal && isIP(literal[1]!)) {
        return {
          kind: 'hosts',
          smarthost: false,
          hosts: [{ name: literal[1]!, addresses: [literal[1]!], port: cfg.mxPort }],
        };
      }
      let names: string[];
      try {
        const records = await current().resolveMx(domain);
        if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.'))
          return { kind: 'fail', reply: `domain ${domain} accepts no mail (null MX, RFC 7505)` };
        names = orderByPreference(records).filter((n) => n !== '' && n !== '.');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!NOT_FOUND.has(code)) return { kind: 'defer', reply: `MX lookup for ${domain} failed: ${code}` };
        names = [domain]; // implicit MX
      }
      const hosts: RouteHost[] = [];
      for (const name of names) {
        const addresses = await addressesOf(name, cfg.ipFamily);
        if (addresses.length > 0) hosts.push({ name, addresses, port: cfg.mxPort });
      }
      if (hosts.length > 0) return { kind: 'hosts', smarthost: false, hosts };
      if (names.length === 1 && names[0] === domain && !(await domainExists(current(), domain)))
        return { kind: 'fail', reply: `domain ${domain} does not exist` };
      return { kind: 'defer', reply: `no address found for the mail hosts of ${domain}` };
    },
  };
}

/** Lowest preference first; hosts of equal preference shuffled (RFC 5321 5.1). */
function orderByPreference(records: Array<{ exchange: string; priority: number }>): string[] {
  return records
    .map((r) => ({ ...r, tie: Math.random() }))
    .sort((a, b) => a.priority - b.priority || a.tie - b.tie)
    .map((r) => r.exchange.replace(/\.$/, '').toLowerCase());
}

/** NXDOMAIN is permanent; anything else (e.g. a name with only other records) is not. */
async function domainExists(resolver: InstanceType<typeof dns.Resolver>, domain: string): Promise<boolean> {
  try {
    await resolver.resolveAny(domain);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOTFOUND';
  }
}

async function systemLookup(host: string): Promise<string[]> {
  try {
    return (await dns.lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}
