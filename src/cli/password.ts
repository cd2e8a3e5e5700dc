/**
 * Reading a new password: `--password-stdin` (first line of stdin, for scripts) or a hidden prompt
 * asked twice when stdin is a terminal. Passwords are never echoed or logged.
 */
import { CliError, EX } from './exit.js';

export async function readNewPassword(options: { passwordStdin?: boolean }): Promise<string> {
  if (options.passwordStdin) return checked(firstLine(await readAll(process.stdin)));
  if (!process.stdin.isTTY) {
    throw new CliError(
      'no password: use --password-stdin (echo "secret" | postyard ...) or run in a terminal',
      EX.USAGE,
    );
  }
  const first = await promptHidden('New password: ');
  const again = await promptHidden('Repeat password: ');
  if (first !== again) throw new CliError('the passwords do not match', EX.DATAERR);
  return checked(first);
}

function checked(password: string): string {
  if (password.length === 0) throw new CliError('empty password', EX.DATAERR);
  return password;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from the terminal in raw mode without echoing it. Ctrl-C aborts with exit 130. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Raw mode before the prompt appears, so nothing typed right after it is ever echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          process.exit(130);
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}
