import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { akskHeaders } from '../../support/aksk.js';
import { createEnrolmentToken, deb, DEBIAN_12, enroll, identity, inventoryOf, npm, uploadInventory } from '../../support/hosts.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';
import { OverviewRepository } from '../../../src/repositories/overview-repository.js';
import { DAY_MS } from '../../../src/repositories/host-vul-counts.js';

// Demo DB facts: glibc 2.36-9+deb12u1 has CVE-2023-4911 (Critical-ish, and in the KEV catalog); curl 7.88.1-10+deb12u3 has
// CVE-2023-38545; lodash 4.17.11 has npm advisories. The figures below are never taken from the code under test: each is
// compared with what the HSS list routes say for the same data.
const LIBC = deb('libc6', '2.36-9+deb12u1', 'glibc', '2.36-9+deb12u1');
const CURL = deb('curl', '7.88.1-10+deb12u3');
const LODASH = npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json');
const CURL_PKG = { type: 'deb', name: 'curl', version: '7.88.1-10+deb12u3', architecture: 'amd64', source: { name: 'curl', version: '7.88.1-10+deb12u3' }, location: { path: 'var/lib/dpkg/status' } };
const LIBC_PKG = { ...CURL_PKG, name: 'libc6', version: '2.36-9+deb12u1', source: { name: 'glibc', version: '2.36-9+deb12u1' } };
const LODASH_PKG = { type: 'npm', name: 'lodash', version: '4.17.11', location: { path: 'srv/app/node_modules/lodash/package.json' } };

type Row = Record<string, unknown>;
type Counts = { critical_num: number; high_num: number; medium_num: number; low_num: number };
const SEVERITY_KEY: Record<string, keyof Counts> = { Critical: 'critical_num', High: 'high_num', Medium: 'medium_num', Low: 'low_num' };
const HANDLED = new Set(['vul_status_ignored', 'vul_status_fixed']);

