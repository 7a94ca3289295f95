import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsStore } from '../../../src/agent/client/credentials-store.js';
import { makeDebianRoot } from '../../support/agent-fixture-root.js';
import { AgentTestServer, waitFor } from './agent-server.js';

const repo = new URL('../../../', import.meta.url).pathname;
const STARTUP_MS = 60_000;

/** `openhss agent` as a process: what a test of the whole system would start. */
function spawnAgent(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', ...args], { cwd: repo, env: { ...process.env, OPENHSS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A failed assertion must not leave the agent running, or it keeps the test process alive.
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { child, exited, kill, stderr: () => stderr, stdout: () => stdout };
}

describe('openhss agent (process)', () => {
  it('enrols from a token file, uploads, and exits 0 on SIGTERM with one JSON log line per event on stderr', { timeout: 3 * STARTUP_MS }, async () => {
    const server = await AgentTestServer.start();
    try {
      const token = await server.enrolmentToken();
      const dir = mkdtempSync(join(tmpdir(), 'openhss-agent-cli-'));
      const tokenFile = join(dir, 'token');
      writeFileSync(tokenFile, `${token}\n`);
      const state = join(dir, 'state');
      const agent = spawnAgent(['--server', server.url, '--token-file', tokenFile, '--state-dir', state, '--root', makeDebianRoot()]);
      try {
        // Starting node with tsx is slow on a loaded machine, hence the long wait.
        await waitFor('the upload', () => server.seen('POST', '/agent/v1/inventory', 200).length === 1, STARTUP_MS);
        await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length >= 1, STARTUP_MS);
        agent.child.kill('SIGTERM');
        assert.equal(await agent.exited, 0);
      } finally {
        agent.kill();
      }
      assert.equal(agent.stdout(), '', 'standard output stays empty');
      const lines = agent.stderr().trim().split('\n').map((l) => JSON.parse(l) as { event?: string; msg: string });
      const events = lines.map((l) => l.event);
      for (const event of ['enrolling', 'enrolled', 'identity_sent', 'collected', 'inventory_uploaded', 'signal', 'stopped']) assert.ok(events.includes(event), `${event} logged`);
      assert.ok(!agent.stderr().includes(token));
      const credentials = await new CredentialsStore(state).load();
      assert.ok(credentials);
      assert.equal(credentials.host_id, (await server.onlyHost()).id);
      assert.ok(!agent.stderr().includes(credentials.agent_secret));
      assert.equal(statSync(state).mode & 0o777, 0o700);
    } finally {
      await server.close();
    }
  });

  it('exits 3 when the server rejects the agent', { timeout: 2 * STARTUP_MS }, async () => {
    const server = await AgentTestServer.start();
    try {
      const agent = spawnAgent(['--server', server.url, '--token', `ohssenrol_${'u'.repeat(32)}`, '--state-dir', join(mkdtempSync(join(tmpdir(), 'openhss-agent-cli-')), 'state'), '--root', makeDebianRoot()]);
      try {
        assert.equal(await agent.exited, 3);
        assert.match(agent.stderr(), /refused the enrolment token/);
        await waitFor('the refusal to be recorded', () => server.seen('POST', '/agent/v1/enroll', 401).length === 1);
      } finally {
        agent.kill();
      }
    } finally {
      await server.close();
    }
  });
});
