/**
 * The synthetic mailbox of bench/big-mailbox.ts: deterministic messages in threads (References and
 * In-Reply-To, "Re:" subjects), 200 senders, dates over two years, 300-900 byte bodies, a rare word in one
 * message of 1,000 and a common one in most. The same bytes for Postyard and Dovecot.
 */
import { prng } from '../../src/lib/prng.js';

const WORDS = (
  'meeting report budget release server client mailbox schedule invoice review draft update project ' +
  'question answer summary status plan design change issue patch build test deploy network storage ' +
  'backup archive quarter agenda notes travel office holiday request approval contract customer'
).split(' ');
export const RARE = 'zymurgy';
export const COMMON = 'project';

export function syntheticMessages(count: number): Buffer[] {
  const random = prng(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const threads: { subject: string; ids: string[] }[] = [];
  const start = Date.UTC(2024, 0, 1);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const id = `<m${i}@bench.example>`;
    let subject: string;
    let refs: string[] = [];
    if (threads.length > 0 && random() < 0.4) {
      const thread = pick(threads.slice(-500));
      subject = `Re: ${thread.subject}`;
      refs = thread.ids.slice(-5);
      thread.ids.push(id);
    } else {
      subject = `${pick(WORDS)} ${pick(WORDS)} ${i % 97}`;
      threads.push({ subject, ids: [id] });
    }
    const date = new Date(start + i * 600_000 + Math.floor(random() * 3_600_000));
    const words: string[] = [];
    const length = 50 + Math.floor(random() * 100);
    for (let w = 0; w < length; w++) words.push(pick(WORDS));
    if (i % 1000 === 7) words.push(RARE);
    const body = words.join(' ').replace(/(.{1,72})( |$)/g, '$1\r\n');
    const head =
      `From: User ${i % 200} <user${i % 200}@example.com>\r\nTo: bench@example.com\r\n` +
      `Subject: ${subject}\r\nDate: ${date.toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: ${id}\r\n` +
      (refs.length > 0 ? `In-Reply-To: ${refs.at(-1)}\r\nReferences: ${refs.join(' ')}\r\n` : '') +
      'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n';
    out.push(Buffer.from(head + body, 'latin1'));
  }
  return out;
}
