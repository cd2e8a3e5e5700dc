/**
 * ENABLE (RFC 5161, RFC 9051 §6.3.1): IMAP4rev2, UTF8=ACCEPT (RFC 6855), CONDSTORE and QRESYNC (RFC 7162)
 * can be enabled.
 */
import { type CommandSpec, done } from '../command-spec.js';
import type { ImapSession } from '../session.js';

/** Each extension: its name in ENABLED, whether it is on, and how to turn it on. */
const EXTENSIONS: Record<
  string,
  { name: string; on(s: ImapSession): boolean; enable(s: ImapSession): void }
> = {
  IMAP4REV2: { name: 'IMAP4rev2', on: (s) => s.rev2, enable: (s) => s.enable('rev2') },
  // Reported even after IMAP4rev2 (which includes it, RFC 9755): the client asked for it by name.
  'UTF8=ACCEPT': { name: 'UTF8=ACCEPT', on: (s) => s.utf8Accept, enable: (s) => s.enable('utf8Accept') },
  CONDSTORE: { name: 'CONDSTORE', on: (s) => s.condstore, enable: (s) => s.enableCondstore() },
  // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
  QRESYNC: { name: 'QRESYNC', on: (s) => s.qresync, enable: (s) => s.enableQresync() },
};

export const enable: CommandSpec<'ENABLE'> = {
  states: ['authenticated'],
  async handle(session, _tag, command) {
    const enabled: string[] = [];
    for (const capability of command.capabilities) {
      const extension = EXTENSIONS[capability];
      if (!extension || extension.on(session)) continue;
      extension.enable(session);
      enabled.push(extension.name);
    }
    session.send({ type: 'ENABLED', capabilities: enabled });
    return done('ENABLE completed');
  },
};
