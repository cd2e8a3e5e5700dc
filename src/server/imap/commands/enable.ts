/** ENABLE (RFC 5161, RFC 9051 §6.3.1): IMAP4rev2 and CONDSTORE (RFC 7162 §3.1) can be enabled. */
import { type CommandSpec, done } from '../command-spec.js';

export const enable: CommandSpec<'ENABLE'> = {
  states: ['authenticated'],
  async handle(session, _tag, command) {
    const enabled: string[] = [];
    if (command.capabilities.includes('IMAP4REV2')) {
      if (!session.rev2) enabled.push('IMAP4rev2');
      session.rev2 = true;
      session.receiver.setUtf8(true);
    }
    if (command.capabilities.includes('CONDSTORE')) {
      if (!session.condstore) enabled.push('CONDSTORE');
      session.enableCondstore();
    }
    session.untagged(`ENABLED${enabled.map((c) => ` ${c}`).join('')}`);
    return done('ENABLE completed');
  },
};
