/**
 * COMPRESS (RFC 4978 §3): DEFLATE both ways from the command after this one. Allowed after login only
 * (the capability is listed then, as Dovecot does): compressing before authentication gains little and
 * lets an unauthenticated peer hold inflate state. The tagged OK is the last uncompressed response.
 */
import { AUTHENTICATED, type CommandSpec, refuse } from '../command-spec.js';
import { formatStatus } from '../wire.js';

export const compress: CommandSpec<'COMPRESS'> = {
  states: AUTHENTICATED,
  async handle(session, tag, command) {
    if (session.compressed) return refuse('DEFLATE active already', { code: 'COMPRESSIONACTIVE' });
    if (command.mechanism !== 'DEFLATE') return refuse(`Unknown compression mechanism ${command.mechanism}`);
    session.writer.push(formatStatus({ tag, status: 'OK', text: 'DEFLATE active' }));
    session.startCompression();
    return null;
  },
};
