import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, npm, uploadInventory } from '../../support/hosts.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';

// glibc 2.36-9+deb12u1 has CVE-2023-4911 (KEV; fixed in +deb12u3); curl 7.88.1-10+deb12u3 has CVE-2023-38545 (fixed in +deb12u4).
const LIBC = deb('libc6', '2.36-9+deb12u1', 'glibc', '2.36-9+deb12u1');
const CURL = deb('curl', '7.88.1-10+deb12u3');
const LODASH = npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json');

type List = { total_num: number; data_list: Array<Record<string, unknown>> };

for (const backend of backends) {
  describe(`console facts: vulnerability facts and detail, host facts, ListApps (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let a: EnrollResponse;
    let hostA: string;
    let hostB: string;
    const call = (url: string) => t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } });
    const get = async <T = List>(url: string): Promise<T> => {
      const res = await call(url);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as T;
    };

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      a = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('web-1'));
      const b = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('web-2', { ips: ['10.0.0.9'] }));
      assert.equal((await uploadInventory(t.app, a, inventoryOf([LIBC, CURL, LODASH]))).statusCode, 200);
      assert.equal((await uploadInventory(t.app, b, inventoryOf([LIBC]))).statusCode, 200);
      const res = await t.app.inject({
        method: 'POST',
        url: `/v5/${pid}/vulnerability/scan-task`,
        headers: { 'x-auth-token': t.token },
        payload: { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'specific_host', agent_id_list: [a.agent_id, b.agent_id] },
      });
      assert.equal(res.statusCode, 200, res.body);
      await t.runtime.services.vulScans.runTask((res.json() as { task_id: string }).task_id);
      const hosts = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts;
      hostA = hosts.find((h) => h.agentId === a.agent_id)!.id;
      hostB = hosts.find((h) => h.agentId === b.agent_id)!.id;
    });
    after(async () => {
      assert.deepEqual(t.undocumentedStatuses, []);
      await t.close();
    });

    it('vulnerability-facts: KEV from the DB, a fix known, no images; in the order asked', async () => {
      const facts = await get(`/v5/${pid}/openhss/vulnerability-facts?vul_id_list=CVE-2023-38545,CVE-2023-4911`);
      assert.deepEqual(facts.data_list, [
        { vul_id: 'CVE-2023-38545', kev: false, fix_available: true, image_num: 0 },
        { vul_id: 'CVE-2023-4911', kev: true, fix_available: true, image_num: 0 },
      ]);
      const bad = await call(`/v5/${pid}/openhss/vulnerability-facts?vul_id_list=${Array.from({ length: 201 }, (_, i) => `X-${i}`).join(',')}`);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /vul_id_list/);
    });

    it('vulnerability detail: CVSS, KEV, references and the affected package with installed and fixed versions on both hosts', async () => {
      const d = await get<Record<string, unknown> & { packages: Array<Record<string, unknown>>; cvss: { score: number | null } }>(`/v5/${pid}/openhss/vulnerabilities/CVE-2023-4911`);
      assert.equal(d.vul_id, 'CVE-2023-4911');
      assert.equal(d.kev, true);
      assert.equal(d.host_num, 2);
      assert.equal(d.image_num, 0);
      assert.ok((d.references as string[]).length > 0, 'at least one reference');
      assert.ok(d.cvss.score === null || d.cvss.score > 0);
      assert.deepEqual(
        d.packages.map((p) => [p.app_name, p.app_version, p.upgrade_version, p.host_num]),
        [['libc6', '2.36-9+deb12u1', '2.36-9+deb12u3', 2]],
      );
      // The list says the same: two hosts.
      const listed = await get(`/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2023-4911`);
      assert.equal(listed.data_list[0]!.host_num, d.host_num);
      const missing = await call(`/v5/${pid}/openhss/vulnerabilities/CVE-1999-0001`);
      assert.equal(missing.statusCode, 404);
    });

    it('host-facts: open counts by severity equal what ListHostVuls lists unhandled, per host', async () => {
      const facts = await get(`/v5/${pid}/openhss/host-facts?host_id_list=${hostB},${hostA},no-such-host`);
      assert.deepEqual(
        facts.data_list.map((f) => f.host_id),
        [hostB, hostA],
        'unknown hosts left out, order kept',
      );
      for (const f of facts.data_list) {
        for (const severity of ['Critical', 'High', 'Medium', 'Low']) {
          let listed = 0;
          for (const type of ['linux_vul', 'app_vul']) {
            listed += (await get(`/v5/${pid}/vulnerability/host/${f.host_id as string}?type=${type}&handle_status=unhandled&severity_level=${severity}&limit=200`)).total_num;
          }
          assert.equal(f[`${severity.toLowerCase()}_num`], listed, `${f.host_id as string} ${severity}`);
        }
        assert.ok((f.last_scan_time as number) > 0);
      }
      assert.equal(facts.data_list.find((f) => f.host_id === hostA)!.app_num, 3);
    });

    it('ListApps: the host inventory, exact or partial name match, paged; an unknown host is 404 and host_id is required', async () => {
      const all = await get(`/v5/${pid}/asset/apps?host_id=${hostA}`);
      assert.equal(all.total_num, 3);
      assert.deepEqual(
        all.data_list.map((r) => [r.app_name, r.version, r.app_type]),
        [
          ['curl', '7.88.1-10+deb12u3', 'deb'],
          ['libc6', '2.36-9+deb12u1', 'deb'],
          ['lodash', '4.17.11', 'npm'],
        ],
      );
      assert.equal(all.data_list[0]!.host_name, 'web-1');
      assert.equal((await get(`/v5/${pid}/asset/apps?host_id=${hostA}&app_name=lib`)).total_num, 0, 'exact by default');
      const partial = await get(`/v5/${pid}/asset/apps?host_id=${hostA}&app_name=LIB&part_match=true`);
      assert.deepEqual(partial.data_list.map((r) => r.app_name), ['libc6']);
      assert.equal((await get(`/v5/${pid}/asset/apps?host_id=${hostA}&offset=2&limit=10`)).data_list.length, 1);
      assert.equal((await call(`/v5/${pid}/asset/apps?host_id=nope`)).statusCode, 404);
      const noHost = await call(`/v5/${pid}/asset/apps`);
      assert.equal(noHost.statusCode, 400);
      assert.match(noHost.body, /host_id/);
    });
  });
}
