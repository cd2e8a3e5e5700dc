import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  configPath,
  defaultConfig,
  listenerEnabled,
  loadConfig,
  mergeConfig,
  parseConfig,
  writeDefaultConfig,
} from '../../src/config/config.js';
import { ConfigError } from '../../src/lib/errors.js';
import { DEFAULT_LIMITS, limitsOf } from '../../src/lib/limits.js';

const dataDir = '/srv/postyard';

function rejects(raw: unknown, message: RegExp): void {
  assert.throws(
    () => parseConfig(raw, { dataDir }),
    (err: unknown) => err instanceof ConfigError && err.code === 'CONFIG' && message.test(err.message),
  );
}

describe('config defaults', () => {
  test('an empty file gives the documented defaults', () => {
    const c = defaultConfig(dataDir);
    assert.equal(c.dataDir, dataDir);
    assert.deepEqual(Object.fromEntries(Object.entries(c.listeners).map(([k, v]) => [k, v.port])), {
      imap: 1143,
      imaps: 1993,
      pop3: 1110,
      pop3s: 1995,
      smtp: 2525,
      submission: 1587,
      submissions: 1465,
      lmtp: 2424,
      http: 8080,
      https: 8443,
    });
    assert.deepEqual(c.http, { trustedProxies: [] });
    for (const l of Object.values(c.listeners)) {
      assert.equal(l.host, '127.0.0.1');
      assert.equal(listenerEnabled(l), true);
    }
    assert.equal(c.limits.maxLineLength, 64 * 1024);
    assert.equal(c.limits.maxMessageSize, 50 * 1024 * 1024);
    assert.equal(c.limits.imapIdleTimeout, 1800);
    assert.equal(c.limits.pop3IdleTimeout, 600);
    assert.deepEqual(c.limits, { ...DEFAULT_LIMITS });
    assert.equal(c.tls.cert, '/srv/postyard/tls/cert.pem');
    assert.equal(c.tls.key, '/srv/postyard/tls/key.pem');
    assert.equal(c.store.backend, 'sqlite');
    assert.equal(c.allowPlaintextAuth, false);
    assert.deepEqual(c.trustedNetworks, ['127.0.0.0/8', '::1/128']);
    assert.equal(c.log.level, 'info');
    assert.equal(c.retentionDays, null);
  });

  test('retentionDays takes a number of days or the CLI form (14d, 4w, 1y, forever)', () => {
    const days = (v: unknown) => parseConfig({ retentionDays: v }, { dataDir }).retentionDays;
    assert.equal(days(30), 30);
    assert.equal(days('14d'), 14);
    assert.equal(days('4w'), 28);
    assert.equal(days('1y'), 365);
    assert.equal(days('forever'), null);
    assert.equal(days(null), null);
    rejects(
      { retentionDays: '0d' },
      /^config: retentionDays must be a number of days or a duration like "14d"/,
    );
    rejects({ retentionDays: 'soon' }, /retentionDays must be a number of days/);
    rejects({ retentionDays: 0 }, /retentionDays must be 1-100000 days, got 0/);
    rejects({ retentionDays: 2.5 }, /retentionDays must be 1-100000 days/);
    rejects({ retentionDays: true }, /retentionDays must be a number of days/);
  });

  test('given values override defaults, the rest stay', () => {
    const c = parseConfig(
      { listeners: { imap: { port: 143 } }, limits: { maxBadCommands: 3 }, log: { file: 'logs/p.log' } },
      { dataDir },
    );
    assert.equal(c.listeners.imap.port, 143);
    assert.equal(c.listeners.imap.host, '127.0.0.1');
    assert.equal(c.limits.maxBadCommands, 3);
    assert.equal(c.limits.maxLineLength, DEFAULT_LIMITS.maxLineLength);
    assert.equal(c.log.file, '/srv/postyard/logs/p.log');
  });

  test('limitsOf converts seconds to milliseconds', () => {
    const l = limitsOf(parseConfig({ limits: { imapIdleTimeout: 2, authBlockSeconds: 0.5 } }, { dataDir }));
    assert.equal(l.imapIdleTimeoutMs, 2000);
    assert.equal(l.authBlockMs, 500);
  });

  test('mergeConfig merges objects deeply and replaces arrays', () => {
    const merged = mergeConfig(defaultConfig(dataDir), {
      listeners: { pop3: { enabled: false } },
      trustedNetworks: ['10.0.0.0/8'],
    });
    assert.equal(merged.listeners.pop3.enabled, false);
    assert.equal(merged.listeners.pop3.port, 1110);
    assert.deepEqual(merged.trustedNetworks, ['10.0.0.0/8']);
  });
});

