import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, npm, uploadInventory } from '../../support/hosts.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';

// glibc 2.36-9+deb12u1 has CVE-2023-4911 (fixed in +deb12u3); curl 7.88.1-10+deb12u3 has CVE-2023-38545 (fixed in +deb12u4).
const LIBC = deb('libc6', '2.36-9+deb12u1', 'glibc', '2.36-9+deb12u1');
const CURL = deb('curl', '7.88.1-10+deb12u3');
const LODASH = npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json');

for (const backend of backends) {
  describe(`vulnerability handling: PUT /vulnerability/status for every operate_type (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let a: EnrollResponse;
    let b: EnrollResponse;
    let hostA: string;
    let hostB: string;
    const get = async (url: string) => {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { total_num: number; data_list: Array<Record<string, unknown>> };
    };
    const handle = (body: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: `/v5/${pid}/vulnerability/status`, headers: { 'x-auth-token': t.token }, payload: body });
    const scan = async (agentIds: string[]) => {
      const res = await t.app.inject({ method: 'POST', url: `/v5/${pid}/vulnerability/scan-task`, headers: { 'x-auth-token': t.token }, payload: { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: agentIds } });
      assert.equal(res.statusCode, 200, res.body);
      await t.runtime.services.vulScans.runTask((res.json() as { task_id: string }).task_id);
    };
    /** The status of each host's row of a vulnerability, by host name. */
    const statuses = async (vulId: string) => {
      const rows = (await get(`/v5/${pid}/vulnerability/hosts?vul_id=${vulId}&type=linux_vul&limit=200`)).data_list;
      return Object.fromEntries(rows.map((r) => [r.host_name as string, r.status as string]));
    };
    const tasks = async () => (await get(`/v5/${pid}/vulnerability/scan-tasks?limit=200`)).data_list as Array<{ id: string; scan_type: string }>;

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      a = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('web-1'));
      b = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('web-2', { ips: ['10.0.0.9'] }));
      for (const creds of [a, b]) assert.equal((await uploadInventory(t.app, creds, inventoryOf([LIBC, CURL, LODASH]))).statusCode, 200);
      await scan([a.agent_id, b.agent_id]);
      const hosts = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts;
      hostA = hosts.find((h) => h.agentId === a.agent_id)!.id;
      hostB = hosts.find((h) => h.agentId === b.agent_id)!.id;
      assert.deepEqual(await statuses('CVE-2023-38545'), { 'web-1': 'vul_status_unfix', 'web-2': 'vul_status_unfix' });
    });
    after(async () => {
      await t.close();
    });

    it('add_to_whitelist ignores only the named host, holds across a re-scan, and not_ignore reopens it', async () => {
      const res = await handle({ operate_type: 'add_to_whitelist', type: 'linux_vul', remark: 'internal only', data_list: [{ vul_id: 'CVE-2023-38545', host_id_list: [hostA] }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(await statuses('CVE-2023-38545'), { 'web-1': 'vul_status_ignored', 'web-2': 'vul_status_unfix' });
      const vul = (await get(`/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2023-38545`)).data_list[0]!;
      assert.equal(vul.unhandle_host_num, 1, 'the whitelisted host is handled');
      await scan([a.agent_id, b.agent_id]);
      assert.deepEqual(await statuses('CVE-2023-38545'), { 'web-1': 'vul_status_ignored', 'web-2': 'vul_status_unfix' }, 'same packages: the decision holds');

      const undo = await handle({ operate_type: 'not_ignore', type: 'linux_vul', host_data_list: [{ host_id: hostA, vul_id_list: ['CVE-2023-38545'] }] });
      assert.equal(undo.statusCode, 200, undo.body);
      assert.deepEqual(await statuses('CVE-2023-38545'), { 'web-1': 'vul_status_unfix', 'web-2': 'vul_status_unfix' });
      await scan([a.agent_id]);
      assert.equal((await statuses('CVE-2023-38545'))['web-1'], 'vul_status_unfix', 'not_ignore is not undone by a re-scan');
    });

    it('manual_repair marks fixed; the mark holds while the versions are unchanged and reopens when they change', async () => {
      const res = await handle({ operate_type: 'manual_repair', type: 'linux_vul', data_list: [{ vul_id: 'CVE-2023-4911', host_id_list: [hostA, hostB] }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(await statuses('CVE-2023-4911'), { 'web-1': 'vul_status_fixed', 'web-2': 'vul_status_fixed' });
      assert.equal((await get(`/v5/${pid}/vulnerability/host/${hostA}?type=linux_vul&status=vul_status_fixed`)).total_num, 1);
      await scan([a.agent_id, b.agent_id]);
      assert.deepEqual(await statuses('CVE-2023-4911'), { 'web-1': 'vul_status_fixed', 'web-2': 'vul_status_fixed' }, 'unchanged versions: still fixed');

      // web-1 moves to another build that is still vulnerable: the mark was for the old one.
      const rebuilt = deb('libc6', '2.36-9+deb12u2', 'glibc', '2.36-9+deb12u2');
      assert.equal((await uploadInventory(t.app, a, inventoryOf([rebuilt, CURL, LODASH]))).statusCode, 200);
      await scan([a.agent_id, b.agent_id]);
      assert.deepEqual(await statuses('CVE-2023-4911'), { 'web-1': 'vul_status_unfix', 'web-2': 'vul_status_fixed' });
    });

    it('verify marks the pairs verified and creates a scan of exactly the hosts concerned; the scan ends it', async () => {
      const before = new Set((await tasks()).map((task) => task.id));
      const res = await handle({ operate_type: 'verify', type: 'linux_vul', data_list: [{ vul_id: 'CVE-2023-38545', host_id_list: [hostB] }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await statuses('CVE-2023-38545'))['web-2'], 'vul_status_verified');
      const created = (await tasks()).filter((task) => !before.has(task.id));
      assert.equal(created.length, 1, 'one scan task was created');
      const scanned = (await get(`/v5/${pid}/vulnerability/scan-task/${created[0]!.id}/hosts?limit=200`)).data_list.map((h) => h.host_name);
      assert.deepEqual(scanned, ['web-2']);

      // web-2 was really fixed: the verification scan finds curl at the fixed build and the vulnerability goes.
      assert.equal((await uploadInventory(t.app, b, inventoryOf([LIBC, deb('curl', '7.88.1-10+deb12u4'), LODASH]))).statusCode, 200);
      await t.runtime.services.vulScans.runTask(created[0]!.id);
      assert.deepEqual(await statuses('CVE-2023-38545'), { 'web-1': 'vul_status_unfix' });

      // web-1 was not: verification ends with the scan and the vulnerability is open again.
      const again = await handle({ operate_type: 'verify', type: 'linux_vul', data_list: [{ vul_id: 'CVE-2023-38545', host_id_list: [hostA] }] });
      assert.equal(again.statusCode, 200, again.body);
      const second = (await tasks()).filter((task) => !before.has(task.id) && task.id !== created[0]!.id);
      assert.equal(second.length, 1);
      await t.runtime.services.vulScans.runTask(second[0]!.id);
      assert.deepEqual(await statuses('CVE-2023-38545'), { 'web-1': 'vul_status_unfix' });
    });

    it('immediate_repair is refused with 400 and changes nothing; no scan is created', async () => {
      const before = await statuses('CVE-2023-38545');
      const taskCount = (await tasks()).length;
      const res = await handle({ operate_type: 'immediate_repair', type: 'linux_vul', data_list: [{ vul_id: 'CVE-2023-38545', host_id_list: [hostA] }] });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json() as { error_code: string; error_msg: string };
      assert.match(body.error_code, /^HSS\.\d{4}$/);
      assert.match(body.error_msg, /immediate_repair/);
      assert.deepEqual(await statuses('CVE-2023-38545'), before);
      assert.equal((await tasks()).length, taskCount);
    });
  });
}
