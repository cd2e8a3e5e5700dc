import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatImapDate, formatImapDateTime, parseImapDate, parseImapDateTime } from './imap-date.js';

describe('IMAP date-time (RFC 9051 §9)', () => {
  it('parses with zones and space-padded days', () => {
    assert.equal(parseImapDateTime('17-Jul-1996 02:44:25 -0700')?.toISOString(), '1996-07-17T09:44:25.000Z');
    assert.equal(parseImapDateTime(' 1-Feb-2024 00:00:00 +0100')?.toISOString(), '2024-01-31T23:00:00.000Z');
    assert.equal(parseImapDateTime('29-feb-2024 23:59:59 +0000')?.toISOString(), '2024-02-29T23:59:59.000Z');
  });

  for (const bad of [
    '',
    '1-Feb-2024 00:00:00 +0100',
    '30-Feb-2024 00:00:00 +0000',
    '29-Feb-2023 00:00:00 +0000',
    '01-Foo-2024 00:00:00 +0000',
    '01-Feb-2024 24:00:00 +0000',
    '01-Feb-2024 00:60:00 +0000',
    '01-Feb-2024 00:00:00 0000',
    '01-Feb-2024 00:00:00 +0060',
    '01-Feb-2024T00:00:00 +0000',
    'xx-Feb-2024 00:00:00 +0000',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseImapDateTime(bad), undefined));
  }

  it('formats in UTC or a given offset', () => {
    const d = new Date('2026-11-26T06:53:51Z');
    assert.equal(formatImapDateTime(d), '26-Nov-2026 06:53:51 +0000');
    assert.equal(formatImapDateTime(d, -330), '26-Nov-2026 01:23:51 -0530');
    assert.equal(formatImapDateTime(new Date('2024-03-05T01:02:03Z'), 60), '05-Mar-2024 02:02:03 +0100');
  });

  it('SEARCH dates', () => {
    assert.deepEqual(parseImapDate('1-Feb-1994'), { year: 1994, month: 2, day: 1 });
    assert.deepEqual(parseImapDate('01-FEB-1994'), { year: 1994, month: 2, day: 1 });
    assert.equal(parseImapDate('1-Feb-94'), undefined);
    assert.equal(parseImapDate('32-Jan-1994'), undefined);
    assert.equal(formatImapDate({ year: 1994, month: 2, day: 1 }), '1-Feb-1994');
  });

  it('property: format → parse round-trips (second precision, any offset)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1970, 0, 1) / 1000, max: Date.UTC(2200, 0, 1) / 1000 }),
        fc.integer({ min: -720, max: 840 }),
        (seconds, offset) => {
          const date = new Date(seconds * 1000);
          assert.equal(parseImapDateTime(formatImapDateTime(date, offset))?.getTime(), date.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });
});
