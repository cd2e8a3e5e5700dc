/**
 * Temporary store failures answer 451 4.3.0 (and leak no detail); graceful close answers in-flight DATA
 * before closing; the per-IP connection limit on SMTP answers 421.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TempError } from '../../src/lib/errors.js';
import { sampleMessage, startDeliveryEnv } from './helpers/delivery-env.js';
import { lmtpHello, lmtpTransaction } from './helpers/lmtp-session.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

test('a failing store.deliver or blob write gives 451 4.3.0 per recipient, without internals', async () => {
  const env = await startDeliveryEnv();
  try {
    await env.addUser('ivy@example.org');
    await env.addUser('jay@example.org');
    const store = env.ctx.store as unknown as Record<string, unknown>;
    const client = await RawSmtpClient.connect(env.ports.lmtp);
    await lmtpHello(client);

    store.deliver = async () => {
      throw new TempError('database is on fire');
    };
    const rcpts = ['ivy@example.org', 'jay@example.org'];
    const first = await lmtpTransaction(client, 's@example.net', rcpts, sampleMessage('temp1@fail.test'));
    for (const rcpt of rcpts) {
      assert.match(first.perRecipient.get(rcpt)!.text, /^451 4\.3\.0 /);
      assert.ok(!first.perRecipient.get(rcpt)!.text.includes('fire'));
    }
    delete store.deliver;

    const blobs = env.ctx.store.blobs as unknown as Record<string, unknown>;
    // A small message's bytes commit with store.deliver (failed above); this one takes the file path.
    blobs.stage = () => null;
    blobs.put = async () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    const second = await lmtpTransaction(
      client,
      's@example.net',
      ['ivy@example.org'],
      sampleMessage('temp2@fail.test'),
    );
    assert.match(second.perRecipient.get('ivy@example.org')!.text, /^451 4\.3\.0 /);
    delete blobs.put;
    delete blobs.stage;

    const third = await lmtpTransaction(
      client,
      's@example.net',
      ['ivy@example.org'],
      sampleMessage('temp3@fail.test'),
    );
    assert.match(third.perRecipient.get('ivy@example.org')!.text, /^250 /, 'works again once the store does');
    client.close();
    const ids = (await env.inbox('ivy@example.org')).map(
      (m) => /Message-ID: <([^>]+)>/.exec(m.raw.toString())?.[1],
    );
    assert.deepEqual(ids, ['temp3@fail.test']);
  } finally {
    await env.close();
  }
});

test('close() lets a DATA in progress finish with 250, then says 421 and stops listening', async () => {
  const env = await startDeliveryEnv();
  let closing: Promise<void> | undefined;
  try {
    await env.addUser('kim@example.org');
    const busy = await RawSmtpClient.connect(env.ports.lmtp);
    await lmtpHello(busy);
    const idle = await RawSmtpClient.connect(env.ports.lmtp);
    await lmtpHello(idle);
    assert.equal((await busy.command('MAIL FROM:<s@example.net>')).code, 250);
    assert.equal((await busy.command('RCPT TO:<kim@example.org>')).code, 250);
    assert.equal((await busy.command('DATA')).code, 354);
    const message = sampleMessage('inflight@fail.test');
    busy.write(message.slice(0, 40));

    closing = env.close();
    busy.write(`${message.slice(40)}\r\n.\r\n`);
    assert.match((await busy.read()).text, /^250 /, 'the in-flight message is acknowledged');
    assert.match((await busy.read()).text, /^421 /);
    assert.match((await idle.read()).text, /^421 /);
    await closing;
    await assert.rejects(RawSmtpClient.connect(env.ports.lmtp), /ECONNREFUSED/);
  } finally {
    await (closing ?? env.close());
  }
});

test('SMTP: connections over limits.maxConnectionsPerIp get 421', async () => {
  const env = await startDeliveryEnv({ limits: { maxConnectionsPerIp: 2 } });
  try {
    const a = await RawSmtpClient.connect(env.ports.smtp);
    const b = await RawSmtpClient.connect(env.ports.smtp);
    assert.equal((await a.read()).code, 220);
    assert.equal((await b.read()).code, 220);
    const c = await RawSmtpClient.connect(env.ports.smtp);
    assert.match((await c.read()).text, /^421 /);
    a.close();
    b.close();
    c.close();
  } finally {
    await env.close();
  }
});

test('limits.maxBadCommands: consecutive bad commands up to the limit close with 421; a success resets', async () => {
  const env = await startDeliveryEnv({ limits: { maxBadCommands: 3 } });
  try {
    const client = await RawSmtpClient.connect(env.ports.smtp);
    await client.read();
    assert.match((await client.command('FROB 1')).text, /^500 /);
    assert.match((await client.command('FROB 2')).text, /^500 /);
    assert.equal((await client.command('NOOP')).code, 250);
    assert.match((await client.command('FROB 3')).text, /^500 /);
    assert.match((await client.command('FROB 4')).text, /^500 /);
    assert.match((await client.command('FROB 5')).text, /^421 .*bad commands/);
    await assert.rejects(client.read(), /closed/);
    client.close();
  } finally {
    await env.close();
  }
});
