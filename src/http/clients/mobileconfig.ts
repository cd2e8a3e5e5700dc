/**
 * Apple configuration profile (.mobileconfig) with one com.apple.mail.managed payload: iPhone, iPad
 * and macOS Mail set the account up from it. No password inside: the device asks for it when the
 * profile is installed, so the file is harmless if it leaks. UUIDs are derived from the account,
 * protocol and host, so installing a newer profile replaces the old one instead of adding a second.
 */
import { createHash } from 'node:crypto';
import { escapeXml } from '../xml.js';
import type { MailServer } from './mail-settings.js';

export const MOBILECONFIG_TYPE = 'application/x-apple-aspen-config';

export interface ProfileOptions {
  email: string;
  /** The incoming server chosen (IMAP or POP3) and the outgoing one. */
  incoming: MailServer;
  outgoing: MailServer | undefined;
  /** Reverse-DNS prefix of identifiers, e.g. "mail.example.com". */
  hostname: string;
  organization: string;
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

export function mobileconfigXml(options: ProfileOptions): string {
  const { email, incoming, outgoing } = options;
  const kind = incoming.protocol === 'pop3' ? 'POP3' : 'IMAP';
  const id = `${reverseDns(options.hostname)}.postyard.${email}.${incoming.protocol}`;
  const payload: Record<string, PlistValue> = {
    EmailAccountDescription: `${email} (${kind})`,
    EmailAccountName: email,
    EmailAccountType: incoming.protocol === 'pop3' ? 'EmailTypePOP' : 'EmailTypeIMAP',
    EmailAddress: email,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: incoming.hostname,
    IncomingMailServerPortNumber: incoming.port,
    // Apple's "Use SSL" means TLS; on a STARTTLS port the device upgrades the connection.
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: email,
    PayloadDescription: `Mail account ${email} over ${kind}`,
    PayloadDisplayName: `${email} (${kind})`,
    PayloadIdentifier: `${id}.account`,
    PayloadType: 'com.apple.mail.managed',
    PayloadUUID: uuidFrom(`${id}.account`),
    PayloadVersion: 1,
    PreventAppSheet: false,
    PreventMove: false,
    SMIMEEnabled: false,
    allowMailDrop: true,
  };
  if (outgoing) {
    Object.assign(payload, {
      OutgoingMailServerAuthentication: 'EmailAuthPassword',
      OutgoingMailServerHostName: outgoing.hostname,
      OutgoingMailServerPortNumber: outgoing.port,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerUsername: email,
      OutgoingPasswordSameAsIncomingPassword: true,
    });
  }
  const profile: Record<string, PlistValue> = {
    PayloadContent: [payload],
    PayloadDescription: `Sets up ${email} in Mail (${kind}). Your password is asked for when you install it.`,
    PayloadDisplayName: `${email} (${kind})`,
    PayloadIdentifier: id,
    PayloadOrganization: options.organization,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: uuidFrom(id),
    PayloadVersion: 1,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plist(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}

function plist(value: PlistValue, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${escapeXml(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${Math.trunc(value)}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  const inner = `${indent}  `;
  if (Array.isArray(value))
    return [`${indent}<array>`, ...value.map((v) => plist(v, inner)), `${indent}</array>`].join('\n');
  const entries = Object.keys(value)
    .sort()
    .flatMap((key) => [`${inner}<key>${escapeXml(key)}</key>`, plist(value[key]!, inner)]);
  return [`${indent}<dict>`, ...entries, `${indent}</dict>`].join('\n');
}

/** A stable RFC 4122-shaped UUID (version 5 layout over SHA-256) from a name. */
export function uuidFrom(name: string): string {
  const b = createHash('sha256').update(name).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function reverseDns(hostname: string): string {
  return hostname.split('.').filter(Boolean).reverse().join('.') || 'localhost';
}

/** A file name for the download: alice_example.com-imap.mobileconfig */
export function profileFileName(email: string, protocol: string): string {
  return `${email.replace(/[^a-z0-9.-]+/gi, '_')}-${protocol}.mobileconfig`;
}
