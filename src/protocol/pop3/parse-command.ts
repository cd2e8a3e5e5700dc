/**
 * POP3 command grammar (RFC 1939 3): a case-insensitive keyword, then arguments separated by single
 * spaces. PASS takes the rest of the line so passwords may contain spaces (RFC 1939 7, note on PASS).
 */
import type { ParsedCommand, Pop3Command } from './command.js';

/** Message numbers and TOP line counts: decimal, no sign; bounded so they stay exact integers. */
const NUMBER = /^[0-9]{1,10}$/;
const MAX_NUMBER = 0xffffffff;

export function parseCommand(line: Buffer | string): ParsedCommand {
  const text = typeof line === 'string' ? line : line.toString('utf8');
  const space = text.indexOf(' ');
  const keyword = (space === -1 ? text : text.slice(0, space)).toUpperCase();
  const rest = space === -1 ? '' : text.slice(space + 1);
  const args = rest === '' ? [] : rest.split(' ');

  switch (keyword) {
    case 'USER':
      return rest === '' ? bad('USER needs a name') : ok({ name: 'USER', user: rest });
    case 'PASS':
      return space === -1 ? bad('PASS needs a password') : ok({ name: 'PASS', password: rest });
    case 'AUTH':
      if (args.length === 0) return ok({ name: 'AUTH' });
      if (args.length > 2 || !args[0]) return bad('AUTH takes a mechanism and an optional initial response');
      return ok(
        args.length === 2
          ? { name: 'AUTH', mechanism: args[0].toUpperCase(), initialResponse: args[1]! }
          : { name: 'AUTH', mechanism: args[0].toUpperCase() },
      );
    case 'STLS':
    case 'CAPA':
    case 'UTF8':
    case 'STAT':
    case 'NOOP':
    case 'RSET':
    case 'QUIT':
      return args.length === 0 ? ok({ name: keyword }) : bad(`${keyword} takes no arguments`);
    case 'LIST':
    case 'UIDL': {
      if (args.length === 0) return ok({ name: keyword });
      const msg = args.length === 1 ? messageNumber(args[0]!) : undefined;
      return msg === undefined
        ? bad(`${keyword} takes an optional message number`)
        : ok({ name: keyword, msg });
    }
    case 'RETR':
    case 'DELE': {
      const msg = args.length === 1 ? messageNumber(args[0]!) : undefined;
      return msg === undefined ? bad(`${keyword} needs a message number`) : ok({ name: keyword, msg });
    }
    case 'TOP': {
      const msg = args.length === 2 ? messageNumber(args[0]!) : undefined;
      const lines = args.length === 2 ? nonNegative(args[1]!) : undefined;
      if (msg === undefined || lines === undefined) return bad('TOP needs a message number and a line count');
      return ok({ name: 'TOP', msg, lines });
    }
    default:
      return { ok: false, unknown: true, text: 'Unknown command' };
  }
}

function ok(command: Pop3Command): ParsedCommand {
  return { ok: true, command };
}

function bad(text: string): ParsedCommand {
  return { ok: false, unknown: false, text };
}

function nonNegative(arg: string): number | undefined {
  if (!NUMBER.test(arg)) return undefined;
  const n = Number(arg);
  return n <= MAX_NUMBER ? n : undefined;
}

/** RFC 1939 3: message numbers start at 1. */
function messageNumber(arg: string): number | undefined {
  const n = nonNegative(arg);
  return n !== undefined && n >= 1 ? n : undefined;
}