for (const backend of backends) {
  describe(`overview aggregates (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let otherPid: string;
    let payments: string;
    let adminToken: string;
    let carolToken: string;
    const agents: Record<string, EnrollResponse> = {};

    const get = async (url: string, token = adminToken) => {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json() as Row & { total_num: number; data_list: Row[] };
    };
    const send = async (method: 'POST' | 'PUT', url: string, payload: object, token = adminToken) => {
      const res = await t.app.inject({ method, url, headers: { 'x-auth-token': token }, payload });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return (res.body ? res.json() : {}) as Row;
    };
    const scan = async (project: string, agentIds: string[], token = adminToken) => {
      const { task_id } = (await send('POST', `/v5/${project}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'specific_host', agent_id_list: agentIds }, token)) as { task_id: string };
      await t.runtime.services.vulScans.runTask(task_id);
    };
    const overview = (project: string, ep?: string, token = adminToken) => get(`/v5/${project}/openhss/overview${ep === undefined ? '' : `?enterprise_project_id=${ep}`}`, token);

    /** Host figures as the HSS lists give them: ListHosts, then ListHostVuls of every host for both vulnerability types. */
    async function hostTruth(project: string, ep: string, token = adminToken) {
      const hosts = (await get(`/v5/${project}/host-management/hosts?limit=200&enterprise_project_id=${ep}`, token)).data_list;
      const open: Counts = { critical_num: 0, high_num: 0, medium_num: 0, low_num: 0 };
      let handled = 0;
      let vulnerable = 0;
      const perHost: Array<{ host_id: string } & Counts> = [];
      for (const h of hosts) {
        const seen = new Map<string, Row>();
        for (const type of ['linux_vul', 'app_vul']) {
          for (const r of (await get(`/v5/${project}/vulnerability/host/${h.host_id}?type=${type}&limit=200&enterprise_project_id=${ep}`, token)).data_list) seen.set(String(r.vul_id), r);
        }
        const mine: Counts = { critical_num: 0, high_num: 0, medium_num: 0, low_num: 0 };
        for (const r of seen.values()) {
          if (HANDLED.has(String(r.status))) handled++;
          else mine[SEVERITY_KEY[String(r.severity_level)]!]++;
        }
        for (const k of Object.keys(open) as Array<keyof Counts>) open[k] += mine[k];
        if (Object.values(mine).some((n) => n > 0)) vulnerable++;
        perHost.push({ host_id: String(h.host_id), ...mine });
      }
      return { total_num: hosts.length, vulnerable_num: vulnerable, ...open, open_num: Object.values(open).reduce((a, b) => a + b, 0), handled_num: handled, perHost };
    }

    /** Image figures as the lists give them: the CI/CD image list, then each image's vulnerability list. */
    async function imageTruth(project: string) {
      const images = (await get(`/v5/${project}/image/cicd/images?limit=200`)).data_list;
      const open: Counts = { critical_num: 0, high_num: 0, medium_num: 0, low_num: 0 };
      let handled = 0;
      const perImage: Array<{ id: string; name: string } & Counts> = [];
      for (const image of images) {
        const rows = (await get(`/v5/${project}/image/${image.id}/vulnerabilities?image_type=cicd&limit=200`)).data_list;
        const worst = new Map<string, string | null>();
        const rank = ['Low', 'Medium', 'High', 'Critical'];
        for (const r of rows) {
          const id = String(r.vul_id);
          if (!worst.has(id)) worst.set(id, null);
          if (r.handle_status !== 'unhandled') continue;
          const before = worst.get(id);
          if (!before || rank.indexOf(String(r.repair_necessity)) > rank.indexOf(before)) worst.set(id, String(r.repair_necessity));
        }
        const mine: Counts = { critical_num: 0, high_num: 0, medium_num: 0, low_num: 0 };
        for (const severity of worst.values()) {
          if (severity === null) handled++;
          else mine[SEVERITY_KEY[severity]!]++;
        }
        for (const k of Object.keys(open) as Array<keyof Counts>) open[k] += mine[k];
        perImage.push({ id: String(image.id), name: String(image.image_name), ...mine });
      }
      return { total_num: images.length, ...open, open_num: Object.values(open).reduce((a, b) => a + b, 0), handled_num: handled, perImage };
    }

    const hostFigures = (o: Row) => {
      const h = o.hosts as Row;
      return { total_num: h.total_num, vulnerable_num: h.vulnerable_num, critical_num: h.critical_num, high_num: h.high_num, medium_num: h.medium_num, low_num: h.low_num, open_num: h.open_num, handled_num: h.handled_num };
    };
    const imageFigures = (o: Row) => {
      const i = o.images as Row;
      return { total_num: i.total_num, critical_num: i.critical_num, high_num: i.high_num, medium_num: i.medium_num, low_num: Number(i.low_num) + Number(i.unknown_num), open_num: i.open_num, handled_num: i.handled_num };
    };
    const withoutPerHost = ({ perHost: _p, ...rest }: Awaited<ReturnType<typeof hostTruth>>) => rest;

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      const identityService = t.runtime.services.identity;
      payments = (await identityService.createEnterpriseProject('openhss', 'payments')).id;
      await identityService.grantEnterpriseProject('openhss', 'admin', 'payments');
      adminToken = (await t.runtime.services.auth.issueFor(t.account.user.id, pid, ['token'])).token;
      otherPid = (await identityService.createProject('openhss', 'other')).id;
      const carol = await identityService.createUser({ domainName: 'openhss', userName: 'carol', password: 'carol-password', projectIds: [otherPid] });
      carolToken = (await t.runtime.services.auth.issueFor(carol.id, otherPid, ['token'])).token;

      for (const [name, ep] of [['web-1', '0'], ['web-2', '0'], ['db-1', payments]] as const) {
        agents[name] = await enroll(t.app, await createEnrolmentToken(t.app, pid, adminToken, { enterprise_project_id: ep }), identity(name));
      }
      const inventories: Record<string, ReturnType<typeof inventoryOf>> = {
        'web-1': inventoryOf([LIBC, CURL, LODASH]),
        'web-2': inventoryOf([CURL]),
        'db-1': inventoryOf([LIBC]),
      };
      for (const [name, inv] of Object.entries(inventories)) assert.equal((await uploadInventory(t.app, agents[name]!, inv)).statusCode, 200);
      await scan(pid, Object.values(agents).map((a) => a.agent_id));

      // Project B: one host with glibc, seen by carol only.
      const theirs = await enroll(t.app, await createEnrolmentToken(t.app, otherPid, carolToken), identity('b-host'));
      assert.equal((await uploadInventory(t.app, theirs, inventoryOf([LIBC, CURL]))).statusCode, 200);
      await scan(otherPid, [theirs.agent_id], carolToken);

      const report = (name: string, digit: string, packages: unknown[]) => ({ image_name: name, image_digest: `sha256:${digit.repeat(64)}`, image_id: `sha256:${digit.repeat(63)}0`, os: DEBIAN_12, packages });
      await send('POST', `/v5/${pid}/image/cicd/reports`, report('registry.example/ci/api:1', 'a', [CURL_PKG, LIBC_PKG, LODASH_PKG]));
      await send('POST', `/v5/${pid}/image/cicd/reports`, report('registry.example/ci/tool:1', 'b', [CURL_PKG]));
      await send('POST', `/v5/${pid}/openhss/clusters`, { name: 'prod', snapshot: { apiVersion: 'v1', kind: 'List', items: [] } });
    });
    after(async () => {
      assert.deepEqual(t.undocumentedStatuses, []);
      await t.close();
    });

    it('severity totals of hosts and images equal what the HSS lists count, for each enterprise-project scope', async () => {
      const truthAll = await hostTruth(pid, 'all_granted_eps');
      assert.ok(truthAll.open_num >= 4 && truthAll.critical_num + truthAll.high_num >= 1, `the demo DB finds something: ${JSON.stringify(truthAll)}`);
      const all = await overview(pid, 'all_granted_eps');
      assert.deepEqual(hostFigures(all), withoutPerHost(truthAll));
      assert.deepEqual(all.enterprise_project_ids, ['0', payments]);
      for (const ep of ['0', payments]) assert.deepEqual(hostFigures(await overview(pid, ep)), withoutPerHost(await hostTruth(pid, ep)), `scope ${ep}`);
      assert.deepEqual(hostFigures(await overview(pid)), withoutPerHost(await hostTruth(pid, '0')), 'no enterprise_project_id: the default one');

      const { perImage: _perImage, ...images } = await imageTruth(pid);
      assert.equal(images.total_num, 2);
      assert.ok(images.open_num >= 2);
      assert.deepEqual(imageFigures(all), images);
      const clusters = (all.clusters as Row);
      assert.equal(clusters.total_num, (await get(`/v5/${pid}/openhss/clusters?limit=10`)).total_num);
      assert.equal(clusters.scanned_num, 0);
    });

    it('top hosts and images are ordered by open critical, then high findings, with the lists’ counts', async () => {
      const truth = await hostTruth(pid, 'all_granted_eps');
      const o = await overview(pid, 'all_granted_eps');
      const top = o.top_hosts as Array<Row & Counts>;
      const expected = truth.perHost
        .filter((h) => h.critical_num + h.high_num + h.medium_num + h.low_num > 0)
        .sort((a, b) => b.critical_num - a.critical_num || b.high_num - a.high_num || b.medium_num - a.medium_num || b.low_num - a.low_num || (a.host_id < b.host_id ? -1 : 1));
      assert.deepEqual(
        top.map((h) => [h.host_id, h.critical_num, h.high_num, h.medium_num, h.low_num]),
        expected.map((h) => [h.host_id, h.critical_num, h.high_num, h.medium_num, h.low_num]),
      );
      const images = (await imageTruth(pid)).perImage
        .filter((i) => i.critical_num + i.high_num + i.medium_num + i.low_num > 0)
        .sort((a, b) => b.critical_num - a.critical_num || b.high_num - a.high_num || b.medium_num - a.medium_num || b.low_num - a.low_num);
      const topImages = o.top_images as Array<Row & Counts & { unknown_num: number }>;
      assert.deepEqual(
        topImages.map((i) => [String(i.id), i.image_name, i.critical_num, i.high_num, i.medium_num, i.low_num + i.unknown_num]),
        images.map((i) => [i.id, i.name, i.critical_num, i.high_num, i.medium_num, i.low_num]),
      );
      assert.equal(topImages[0]!.image_type, 'cicd');
    });

    it('KEV vulnerabilities come with the hosts where they are open, as the urgent_vul list says', async () => {
      const urgent = (await get(`/v5/${pid}/vulnerability/vulnerabilities?type=urgent_vul&limit=200&enterprise_project_id=all_granted_eps`)).data_list;
      assert.ok(urgent.some((v) => v.vul_id === 'CVE-2023-4911'), 'glibc CVE-2023-4911 is in the demo KEV catalog');
      const kev = (await overview(pid, 'all_granted_eps')).kev as { vul_num: number; host_finding_num: number; list: Row[] };
      const open = urgent.filter((v) => Number(v.unhandle_host_num) > 0);
      assert.deepEqual(
        kev.list.filter((k) => Number(k.host_num) > 0).map((k) => [k.vul_id, k.host_num]).sort(),
        open.map((v) => [v.vul_id, v.unhandle_host_num]).sort(),
      );
      assert.equal(kev.host_finding_num, open.reduce((n, v) => n + Number(v.unhandle_host_num), 0));
      const glibc = kev.list.find((k) => k.vul_id === 'CVE-2023-4911')!;
      assert.equal(glibc.image_num, 1, 'the api image has glibc too');
      assert.equal(((await overview(pid, 'all_granted_eps')).hosts as Row).kev_num, kev.host_finding_num);
    });

    it('handling moves findings from open to handled at once, in hosts, KEV and images', async () => {
      const before = await hostTruth(pid, 'all_granted_eps');
      const hostId = before.perHost.find((h) => h.critical_num + h.high_num + h.medium_num + h.low_num > 0)!.host_id;
      const vuls = (await get(`/v5/${pid}/vulnerability/host/${hostId}?type=linux_vul&limit=200&enterprise_project_id=all_granted_eps`)).data_list;
      const target = vuls.find((v) => v.vul_id === 'CVE-2023-4911') ?? vuls[0]!;
      await send('PUT', `/v5/${pid}/vulnerability/status?enterprise_project_id=all_granted_eps`, { operate_type: 'ignore', type: 'linux_vul', data_list: [{ vul_id: target.vul_id, host_id_list: [hostId] }] });
      const after = await hostTruth(pid, 'all_granted_eps');
      assert.equal(after.handled_num, before.handled_num + 1);
      const o = await overview(pid, 'all_granted_eps');
      assert.deepEqual(hostFigures(o), withoutPerHost(after));
      const urgent = (await get(`/v5/${pid}/vulnerability/vulnerabilities?type=urgent_vul&limit=200&enterprise_project_id=all_granted_eps`)).data_list;
      assert.equal((o.kev as Row).host_finding_num, urgent.reduce((n, v) => n + Number(v.unhandle_host_num), 0));

      const images = (await get(`/v5/${pid}/image/cicd/images?limit=200`)).data_list;
      const api = images.find((i) => String(i.image_name).includes('api'))!;
      const apiVuls = (await get(`/v5/${pid}/image/${api.id}/vulnerabilities?image_type=cicd&limit=200`)).data_list;
      await send('PUT', `/v5/${pid}/image/vulnerability/handle-status`, { image_id_list: [String(api.id)], vul_id_list: [String(apiVuls[0]!.vul_id)], handle_status: 'handled' });
      const { perImage: _perImage, ...imagesAfter } = await imageTruth(pid);
      assert.equal(imagesAfter.handled_num, 1);
      assert.deepEqual(imageFigures(await overview(pid, 'all_granted_eps')), imagesAfter);
    });

    it("a credential of another project sees nothing of this one, and this project's figures leave the other's out", async () => {
      const url = `/v5/${pid}/openhss/overview`;
      const refused = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': carolToken } });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error_code, 'HSS.0013');
      const admin = t.account.credential;
      const otherUrl = `/v5/${otherPid}/openhss/overview`;
      const signed = await t.app.inject({ method: 'GET', url: otherUrl, headers: akskHeaders(admin, 'GET', otherUrl) });
      assert.equal(signed.statusCode, 403, 'the AK/SK of project A reaches not project B');
      const ungranted = await t.app.inject({ method: 'GET', url: `${url}?enterprise_project_id=not-granted`, headers: { 'x-auth-token': adminToken } });
      assert.equal(ungranted.statusCode, 403);

      const theirs = await overview(otherPid, undefined, carolToken);
      assert.deepEqual(hostFigures(theirs), withoutPerHost(await hostTruth(otherPid, '0', carolToken)));
      assert.equal((theirs.hosts as Row).total_num, 1);
      assert.deepEqual((theirs.top_hosts as Row[]).map((h) => h.host_name), ['b-host']);
      assert.equal((theirs.images as Row).total_num, 0);
      const ours = await overview(pid, 'all_granted_eps');
      assert.ok(!(ours.top_hosts as Row[]).some((h) => h.host_name === 'b-host'));
    });

    it("changes since yesterday, and the trend: yesterday's snapshot then today's live figures", async () => {
      const today = Math.floor(t.clock.now() / DAY_MS);
      const before = await hostTruth(pid, 'all_granted_eps');
      const imagesBefore = await imageTruth(pid);
      // Yesterday's snapshot, as the daily job writes it, of the figures as they are now.
      await new OverviewRepository(t.runtime.database.db).writeSnapshots(today - 1, t.clock.now() - DAY_MS);
      const baseline = ((await overview(pid, 'all_granted_eps')).changed_since_yesterday as Row);
      assert.equal(baseline.host_open_delta, 0);

      // web-2 upgrades curl away (its finding is gone), web-1 gets lodash's findings removed and libc kept.
      assert.equal((await uploadInventory(t.app, agents['web-2']!, inventoryOf([deb('curl', '7.88.1-10+deb12u4')]))).statusCode, 200);
      await scan(pid, [agents['web-2']!.agent_id]);
      const after = await hostTruth(pid, 'all_granted_eps');
      const o = await overview(pid, 'all_granted_eps');
      const changed = o.changed_since_yesterday as Row;
      assert.equal(changed.compared_with, new Date((today - 1) * DAY_MS).toISOString().slice(0, 10));
      assert.equal(changed.host_open_delta, after.open_num - before.open_num);
      assert.ok(Number(changed.host_fixed_num) >= before.open_num - after.open_num && Number(changed.host_fixed_num) > 0);
      assert.equal(changed.image_open_delta, 0);

      const trend = o.trend as Array<{ date: string; hosts: Row; images: Row; live: boolean; open_num: number }>;
      assert.deepEqual(trend.map((p) => [p.date, p.live]), [
        [new Date((today - 1) * DAY_MS).toISOString().slice(0, 10), false],
        [new Date(today * DAY_MS).toISOString().slice(0, 10), true],
      ]);
      assert.equal(trend[0]!.hosts.open_num, before.open_num);
      assert.equal(trend[0]!.images.open_num, imagesBefore.open_num);
      assert.equal(trend[1]!.hosts.open_num, after.open_num);
      assert.equal(trend[1]!.hosts.critical_num, after.critical_num);
    });

    it('the last and next scans and the DB freshness are those of the scan-task list, the policy and the DB status', async () => {
      const o = await overview(pid);
      const scans = o.scans as { last_scan: Row; next_scan_time: number | null; policy_status: string };
      const tasks = (await get(`/v5/${pid}/vulnerability/scan-tasks?limit=10`)).data_list;
      assert.equal(scans.last_scan.task_id, tasks[0]!.id);
      assert.equal(scans.last_scan.scan_type, 'manual');
      const policy = await get(`/v5/${pid}/vulnerability/scan-policy`);
      assert.equal(scans.policy_status, policy.status);
      assert.equal(scans.next_scan_time ?? 0, (policy.time as Row).next_scan_time);
      const db = await get(`/v5/${pid}/openhss/vulnerability-db`);
      const fresh = o.vulnerability_db as Row;
      assert.deepEqual([fresh.demo, fresh.stale, fresh.built_at], [db.demo, db.stale, db.built_at]);
      assert.equal(fresh.demo, true, 'the tests run on the demo DB: the console shows its banner');
    });

    it('a host re-enrolled into another enterprise project takes its figures and KEV counts along', async () => {
      agents['web-1'] = await enroll(t.app, await createEnrolmentToken(t.app, pid, adminToken, { enterprise_project_id: payments }), identity('web-1'));
      for (const ep of ['0', payments, 'all_granted_eps']) {
        const o = await overview(pid, ep);
        assert.deepEqual(hostFigures(o), withoutPerHost(await hostTruth(pid, ep)), `scope ${ep}`);
        const urgent = (await get(`/v5/${pid}/vulnerability/vulnerabilities?type=urgent_vul&limit=200&enterprise_project_id=${ep}`)).data_list;
        assert.equal((o.kev as Row).host_finding_num, urgent.reduce((n, v) => n + Number(v.unhandle_host_num), 0), `KEV in scope ${ep}`);
      }
      const inPayments = (await overview(pid, payments)).top_hosts as Row[];
      assert.ok(inPayments.some((h) => h.host_name === 'web-1'));
    });
  });
}
