import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, enroll, identity, inventoryOf, uploadInventory } from '../../support/hosts.js';
import { importPath } from '../../../src/vulndb/index.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';
import type { OsRelease, RpmPackage } from '../../../src/domain/package.js';

// A RHEL 9 host through the whole host path: the agent's upload (os-release kept whole, the running
// kernel, rpm module labels), the stored inventory, a manual scan and the HSS lists. Only the running
// kernel and the module stream the host actually runs may show up.

const RHEL9: OsRelease = { id: 'rhel', versionId: '9', fullVersionId: '9.4', version: '9.4 (Plow)', prettyName: 'Red Hat Enterprise Linux 9.4 (Plow)', cpeName: 'cpe:/o:redhat:enterprise_linux:9::baseos', kernel: '5.14.0-427.13.1.el9_4.x86_64' };

const rpm = (name: string, epoch: number | null, version: string, release: string, source: string, modularityLabel?: string): RpmPackage => ({
  type: 'rpm',
  name,
  version: `${epoch === null ? '' : `${epoch}:`}${version}-${release}`,
  epoch,
  release,
  architecture: 'x86_64',
  sourceRpm: `${source}-${version}-${release}.src.rpm`,
  ...(modularityLabel ? { modularityLabel } : {}),
  location: { path: 'var/lib/rpm/rpmdb.sqlite' },
});

const osv = (id: string, ecosystem: string, name: string, fixed: string, purl?: string) => ({
  schema_version: '1.6.0',
  id,
  modified: '2024-06-01T00:00:00Z',
  summary: `${name}: security update`,
  affected: [{ package: { ecosystem, name, ...(purl ? { purl } : {}) }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  database_specific: { severity: 'Important' },
});

for (const backend of backends) {
  describe(`host scans of a RHEL 9 host (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let agent: EnrollResponse;
    const get = async (url: string) => (await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } })).json() as { total_num: number; data_list: Array<Record<string, unknown>> };

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      const feed = join(t.config.dataDir, 'osv-rhel');
      mkdirSync(feed);
      const records = [
        osv('RHSA-2024:2447', 'Red Hat:enterprise_linux:9::baseos', 'openssl', '1:3.0.7-27.el9'),
        osv('RHSA-2024:3138', 'Red Hat:enterprise_linux:9::baseos', 'kernel', '0:5.14.0-427.16.1.el9_4'),
        osv('RHSA-2024:3545', 'Red Hat:enterprise_linux:9::appstream', 'nodejs', '1:20.14.0-1.module+el9.4.0+21766+cee5eecb', 'pkg:rpm/redhat/nodejs@20.14.0-1.module%2Bel9.4.0%2B21766%2Bcee5eecb?arch=src&epoch=1&rpmmod=nodejs:20:9040020240613091246:rhel9'),
        osv('RHSA-2024:5814', 'Red Hat:enterprise_linux:9::appstream', 'nodejs', '1:22.5.1-1.module+el9.4.0+22091+a1bd3f4e', 'pkg:rpm/redhat/nodejs@22.5.1-1.module%2Bel9.4.0%2B22091%2Ba1bd3f4e?arch=src&epoch=1&rpmmod=nodejs:22:9040020240808151514:rhel9'),
      ];
      for (const r of records) writeFileSync(join(feed, `${r.id.replace(':', '_')}.json`), JSON.stringify(r));
      await importPath(t.runtime.vulnDb.file, feed);
      t.runtime.vulnDb.refresh();
      agent = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('rhel-1', { os_name: 'Red Hat Enterprise Linux 9.4 (Plow)', os_version: '9.4', kernel: RHEL9.kernel! }));
      const packages = [
        rpm('openssl-libs', 1, '3.0.7', '24.el9', 'openssl'),
        rpm('kernel-core', null, '5.14.0', '362.8.1.el9_3', 'kernel'),
        rpm('kernel-core', null, '5.14.0', '427.13.1.el9_4', 'kernel'),
        rpm('nodejs', 1, '20.11.1', '1.module+el9.3.0+21213+ecb14eda', 'nodejs', 'nodejs:20:9030020240213111834:rhel9'),
      ];
      const upload = await uploadInventory(t.app, agent, inventoryOf(packages, RHEL9));
      assert.equal(upload.statusCode, 200, upload.body);
    });
    after(() => t.close());

    it('reports the vendor advisories on the running kernel and the module stream in use, and nothing else', async () => {
      const res = await t.app.inject({ method: 'POST', url: `/v5/${pid}/vulnerability/scan-task`, headers: { 'x-auth-token': t.token }, payload: { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [agent.agent_id] } });
      assert.equal(res.statusCode, 200, res.body);
      await t.runtime.services.vulScans.runTask((res.json() as { task_id: string }).task_id);
      const hostId = (await get(`/v5/${pid}/host-management/hosts`)).data_list[0]!.host_id as string;
      const vuls = await get(`/v5/${pid}/vulnerability/host/${hostId}?type=linux_vul`);
      const rows = vuls.data_list.map((v) => [v.vul_id, (v.app_list as Array<{ app_name: string; app_version: string; upgrade_version: string }>).map((a) => `${a.app_name} ${a.app_version} → ${a.upgrade_version}`).sort()]);
      assert.deepEqual(rows.sort(), [
        ['RHSA-2024:2447', ['openssl-libs 1:3.0.7-24.el9 → 1:3.0.7-27.el9']],
        ['RHSA-2024:3138', ['kernel-core 5.14.0-427.13.1.el9_4 → 0:5.14.0-427.16.1.el9_4']],
        ['RHSA-2024:3545', ['nodejs 1:20.11.1-1.module+el9.3.0+21213+ecb14eda → 1:20.14.0-1.module+el9.4.0+21766+cee5eecb']],
      ]);
    });

    it('a host whose OS has no advisory data fails linux_vul with the reason, on every scan, instead of passing as clean', async () => {
      const hce = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('hce-1', { machine_id: 'machine-hce-1', os_name: 'Huawei Cloud EulerOS 2.0 (x86_64)', os_version: '2.0' }));
      const os: OsRelease = { id: 'hce', versionId: '2.0', version: '2.0 (x86_64)', prettyName: 'Huawei Cloud EulerOS 2.0 (x86_64)' };
      assert.equal((await uploadInventory(t.app, hce, inventoryOf([rpm('openssl-libs', 1, '1.1.1m', '15.hce2', 'openssl')], os))).statusCode, 200);
      for (const round of [1, 2]) {
        const res = await t.app.inject({ method: 'POST', url: `/v5/${pid}/vulnerability/scan-task`, headers: { 'x-auth-token': t.token }, payload: { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [hce.agent_id] } });
        const taskId = (res.json() as { task_id: string }).task_id;
        await t.runtime.services.vulScans.runTask(taskId);
        const hosts = await get(`/v5/${pid}/vulnerability/scan-task/${taskId}/hosts`);
        assert.equal(hosts.data_list[0]!.scan_status, 'failed', `round ${round}`);
        assert.match(JSON.stringify(hosts.data_list[0]!.failed_reasons), /linux_vul.*hce 2\.0: Huawei Cloud EulerOS publishes no machine-readable advisory feed/, `round ${round}`);
      }
    });
  });
}
