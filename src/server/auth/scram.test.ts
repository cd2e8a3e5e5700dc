import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { deriveScramKeys, encodeScramKeys, parseScramKeys, ScramError, ScramServer } from './scram.js';

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('SCRAM-SHA-256 server (RFC 7677 §3 test vector)', () => {
  // user "user", password "pencil", as in the RFC.
  const clientFirst = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
  const serverFirst =
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinal =
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

  async function exchange() {
    const keys = await deriveScramKeys('pencil', b64('W22ZaJ0SNY7soEsUEjb6gQ=='), 4096);
    const server = new ScramServer({
      plus: false,
      channelBinding: null,
      serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    });
    assert.deepEqual(server.clientFirst(clientFirst), { login: 'user' });
    assert.equal(server.serverFirst(keys), serverFirst);
    return server;
  }

  it('produces the server messages of the vector and accepts its proof', async () => {
    assert.equal((await exchange()).clientFinal(clientFinal), serverFinal);
  });

  it('refuses a wrong proof, a wrong nonce and a changed channel-binding header', async () => {
    const flipped = clientFinal.replace('p=dHzb', 'p=dHzc');
    assert.equal((await exchange()).clientFinal(flipped), null);
    assert.equal((await exchange()).clientFinal(clientFinal.replace('k0,p=', 'k1,p=')), null);
    assert.equal((await exchange()).clientFinal(clientFinal.replace('c=biws', 'c=eSws')), null);
  });

  it('stores keys in a form that parses back', async () => {
    const keys = await deriveScramKeys('pencil');
    assert.deepEqual(parseScramKeys(encodeScramKeys(keys)), keys);
    for (const bad of [null, '', 'x', '0$a$b$c', `4096$${'A'.repeat(4)}$short$short`]) {
      assert.equal(parseScramKeys(bad), null, String(bad));
    }
  });

  it('derives the same keys as GNU SASL (gsasl --mkpasswd)', async (t) => {
    let line: string;
    try {
      line = execFileSync(
        'gsasl',
        [
          '--mkpasswd',
          '--mechanism',
          'SCRAM-SHA-256',
          '--password',
          'pencil',
          '--iteration-count',
          '4096',
          '--salt',
          'W22ZaJ0SNY7soEsUEjb6gQ==',
        ],
        { encoding: 'utf8' },
      ).trim();
    } catch {
      if (process.env.CI) throw new Error('gsasl is missing');
      t.skip('gsasl is not installed');
      return;
    }
    const keys = await deriveScramKeys('pencil', b64('W22ZaJ0SNY7soEsUEjb6gQ=='), 4096);
    const [, storedKey, serverKey] = /,([^,]+),([^,]+)$/.exec(line) ?? [];
    assert.equal(keys.storedKey.toString('base64'), storedKey, line);
    assert.equal(keys.serverKey.toString('base64'), serverKey, line);
  });
});

describe('SCRAM client-first parsing and channel-binding rules (RFC 5802 §5.1, §6)', () => {
  const binding = (type: string) => (type === 'tls-exporter' ? Buffer.alloc(32, 1) : null);

  it('decodes =2C and =3D in the user name, refuses other escapes and extensions', () => {
    const s = () => new ScramServer({ plus: false, channelBinding: null });
    assert.equal(s().clientFirst('n,,n=a=2Cb=3Dc@x,r=abc').login, 'a,b=c@x');
    for (const bad of [
      'n,,n=a=41,r=abc',
      'n,,m=ext,n=a,r=abc',
      'x,,n=a,r=abc',
      'n,,r=abc',
      'n,,n=a,r=',
      'n,,n=,r=a',
    ]) {
      assert.throws(() => s().clientFirst(bad), ScramError, bad);
    }
    assert.throws(() => s().clientFirst('n,a=other,n=a,r=abc'), ScramError, 'proxy authorization');
    assert.equal(s().clientFirst('n,a=A,n=a,r=abc').login, 'a');
  });

  it('PLUS needs a binding the connection has; plain SCRAM refuses p= and, on TLS, y', () => {
    const plus = () => new ScramServer({ plus: true, channelBinding: binding });
    assert.equal(plus().clientFirst('p=tls-exporter,,n=a,r=abc').login, 'a');
    assert.throws(() => plus().clientFirst('p=tls-unique,,n=a,r=abc'), ScramError);
    assert.throws(() => plus().clientFirst('n,,n=a,r=abc'), ScramError);
    assert.throws(
      () => new ScramServer({ plus: true, channelBinding: null }).clientFirst('p=tls-exporter,,n=a,r=abc'),
      ScramError,
    );
    const plainOnTls = () => new ScramServer({ plus: false, channelBinding: binding });
    assert.throws(() => plainOnTls().clientFirst('y,,n=a,r=abc'), ScramError, 'downgrade');
    assert.throws(() => plainOnTls().clientFirst('p=tls-exporter,,n=a,r=abc'), ScramError);
    assert.equal(
      new ScramServer({ plus: false, channelBinding: null }).clientFirst('y,,n=a,r=abc').login,
      'a',
    );
  });

  it('with channel binding, c= must carry the header and the connection data', async () => {
    const keys = await deriveScramKeys('pw', Buffer.alloc(16, 2), 4096);
    const server = new ScramServer({ plus: true, channelBinding: binding, serverNonce: 'S' });
    server.clientFirst('p=tls-exporter,,n=a,r=C');
    server.serverFirst(keys);
    const wrong = Buffer.concat([Buffer.from('p=tls-exporter,,'), Buffer.alloc(32, 9)]).toString('base64');
    assert.equal(server.clientFinal(`c=${wrong},r=CS,p=${Buffer.alloc(32).toString('base64')}`), null);
  });
});
