/**
 * The servers a mail app should use, as the running server really has them: only listeners that are
 * running, on the ports they are bound to, implicit TLS first (RFC 8314 3.3 prefers it over STARTTLS).
 * Every client configuration (autoconfig, Autodiscover, Apple profiles, the setup page, the DNS records
 * `doctor dns` prints) is built from this one list, so none can announce what is not there.
 */
import type { Config } from '../../config/types.js';

export type MailProtocol = 'imap' | 'pop3' | 'smtp';
/** `tls`: TLS from the first byte; `starttls`: plaintext connection upgraded before login. */
export type Security = 'tls' | 'starttls';

export interface MailServer {
  protocol: MailProtocol;
  /** The config.listeners name it comes from. */
  listener: keyof Config['listeners'];
  hostname: string;
  port: number;
  security: Security;
}

/** In order of preference within each protocol. Port 25 (`smtp`) is for other servers, not for apps. */
const CLIENT_LISTENERS: ReadonlyArray<Omit<MailServer, 'hostname' | 'port'>> = [
  { protocol: 'imap', listener: 'imaps', security: 'tls' },
  { protocol: 'imap', listener: 'imap', security: 'starttls' },
  { protocol: 'pop3', listener: 'pop3s', security: 'tls' },
  { protocol: 'pop3', listener: 'pop3', security: 'starttls' },
  { protocol: 'smtp', listener: 'submissions', security: 'tls' },
  { protocol: 'smtp', listener: 'submission', security: 'starttls' },
];

/**
 * `ports`: the bound port of each running listener (RunningServer.ports). A listener without an entry
 * is not running (disabled, or not started) and is left out.
 */
export function mailServers(config: Pick<Config, 'hostname'>, ports: Record<string, number>): MailServer[] {
  return CLIENT_LISTENERS.flatMap((entry) => {
    const port = ports[entry.listener];
    return port === undefined || port <= 0 ? [] : [{ ...entry, hostname: config.hostname, port }];
  });
}

/** The preferred server of one protocol, or undefined when none runs. */
export function preferred(servers: readonly MailServer[], protocol: MailProtocol): MailServer | undefined {
  return servers.find((s) => s.protocol === protocol);
}

/** How the security setting is labelled in most mail apps. */
export function securityLabel(security: Security): string {
  return security === 'tls' ? 'SSL/TLS' : 'STARTTLS';
}

/** The domain part of an address, lower-cased, or '' when there is none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
