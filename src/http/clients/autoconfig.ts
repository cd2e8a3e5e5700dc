/**
 * Thunderbird's autoconfig file (clientConfig version 1.1, the ISPDB format also read by K-9 Mail,
 * FairEmail and Evolution). Apps fetch it from https://autoconfig.DOMAIN/mail/config-v1.1.xml or
 * https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml, with ?emailaddress=ADDRESS.
 * Thunderbird takes the first incoming server as its choice and offers the others; IMAP comes first
 * because it is the safe default for a device nobody told us about (nothing leaves the server).
 */
import { element, escapeXml } from '../xml.js';
import { type MailServer, preferred } from './mail-settings.js';

export interface AutoconfigOptions {
  domain: string;
  servers: readonly MailServer[];
  /** Days a POP3 app keeps the server copy (the recommended leave-a-copy setting). */
  popLeaveDays: number;
  /** The setup page, linked as the provider's documentation. */
  setupUrl?: string;
  /** e.g. "Postyard" */
  displayName: string;
}

const SOCKET_TYPE = { tls: 'SSL', starttls: 'STARTTLS' } as const;

export function autoconfigXml(options: AutoconfigOptions): string {
  const { domain, servers } = options;
  const incoming = [
    ...servers.filter((s) => s.protocol === 'imap'),
    ...servers.filter((s) => s.protocol === 'pop3'),
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${escapeXml(domain)}">`,
    `    ${element('domain', domain)}`,
    `    ${element('displayName', `${options.displayName} (${domain})`)}`,
    `    ${element('displayShortName', domain)}`,
    ...incoming.map((s) => server('incomingServer', s, options)),
    ...servers.filter((s) => s.protocol === 'smtp').map((s) => server('outgoingServer', s, options)),
  ];
  if (options.setupUrl) {
    lines.push(
      `    <documentation url="${escapeXml(options.setupUrl)}">`,
      `      ${element('descr', 'Setup help: IMAP or POP3, and the settings for every device')}`,
      '    </documentation>',
    );
  }
  lines.push('  </emailProvider>', '</clientConfig>', '');
  return lines.join('\n');
}

function server(tag: string, s: MailServer, options: AutoconfigOptions): string {
  const type = s.protocol;
  const inner = [
    element('hostname', s.hostname),
    element('port', s.port),
    element('socketType', SOCKET_TYPE[s.security]),
    element('authentication', 'password-cleartext'),
    element('username', '%EMAILADDRESS%'),
  ];
  if (type === 'pop3') {
    inner.push(
      '<pop3>',
      `  ${element('leaveMessagesOnServer', 'true')}`,
      `  ${element('downloadOnBiff', 'true')}`,
      `  ${element('daysToLeaveMessagesOnServer', options.popLeaveDays)}`,
      '</pop3>',
    );
  }
  return [`    <${tag} type="${type}">`, ...inner.map((l) => `      ${l}`), `    </${tag}>`].join('\n');
}

/** True when the list has something a mail app can receive with (autoconfig is useless otherwise). */
export function hasIncoming(servers: readonly MailServer[]): boolean {
  return preferred(servers, 'imap') !== undefined || preferred(servers, 'pop3') !== undefined;
}
