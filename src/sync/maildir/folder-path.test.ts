import assert from 'node:assert/strict';
import { test } from 'node:test';
import { folderDirName, folderFromDirName } from './folder-path.js';

test('IMAP folder ↔ Maildir++ directory, dots and percent signs escaped, round trip', () => {
  const cases: Array<[string, string]> = [
    ['INBOX', ''],
    ['Sent', '.Sent'],
    ['Work/2024', '.Work.2024'],
    ['v1.2 notes', '.v1%2E2 notes'],
    ['100%/done', '.100%25.done'],
  ];
  for (const [folder, dir] of cases) {
    assert.equal(folderDirName(folder), dir);
    assert.equal(folderFromDirName(dir), folder);
  }
  assert.equal(folderFromDirName('cur'), null);
  assert.equal(folderFromDirName('..'), null);
  assert.equal(folderFromDirName('.a..b'), null);
  assert.equal(folderDirName('Work.2024', '.'), '.Work.2024');
});
