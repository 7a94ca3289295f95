import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsStore } from '../../../src/agent/client/credentials-store.js';
import { AgentSetupError, EXIT_REJECTED, EXIT_STOPPED, runAgent, type AgentLogger, type RunAgentOptions } from '../../../src/agent/client/run-agent.js';
import type { InventoryUnchanged, InventoryUpload } from '../../../src/agent/protocol.js';
import { FakeAgentServer, waitFor } from './fake-server.js';
import { makeDebianRoot, setOpensslVersion } from './fixture-root.js';

interface Line {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function captureLog(): AgentLogger & { lines: Line[]; text: () => string } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), text: () => JSON.stringify(lines) };
}

const servers: FakeAgentServer[] = [];
const running: AbortController[] = [];
afterEach(async () => {
  // A failed test must not leave an agent retrying forever, which would keep the test process alive.
  for (const controller of running.splice(0)) controller.abort();
  for (const server of servers.splice(0)) await server.stop();
});

async function fakeServer(): Promise<FakeAgentServer> {
  const server = await new FakeAgentServer().start();
  servers.push(server);
  return server;
}

/** Starts an agent in-process; `stop()` aborts it and resolves its exit code. */
function startAgent(options: Omit<RunAgentOptions, 'logger' | 'signal'> & { logger?: AgentLogger }) {
  const controller = new AbortController();
  running.push(controller);
  const logger = options.logger ?? captureLog();
  const done = runAgent({ backoff: { initialMs: 20, maxMs: 200 }, ...options, logger, signal: controller.signal });
  return {
    done,
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

const stateDir = () => join(mkdtempSync(join(tmpdir(), 'openhss-agent-run-')), 'state');

describe('runAgent', () => {
  it('enrols, sends its identity and a gzipped inventory, answers commands and stops on abort', async () => {
    const server = await fakeServer();
    server.issueToken('enrol-token-1');
    const root = makeDebianRoot();
    const dir = stateDir();
    const log = captureLog();
    const agent = startAgent({ server: server.url, token: 'enrol-token-1', stateDir: dir, root, logger: log });

    await waitFor('the first upload', () => server.seen('POST', '/agent/v1/inventory').length === 1);
    const [agentId, secret] = [...server.agents][0]!;
    const stored = await new CredentialsStore(dir).load();
    assert.equal(stored?.agent_id, agentId);
    assert.equal(stored?.agent_secret, secret);
    assert.equal(statSync(join(dir, 'credentials.json')).mode & 0o777, 0o600);

    const enroll = server.seen('POST', '/agent/v1/enroll')[0]!;
    assert.equal(enroll.headers.authorization, undefined);
    assert.equal((enroll.body as { identity: { os_name: string } }).identity.os_name, 'Debian GNU/Linux 12 (bookworm)');
    const identity = server.seen('PUT', '/agent/v1/identity');
    assert.equal(identity.length, 1);
    assert.equal(identity[0]!.headers.authorization, `OpenHSS-Agent ${agentId}:${secret}`);
    const upload = server.seen('POST', '/agent/v1/inventory')[0]!;
    assert.equal(upload.headers['content-encoding'], 'gzip');
    assert.equal(upload.headers['content-type'], 'application/json');
    const first = upload.body as InventoryUpload;
    assert.deepEqual(first.packages.map((p) => p.name).sort(), ['libssl3', 'openssl', 'zlib1g']);
    assert.equal(first.command_id, undefined);

    // The agent is now long-polling; a command wakes it and, the content being the same, only the hash goes.
    await waitFor('a long-poll', () => server.seen('GET', '/agent/v1/commands').length >= 1);
    assert.equal(server.seen('GET', '/agent/v1/commands')[0]!.query.get('wait_ms'), '25000');
    const same = server.pushCommand();
    await waitFor('the unchanged report', () => server.seen('POST', '/agent/v1/inventory/unchanged').length === 1);
    assert.deepEqual(
      (({ content_hash, command_id }) => ({ content_hash, command_id }))(server.seen('POST', '/agent/v1/inventory/unchanged')[0]!.body as InventoryUnchanged),
      { content_hash: first.content_hash, command_id: same },
    );

    // A changed package makes the next answer a full upload, tagged with its command.
    setOpensslVersion(root, '3.0.13-1~deb12u1');
    const changed = server.pushCommand();
    await waitFor('the second full upload', () => server.seen('POST', '/agent/v1/inventory').length === 2);
    const second = server.seen('POST', '/agent/v1/inventory')[1]!.body as InventoryUpload;
    assert.equal(second.command_id, changed);
    assert.notEqual(second.content_hash, first.content_hash);
    // The hash is remembered once the server's answer is in, a moment after the server saw the upload.
    let remembered: string | null = null;
    const store = new CredentialsStore(dir);
    const deadline = Date.now() + 5_000;
    while ((remembered = await store.loadLastHash(agentId)) !== second.content_hash && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(remembered, second.content_hash);

    assert.equal(await agent.stop(), EXIT_STOPPED);
    assert.ok(!log.text().includes(secret), 'the secret is never logged');
    assert.ok(!log.text().includes('enrol-token-1'), 'the token is never logged');
    assert.ok(log.lines.some((l) => l.fields.event === 'enrolled'));
    assert.equal(log.lines.at(-1)?.fields.event, 'stopped');
  });

  it('reuses stored credentials and the remembered hash after a restart, uploading in full when the server lost it', async () => {
    const server = await fakeServer();
    server.issueToken('t');
    const root = makeDebianRoot();
    const dir = stateDir();
    const first = startAgent({ server: server.url, token: 't', stateDir: dir, root });
    await waitFor('the first upload', () => server.seen('POST', '/agent/v1/inventory').length === 1);
    // The first poll comes only after the accepted hash is saved; stopping sooner could lose it.
    await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length >= 1);
    assert.equal(await first.stop(), EXIT_STOPPED);

    // Same token again: it is spent, but enrolment is skipped because the credentials are there.
    const second = startAgent({ server: `${server.url}/`, token: 't', stateDir: dir, root });
    await waitFor('the unchanged report', () => server.seen('POST', '/agent/v1/inventory/unchanged').length === 1);
    await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length >= 2);
    assert.equal(server.seen('POST', '/agent/v1/enroll').length, 1);
    assert.equal(server.seen('POST', '/agent/v1/inventory').length, 1, 'the server held the hash, so nothing more was sent');
    assert.equal(await second.stop(), EXIT_STOPPED);

    server.heldHash.clear();
    const third = startAgent({ server: server.url, stateDir: dir, root });
    await waitFor('the fallback upload', () => server.seen('POST', '/agent/v1/inventory').length === 2);
    assert.equal(server.seen('POST', '/agent/v1/inventory/unchanged').length, 2, 'the 409 came first');
    assert.equal(await third.stop(), EXIT_STOPPED);
  });

  it('waits out a server that is down and resumes when it returns', async () => {
    const server = await fakeServer();
    server.issueToken('t');
    server.failWith = 503;
    const log = captureLog();
    const agent = startAgent({ server: server.url, token: 't', stateDir: stateDir(), root: makeDebianRoot(), logger: log });
    await waitFor('three refused enrolments', () => server.seen('POST', '/agent/v1/enroll').length >= 3);
    server.failWith = null;
    await waitFor('the first upload', () => server.seen('POST', '/agent/v1/inventory').length === 1);
    await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length >= 1);

    // Now the server vanishes altogether (connection refused) and comes back on the same port.
    await server.stop();
    await waitFor('retries against a closed port', () => log.lines.filter((l) => l.fields.event === 'retry' && l.fields.what === 'command poll').length >= 2);
    await server.start();
    const id = server.pushCommand();
    await waitFor('the command to be answered', () => server.requests.some((r) => (r.body as { command_id?: string } | null)?.command_id === id));
    assert.ok(log.lines.some((l) => l.fields.event === 'server_back'));
    assert.equal(await agent.stop(), EXIT_STOPPED);
  });

  it('stops with exit code 3 when the server rejects it after enrolment', async () => {
    const server = await fakeServer();
    server.issueToken('t');
    const log = captureLog();
    const agent = startAgent({ server: server.url, token: 't', stateDir: stateDir(), root: makeDebianRoot(), logger: log });
    await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length >= 1);
    server.agents.clear();
    server.pushCommand();
    assert.equal(await agent.done, EXIT_REJECTED);
    const rejected = log.lines.find((l) => l.fields.event === 'agent_rejected');
    assert.match(rejected?.message ?? '', /rejected this agent's credentials/);
  });

  it('stops with exit code 3 when the enrolment token is refused', async () => {
    const server = await fakeServer();
    const log = captureLog();
    const code = await runAgent({ server: server.url, token: 'never-issued', stateDir: stateDir(), root: makeDebianRoot(), logger: log });
    assert.equal(code, EXIT_REJECTED);
    assert.ok(log.lines.some((l) => l.fields.event === 'enrollment_rejected'));
    assert.ok(!log.text().includes('never-issued'));
  });

  it('refuses to start without credentials or a token', async () => {
    const server = await fakeServer();
    await assert.rejects(runAgent({ server: server.url, stateDir: stateDir(), root: makeDebianRoot(), logger: captureLog() }), AgentSetupError);
    assert.equal(server.requests.length, 0);
  });

  it('uploads again every interval, without being asked', async () => {
    const server = await fakeServer();
    server.issueToken('t');
    const agent = startAgent({ server: server.url, token: 't', stateDir: stateDir(), root: makeDebianRoot(), intervalMs: 1_000 });
    await waitFor('two interval reports', () => server.seen('POST', '/agent/v1/inventory/unchanged').length >= 2, 5_000);
    const polls = server.seen('GET', '/agent/v1/commands');
    assert.ok(polls.every((p) => Number(p.query.get('wait_ms')) <= 1_000), 'the poll never outlasts the next upload');
    assert.equal(await agent.stop(), EXIT_STOPPED);
  });
});
