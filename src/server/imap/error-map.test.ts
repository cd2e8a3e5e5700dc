import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ExistsError,
  MailError,
  NotFoundError,
  OverQuotaError,
  TempError,
  TooBigError,
} from '../../lib/errors.js';
import { imapFailure } from './error-map.js';

test('MailError codes map to IMAP response codes', () => {
  assert.deepEqual(imapFailure(new NotFoundError('no row 17')), {
    status: 'NO',
    code: 'NONEXISTENT',
    text: 'No such mailbox',
  });
  assert.equal(imapFailure(new NotFoundError('x'), { missingTarget: true }).code, 'TRYCREATE');
  assert.equal(imapFailure(new ExistsError('x')).code, 'ALREADYEXISTS');
  assert.equal(imapFailure(new OverQuotaError()).code, 'OVERQUOTA');
  assert.equal(imapFailure(new TooBigError()).code, 'TOOBIG');
  assert.equal(imapFailure(new TempError('SQLITE_BUSY at db.ts:12')).code, 'UNAVAILABLE');
});

test('internal errors become [SERVERBUG] without their message', () => {
  const secret = 'ENOENT /var/lib/postyard/blobs/ab/cd/abcdef';
  for (const err of [new Error(secret), new MailError('INTERNAL', secret), new TempError(secret)]) {
    const f = imapFailure(err);
    assert.equal(f.status, 'NO');
    assert.ok(!f.text.includes('postyard'), f.text);
  }
  assert.equal(imapFailure(new Error(secret)).code, 'SERVERBUG');
});

test('public messages are shown on one line', () => {
  const f = imapFailure(new OverQuotaError('Quota exceeded\r\n* OK injected'));
  assert.ok(!/[\r\n]/.test(f.text));
});
