import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalFlags, flagsToInfo, infoToFlags } from './flags.js';

test('flags ↔ Maildir info: sorted letters, unknown flags and letters ignored, round trip', () => {
  assert.equal(flagsToInfo(['\\Seen', '\\Answered', '\\Flagged', 'Work', '\\Recent']), 'FRS');
  assert.equal(flagsToInfo(['\\deleted', '\\DRAFT', '$forwarded']), 'DPT');
  assert.deepEqual(infoToFlags('SRFxa'), ['\\Answered', '\\Flagged', '\\Seen']);
  for (const info of ['', 'S', 'DFPRST', 'FS']) assert.equal(flagsToInfo(infoToFlags(info)), info);
});

test('canonicalFlags: one spelling per flag, \\Recent dropped, sorted', () => {
  assert.deepEqual(canonicalFlags(['\\seen', 'Work', '\\SEEN', '\\Recent', '$FORWARDED']), [
    '$Forwarded',
    'Work',
    '\\Seen',
  ]);
});