describe('config validation names the key and the problem', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'bad port type',
      { listeners: { imap: { port: 'abc' } } },
      /^config: listeners\.imap\.port must be an integer 0-65535, got "abc"$/,
    ],
    [
      'port out of range',
      { listeners: { pop3s: { port: 70000 } } },
      /listeners\.pop3s\.port must be an integer 0-65535, got 70000/,
    ],
    ['fractional port', { listeners: { lmtp: { port: 25.5 } } }, /listeners\.lmtp\.port must be an integer/],
    ['unknown top-level key', { listners: {} }, /^config: unknown key listners \(allowed: .*listeners/],
    [
      'unknown nested key',
      { listeners: { imap: { prot: 1 } } },
      /unknown key listeners\.imap\.prot \(allowed: host, port, enabled\)/,
    ],
    ['unknown listener', { listeners: { nntp: { port: 119 } } }, /unknown key listeners\.nntp/],
    ['section not an object', { limits: 5 }, /config: limits must be an object, got 5/],
    ['array as section', { tls: [] }, /config: tls must be an object, got \[\]/],
    ['root not an object', [1], /config: \(root\) must be an object/],
    [
      'bad enum',
      { store: { backend: 'mysql' } },
      /store\.backend must be one of "sqlite", "postgres", got "mysql"/,
    ],
    [
      'bad blob storage',
      { store: { backend: 'postgres', postgresUrl: 'postgres://db/postyard', blobs: 'nfs' } },
      /store\.blobs must be one of "postgres", "files", got "nfs"/,
    ],
    ['bad boolean', { allowPlaintextAuth: 'yes' }, /allowPlaintextAuth must be true or false, got "yes"/],
    [
      'bad host',
      { listeners: { smtp: { host: 'not a host!' } } },
      /listeners\.smtp\.host must be a host name or IP address/,
    ],
    [
      'bad network',
      { trustedNetworks: ['10.0.0.0/33'] },
      /trustedNetworks\[0\] must be an IP address or CIDR block/,
    ],
    ['bad network text', { trustedNetworks: ['10.0.0.1', 'localhost'] }, /trustedNetworks\[1\]/],
    [
      'negative timeout',
      { limits: { pop3IdleTimeout: -1 } },
      /limits\.pop3IdleTimeout must be a number of seconds >= 0\.01, got -1/,
    ],
    [
      'zero max failures',
      { limits: { maxAuthFailures: 0 } },
      /limits\.maxAuthFailures must be an integer 1-/,
    ],
    [
      'tiny message limit',
      { limits: { maxMessageSize: 10 } },
      /limits\.maxMessageSize must be an integer 1024-/,
    ],
    [
      'retention not a duration',
      { retentionDays: 'soon' },
      /retentionDays must be a number of days or a duration like "14d", "4w", "1y", "forever", got "soon"/,
    ],
    ['bad log level', { log: { level: 'verbose' } }, /log\.level must be one of/],
    ['empty cert path', { tls: { cert: '' } }, /tls\.cert must not be empty/],
    ['localDomains not array', { localDomains: 'example.com' }, /localDomains must be an array/],
    [
      'postgres without a URL',
      { store: { backend: 'postgres' } },
      /^config: store\.postgresUrl is required when store\.backend is "postgres"/,
    ],
    [
      'postgres URL of another scheme',
      { store: { backend: 'postgres', postgresUrl: 'mysql://db/postyard' } },
      /^config: store\.postgresUrl must start with postgres:\/\/ or postgresql:\/\/$/,
    ],
    [
      'duplicate port',
      { listeners: { imap: { port: 2000 }, pop3: { port: 2000 } } },
      /listeners\.pop3\.port 2000 is already used by listeners\.imap/,
    ],
    ['long value truncated', { hostname: 'x'.repeat(300) }, /got "x{50,}\.\.\.$/],
  ];
  for (const [name, raw, message] of cases) test(name, () => rejects(raw, message));

  test('retentionDays may be null; duplicate port 0 is fine (ephemeral)', () => {
    const c = parseConfig(
      { retentionDays: null, listeners: { imap: { port: 0 }, pop3: { port: 0 } } },
      { dataDir },
    );
    assert.equal(c.retentionDays, null);
  });

  test('CIDR and single addresses are accepted, IPv6 too', () => {
    const c = parseConfig({ trustedNetworks: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1'] }, { dataDir });
    assert.equal(c.trustedNetworks.length, 4);
  });
});

describe('config files', () => {
  test('writeDefaultConfig writes a complete file that loads back to the defaults, and never clobbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postyard-config-'));
    try {
      const first = await writeDefaultConfig(dir, { hostname: 'mail.example.org' });
      assert.equal(first.created, true);
      assert.equal(first.path, configPath(dir));
      const raw = JSON.parse(await readFile(first.path, 'utf8'));
      assert.equal(raw.hostname, 'mail.example.org');
      assert.equal(raw.tls.cert, 'tls/cert.pem', 'paths stay relative so the directory can move');
      assert.equal(raw.dataDir, undefined);
      const loaded = await loadConfig(dir);
      assert.deepEqual(loaded, { ...defaultConfig(dir), hostname: 'mail.example.org' });

      await writeFile(first.path, '{"hostname": "changed.example"}');
      const second = await writeDefaultConfig(dir);
      assert.equal(second.created, false);
      assert.equal((await loadConfig(dir)).hostname, 'changed.example');
      assert.equal((await writeDefaultConfig(dir, { overwrite: true })).created, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('loadConfig explains a missing file, bad JSON and bad values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postyard-config-'));
    try {
      await assert.rejects(
        loadConfig(dir),
        /config: cannot read .*postyard\.json: ENOENT \(run "postyard init"/,
      );
      await writeFile(configPath(dir), '{ "hostname": ');
      await assert.rejects(loadConfig(dir), /config: .*postyard\.json is not valid JSON/);
      await writeFile(configPath(dir), '{ "listeners": { "imap": { "port": "abc" } } }');
      await assert.rejects(
        loadConfig(dir),
        /config: listeners\.imap\.port must be an integer 0-65535, got "abc"/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('loadConfig({ configFile }) takes the data directory from the file location or its dataDir key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'postyard-config-'));
    try {
      const file = join(dir, 'custom.json');
      await writeFile(file, '{}');
      assert.equal((await loadConfig({ configFile: file })).dataDir, dir);
      await writeFile(file, '{ "dataDir": "data" }');
      const c = await loadConfig({ configFile: file });
      assert.equal(c.dataDir, join(dir, 'data'));
      assert.equal(c.tls.cert, join(dir, 'data', 'tls', 'cert.pem'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
