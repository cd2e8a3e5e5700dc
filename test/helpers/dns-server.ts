/**
 * A real DNS server (dns2, UDP on 127.0.0.1, an ephemeral port) answering from a zone the test fills:
 * MX, A, AAAA and TXT records per name; an unknown name is NXDOMAIN, a known name without the asked
 * type an empty NOERROR answer. Postyard reaches it through outgoing.dnsServers ("127.0.0.1:PORT"),
 * mailauth through the resolver function `resolverFor` builds.
 *
 *   const dns = await startDnsServer({ 'remote.test': { MX: [{ exchange: 'mx.remote.test', priority: 10 }] } });
 *   dns.zone['mx.remote.test'] = { A: ['127.0.0.1'] };
 *   ... outgoing: { dnsServers: [dns.address] } ...
 *   await dns.close();
 */
import { promises as nodeDns } from 'node:dns';
import dns2 from 'dns2';

const { Packet } = dns2;
/** dns2's typings lack RCODE and want class instances for answers; its runtime takes plain records. */
const RCODE_NXDOMAIN = 3;
type Answer = Parameters<typeof Packet.prototype.answers.push>[0];

export interface ZoneEntry {
  MX?: Array<{ exchange: string; priority: number }>;
  A?: string[];
  AAAA?: string[];
  /** Each record one string; split into 255-byte character-strings on the wire. */
  TXT?: string[];
}

export interface TestDnsServer {
  zone: Record<string, ZoneEntry>;
  /** "127.0.0.1:PORT" */
  address: string;
  /** Questions seen, as "TYPE name". */
  queries: string[];
  close(): Promise<void>;
}

export async function startDnsServer(zone: Record<string, ZoneEntry> = {}): Promise<TestDnsServer> {
  const queries: string[] = [];
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (!question) return send(response);
      const name = question.name.toLowerCase().replace(/\.$/, '');
      const entry = zone[name];
      const typeName =
        Object.entries(Packet.TYPE).find(([, v]) => v === question.type)?.[0] ?? String(question.type);
      queries.push(`${typeName} ${name}`);
      if (!entry) {
        response.header.rcode = RCODE_NXDOMAIN;
        return send(response);
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60 };
      const answer = (record: Record<string, unknown>) =>
        response.answers.push({ ...base, ...record } as Answer);
      if (question.type === Packet.TYPE.MX)
        for (const mx of entry.MX ?? [])
          answer({ type: Packet.TYPE.MX, exchange: mx.exchange, priority: mx.priority });
      if (question.type === Packet.TYPE.A)
        for (const address of entry.A ?? []) answer({ type: Packet.TYPE.A, address });
      if (question.type === Packet.TYPE.AAAA)
        for (const address of entry.AAAA ?? []) answer({ type: Packet.TYPE.AAAA, address });
      if (question.type === Packet.TYPE.TXT)
        for (const text of entry.TXT ?? []) answer({ type: Packet.TYPE.TXT, data: chunks(text) });
      send(response);
    },
  });
  const listening = new Promise<void>((resolve) => server.once('listening', () => resolve()));
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  await listening;
  const port = (server.addresses() as { udp: { port: number } }).udp.port;
  return {
    zone,
    address: `127.0.0.1:${port}`,
    queries,
    close: async () => {
      await server.close();
    },
  };
}

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 255) out.push(text.slice(i, i + 255));
  return out.length > 0 ? out : [''];
}

/** A mailauth-style resolver (name, type) → records, asking `server` like Postyard does. */
export function resolverFor(server: TestDnsServer): (name: string, type: string) => Promise<never> {
  const resolver = new nodeDns.Resolver();
  resolver.setServers([server.address]);
  return (name, type) => resolver.resolve(name, type) as Promise<never>;
}
