/** CAPABILITY, NOOP, LOGOUT, ID, CHECK (RFC 9051 §6.1, §6.4.1 of RFC 3501; RFC 2971 ID). */
import { ANY_STATE, type CommandSpec, done, SELECTED } from '../command-spec.js';

export const capability: CommandSpec<'CAPABILITY'> = {
  states: ANY_STATE,
  async handle(session) {
    session.send({ type: 'CAPABILITY', capabilities: session.capabilities() });
    return done('CAPABILITY completed');
  },
};

/** NOOP: the notification flush before the tagged answer is the point (RFC 9051 §6.1.2). */
export const noop: CommandSpec<'NOOP'> = {
  states: ANY_STATE,
  async handle() {
    return done('NOOP completed');
  },
};

/** CHECK (RFC 3501 §6.4.1): our store is always durable, so it is a NOOP. */
export const check: CommandSpec<'CHECK'> = {
  states: SELECTED,
  async handle() {
    return done('CHECK completed');
  },
};

export const logout: CommandSpec<'LOGOUT'> = {
  states: ANY_STATE,
  async handle(session) {
    session.send({ status: 'BYE', text: 'Logging out' });
    session.state = 'logout';
    return done('LOGOUT completed');
  },
};

export const id: CommandSpec<'ID'> = {
  states: ANY_STATE,
  async handle(session, _tag, command) {
    if (command.params) session.log.debug({ clientId: Object.fromEntries(command.params) }, 'client ID');
    session.send({ type: 'ID', params: [['name', 'Postyard']] });
    return done('ID completed');
  },
};
