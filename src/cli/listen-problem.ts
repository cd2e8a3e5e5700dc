/**
 * One sentence for a listener that cannot bind, used by `start` and by `doctor`: which protocol, which
 * address, why in plain words, who holds the port when that can be found, and the config key to change.
 */
import { ListenError } from '../server/net/listen-error.js';
import { CliError, EX } from './exit.js';
import { findPortOwner } from './port-owner.js';

const LABELS: Record<string, string> = {
  imap: 'IMAP',
  imaps: 'IMAPS',
  pop3: 'POP3',
  pop3s: 'POP3S',
  smtp: 'SMTP',
  submission: 'Submission',
  submissions: 'Submissions',
  lmtp: 'LMTP',
  http: 'HTTP',
  https: 'HTTPS',
};

/** "imap" → "IMAP", as the banner and status show listeners. */
export function describeListenerName(listener: string): string {
  return LABELS[listener] ?? listener;
}

export function describeListenProblem(
  listener: string,
  host: string,
  port: number,
  errno: string,
  configFile: string,
): string {
  const label = describeListenerName(listener);
  const key = `\`listeners.${listener}.port\``;
  const where = `${label} cannot listen on ${host}:${port}`;
  switch (errno) {
    case 'EADDRINUSE': {
      const owner = findPortOwner(port);
      const by = owner ? ` (by pid ${owner.pid}, ${owner.command})` : '';
      return `${where}: already in use${by}; change ${key} in ${configFile}`;
    }
    case 'EACCES':
      return `${where}: ports below 1024 need root or CAP_NET_BIND_SERVICE; change ${key} in ${configFile}`;
    case 'EADDRNOTAVAIL':
      return `${where}: ${host} is not an address of this machine; change \`listeners.${listener}.host\` in ${configFile}`;
    default:
      return `${where}: ${errno}; check \`listeners.${listener}\` in ${configFile}`;
  }
}

/** A listener that could not bind becomes that sentence (exit code NOPERM or UNAVAILABLE); others pass. */
export function explainListenError(err: unknown, configFile: string): unknown {
  if (!(err instanceof ListenError)) return err;
  const message = describeListenProblem(err.listener, err.host, err.port, err.errno, configFile);
  return new CliError(message, err.errno === 'EACCES' ? EX.NOPERM : EX.UNAVAILABLE, { cause: err });
}
