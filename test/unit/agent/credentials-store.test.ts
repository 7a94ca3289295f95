import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsStore, InsecureStateFileError, sameServer, type AgentCredentials } from '../../../src/agent/client/credentials-store.js';

const credentials: AgentCredentials = {
  server: 'http://127.0.0.1:8443',
  agent_id: 'agent-1',
  host_id: 'host-1',
  agent_secret: 's3cret-value',
  inventory_interval_ms: 3_600_000,
  poll_wait_ms: 25_000,
};

const stateDir = () => join(mkdtempSync(join(tmpdir(), 'openhss-agent-state-')), 'state');

describe('CredentialsStore', () => {
  it('creates a 0700 directory holding a 0600 file, with no temp file left behind', async () => {
    const dir = stateDir();
    const store = new CredentialsStore(dir);
    assert.equal(await store.load(), null);
    await store.save(credentials);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(store.credentialsPath).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['credentials.json']);
    assert.deepEqual(JSON.parse(readFileSync(store.credentialsPath, 'utf8')), credentials);
    assert.deepEqual(await new CredentialsStore(dir).load(), credentials);
  });

  it('keeps 0600 even under a permissive umask, and replaces the file on a second save', async () => {
    const previous = process.umask(0o000);
    try {
      const store = new CredentialsStore(stateDir());
      await store.save(credentials);
      await store.save({ ...credentials, agent_secret: 'rotated' });
      assert.equal(statSync(store.credentialsPath).mode & 0o777, 0o600);
      assert.equal((await store.load())?.agent_secret, 'rotated');
    } finally {
      process.umask(previous);
    }
  });

  it('refuses a credentials file that group or others can read', async () => {
    const store = new CredentialsStore(stateDir());
    await store.save(credentials);
    chmodSync(store.credentialsPath, 0o644);
    await assert.rejects(store.load(), (err: unknown) => err instanceof InsecureStateFileError && /mode 0644/.test(err.message) && !err.message.includes('s3cret'));
    chmodSync(store.credentialsPath, 0o640);
    await assert.rejects(store.load(), InsecureStateFileError);
    chmodSync(store.credentialsPath, 0o600);
    assert.deepEqual(await store.load(), credentials);
  });

  it('refuses a file with missing fields', async () => {
    const store = new CredentialsStore(stateDir());
    await store.save(credentials);
    writeFileSync(store.credentialsPath, JSON.stringify({ server: credentials.server }));
    chmodSync(store.credentialsPath, 0o600);
    await assert.rejects(store.load(), /missing fields/);
  });

  it('remembers the last accepted hash per agent id', async () => {
    const store = new CredentialsStore(stateDir());
    assert.equal(await store.loadLastHash('agent-1'), null);
    await store.saveLastHash('agent-1', 'abc');
    assert.equal(await store.loadLastHash('agent-1'), 'abc');
    assert.equal(await store.loadLastHash('agent-2'), null, 'a hash from an earlier enrolment does not count');
    assert.equal(statSync(join(store.dir, 'last-inventory.json')).mode & 0o777, 0o600);
  });

  it('compares servers as URLs', () => {
    assert.ok(sameServer('http://127.0.0.1:8443', 'http://127.0.0.1:8443/'));
    assert.ok(!sameServer('http://127.0.0.1:8443', 'http://127.0.0.1:9443'));
  });
});
