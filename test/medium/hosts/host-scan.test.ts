import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { agentAuth, createEnrolmentToken, deb, enroll, identity, inventoryOf, npm, uploadInventory } from '../../support/hosts.js';
import { importPath } from '../../../src/vulndb/index.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';
import { AgentCommandRepository } from '../../../src/repositories/agent-command-repository.js';

interface TaskList {
  total_num: number;
  data_list: Array<{ id: string; scan_type: string; status: string; scanning_host_num: number; success_host_num: number; failed_host_num: number; scan_vul_types: string[]; end_time: number; estimated_time: number }>;
}

const VULNERABLE = [deb('libc6', '2.36-9+deb12u1', 'glibc', '2.36-9+deb12u1'), deb('curl', '7.88.1-10+deb12u3'), npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json')];

for (const backend of backends) {
  describe(`hosts: enrolment, inventories, manual scans and vulnerability lists (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let a: EnrollResponse;
    let b: EnrollResponse;
    const get = async (url: string) => {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> & { total_num: number; data_list: Array<Record<string, unknown>> } };
    };
    const send = (method: 'POST' | 'PUT', url: string, payload: unknown) => t.app.inject({ method, url, headers: { 'x-auth-token': t.token }, payload: payload as object });
    const runManual = async (payload: Record<string, unknown>) => {
      const res = await send('POST', `/v5/${pid}/vulnerability/scan-task`, payload);
      assert.equal(res.statusCode, 200, res.body);
      const taskId = (res.json() as { task_id: string }).task_id;
      await t.runtime.services.vulScans.runTask(taskId);
      return taskId;
    };
    const taskRow = async (taskId: string) => ((await get(`/v5/${pid}/vulnerability/scan-tasks?task_id=${taskId}`)).body as unknown as TaskList).data_list[0]!;

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
    });
    after(async () => {
      await t.close();
    });

    it('enrols an agent with a one-time token; the token cannot be replayed', async () => {
      const token = await createEnrolmentToken(t.app, pid, t.token);
      a = await enroll(t.app, token, identity('web-1'));
      assert.match(a.agent_id, /^[0-9a-f]{32}$/);
      const replay = await t.app.inject({ method: 'POST', url: '/agent/v1/enroll', payload: { token, identity: identity('web-2') } });
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().error_code, 'APIGW.0301');
      b = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('db-1', { ips: ['10.0.0.8'] }));
      const hosts = await get(`/v5/${pid}/host-management/hosts`);
      assert.equal(hosts.body.total_num, 2);
      const web = hosts.body.data_list.find((h) => h.host_name === 'web-1')!;
      assert.equal(web.agent_status, 'online');
      assert.equal(web.private_ip, '10.0.0.7');
      assert.equal(web.os_name, 'Debian GNU/Linux 12 (bookworm)');
      assert.equal(web.asset_value, 'common');
      const wrong = await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: { authorization: `OpenHSS-Agent ${a.agent_id}:nope` } });
      assert.equal(wrong.statusCode, 401);
    });

    it('refuses malformed inventory uploads with 400 and keeps the previous inventory', async () => {
      const first = await uploadInventory(t.app, a, inventoryOf(VULNERABLE));
      assert.equal(first.statusCode, 200, first.body);
      const stored = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === a.agent_id)!.inventoryHash;
      const badHash = await uploadInventory(t.app, a, { ...inventoryOf([deb('curl', '1.0')]), content_hash: 'a'.repeat(64) });
      assert.equal(badHash.statusCode, 400);
      assert.match(badHash.json().error_msg, /content_hash/);
      const badGzip = await uploadInventory(t.app, a, Buffer.from('not gzip at all'));
      assert.equal(badGzip.statusCode, 400);
      assert.equal(badGzip.json().error_code, 'HSS.0001');
      const badSchema = await uploadInventory(t.app, a, gzipSync(JSON.stringify({ os: null, packages: [{ type: 'deb' }] })));
      assert.equal(badSchema.statusCode, 400);
      const bomb = await uploadInventory(t.app, a, gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20)));
      assert.equal(bomb.statusCode, 400);
      const after = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === a.agent_id)!.inventoryHash;
      assert.equal(after, stored);
      const unchanged = await t.app.inject({ method: 'POST', url: '/agent/v1/inventory/unchanged', headers: agentAuth(a), payload: { content_hash: stored, collected_at: Date.now() } });
      assert.equal(unchanged.statusCode, 200);
      const unknown = await t.app.inject({ method: 'POST', url: '/agent/v1/inventory/unchanged', headers: agentAuth(a), payload: { content_hash: 'b'.repeat(64), collected_at: Date.now() } });
      assert.equal(unknown.statusCode, 409);
    });

    it('a manual scan of specific_host matches the stored inventory; the lists show the findings', async () => {
      const taskId = await runManual({ manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id] });
      const row = await taskRow(taskId);
      assert.deepEqual([row.status, row.scanning_host_num, row.success_host_num, row.failed_host_num], ['finished', 0, 1, 0]);
      assert.equal(row.scan_type, 'manual');
      assert.ok(row.end_time > 0);
      assert.equal(row.estimated_time, 0);

      const vuls = await get(`/v5/${pid}/vulnerability/vulnerabilities?type=linux_vul`);
      const ids = vuls.body.data_list.map((v) => v.vul_id);
      assert.ok(ids.includes('CVE-2023-4911') && ids.includes('CVE-2023-38545'), ids.join());
      const looney = vuls.body.data_list.find((v) => v.vul_id === 'CVE-2023-4911')!;
      assert.equal(looney.host_num, 1);
      assert.equal(looney.unhandle_host_num, 1);
      assert.deepEqual(looney.hosts_num, { important: 0, common: 1, test: 0 });
      const apps = await get(`/v5/${pid}/vulnerability/vulnerabilities?type=app_vul`);
      assert.deepEqual(apps.body.data_list.map((v) => v.vul_id), ['GHSA-jf85-cpcp-j695']);
      assert.deepEqual((apps.body.data_list[0]!.cve_list as Array<{ cve_id: string }>).map((c) => c.cve_id), ['CVE-2019-10744']);
      assert.equal((await get(`/v5/${pid}/vulnerability/vulnerabilities?type=app_vul&cve_id=CVE-2019-10744`)).body.total_num, 1);

      const hostId = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === a.agent_id)!.id;
      const hostVuls = await get(`/v5/${pid}/vulnerability/host/${hostId}?type=linux_vul`);
      const curl = hostVuls.body.data_list.find((v) => v.vul_id === 'CVE-2023-38545')!;
      assert.deepEqual(curl.app_list, [{ app_name: 'curl', app_version: '7.88.1-10+deb12u3', upgrade_version: '7.88.1-10+deb12u4', app_path: 'var/lib/dpkg/status' }]);
      assert.equal(curl.status, 'vul_status_unfix');
      const urgent = await get(`/v5/${pid}/vulnerability/host/${hostId}?type=urgent_vul`);
      assert.deepEqual(urgent.body.data_list.map((v) => v.vul_id), ['CVE-2023-4911'], 'the KEV-listed vulnerability is urgent');

      const vulHosts = await get(`/v5/${pid}/vulnerability/hosts?vul_id=CVE-2023-4911&type=linux_vul`);
      assert.equal(vulHosts.body.total_num, 1);
      assert.equal(vulHosts.body.data_list[0]!.host_name, 'web-1');
      assert.equal((await get(`/v5/${pid}/vulnerability/hosts?vul_id=CVE-2023-4911&type=linux_vul&host_name=db`)).body.total_num, 0);
    });

    it('all_host: an offline agent fails with a reason, the other host succeeds, and the task finishes', async () => {
      t.clock.advance(120_000);
      // Host a polls (a heartbeat); host b stays silent past the offline threshold.
      const poll = await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: agentAuth(a) });
      assert.equal(poll.statusCode, 200);
      await uploadInventory(t.app, a, inventoryOf(VULNERABLE));
      const taskId = await runManual({ manual_scan_type: ['linux_vul'], range_type: 'all_host' });
      const row = await taskRow(taskId);
      assert.deepEqual([row.status, row.scanning_host_num, row.success_host_num, row.failed_host_num], ['finished', 0, 1, 1]);
      const hosts = await get(`/v5/${pid}/vulnerability/scan-task/${taskId}/hosts`);
      assert.equal(hosts.body.total_num, 2);
      const failed = await get(`/v5/${pid}/vulnerability/scan-task/${taskId}/hosts?scan_status=failed`);
      assert.equal(failed.body.total_num, 1);
      assert.equal(failed.body.data_list[0]!.host_name, 'db-1');
      assert.match(JSON.stringify(failed.body.data_list[0]!.failed_reasons), /agent offline/);
      const list = await get(`/v5/${pid}/host-management/hosts?agent_status=offline`);
      assert.deepEqual(list.body.data_list.map((h) => h.host_name), ['db-1']);
    });

    it('windows_vul and web_cms are accepted and fail per host as not supported', async () => {
      const taskId = await runManual({ manual_scan_type: ['windows_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id] });
      const row = await taskRow(taskId);
      assert.deepEqual([row.status, row.failed_host_num], ['finished', 1]);
      const hosts = await get(`/v5/${pid}/vulnerability/scan-task/${taskId}/hosts`);
      assert.deepEqual(hosts.body.data_list[0]!.failed_reasons, [{ vul_type: 'windows_vul', failed_reason: 'windows_vul not supported: openhss scans Linux hosts' }]);
    });

    it('unknown agent ids are refused with HSS.1001 and no task is created', async () => {
      const before = (await get(`/v5/${pid}/vulnerability/scan-tasks`)).body.total_num;
      const res = await send('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: ['f'.repeat(32)] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error_code, 'HSS.1001');
      assert.equal((await get(`/v5/${pid}/vulnerability/scan-tasks`)).body.total_num, before);
      const other = await get(`/v5/${pid}/vulnerability/host/${'e'.repeat(32)}`);
      assert.equal(other.status, 404);
      assert.equal(other.body.error_code, 'HSS.0011');
    });

    it('a stale inventory is asked for; the agent answers the command and the monitor completes the host', async () => {
      t.clock.advance(3_600_000);
      await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: agentAuth(a) });
      const taskId = await runManual({ manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id] });
      assert.equal((await taskRow(taskId)).status, 'running');
      const poll = await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: agentAuth(a) });
      const [command] = (poll.json() as { commands: Array<{ id: string; type: string }> }).commands;
      assert.equal(command?.type, 'collect_inventory');
      const reply = await uploadInventory(t.app, a, inventoryOf(VULNERABLE, undefined, { command_id: command!.id }));
      assert.equal(reply.statusCode, 200);
      await t.runtime.services.vulScans.monitor();
      const row = await taskRow(taskId);
      assert.deepEqual([row.status, row.success_host_num], ['finished', 1]);
    });

    it('a long-poll wakes for a command another process created (no in-process event)', async () => {
      const hostId = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === a.agent_id)!.id;
      const started = Date.now();
      const poll = t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=20000', headers: agentAuth(a) });
      await new Promise((r) => setTimeout(r, 300));
      // Written straight to the table, as a worker process sharing the database would.
      await new AgentCommandRepository(t.runtime.database.db).insert('c0ffee00c0ffee00c0ffee00c0ffee00', hostId, 'collect_inventory', t.clock.now());
      const res = await poll;
      assert.deepEqual((res.json() as { commands: Array<{ id: string }> }).commands.map((c) => c.id), ['c0ffee00c0ffee00c0ffee00c0ffee00']);
      assert.ok(Date.now() - started < 10_000, 'woken well before the 20 s wait ran out');
      await uploadInventory(t.app, a, inventoryOf(VULNERABLE, undefined, { command_id: 'c0ffee00c0ffee00c0ffee00c0ffee00' }));
    });

    it('delivers a command again when the agent did not answer it (the poll answer was lost)', async () => {
      const hostId = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === a.agent_id)!.id;
      const id = await t.runtime.services.agents.issueCommand(hostId, 'collect_inventory');
      const poll = async () => ((await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: agentAuth(a) })).json() as { commands: Array<{ id: string }> }).commands.map((c) => c.id);
      assert.deepEqual(await poll(), [id]);
      assert.deepEqual(await poll(), [], 'not again while the agent may still be working on it');
      // Twice the long-poll wait (25 s here) without an answer.
      t.clock.advance(51_000);
      assert.deepEqual(await poll(), [id]);
      await uploadInventory(t.app, a, inventoryOf(VULNERABLE, undefined, { command_id: id }));
      t.clock.advance(51_000);
      assert.deepEqual(await poll(), [], 'an answered command is done');
    });

    it('ignore holds across a re-scan of the same packages and is cleared when the package changes', async () => {
      const hostId = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === a.agent_id)!.id;
      const ignore = await send('PUT', `/v5/${pid}/vulnerability/status`, { operate_type: 'ignore', type: 'linux_vul', remark: 'accepted risk', data_list: [{ vul_id: 'CVE-2023-38545', host_id_list: [hostId] }] });
      assert.equal(ignore.statusCode, 200, ignore.body);
      const status = async () => (await get(`/v5/${pid}/vulnerability/hosts?vul_id=CVE-2023-38545&type=linux_vul`)).body.data_list[0]?.status;
      assert.equal(await status(), 'vul_status_ignored');
      assert.equal((await get(`/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2023-38545`)).body.data_list[0]!.unhandle_host_num, 0);
      await runManual({ manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id] });
      assert.equal(await status(), 'vul_status_ignored');
      // curl moves to another still-vulnerable build: the decision was about the old one.
      await uploadInventory(t.app, a, inventoryOf([VULNERABLE[0]!, deb('curl', '7.88.1-10+deb12u3.1'), VULNERABLE[2]!]));
      await runManual({ manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id] });
      assert.equal(await status(), 'vul_status_unfix');
      // The fixed build: the vulnerability leaves the lists.
      await uploadInventory(t.app, a, inventoryOf([VULNERABLE[0]!, deb('curl', '7.88.1-10+deb12u4'), VULNERABLE[2]!]));
      await runManual({ manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id] });
      assert.equal(await status(), undefined);
      const missing = await send('PUT', `/v5/${pid}/vulnerability/status`, { operate_type: 'ignore', data_list: [{ vul_id: 'CVE-2023-38545', host_id_list: [hostId] }] });
      assert.equal(missing.statusCode, 404);
    });

    it('re-matches stored inventories when the vulnerability DB is replaced, without asking agents', async () => {
      const tracker = { curl: { 'CVE-2099-0001': { description: 'a new curl issue', releases: { bookworm: { status: 'resolved', repositories: { bookworm: '7.88.1-10+deb12u9' }, fixed_version: '7.88.1-10+deb12u9', urgency: 'high' } } } } };
      const file = join(t.config.dataDir, 'new-curl.json');
      writeFileSync(file, JSON.stringify(tracker));
      assert.equal((await get(`/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2099-0001`)).body.total_num, 0);
      await importPath(t.runtime.vulnDb.file, file);
      assert.equal(t.runtime.vulnDb.refresh(), true);
      await t.runtime.services.matcher.rematchAll();
      const after = await get(`/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2099-0001`);
      assert.equal(after.body.total_num, 1);
      assert.equal(after.body.data_list[0]!.host_num, 1);
    });
  });
}
