import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imapNString, imapNStringForHumans, imapNStringNoLf, imapQuote, imapString } from './imap-encode.js';

describe('imap-encode', () => {
  it('quotes plain text and escapes up to four specials', () => {
    assert.equal(imapString('hello world'), '"hello world"');
    assert.equal(imapString(''), '""');
    assert.equal(imapString('a "b" \\'), '"a \\"b\\" \\\\"');
    assert.equal(imapString('<"1""2"\\@x>'), '{11}\r\n<"1""2"\\@x>');
  });
  it('uses literals for CR, LF, NUL and 8-bit text, counting UTF-8 bytes', () => {
    assert.equal(imapString('a\r\nb'), '{4}\r\na\r\nb');
    assert.equal(imapString('café'), '{5}\r\ncafé');
    assert.equal(imapString('x\0y'), '{3}\r\nx\0y');
  });
  it('NIL, quote and no-LF variants', () => {
    assert.equal(imapNString(null), 'NIL');
    assert.equal(imapNString(undefined), 'NIL');
    assert.equal(imapQuote('a"b'), '"a\\"b"');
    assert.equal(imapNStringNoLf('Fri, 24 Nov 2023\r\n 15:00'), '"Fri, 24 Nov 2023 15:00"');
  });
  it('for-humans strings collapse whitespace and go literal when changed (Dovecot)', () => {
    assert.equal(imapNStringForHumans('Hello there'), '"Hello there"');
    assert.equal(imapNStringForHumans('a\r\n b\r\n\tc'), '{5}\r\na b c');
    assert.equal(imapNStringForHumans('  padded  '), '{6}\r\npadded');
    assert.equal(imapNStringForHumans('One " q'), '{7}\r\nOne " q');
    assert.equal(imapNStringForHumans('   '), '""');
    assert.equal(imapNStringForHumans(''), '""');
    assert.equal(imapNStringForHumans(null), 'NIL');
  });
});
