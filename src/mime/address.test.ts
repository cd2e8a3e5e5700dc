import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAddressList } from './address.js';
import { encodeAddresses } from './envelope.js';

const enc = (value: string): string => encodeAddresses(parseAddressList(value));

describe('address lists (RFC 5322 §3.4, Dovecot leniency)', () => {
  it('parses names, quoted names and bare addresses', () => {
    assert.equal(
      enc('"Smith, John" <john@example.com>, jane@example.com'),
      '(("Smith, John" NIL "john" "example.com")(NIL NIL "jane" "example.com"))',
    );
  });
  it('marks groups with start and end entries', () => {
    assert.equal(
      enc('Friends: alice@example.com, "Bob B." <bob@example.org>;, single@example.net'),
      '((NIL NIL "Friends" NIL)(NIL NIL "alice" "example.com")("Bob B." NIL "bob" "example.org")(NIL NIL NIL NIL)(NIL NIL "single" "example.net"))',
    );
    assert.equal(
      enc('undisclosed-recipients:;'),
      '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))',
    );
  });
  it('fills missing parts and takes a trailing comment as the name', () => {
    assert.equal(enc('nodomain'), '((NIL NIL "nodomain" "MISSING_DOMAIN"))');
    assert.equal(enc('Name Only <>'), '(("Name Only" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))');
    assert.equal(enc('john@example.com (John Comment)'), '(("John Comment" NIL "john" "example.com"))');
    assert.equal(enc('<@r1,@r2:user@example.com>'), '((NIL "@r1,@r2" "user" "example.com"))');
  });
  it('keeps what it parsed before garbage, and an empty value is no list', () => {
    assert.equal(enc('a@b@c, d@e'), '((NIL NIL "a" "b"))');
    assert.equal(enc('   '), 'NIL');
    assert.equal(enc(''), 'NIL');
  });
});
