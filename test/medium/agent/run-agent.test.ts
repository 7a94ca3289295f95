import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from '../../../src/agent/client/collect.js';
import { CredentialsStore } from '../../../src/agent/client/credentials-store.js';
import { AgentSetupError, EXIT_REJECTED, EXIT_STOPPED, runAgent, type AgentLogger, type RunAgentOptions } from '../../../src/agent/client/run-agent.js';
import { MACHINE_ID, makeDebianRoot, setOpensslVersion } from '../../support/agent-fixture-root.js';
import { AgentTestServer, waitFor } from './agent-server.js';

interface Line {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function captureLog(): AgentLogger & { lines: Line[]; text: () => string; events: (event: string, what?: string) => Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => JSON.stringify(lines),
    events: (event, what) => lines.filter((l) => l.fields.event === event && (what === undefined || l.fields.what === what)),
  };
}

const servers: AgentTestServer[] = [];
const running: Array<{ controller: AbortController; done: Promise<unknown> }> = [];
afterEach(async () => {
  // A failed test must not leave an agent retrying forever, which would keep the test process alive.
  for (const { controller, done } of running.splice(0)) {
    controller.abort();
    await done.catch(() => undefined);
  }
  for (const server of servers.splice(0)) await server.close();
});

async function realServer(hosts?: Parameters<typeof AgentTestServer.start>[0]): Promise<AgentTestServer> {
  const server = await AgentTestServer.start(hosts);
  servers.push(server);
  return server;
}

