import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeDebianRoot } from '../support/agent-fixture-root.js';
import { CLI, startServerProcess, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);

describe('openhss agent-token, hosts, scan-task and policy commands (the built CLI)', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openhss-hosts-cli-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dataDir,
    OPENHSS_DATA_DIR: dataDir,
    OPENHSS_LOG_LEVEL: 'silent',
    OPENHSS_AGENT_POLL_WAIT_SECONDS: '1',
    OPENHSS_SCAN_INVENTORY_MAX_AGE_SECONDS: '0',
    OPENHSS_SCAN_MONITOR_INTERVAL_MS: '200',
    OPENHSS_QUEUE_POLL_INTERVAL_MS: '100',
  };
  const cli = async (args: string[]) => (await run(process.execPath, [CLI, ...args], { env })).stdout;
  const json = async <T>(args: string[]) => JSON.parse(await cli([...args, '--json'])) as T;
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const value = await probe();
      if (value !== undefined) return value;
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  let server: ServerProcess;
  let agent: ChildProcess;

  before(async () => {
    server = await startServerProcess({ ...env, OPENHSS_LOG_LEVEL: 'info' });
  });
  after(async () => {
    agent?.kill('SIGTERM');
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('`agent-token create` prints the token alone, as TOKEN=$(…) captures it; an agent enrols with it from OPENHSS_AGENT_TOKEN; `hosts list` shows the host online', async () => {
    const issued = await json<{ token: string }>(['agent-token', 'create', '--description', 'cli test']);
    assert.match(issued.token, /^ohssenrol_/);
    const created = await run(process.execPath, [CLI, 'agent-token', 'create'], { env });
    const token = created.stdout.replace(/\n$/, '');
    assert.match(token, /^ohssenrol_[A-Za-z0-9_-]{32}$/, `standard output is the token alone: ${JSON.stringify(created.stdout)}`);
    assert.match(created.stderr, /one use; expires /);
    const root = makeDebianRoot();
    // The token is not on the command line, where `ps` would show it to every local user.
    agent = spawn(process.execPath, [CLI, 'agent', '--server', server.url, '--state-dir', join(dataDir, 'agent-state'), '--root', root], { env: { ...env, OPENHSS_AGENT_TOKEN: token }, stdio: 'ignore' });
    const hosts = await eventually('the host', async () => {
      const list = await json<{ total: number; hosts: Array<{ agentStatus: string; inventoryHash: string | null }> }>(['hosts', 'list']);
      return list.total === 1 && list.hosts[0]!.inventoryHash ? list : undefined;
    });
    assert.equal(hosts.hosts[0]!.agentStatus, 'online');
    assert.match(await cli(['hosts', 'list']), /1 host\(s\)\n.* online /);
  });

  it('`scan-task create` queues a scan the server carries out; `scan-task show` and `list` report it', async () => {
    const { task_id } = await json<{ task_id: string }>(['scan-task', 'create', '--type', 'linux_vul']);
    const shown = await eventually('the task to finish', async () => {
      const view = await json<{ task: { status: string; successHostNum: number }; hosts: Array<{ scanStatus: string }> }>(['scan-task', 'show', task_id]);
      return view.task.status === 'finished' ? view : undefined;
    });
    assert.equal(shown.task.successHostNum, 1);
    assert.deepEqual(shown.hosts.map((h) => h.scanStatus), ['success']);
    assert.match(await cli(['scan-task', 'list']), new RegExp(`${task_id}  manual   finished`));
  });

  it('`policy set` then `policy show` gives the next scan time in the given offset', async () => {
    assert.match(await cli(['policy', 'set', '--period', 'one_week', '--day', '1', '--day', '3', '--hour', '22', '--timezone-offset', '-480']), /policy saved; next scan /);
    const policy = await json<{ scanPeriod: string; dayPart: number[]; nextScanTime: number; totalHostNum: number }>(['policy', 'show']);
    assert.equal(policy.scanPeriod, 'one_week');
    assert.deepEqual(policy.dayPart, [1, 3]);
    assert.equal(policy.totalHostNum, 1);
    // Monday or Wednesday, 22:00 at GMT+8, is 14:00 UTC that day.
    const next = new Date(policy.nextScanTime);
    assert.ok([1, 3].includes(next.getUTCDay()), next.toISOString());
    assert.equal(next.getUTCHours(), 14);
    const bad = await run(process.execPath, [CLI, 'policy', 'set', '--period', 'one_fortnight'], { env }).catch((err: { code: number; stderr: string }) => err);
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /--period: one_fortnight is not one of/);
  });
});
