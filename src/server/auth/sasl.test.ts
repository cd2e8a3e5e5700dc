import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BadInputError } from '../../lib/errors.js';
import {
  decodeSaslBase64,
  decodeSaslLoginStep,
  decodeSaslPlain,
  isSaslCancel,
  LOGIN_PASSWORD_CHALLENGE,
  LOGIN_USERNAME_CHALLENGE,
  SaslCancelledError,
  SaslExchange,
} from './sasl.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('SASL PLAIN', () => {
  test('decodes authzid, authcid and password', () => {
    assert.deepEqual(decodeSaslPlain(b64('\0alice@example.com\0s3cret')), {
      authzid: '',
      authcid: 'alice@example.com',
      password: 's3cret',
    });
    assert.deepEqual(decodeSaslPlain(b64('admin\0alice\0pw')), {
      authzid: 'admin',
      authcid: 'alice',
      password: 'pw',
    });
  });

  test('keeps UTF-8 and spaces in passwords', () => {
    assert.equal(decodeSaslPlain(b64('\0jürgen\0pässwört mit leer')).password, 'pässwört mit leer');
  });

  const bad: Array<[string, string]> = [
    ['no NUL at all', b64('alicepw')],
    ['one NUL only', b64('alice\0pw')],
    ['NUL inside the password', b64('\0alice\0pw\0x')],
    ['empty authcid', b64('\0\0pw')],
    ['empty password', b64('\0alice\0')],
    ['CR/LF in a field', b64('\0ali\r\nce\0pw')],
    ['invalid UTF-8', Buffer.from([0, 0x61, 0, 0xff, 0xfe]).toString('base64')],
    ['not base64', '!!!notbase64'],
    ['base64 with bad length', 'AGFsaWNlAHB3='],
    ['non-canonical padding bits', 'AGFsaWNlAHB3b='],
    ['empty', ''],
  ];
  for (const [name, line] of bad) {
    test(`rejects ${name}`, () => assert.throws(() => decodeSaslPlain(line), BadInputError));
  }

  test('never throws anything but BadInputError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('base64')),
        ),
        (line) => {
          try {
            decodeSaslPlain(line);
          } catch (err) {
            assert.ok(err instanceof BadInputError);
          }
        },
      ),
    );
  });
});

describe('SASL base64 and LOGIN', () => {
  test('"=" is an empty response; "*" cancels', () => {
    assert.equal(decodeSaslBase64('=').length, 0);
    assert.equal(isSaslCancel('*'), true);
    assert.equal(isSaslCancel(' * '), true);
    assert.equal(isSaslCancel('Kg=='), false);
  });

  test('challenges are base64 "Username:" and "Password:"', () => {
    assert.equal(Buffer.from(LOGIN_USERNAME_CHALLENGE, 'base64').toString(), 'Username:');
    assert.equal(Buffer.from(LOGIN_PASSWORD_CHALLENGE, 'base64').toString(), 'Password:');
  });

  test('a LOGIN step rejects NUL', () => {
    assert.equal(decodeSaslLoginStep(b64('bob')), 'bob');
    assert.throws(() => decodeSaslLoginStep(b64('b\0b')), BadInputError);
  });

  test('rejects overlong responses', () => {
    assert.throws(() => decodeSaslBase64('A'.repeat(20_000)), /too long/);
  });
});

describe('SaslExchange', () => {
  test('PLAIN without initial response: empty challenge, then credentials', () => {
    const x = new SaslExchange('plain');
    assert.deepEqual(x.start(), { kind: 'challenge', challenge: '' });
    const step = x.next(b64('\0alice\0pw'));
    assert.deepEqual(step, { kind: 'done', credentials: { authzid: '', authcid: 'alice', password: 'pw' } });
  });

  test('PLAIN with initial response finishes at start', () => {
    const step = new SaslExchange('PLAIN', b64('\0alice\0pw')).start();
    assert.equal(step.kind, 'done');
  });

  test('LOGIN asks for user name then password', () => {
    const x = new SaslExchange('LOGIN');
    assert.deepEqual(x.start(), { kind: 'challenge', challenge: LOGIN_USERNAME_CHALLENGE });
    assert.deepEqual(x.next(b64('alice')), { kind: 'challenge', challenge: LOGIN_PASSWORD_CHALLENGE });
    assert.deepEqual(x.next(b64('pw')), {
      kind: 'done',
      credentials: { authzid: '', authcid: 'alice', password: 'pw' },
    });
  });

  test('LOGIN with the user name as initial response', () => {
    const x = new SaslExchange('LOGIN', b64('alice'));
    assert.deepEqual(x.start(), { kind: 'challenge', challenge: LOGIN_PASSWORD_CHALLENGE });
  });

  test('"*" cancels, unknown mechanisms are rejected', () => {
    const x = new SaslExchange('LOGIN');
    x.start();
    assert.throws(() => x.next('*'), SaslCancelledError);
    assert.throws(() => new SaslExchange('CRAM-MD5'), /Unsupported authentication mechanism/);
  });
});