/** Starts an agent in-process; `stop()` aborts it and resolves its exit code. */
function startAgent(options: Omit<RunAgentOptions, 'logger' | 'signal'> & { logger?: AgentLogger }) {
  const controller = new AbortController();
  const logger = options.logger ?? captureLog();
  const done = runAgent({ backoff: { initialMs: 20, maxMs: 200 }, ...options, logger, signal: controller.signal });
  running.push({ controller, done });
  return {
    done,
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

/** Well formed, never issued. */
const NEVER_ISSUED = `ohssenrol_${'n'.repeat(32)}`;
const stateDir = () => join(mkdtempSync(join(tmpdir(), 'openhss-agent-run-')), 'state');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('runAgent against the real server', { timeout: 180_000 }, () => {
  it('enrols, sends its identity and a gzipped inventory, answers commands and stops on abort', async () => {
    const server = await realServer();
    const token = await server.enrolmentToken();
    const root = makeDebianRoot();
    const dir = stateDir();
    const log = captureLog();
    const agent = startAgent({ server: server.url, token, stateDir: dir, root, logger: log });

    await waitFor('the first upload', () => server.seen('POST', '/agent/v1/inventory', 200).length === 1);
    const host = await server.onlyHost();
    const stored = await new CredentialsStore(dir).load();
    assert.ok(stored);
    assert.equal(stored.agent_id, host.agent_id);
    assert.equal(stored.host_id, host.id);
    assert.equal(sha256(stored.agent_secret), host.agent_secret_hash, 'the server holds the hash of the secret the agent saved');
    assert.equal(statSync(join(dir, 'credentials.json')).mode & 0o777, 0o600);

    const enroll = server.seen('POST', '/agent/v1/enroll');
    assert.equal(enroll.length, 1);
    assert.equal(enroll[0]!.headers.authorization, undefined);
    assert.equal(host.os_name, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(host.machine_id, MACHINE_ID);
    const identity = server.seen('PUT', '/agent/v1/identity');
    assert.equal(identity.length, 1);
    assert.equal(identity[0]!.status, 200);
    assert.equal(identity[0]!.headers.authorization, `OpenHSS-Agent ${stored.agent_id}:${stored.agent_secret}`);
    const upload = server.seen('POST', '/agent/v1/inventory')[0]!;
    assert.equal(upload.headers['content-encoding'], 'gzip');
    assert.equal(upload.headers['content-type'], 'application/json');
    const first = await server.storedInventory(host.id);
    assert.deepEqual(first?.packages.map((p) => p.name).sort(), ['libssl3', 'openssl', 'zlib1g']);
    assert.equal(first?.os?.id, 'debian');
    assert.equal(host.inventory_hash, first?.contentHash);

    // The agent is now long-polling for the wait the server told it; a command wakes it and, the content being the same, only the hash goes.
    await waitFor('a long-poll', () => server.seen('GET', '/agent/v1/commands').length >= 1);
    assert.equal(server.seen('GET', '/agent/v1/commands')[0]!.query.get('wait_ms'), '1000');
    // Logged before the poll, once the upload's answer was in.
    assert.equal(log.events('inventory_uploaded')[0]?.fields.command_id, undefined, 'the first upload answers no command');
    const same = await server.runtime.services.agents.issueCommand(host.id, 'collect_inventory');
    await waitFor('the command to be answered', async () => (await server.command(same))?.state === 'done');
    // The server marks the command done a moment before its answer has gone out.
    await waitFor('the unchanged report to be answered', () => server.seen('POST', '/agent/v1/inventory/unchanged', 200).length === 1);
    assert.equal(server.seen('POST', '/agent/v1/inventory').length, 1, 'nothing more than the hash was sent');
    await waitFor('the agent to log the answer', () => log.events('inventory_unchanged').length === 1);
    assert.equal(log.events('inventory_unchanged')[0]?.fields.command_id, same);
    assert.equal((await server.onlyHost()).inventory_hash, first?.contentHash);

    // A changed package makes the next answer a full upload, tagged with its command.
    setOpensslVersion(root, '3.0.13-1~deb12u1');
    const changed = await server.runtime.services.agents.issueCommand(host.id, 'collect_inventory');
    await waitFor('the changed inventory to be answered', async () => (await server.command(changed))?.state === 'done');
    await waitFor('the second upload to be answered', () => server.seen('POST', '/agent/v1/inventory', 200).length === 2);
    const second = await server.storedInventory(host.id);
    assert.notEqual(second?.contentHash, first?.contentHash);
    assert.equal(second?.packages.find((p) => p.name === 'openssl')?.version, '3.0.13-1~deb12u1');
    assert.equal((await server.onlyHost()).inventory_hash, second?.contentHash);
    // The hash is remembered once the server's answer is in, a moment after the server stored the upload.
    const store = new CredentialsStore(dir);
    await waitFor('the accepted hash to be remembered', async () => (await store.loadLastHash(stored.agent_id)) === second?.contentHash);

    assert.equal(await agent.stop(), EXIT_STOPPED);
    assert.ok(!log.text().includes(stored.agent_secret), 'the secret is never logged');
    assert.ok(!log.text().includes(token), 'the token is never logged');
    assert.ok(log.lines.some((l) => l.fields.event === 'enrolled'));
    assert.equal(log.lines.at(-1)?.fields.event, 'stopped');
  });

  it('reuses stored credentials and the remembered hash after a restart, uploading in full when the server lost it', async () => {
    const server = await realServer();
    const token = await server.enrolmentToken();
    const root = makeDebianRoot();
    const dir = stateDir();
    const first = startAgent({ server: server.url, token, stateDir: dir, root });
    await waitFor('the first upload', () => server.seen('POST', '/agent/v1/inventory', 200).length === 1);
    // Polls run beside the upload: wait for the accepted hash to be saved, as stopping sooner could lose it.
    const host = await server.onlyHost();
    await waitFor('the accepted hash to be remembered', async () => (await new CredentialsStore(dir).loadLastHash(host.agent_id)) === host.inventory_hash);
    assert.equal(await first.stop(), EXIT_STOPPED);

    // Same token again: it is spent, but enrolment is skipped because the credentials are there.
    const polls = server.seen('GET', '/agent/v1/commands').length;
    const second = startAgent({ server: `${server.url}/`, token, stateDir: dir, root });
    await waitFor('the unchanged report', () => server.seen('POST', '/agent/v1/inventory/unchanged', 200).length === 1);
    await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length > polls);
    assert.equal(server.seen('POST', '/agent/v1/enroll').length, 1);
    assert.equal(server.seen('POST', '/agent/v1/inventory').length, 1, 'the server held the hash, so nothing more was sent');
    assert.deepEqual(
      (await server.hosts()).map((h) => h.id),
      [host.id],
    );
    assert.equal(await second.stop(), EXIT_STOPPED);

    // The server loses the inventory (as after a restore from an older backup): the hash alone is not enough.
    await server.db.deleteFrom('host_inventories').where('host_id', '=', host.id).execute();
    await server.db.updateTable('hosts').set({ inventory_hash: null, inventory_at: null }).where('id', '=', host.id).execute();
    const log = captureLog();
    const third = startAgent({ server: server.url, stateDir: dir, root, logger: log });
    await waitFor('the fallback upload', () => server.seen('POST', '/agent/v1/inventory', 200).length === 2);
    const unchanged = server.seen('POST', '/agent/v1/inventory/unchanged');
    assert.equal(unchanged.length, 2);
    assert.equal(unchanged[1]!.status, 409, 'the 409 came first');
    assert.equal(log.events('hash_unknown').length, 1);
    const restored = await server.storedInventory(host.id);
    assert.deepEqual(restored?.packages.map((p) => p.name).sort(), ['libssl3', 'openssl', 'zlib1g']);
    assert.equal((await server.onlyHost()).inventory_hash, restored?.contentHash);
    assert.equal(await third.stop(), EXIT_STOPPED);
  });

  it('waits out a server that is down and resumes when it returns', async () => {
    const server = await realServer();
    const token = await server.enrolmentToken();
    // Down from the start: enrolment meets a closed port.
    await server.stop();
    const log = captureLog();
    const agent = startAgent({ server: server.url, token, stateDir: stateDir(), root: makeDebianRoot(), logger: log });
    await waitFor('three failed enrolments', () => log.events('retry', 'enrolment').length >= 3);
    await server.restart();
    await waitFor('the first upload', () => server.seen('POST', '/agent/v1/inventory', 200).length === 1);
    await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands').length >= 1);
    assert.equal(log.events('server_back').length, 1);
    const host = await server.onlyHost();

    // Now the server goes away again (connection refused) and comes back on the same port, over the same database.
    await server.stop();
    const retries = log.events('retry', 'command poll').length;
    await waitFor('retries against a closed port', () => log.events('retry', 'command poll').length >= retries + 2);
    await server.restart();
    const id = await server.runtime.services.agents.issueCommand(host.id, 'collect_inventory');
    await waitFor('the command to be answered', async () => (await server.command(id))?.state === 'done');
    assert.equal(log.events('server_back').length, 2);
    assert.equal(server.seen('POST', '/agent/v1/enroll', 201).length, 1);
    assert.equal(await agent.stop(), EXIT_STOPPED);
  });

  for (const [how, reject] of [
    ['the host is deleted', (server: AgentTestServer, hostId: string) => server.db.deleteFrom('hosts').where('id', '=', hostId).execute()],
    ['its secret no longer matches', (server: AgentTestServer, hostId: string) => server.db.updateTable('hosts').set({ agent_secret_hash: sha256('another secret') }).where('id', '=', hostId).execute()],
  ] as const) {
    it(`stops with exit code 3 when the server rejects it after enrolment: ${how}`, async () => {
      const server = await realServer();
      const log = captureLog();
      const agent = startAgent({ server: server.url, token: await server.enrolmentToken(), stateDir: stateDir(), root: makeDebianRoot(), logger: log });
      await waitFor('a poll', () => server.seen('GET', '/agent/v1/commands', 200).length >= 1);
      await reject(server, (await server.onlyHost()).id);
      // The next long-poll (the server asks for 1 s ones) is refused.
      assert.equal(await agent.done, EXIT_REJECTED);
      await waitFor('the refusal to be recorded', () => server.seen('GET', '/agent/v1/commands', 401).length === 1);
      const rejected = log.events('agent_rejected')[0];
      assert.match(rejected?.message ?? '', /rejected this agent's credentials/);
      assert.equal(rejected?.fields.code, 'APIGW.0301');
    });
  }

  it('stops with exit code 3 when the enrolment token is unknown', async () => {
    const server = await realServer();
    const log = captureLog();
    const code = await runAgent({ server: server.url, token: NEVER_ISSUED, stateDir: stateDir(), root: makeDebianRoot(), logger: log });
    assert.equal(code, EXIT_REJECTED);
    await waitFor('the refusal to be recorded', () => server.seen('POST', '/agent/v1/enroll', 401).length === 1);
    assert.ok(log.lines.some((l) => l.fields.event === 'enrollment_rejected'));
    assert.ok(!log.text().includes(NEVER_ISSUED));
    assert.equal((await server.hosts()).length, 0);
  });

  it('says what is wrong with a malformed token (two captured lines, a stray word) without asking the server', async () => {
    const server = await realServer();
    const token = await server.enrolmentToken();
    for (const [bad, problem] of [
      [`${token}\n(one use; expires 2030-01-01T00:00:00.000Z)`, /malformed: it spans several lines; give the token alone/],
      [`Bearer ${token}`, /malformed: it contains spaces/],
      ['MIIB1234', /malformed: it does not start with ohssenrol_/],
      [token.slice(0, -3), /malformed: it should be ohssenrol_ and 32 base64url characters, not 29/],
    ] as const) {
      await assert.rejects(runAgent({ server: server.url, token: bad, stateDir: stateDir(), root: makeDebianRoot(), logger: captureLog() }), (err: unknown) => {
        assert.ok(err instanceof AgentSetupError, String(err));
        assert.match(err.message, problem);
        assert.ok(!err.message.includes(token.slice(10)), 'the token is not echoed');
        return true;
      });
    }
    assert.equal(server.seen('POST', '/agent/v1/enroll').length, 0);
  });

  it('stops with exit code 3 when the enrolment token was already used', async () => {
    const server = await realServer();
    const token = await server.enrolmentToken();
    const first = startAgent({ server: server.url, token, stateDir: stateDir(), root: makeDebianRoot() });
    await waitFor('the first enrolment', () => server.seen('POST', '/agent/v1/enroll', 201).length === 1);
    assert.equal(await first.stop(), EXIT_STOPPED);
    // Another machine (its own state dir and machine id) tries the same token.
    const log = captureLog();
    const otherRoot = makeDebianRoot();
    writeFileSync(join(otherRoot, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
    const code = await runAgent({ server: server.url, token, stateDir: stateDir(), root: otherRoot, logger: log });
    assert.equal(code, EXIT_REJECTED);
    await waitFor('the refusal to be recorded', () => server.seen('POST', '/agent/v1/enroll', 401).length === 1);
    assert.ok(log.lines.some((l) => l.fields.event === 'enrollment_rejected'));
    assert.ok(!log.text().includes(token));
    assert.equal((await server.hosts()).length, 1);
  });

  it('refuses to start without credentials or a token', async () => {
    const server = await realServer();
    await assert.rejects(runAgent({ server: server.url, stateDir: stateDir(), root: makeDebianRoot(), logger: captureLog() }), AgentSetupError);
    assert.equal(server.requests.length, 0);
  });

  it('keeps polling (its heartbeat) while a long collection runs, and answers a command that arrived meanwhile with it', async () => {
    const server = await realServer();
    const root = makeDebianRoot();
    // A disk that takes as long as the test says: the collection ends only when `release` is called.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let collections = 0;
    const agent = startAgent({
      server: server.url,
      token: await server.enrolmentToken(),
      stateDir: stateDir(),
      root,
      collect: async (options) => {
        collections++;
        await released;
        return collectInventory(options);
      },
    });
    await waitFor('the collection to start', () => collections === 1);
    const before = server.seen('GET', '/agent/v1/commands', 200).length;
    await waitFor('two polls during the collection', () => server.seen('GET', '/agent/v1/commands', 200).length >= before + 2);
    const host = await server.onlyHost();
    assert.ok(host.last_seen_at > host.created_at, 'each poll refreshed the heartbeat');
    // A scan's request arrives mid-collection: this collection answers it, no second one is started.
    const command = await server.runtime.services.agents.issueCommand(host.id, 'collect_inventory');
    await waitFor('the command to be delivered', async () => (await server.command(command))?.state !== 'pending');
    assert.equal(server.seen('POST', '/agent/v1/inventory').length, 0, 'nothing uploaded before the collection ends');
    release();
    await waitFor('the command to be answered', async () => (await server.command(command))?.state === 'done');
    assert.equal(collections, 1);
    assert.equal((await server.storedInventory(host.id))?.packages.length, 3);
    assert.equal(await agent.stop(), EXIT_STOPPED);
  });

  it('uploads again every interval, without being asked', async () => {
    // The server's own 25 s long-poll, so the agent has to shorten it to keep its 1 s interval.
    const server = await realServer({ pollWaitSeconds: 25 });
    const agent = startAgent({ server: server.url, token: await server.enrolmentToken(), stateDir: stateDir(), root: makeDebianRoot(), intervalMs: 1_000 });
    await waitFor('two interval reports', () => server.seen('POST', '/agent/v1/inventory/unchanged', 200).length >= 2);
    const polls = server.seen('GET', '/agent/v1/commands');
    assert.ok(polls.length >= 1);
    assert.ok(polls.every((p) => Number(p.query.get('wait_ms')) <= 1_000), 'the poll never outlasts the next upload');
    const stored = await server.db.selectFrom('host_inventories').select(['uploaded_at']).executeTakeFirstOrThrow();
    assert.ok(Number(stored.uploaded_at) > (await server.onlyHost()).created_at, 'each report refreshes the stored inventory');
    assert.equal(await agent.stop(), EXIT_STOPPED);
  });
});
