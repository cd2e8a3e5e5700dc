/**
 * POP3 AUTH SCRAM-SHA-256[-PLUS] (RFC 5034, RFC 7677). GNU SASL's gsasl computes every client message
 * (gsasl has no POP3 mode, so the test relays: gsasl's stdin/stdout on one side, the POP3 socket on the
 * other); for -PLUS the test gives it the tls-exporter value of its own TLS connection, as a client
 * library would.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { LineClient } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { command, pop3Connect } from './helpers.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({}, { auth: { sleep: async () => {} } });
  await srv.addUser('pop@example.com', 'pencil');
});
after(() => srv.close());

/** gsasl as a client on stdin/stdout: `output()` waits for its next "Output from client:" message. */
function gsaslClient(mechanism: string, password: string, exporter: Buffer | null) {
  const child: ChildProcessWithoutNullStreams = spawn('gsasl', [
    '--client',
    '--mechanism',
    mechanism,
    '--authentication-id',
    'pop@example.com',
    '--password',
    password,
  ]);
  let out = '';
  let errors = '';
  let waiter: (() => void) | null = null;
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdout.on('data', (d) => {
    out += d;
    waiter?.();
  });
  child.stderr.on('data', (d) => {
    errors += d;
    waiter?.();
  });
  child.on('close', () => waiter?.());
  // Its first questions: the channel bindings it may use (tls-exporter; without one, tls-unique too).
  child.stdin.write(exporter ? `${exporter.toString('base64')}\n` : '\n\n');
  let taken = 0;
  return {
    exited,
    transcript: () => `${out}\n${errors}`,
    /**
     * Its next message (stdout: the mechanism name, the prompts, then one base64 line per message), or
     * null once it has checked the server's final message and says so on stderr.
     */
    async output(): Promise<string | null> {
      for (;;) {
        const lines = out.replace(/Enter base64 encoded [a-z-]+ channel binding: /g, '').split('\n');
        // lines[0] is the mechanism; the last element is an unfinished line.
        if (lines.length - 2 > taken) return lines[1 + taken++] as string;
        if (errors.includes('Client authentication finished')) return null;
        if (child.exitCode !== null) throw new Error(`gsasl ended: ${out}\n${errors}`);
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
    send(line: string) {
      child.stdin.write(`${line}\n`);
    },
    /** No application data: stdin's end lets it exit. */
    end() {
      child.stdin.end();
    },
  };
}

async function scramLogin(client: LineClient, mechanism: string, password: string, exporter: Buffer | null) {
  const gsasl = gsaslClient(mechanism, password, exporter);
  let reply = await command(client, `AUTH ${mechanism} ${await gsasl.output()}`);
  while (reply.startsWith('+ ')) {
    gsasl.send(reply.slice(2));
    // After the server-final message gsasl has nothing more to say: the empty response (RFC 4422 §5).
    reply = await command(client, (await gsasl.output()) ?? '');
  }
  gsasl.end();
  return { reply, code: await gsasl.exited, transcript: gsasl.transcript() };
}

const exporterOf = (client: LineClient) =>
  (client.socket as TLSSocket).exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));

test('POP3 SASL lists SCRAM-SHA-256, and -PLUS only on TLS', async () => {
  const plain = await pop3Connect(srv.ports.pop3 as number);
  assert.match(await command(plain, 'AUTH'), /^\+OK/);
  assert.deepEqual(await readList(plain), ['PLAIN', 'LOGIN', 'SCRAM-SHA-256']);
  await plain.close();
  const tls = await pop3Connect(srv.ports.pop3s as number, { tls: true });
  assert.match(await command(tls, 'AUTH'), /^\+OK/);
  assert.deepEqual(await readList(tls), ['PLAIN', 'LOGIN', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']);
  await tls.close();
});

async function readList(client: LineClient): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await client.readLine(); line !== '.'; line = await client.readLine()) lines.push(line);
  return lines;
}

test('gsasl SCRAM-SHA-256-PLUS on POP3S with tls-exporter, then STAT', { timeout: 20_000 }, async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const client = await pop3Connect(srv.ports.pop3s as number, { tls: true });
  const run = await scramLogin(client, 'SCRAM-SHA-256-PLUS', 'pencil', exporterOf(client));
  assert.match(run.reply, /^\+OK Logged in/, run.transcript);
  // gsasl checked our server signature: a wrong one is a "mechanism error" before its empty response.
  assert.doesNotMatch(run.transcript, /error/i, run.transcript);
  assert.match(await command(client, 'STAT'), /^\+OK 0 0/);
  assert.match(await command(client, 'QUIT'), /^\+OK/);
  await client.close();
});

test('gsasl SCRAM-SHA-256 on plain POP3; a wrong password is -ERR [AUTH]', { timeout: 20_000 }, async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const client = await pop3Connect(srv.ports.pop3 as number);
  const ok = await scramLogin(client, 'SCRAM-SHA-256', 'pencil', null);
  assert.match(ok.reply, /^\+OK Logged in/, ok.transcript);
  assert.doesNotMatch(ok.transcript, /error/i, ok.transcript);
  assert.match(await command(client, 'QUIT'), /^\+OK/);
  await client.close();
  const other = await pop3Connect(srv.ports.pop3 as number);
  const gsasl = gsaslClient('SCRAM-SHA-256', 'wrong', null);
  const first = await command(other, `AUTH SCRAM-SHA-256 ${await gsasl.output()}`);
  assert.match(first, /^\+ /);
  gsasl.send(first.slice(2));
  assert.equal(await command(other, (await gsasl.output()) ?? ''), '-ERR [AUTH] Authentication failed');
  gsasl.end();
  await gsasl.exited;
  await other.close();
});

test('a TLS binding the connection does not have fails the exchange', { timeout: 20_000 }, async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const client = await pop3Connect(srv.ports.pop3s as number, { tls: true });
  const gsasl = gsaslClient('SCRAM-SHA-256-PLUS', 'pencil', Buffer.alloc(32, 7));
  const first = await command(client, `AUTH SCRAM-SHA-256-PLUS ${await gsasl.output()}`);
  gsasl.send(first.slice(2));
  assert.equal(await command(client, (await gsasl.output()) ?? ''), '-ERR [AUTH] Authentication failed');
  gsasl.end();
  await gsasl.exited;
  await client.close();
});
