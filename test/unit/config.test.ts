import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';

describe('configuration', () => {
  it('has working defaults: SQLite in ./data on 127.0.0.1:8080', () => {
    const config = loadConfig({});
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8080);
    assert.equal(config.dataDir, './data');
    assert.equal(config.database.url, '');
    assert.equal(config.security.tokenTtlSeconds, 86_400);
  });

  it('reads environment variables with their types', () => {
    const config = loadConfig({ OPENHSS_PORT: '9090', OPENHSS_QUEUE_IN_PROCESS_WORKERS: 'false', OPENHSS_DATABASE_URL: 'postgres://u@h/db' });
    assert.equal(config.server.port, 9090);
    assert.equal(config.queue.inProcessWorkers, false);
    assert.equal(config.database.url, 'postgres://u@h/db');
  });

  it('reads a YAML file, and the environment overrides it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-config-'));
    const file = join(dir, 'openhss.yaml');
    writeFileSync(file, 'server:\n  port: 7000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const config = loadConfig({ OPENHSS_CONFIG: file, OPENHSS_PORT: '7001' });
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.port, 7001);
    assert.equal(config.log.level, 'debug');
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['port out of range', { OPENHSS_PORT: '70000' }, /server\.port \(OPENHSS_PORT\) must be <= 65535/],
    ['port not a number', { OPENHSS_PORT: 'eighty' }, /OPENHSS_PORT must be an integer/],
    ['unknown log level', { OPENHSS_LOG_LEVEL: 'loud' }, /log\.level \(OPENHSS_LOG_LEVEL\).*fatal, error, warn, info/],
    ['unsupported database', { OPENHSS_DATABASE_URL: 'mysql://x' }, /database\.url \(OPENHSS_DATABASE_URL\)/],
    ['malformed master key', { OPENHSS_MASTER_KEY: 'abc' }, /security\.masterKey \(OPENHSS_MASTER_KEY\)/],
    ['bad boolean', { OPENHSS_TRUST_PROXY: 'maybe' }, /OPENHSS_TRUST_PROXY must be true or false/],
  ];
  for (const [name, env, message] of bad) {
    it(`stops with a message naming the key: ${name}`, () => {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('names an unknown key in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openhss-config-'));
    const file = join(dir, 'openhss.yaml');
    writeFileSync(file, 'server:\n  prot: 7000\n');
    assert.throws(() => loadConfig({ OPENHSS_CONFIG: file }), /unknown key prot under server/);
  });

  it('names a config file that cannot be read', () => {
    assert.throws(() => loadConfig({ OPENHSS_CONFIG: '/nonexistent/openhss.yaml' }), /OPENHSS_CONFIG file .* cannot be read/);
  });
});
