import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { debootstrapBookworm } from '../support/debootstrap.js';
import { CLI, parseFirstStart, startServerProcess, type ServerProcess } from '../support/server-process.js';

interface Task {
  id: string;
  status: string;
  scan_type: string;
  scanning_host_num: number;
  success_host_num: number;
  failed_host_num: number;
}

/** A small Debian 12 root with known-vulnerable packages (against the demo DB) and a vulnerable npm package. */
function fixtureRoot(dir: string): string {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'var/lib/dpkg'), { recursive: true });
  mkdirSync(join(dir, 'srv/app/node_modules/lodash'), { recursive: true });
  writeFileSync(join(dir, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n');
  writeFileSync(join(dir, 'etc/machine-id'), 'a1b2c3d4e5f60718293a4b5c6d7e8f90\n');
  const stanza = (name: string, version: string, source?: string) =>
    `Package: ${name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ''}Version: ${version}\nDescription: ${name}\n`;
  writeFileSync(join(dir, 'var/lib/dpkg/status'), [stanza('libc6', '2.36-9+deb12u1', 'glibc'), stanza('curl', '7.88.1-10+deb12u3')].join('\n'));
  writeFileSync(join(dir, 'srv/app/node_modules/lodash/package.json'), JSON.stringify({ name: 'lodash', version: '4.17.11' }));
  return dir;
}

for (const backend of backends) {
  describe(`a real server and real agent processes (${backend})`, { timeout: 900_000 }, () => {
    let db: TestDatabase;
    let server: ServerProcess;
    let token: string;
    let pid: string;
    let work: string;
    let serverEnv: Record<string, string>;
    const agents: ChildProcess[] = [];
    const agentLogs: string[] = [];
    const enrolmentTokens: string[] = [];

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & { total_num: number; data_list: Array<Record<string, unknown>> } };
    };
    const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${what}\nserver:\n${server.output().slice(-3000)}\nagents:\n${agentLogs.join('\n---\n').slice(-3000)}`);
    };
    const startAgent = async (root: string): Promise<ChildProcess> => {
      const enrolment = await api('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, { description: root });
      assert.equal(enrolment.status, 201);
      enrolmentTokens.push(String(enrolment.body.token));
      const stateDir = join(work, `state-${agents.length}`);
      const child = spawn(process.execPath, [CLI, 'agent', '--server', server.url, '--token', String(enrolment.body.token), '--state-dir', stateDir, '--root', root], {
        env: { PATH: process.env.PATH ?? '', HOME: work, OPENHSS_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const index = agentLogs.push('') - 1;
      child.stderr!.on('data', (chunk: Buffer) => (agentLogs[index] += chunk.toString('utf8')));
      agents.push(child);
      return child;
    };
    const finished = (taskId: string) =>
      waitFor(`task ${taskId} to finish`, async () => {
        const row = (await api('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${taskId}`)).body.data_list[0] as unknown as Task | undefined;
        return row?.status === 'finished' ? row : undefined;
      });

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'openhss-agents-'));
      db = await createTestDatabase(backend, { migrate: false });
      await db.database.close();
      serverEnv = {
        OPENHSS_DATA_DIR: db.dataDir,
        ...(backend === 'postgres' ? { OPENHSS_DATABASE_URL: db.url, OPENHSS_DATABASE_SCHEMA: db.schema } : {}),
        // Long enough that a live agent on a busy machine never misses it; short enough to see a killed one go.
        OPENHSS_AGENT_OFFLINE_AFTER_SECONDS: '15',
        OPENHSS_AGENT_POLL_WAIT_SECONDS: '2',
        // Every scan asks the agents for a fresh inventory.
        OPENHSS_SCAN_INVENTORY_MAX_AGE_SECONDS: '0',
        OPENHSS_SCAN_INVENTORY_TIMEOUT_SECONDS: '60',
        OPENHSS_SCAN_MONITOR_INTERVAL_MS: '200',
        OPENHSS_QUEUE_POLL_INTERVAL_MS: '100',
        // A scan job cut off by a crash is taken up again after this (heartbeats keep live ones).
        OPENHSS_QUEUE_LEASE_SECONDS: '5',
      };
      server = await startServerProcess(serverEnv);
      const first = parseFirstStart(server.output())!;
      pid = first.projectId;
      const login = await fetch(`${server.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: first.password, domain: { name: 'openhss' } } } }, scope: { project: { id: pid } } } }),
      });
      token = login.headers.get('x-subject-token')!;
      assert.ok(token, 'logged in');
    });
    after(async () => {
      for (const child of agents) if (child.exitCode === null) child.kill('SIGKILL');
      server?.child.kill('SIGTERM');
      await server?.exited;
      await db?.cleanup();
      rmSync(work, { recursive: true, force: true });
    });

    it('two agents enrol, report their hosts and inventories', async () => {
      await startAgent(fixtureRoot(join(work, 'root-a')));
      await startAgent(await debootstrapBookworm());
      const hosts = await waitFor('two online hosts with inventories', async () => {
        const list = await api('GET', `/v5/${pid}/host-management/hosts`);
        return list.body.total_num === 2 && list.body.data_list.every((h) => h.agent_status === 'online') ? list.body.data_list : undefined;
      });
      assert.deepEqual(hosts.map((h) => h.os_name).sort(), ['Debian GNU/Linux 12 (bookworm)', 'Debian GNU/Linux 12 (bookworm)']);
      assert.ok(hosts.every((h) => typeof h.agent_id === 'string' && (h.agent_id as string).length === 32));
    });

    it('keeps agent credentials private: a 0600 file, and no secret or enrolment token in any log', async () => {
      const file = join(work, 'state-0', 'credentials.json');
      // The server knows the host as soon as it enrolled; the agent saves its credentials just after.
      await waitFor('the credentials file', async () => (existsSync(file) ? true : undefined));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const { agent_secret: secret } = JSON.parse(readFileSync(file, 'utf8')) as { agent_secret: string };
      assert.ok(secret.length >= 32);
      for (const text of [server.output(), ...agentLogs]) {
        assert.ok(!text.includes(secret), 'the agent secret is not logged');
        for (const token of enrolmentTokens) assert.ok(!text.includes(token), 'the enrolment token is not logged');
      }
    });

    it('a manual all_host scan asks both agents and succeeds on both; the seed-1 counts match', async () => {
      const created = await api('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'all_host' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const row = await finished(String(created.body.task_id));
      assert.deepEqual([row.scan_type, row.scanning_host_num, row.success_host_num, row.failed_host_num], ['manual', 0, 2, 0]);
      const listed = await api('GET', `/v5/${pid}/vulnerability/scan-tasks?scan_type=manual&offset=0&limit=10`);
      assert.equal(listed.body.total_num, 1);
      const vuls = await api('GET', `/v5/${pid}/vulnerability/vulnerabilities?type=linux_vul&vul_id=CVE-2023-4911`);
      assert.equal(vuls.body.data_list[0]?.host_num, 1, 'only the fixture root carries the vulnerable glibc');
      const apps = await api('GET', `/v5/${pid}/vulnerability/vulnerabilities?type=app_vul`);
      assert.ok(apps.body.data_list.some((v) => v.vul_id === 'GHSA-jf85-cpcp-j695'));
    });

    it('a specific_host scan covers only the named agent', async () => {
      const hosts = (await api('GET', `/v5/${pid}/host-management/hosts`)).body.data_list;
      const fixture = hosts.find((h) => h.os_version === '12' && h.kernel_version) as Record<string, string>;
      const created = await api('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [fixture.agent_id] });
      const row = await finished(String(created.body.task_id));
      assert.deepEqual([row.success_host_num, row.failed_host_num], [1, 0]);
      const taskHosts = await api('GET', `/v5/${pid}/vulnerability/scan-task/${String(created.body.task_id)}/hosts`);
      assert.deepEqual(taskHosts.body.data_list.map((h) => h.host_id), [fixture.host_id]);
    });

    it('an agent killed mid-scan fails its host with a reason; the other host succeeds and the task finishes', async () => {
      // Frozen first, so it cannot answer between the task starting and the kill: the kill lands mid-scan.
      agents[1]!.kill('SIGSTOP');
      const created = await api('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'all_host' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const scanning = await api('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${String(created.body.task_id)}`);
      assert.equal(scanning.body.data_list[0]?.status, 'running');
      agents[1]!.kill('SIGKILL');
      const row = await finished(String(created.body.task_id));
      assert.deepEqual([row.status, row.scanning_host_num, row.success_host_num, row.failed_host_num], ['finished', 0, 1, 1]);
      const failed = await api('GET', `/v5/${pid}/vulnerability/scan-task/${String(created.body.task_id)}/hosts?scan_status=failed`);
      assert.match(JSON.stringify(failed.body.data_list[0]?.failed_reasons), /offline/);
      const offline = await api('GET', `/v5/${pid}/host-management/hosts?agent_status=offline`);
      assert.equal(offline.body.total_num, 1);
    });

    it('the server killed with SIGKILL mid-scan comes back and the task finishes; nothing stays running', async () => {
      // Deterministic under any load: the frozen agent and the server's downtime must not count as the
      // agent going offline, or the host would fail for a reason this test is not about. So the server
      // runs this part with offline and inventory windows far longer than any restart, and every step
      // below waits on an event (a listed status, a finished task), never on elapsed time.
      const patient = { ...serverEnv, OPENHSS_AGENT_OFFLINE_AFTER_SECONDS: '3600', OPENHSS_SCAN_INVENTORY_TIMEOUT_SECONDS: '3600' };
      const restart = async (signal: NodeJS.Signals) => {
        const port = new URL(server.url).port;
        server.child.kill(signal);
        await server.exited;
        server = await startServerProcess({ ...patient, OPENHSS_PORT: port });
      };
      await restart('SIGTERM');
      // The live agent is the first one (the fixture root); its agent id is in its credentials file.
      const { agent_id: liveAgent } = JSON.parse(readFileSync(join(work, 'state-0', 'credentials.json'), 'utf8')) as { agent_id: string };
      agents[0]!.kill('SIGSTOP');
      const created = await api('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [liveAgent] });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const taskId = String(created.body.task_id);
      // The frozen agent cannot answer, so the task is still running when the server dies.
      assert.equal((await api('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${taskId}`)).body.data_list[0]?.status, 'running');
      await restart('SIGKILL');
      agents[0]!.kill('SIGCONT');
      const row = await waitFor(`task ${taskId} to finish`, async () => {
        const r = (await api('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${taskId}`)).body.data_list[0] as unknown as Task | undefined;
        return r?.status === 'finished' ? r : undefined;
      }, 300_000);
      assert.deepEqual([row.success_host_num, row.failed_host_num], [1, 0]);
      const running = await api('GET', `/v5/${pid}/vulnerability/scan-tasks?limit=200`);
      assert.ok(running.body.data_list.every((t) => t.status === 'finished'), 'no task is left running');
      assert.equal((await api('GET', `/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2023-4911`)).body.data_list[0]?.host_num, 1, 'stored findings survived the crash');
    });
  });
}
