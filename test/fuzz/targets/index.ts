import type { FuzzTarget } from '../harness.js';
import { imapReceiverTarget } from './imap-receiver.js';
import { imapSessionTarget, pop3SessionTarget } from './live-sessions.js';
import { mimeTarget } from './mime.js';
import { pop3ParserTarget } from './pop3-parser.js';
import { smtpInputTarget } from './smtp-input.js';

/** Every fuzz target with the number of inputs it gets in CI (`npm test`, ~30 s in total). */
export const TARGETS: readonly { target: FuzzTarget<never>; ciRuns: number }[] = [
  { target: imapReceiverTarget as FuzzTarget<never>, ciRuns: 5000 },
  { target: pop3ParserTarget as FuzzTarget<never>, ciRuns: 5000 },
  { target: mimeTarget as FuzzTarget<never>, ciRuns: 1000 },
  { target: smtpInputTarget as FuzzTarget<never>, ciRuns: 50 },
  { target: imapSessionTarget as FuzzTarget<never>, ciRuns: 150 },
  { target: pop3SessionTarget as FuzzTarget<never>, ciRuns: 150 },
];
