/** What `import` reads: an mbox file or a Maildir directory, as one stream of messages to append. */
import { open, readFile, stat } from 'node:fs/promises';
import { CliError, EX } from '../exit.js';
import { isMaildir, listMaildir } from './maildir.js';
import { readMbox } from './mbox.js';

export interface SourceMessage {
  data: Buffer;
  flags: string[];
  /** null: take the message's Date: header, else now. */
  internalDate: Date | null;
  /** Progress in the unit of `ImportSource.total`. */
  done: number;
}

export interface ImportSource {
  kind: 'mbox' | 'Maildir';
  /** Bytes of the mbox file, or messages in the Maildir. */
  total: number;
  messages: AsyncIterable<SourceMessage>;
}

export async function openSource(path: string): Promise<ImportSource> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new CliError(`${path} does not exist`, EX.NOINPUT);
  if (info.isDirectory()) {
    if (!(await isMaildir(path)))
      throw new CliError(`${path} is a directory but not a Maildir (no cur/ or new/)`, EX.DATAERR);
    const entries = await listMaildir(path);
    return { kind: 'Maildir', total: entries.length, messages: maildirMessages(entries) };
  }
  if (!(await startsLikeMbox(path))) {
    throw new CliError(`${path} is not an mbox file (it does not start with a "From " line)`, EX.DATAERR);
  }
  return { kind: 'mbox', total: info.size, messages: mboxMessages(path) };
}

/** Checked up front so a wrong path fails before anything is imported. Empty files are fine (nothing to do). */
async function startsLikeMbox(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer
      .subarray(0, bytesRead)
      .toString('latin1')
      .replace(/^[\r\n]+/, '');
    return head.length === 0 || head.startsWith('From ');
  } finally {
    await file.close();
  }
}

async function* mboxMessages(path: string): AsyncGenerator<SourceMessage> {
  for await (const message of readMbox(path)) {
    yield { data: message.data, flags: [], internalDate: message.fromDate, done: message.position };
  }
}

async function* maildirMessages(
  entries: Awaited<ReturnType<typeof listMaildir>>,
): AsyncGenerator<SourceMessage> {
  let done = 0;
  for (const entry of entries) {
    const data = await readFile(entry.path);
    yield { data, flags: entry.flags, internalDate: entry.internalDate, done: ++done };
  }
}
