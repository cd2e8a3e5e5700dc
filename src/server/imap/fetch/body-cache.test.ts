import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyCache } from './body-cache.js';

test('body cache: bounded by bytes, least recently used out first, big bodies not kept', () => {
  const cache = new BodyCache(6400, 3200);
  cache.set('a', Buffer.alloc(3000));
  cache.set('b', Buffer.alloc(3000));
  assert.ok(cache.get('a'), 'a was used last now');
  cache.set('c', Buffer.alloc(3000));
  assert.equal(cache.get('b'), undefined, 'b was the least recently used');
  assert.ok(cache.get('a') && cache.get('c'));
  cache.set('huge', Buffer.alloc(6400));
  assert.equal(cache.get('huge'), undefined);
});
