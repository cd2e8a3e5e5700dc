import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../src/config/config.js';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/lib/log.js';
import type { ServerContext } from '../../src/server/context.js';
import { installSignalHandlers, type RunningServer } from '../../src/server/server.js';

function fakeServer() {
  const calls: string[] = [];
  let finishClose: () => void = () => {};
  const server: RunningServer = {
    ctx: { config: defaultConfig('/tmp/x'), log: silentLogger() } as ServerContext,
    ports: {},
    outgoing: {} as RunningServer['outgoing'],
    close: () => {
      calls.push('close');
      return new Promise<void>((r) => (finishClose = r));
    },
    reload: async (next?: Config) => {
      calls.push(`reload:${next?.hostname}`);
    },
  };
  return { server, calls, finishClose: () => finishClose() };
}

const tick = () => new Promise((r) => setImmediate(r));

test('SIGTERM closes gracefully then exits 0; a second signal exits 1 at once', async () => {
  const { server, calls, finishClose } = fakeServer();
  const exits: number[] = [];
  const uninstall = installSignalHandlers(server, { exit: (c) => exits.push(c) });
  try {
    process.emit('SIGTERM', 'SIGTERM');
    await tick();
    assert.deepEqual(calls, ['close']);
    assert.deepEqual(exits, [], 'waits for close');
    process.emit('SIGINT', 'SIGINT');
    assert.deepEqual(exits, [1]);
    finishClose();
    await tick();
    assert.deepEqual(exits, [1, 0]);
  } finally {
    uninstall();
  }
});

test('SIGHUP reloads with a freshly read config; a broken config keeps the old one running', async () => {
  const { server, calls } = fakeServer();
  let broken = false;
  const uninstall = installSignalHandlers(server, {
    exit: () => assert.fail('must not exit'),
    reloadConfig: async () => {
      if (broken) throw new Error('config: listeners.imap.port must be an integer 0-65535, got "x"');
      return { ...defaultConfig('/tmp/x'), hostname: 'new.example' };
    },
  });
  try {
    process.emit('SIGHUP', 'SIGHUP');
    await tick();
    broken = true;
    process.emit('SIGHUP', 'SIGHUP');
    await tick();
    assert.deepEqual(calls, ['reload:new.example']);
  } finally {
    uninstall();
  }
});

test('last-resort handlers are installed, and removed by uninstall', () => {
  // (Emitting uncaughtException here would be caught by the test runner's own handler.)
  const events = ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  const before = events.map((e) => process.listenerCount(e));
  const { server } = fakeServer();
  const uninstall = installSignalHandlers(server, { exit: () => {} });
  assert.deepEqual(
    events.map((e) => process.listenerCount(e)),
    before.map((n) => n + 1),
  );
  uninstall();
  assert.deepEqual(
    events.map((e) => process.listenerCount(e)),
    before,
  );
});
