/**
 * Microsoft Autodiscover, plain-old-XML flavour (Outlook and apps that copy it): the client POSTs
 * `<Autodiscover><Request><EMailAddress>…` to /autodiscover/autodiscover.xml and expects the
 * "outlook/responseschema/2006a" answer with one <Protocol> per server. `Encryption` (SSL = implicit
 * TLS, TLS = STARTTLS) wins over the older `SSL` flag, which is set as well for old clients.
 */
import { element } from '../xml.js';
import type { MailServer } from './mail-settings.js';

export const REQUEST_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
export const RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const ENVELOPE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

export type AutodiscoverRequest =
  | { ok: true; email: string; schema: string | null }
  | { ok: false; reason: string };

/**
 * Reads the request body. Tolerant like Exchange (namespaces and prefixes vary between clients), but
 * strict about the one thing that matters: exactly one plausible address.
 */
export function parseAutodiscoverRequest(body: string): AutodiscoverRequest {
  if (body.length > 16_384) return { ok: false, reason: 'request too large' };
  if (!/<(?:\w+:)?Autodiscover[\s>]/.test(body)) return { ok: false, reason: 'not an Autodiscover request' };
  const addresses = [...body.matchAll(/<(?:\w+:)?EMailAddress>\s*([^<\s]+)\s*<\/(?:\w+:)?EMailAddress>/g)];
  const email = addresses.length === 1 ? decodeEntities(addresses[0]![1]!) : '';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return { ok: false, reason: 'no valid EMailAddress' };
  const schema = /<(?:\w+:)?AcceptableResponseSchema>\s*([^<\s]+)\s*</.exec(body)?.[1] ?? null;
  return { ok: true, email: email.toLowerCase(), schema };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function autodiscoverXml(email: string, servers: readonly MailServer[]): string {
  const protocols = servers.map((s) =>
    [
      '      <Protocol>',
      `        ${element('Type', s.protocol === 'smtp' ? 'SMTP' : s.protocol.toUpperCase())}`,
      `        ${element('Server', s.hostname)}`,
      `        ${element('Port', s.port)}`,
      `        ${element('DomainRequired', 'off')}`,
      `        ${element('LoginName', email)}`,
      `        ${element('SPA', 'off')}`,
      `        ${element('SSL', 'on')}`,
      `        ${element('Encryption', s.security === 'tls' ? 'SSL' : 'TLS')}`,
      `        ${element('AuthRequired', 'on')}`,
      ...(s.protocol === 'smtp' ? [`        ${element('UsePOPAuth', 'on')}`] : []),
      '      </Protocol>',
    ].join('\n'),
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${ENVELOPE_SCHEMA}">`,
    `  <Response xmlns="${RESPONSE_SCHEMA}">`,
    `    <User>${element('DisplayName', email)}</User>`,
    '    <Account>',
    `      ${element('AccountType', 'email')}`,
    `      ${element('Action', 'settings')}`,
    ...protocols,
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}

/** Autodiscover's error answer (ErrorCode 600 "Invalid Request"). */
export function autodiscoverError(message: string, now = new Date()): string {
  const time = now.toISOString().slice(11, 19);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${ENVELOPE_SCHEMA}">`,
    '  <Response>',
    `    <Error Time="${time}" Id="1">`,
    `      ${element('ErrorCode', 600)}`,
    `      ${element('Message', message)}`,
    '      <DebugData />',
    '    </Error>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}
