/**
 * Reads an autoconfig file the way Thunderbird's account wizard does (its readFromXML: the first valid
 * incoming server is the choice, the others alternatives; hostname, port 1-65535, socketType
 * plain/SSL/STARTTLS, a known authentication, a username; pop3 options; outgoing must be type smtp),
 * then fills %EMAILADDRESS%. Throws where Thunderbird would reject the file.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';

export interface ServerConfig {
  type: string;
  hostname: string;
  port: number;
  socketType: 'plain' | 'SSL' | 'STARTTLS';
  auth: string;
  username: string;
  pop3?: { leaveMessagesOnServer?: boolean; daysToLeaveMessagesOnServer?: number; downloadOnBiff?: boolean };
}

export interface AccountConfig {
  id: string;
  domains: string[];
  displayName: string;
  incoming: ServerConfig;
  incomingAlternatives: ServerConfig[];
  outgoing: ServerConfig;
  outgoingAlternatives: ServerConfig[];
  documentationUrl: string | null;
}

const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const SOCKET_TYPES = ['plain', 'SSL', 'STARTTLS'] as const;
const INCOMING_AUTH = [
  'password-cleartext',
  'plain',
  'password-encrypted',
  'secure',
  'GSSAPI',
  'NTLM',
  'OAuth2',
];
const OUTGOING_AUTH = [...INCOMING_AUTH, 'none', 'client-IP-address', 'smtp-after-pop'];

export function readAutoconfig(xml: string, email: string): AccountConfig {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`not well-formed XML: ${message}`);
    },
  }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (root?.tagName !== 'clientConfig') throw new Error('no <clientConfig>');
  const provider = children(root, 'emailProvider')[0];
  if (!provider) throw new Error('no <emailProvider>');
  const domains = children(provider, 'domain').map((d) => hostname(text(d)));
  if (domains.length === 0) throw new Error('need proper <domain>');
  const incoming = children(provider, 'incomingServer').flatMap((el) =>
    tryServer(el, ['pop3', 'imap'], INCOMING_AUTH),
  );
  const outgoing = children(provider, 'outgoingServer').flatMap((el) =>
    tryServer(el, ['smtp'], OUTGOING_AUTH),
  );
  if (incoming.length === 0) throw new Error('need proper <incomingServer>');
  if (outgoing.length === 0) throw new Error('need proper <outgoingServer>');
  const fill = (s: ServerConfig) => ({ ...s, username: s.username.replaceAll('%EMAILADDRESS%', email) });
  const documentation = children(provider, 'documentation')[0];
  return {
    id: hostname(provider.getAttribute('id') ?? ''),
    domains,
    displayName: text(children(provider, 'displayName')[0]) || domains[0]!,
    incoming: fill(incoming[0]!),
    incomingAlternatives: incoming.slice(1).map(fill),
    outgoing: fill(outgoing[0]!),
    outgoingAlternatives: outgoing.slice(1).map(fill),
    documentationUrl: documentation?.getAttribute('url') ?? null,
  };
}

function tryServer(el: Element, types: readonly string[], auths: readonly string[]): ServerConfig[] {
  const type = el.getAttribute('type') ?? '';
  if (!types.includes(type)) return [];
  const port = Number(text(children(el, 'port')[0]));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return [];
  const socketType = children(el, 'socketType')
    .map(text)
    .find((s): s is ServerConfig['socketType'] => (SOCKET_TYPES as readonly string[]).includes(s));
  const auth = children(el, 'authentication')
    .map(text)
    .find((a) => auths.includes(a));
  const username = text(children(el, 'username')[0]);
  let host: string;
  try {
    host = hostname(text(children(el, 'hostname')[0]));
  } catch {
    return [];
  }
  if (!socketType || !auth || !username) return [];
  const server: ServerConfig = { type, hostname: host, port, socketType, auth, username };
  const pop3 = children(el, 'pop3')[0];
  if (type === 'pop3' && pop3) {
    const flag = (name: string) => {
      const value = children(pop3, name)[0];
      if (!value) return undefined;
      if (!['true', 'false'].includes(text(value))) throw new Error(`${name} must be true or false`);
      return text(value) === 'true';
    };
    const days = children(pop3, 'daysToLeaveMessagesOnServer')[0];
    server.pop3 = {
      leaveMessagesOnServer: flag('leaveMessagesOnServer'),
      downloadOnBiff: flag('downloadOnBiff'),
      daysToLeaveMessagesOnServer: days ? integer(text(days)) : undefined,
    };
  }
  return [server];
}

function children(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1 && (child as Element).tagName === name) out.push(child as Element);
  }
  return out;
}

function text(el: Element | undefined): string {
  return (el?.textContent ?? '').trim();
}

function hostname(value: string): string {
  if (!HOSTNAME.test(value)) throw new Error(`not a host name: ${value}`);
  return value.toLowerCase();
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`not an integer: ${value}`);
  return Number(value);
}
