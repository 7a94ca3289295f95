import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { agentAuth, createEnrolmentToken, deb, DEBIAN_12, enroll, identity, npm } from '../../support/hosts.js';
import type { EnrollResponse, ImageReport, InventoryDocument, ReportedContainer, ReportedImage } from '../../../src/agent/protocol.js';
import { imageContentHash } from '../../../src/agent/image-content-hash.js';

const digest = (seed: string) => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

/** The test's own model of an image on some hosts; expectations are computed from it, not from the server. */
interface Fixture {
  name: string;
  version: string;
  imageId: string;
  digest: string;
  size: number;
  created: number;
  inventory: InventoryDocument;
  vulnerable: boolean;
  /** Package names with a vulnerability in the demo DB. */
  vulnerableApps: string[];
  type: 'other_image' | 'swr_image';
}

const T0 = Date.UTC(2024, 0, 1);
const NGINX: Fixture = {
  name: 'nginx',
  version: '1.25',
  imageId: digest('nginx-config'),
  digest: digest('nginx-manifest'),
  size: 190_000_000,
  created: T0,
  inventory: { os: DEBIAN_12, packages: [deb('libssl3', '3.0.11-1~deb12u1', 'openssl'), deb('zlib1g', '1:1.2.13.dfsg-1', 'zlib')] },
  vulnerable: true,
  vulnerableApps: ['libssl3'],
  type: 'other_image',
};
const BUSY: Fixture = {
  name: '<none>',
  version: '<none>',
  imageId: digest('busy-config'),
  digest: digest('busy-config'),
  size: 4_000_000,
  created: T0 + 86_400_000,
  inventory: { os: null, packages: [] },
  vulnerable: false,
  vulnerableApps: [],
  type: 'other_image',
};
const SWR: Fixture = {
  name: 'swr.cn-north-4.myhuaweicloud.com/team/app',
  version: '2.0',
  imageId: digest('app-config'),
  digest: digest('app-manifest'),
  size: 80_000_000,
  created: T0 + 2 * 86_400_000,
  inventory: { os: DEBIAN_12, packages: [npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json')] },
  vulnerable: true,
  vulnerableApps: ['lodash'],
  type: 'swr_image',
};

interface Placement {
  fixture: Fixture;
  containers: ReportedContainer[];
}

const container = (id: string, name: string, pod?: { id: string; name: string }): ReportedContainer => ({
  id,
  name,
  pod_id: pod?.id ?? '',
  pod_name: pod?.name ?? '',
  namespace: pod ? 'default' : '',
  cluster_id: '',
});

function reported(p: Placement, inline: boolean): ReportedImage {
  const f = p.fixture;
  return {
    image_id: f.imageId,
    image_digest: f.digest,
    repo_tags: [{ name: f.name, version: f.version }],
    size: f.size,
    created: f.created,
    source: 'docker',
    containers: p.containers,
    content_hash: imageContentHash(f.inventory),
    ...(inline ? { inventory: f.inventory } : {}),
  };
}

const reportOf = (placements: Placement[], inline: boolean, extra: Partial<ImageReport> = {}): ImageReport => ({
  collected_at: Date.now(),
  images: placements.map((p) => reported(p, inline)),
  warnings: [],
  ...extra,
});

for (const backend of backends) {
  describe(`local images reported by agents (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let a: EnrollResponse;
    let b: EnrollResponse;
    /** What each host holds, as the test believes it. */
    const onHost = new Map<string, Placement[]>();
    const hostInfo = new Map<string, { name: string; ip: string }>();

    const send = (creds: EnrollResponse, body: unknown, raw?: Buffer) =>
      t.app.inject({
        method: 'POST',
        url: '/agent/v1/images',
        headers: { ...agentAuth(creds), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: raw ?? gzipSync(JSON.stringify(body)),
      });
    const report = async (creds: EnrollResponse, placements: Placement[], inline = true, extra: Partial<ImageReport> = {}) => {
      const res = await send(creds, reportOf(placements, inline, extra));
      assert.equal(res.statusCode, 200, res.body);
      const answer = res.json() as { applied: boolean; needed: string[] };
      if (answer.applied) onHost.set(creds.host_id, placements);
      return answer;
    };
    const list = async (query = '') => {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${pid}/image/local-repositories?${query.includes('limit=') ? '' : 'limit=200'}${query}`, headers: { 'x-auth-token': t.token } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { total_num: number; data_list: Array<Record<string, unknown>> };
    };
    const names = async (query = '') => (await list(query)).data_list.map((r) => `${String(r.image_name)}:${String(r.image_version)}`).sort();
    /** The images the model says match `keep`, as name:version. */
    const expected = (keep: (f: Fixture, hostId: string, p: Placement) => boolean) => {
      const out = new Set<string>();
      for (const [hostId, placements] of onHost) for (const p of placements) if (keep(p.fixture, hostId, p)) out.add(`${p.fixture.name}:${p.fixture.version}`);
      return [...out].sort();
    };
    const batchScan = (body: unknown) => t.app.inject({ method: 'POST', url: `/v5/${pid}/image/local/batch-scan`, headers: { 'x-auth-token': t.token }, payload: body as object });
    const poll = async (creds: EnrollResponse) => {
      const res = await t.app.inject({ method: 'GET', url: '/agent/v1/commands?wait_ms=0', headers: agentAuth(creds) });
      return (res.json() as { commands: Array<{ id: string; type: string }> }).commands;
    };

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      a = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('node-a', { ips: ['10.0.0.7'] }));
      b = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('node-b', { ips: ['10.0.0.8'] }));
      hostInfo.set(a.host_id, { name: 'node-a', ip: '10.0.0.7' });
      hostInfo.set(b.host_id, { name: 'node-b', ip: '10.0.0.8' });
    });
    after(async () => {
      await t.close();
    });

    it('a report naming inventories the server lacks changes nothing and asks for them', async () => {
      const answer = await report(a, [{ fixture: NGINX, containers: [] }], false);
      assert.deepEqual(answer, { applied: false, needed: [NGINX.digest], images: 1 });
      assert.equal((await list()).total_num, 0);
    });

    it('stores each reported image once per project, with its hosts, containers and vulnerabilities', async () => {
      assert.equal(
        (
          await report(a, [
            { fixture: NGINX, containers: [container('c-web-1', 'web-1', { id: 'pod-uid-1', name: 'web-7f9c' }), container('c-side', 'sidecar')] },
            { fixture: BUSY, containers: [] },
          ])
        ).applied,
        true,
      );
      assert.equal((await report(b, [{ fixture: NGINX, containers: [container('c-web-2', 'web-2', { id: 'pod-uid-2', name: 'web-abcd' })] }, { fixture: SWR, containers: [] }])).applied, true);
      const rows = (await list()).data_list;
      assert.equal(rows.length, 3);
      const nginx = rows.find((r) => r.image_name === 'nginx')!;
      assert.equal(nginx.image_id, NGINX.imageId);
      assert.equal(nginx.image_digest, NGINX.digest);
      assert.equal(nginx.host_num, 2);
      assert.equal(nginx.container_num, 3);
      assert.equal(nginx.scan_status, 'success');
      assert.equal(nginx.component_num, 2);
      assert.ok((nginx.vul_num as number) >= 1, 'the vulnerable openssl is found');
      assert.notEqual(nginx.severity_level, 'Security');
      assert.equal(nginx.image_size, NGINX.size);
      assert.equal(nginx.latest_update_time, NGINX.created);
      assert.equal(nginx.local_image_type, 'other_image');
      const busy = rows.find((r) => r.image_name === '<none>')!;
      assert.deepEqual([busy.vul_num, busy.severity_level, busy.host_num, busy.container_num, busy.host_name], [0, 'Security', 1, 0, 'node-a']);
      const swr = rows.find((r) => r.image_version === '2.0')!;
      assert.equal(swr.local_image_type, 'swr_image');
      assert.ok((swr.vul_num as number) >= 1, 'the vulnerable lodash is found');
      const vuls = await t.app.inject({ method: 'GET', url: `/v5/${pid}/image/${String(nginx.image_id)}/vulnerabilities`, headers: { 'x-auth-token': t.token } });
      // The image vulnerability list is another engineer's route; when it exists it must show the stored rows.
      if (vuls.statusCode === 200) assert.ok(JSON.stringify(vuls.json()).includes('CVE-2023-5678'));
    });

    it('filters each as an independent expectation from the model says', async () => {
      const cases: Array<[string, (f: Fixture, hostId: string, p: Placement) => boolean]> = [
        ['&image_name=NGIN', (f) => f.name.toLowerCase().includes('ngin')],
        ['&image_version=2.0', (f) => f.version.includes('2.0')],
        ['&scan_status=success', () => true],
        ['&scan_status=unscan', () => false],
        ['&local_image_type=swr_image', (f) => f.type === 'swr_image'],
        ['&local_image_type=other_image', (f) => f.type === 'other_image'],
        ['&image_size=80000000', (f) => f.size >= 80_000_000],
        [`&start_latest_update_time=${T0 + 1}`, (f) => f.created >= T0 + 1],
        [`&end_latest_update_time=${T0 + 86_400_000}`, (f) => f.created <= T0 + 86_400_000],
        [`&start_latest_scan_time=${t.clock.now() - 1000}&end_latest_scan_time=${t.clock.now() + 1000}`, () => true],
        [`&end_latest_scan_time=${T0}`, () => false],
        ['&has_vul=true', (f) => f.vulnerable],
        ['&has_vul=false', (f) => !f.vulnerable],
        ['&host_name=node-b', (_f, h) => hostInfo.get(h)!.name.includes('node-b')],
        ['&host_name=NODE', () => true],
        [`&host_id=${a.host_id}`, (_f, h) => h === a.host_id],
        ['&host_ip=10.0.0.8', (_f, h) => hostInfo.get(h)!.ip === '10.0.0.8'],
        ['&host_ip=10.0.0', () => false],
        ['&container_id=c-web-2', (_f, _h, p) => p.containers.some((c) => c.id === 'c-web-2')],
        ['&container_name=SIDE', (_f, _h, p) => p.containers.some((c) => c.name.includes('side'))],
        ['&pod_id=pod-uid-1', (_f, _h, p) => p.containers.some((c) => c.pod_id === 'pod-uid-1')],
        ['&pod_name=web-', (_f, _h, p) => p.containers.some((c) => c.pod_name.includes('web-'))],
        ['&app_name=lodash', (f) => f.vulnerableApps.includes('lodash')],
        ['&app_name=libssl3', (f) => f.vulnerableApps.includes('libssl3')],
        ['&app_name=zlib1g', (f) => f.vulnerableApps.includes('zlib1g')],
        ['&has_container=true', (_f, _h, p) => p.containers.length > 0],
        ['&has_container=false', (f) => ![...onHost.values()].flat().some((p) => p.fixture === f && p.containers.length > 0)],
        ['&enterprise_project_id=all_granted_eps', () => true],
      ];
      for (const [query, keep] of cases) assert.deepEqual(await names(query), expected(keep), query);
      // app_name has no match in the model either way when unknown.
      assert.deepEqual(await names('&app_name=nope'), []);
      const page = await list('&limit=10&offset=2');
      assert.deepEqual([page.total_num, page.data_list.length], [3, 1]);
      const bad = await t.app.inject({ method: 'GET', url: `/v5/${pid}/image/local-repositories?scan_status=bogus`, headers: { 'x-auth-token': t.token } });
      assert.deepEqual([bad.statusCode, bad.json().error_code], [400, 'HSS.0001']);
    });

    it('an unchanged report sends hashes only and is applied', async () => {
      const answer = await report(a, onHost.get(a.host_id)!, false);
      assert.deepEqual(answer, { applied: true, needed: [], images: 2 });
      assert.equal((await list()).total_num, 3);
    });

    it('refuses bad reports with HSS.0001 and keeps the previous state', async () => {
      const before = await list();
      const wrongHash = reportOf([{ fixture: NGINX, containers: [] }], true);
      wrongHash.images[0]!.content_hash = 'f'.repeat(64);
      const duplicated = reportOf([{ fixture: NGINX, containers: [] }, { fixture: NGINX, containers: [] }], true);
      const badDigest = reportOf([{ fixture: NGINX, containers: [] }], true);
      badDigest.images[0]!.image_id = 'nginx:latest';
      const noTags = reportOf([{ fixture: NGINX, containers: [] }], true);
      noTags.images[0]!.repo_tags = [];
      for (const body of [wrongHash, duplicated, badDigest, noTags, { images: [] }]) {
        const res = await send(a, body);
        assert.deepEqual([res.statusCode, res.json().error_code], [400, 'HSS.0001'], res.body);
      }
      const garbage = await send(a, null, Buffer.from('not gzip'));
      assert.deepEqual([garbage.statusCode, garbage.json().error_code], [400, 'HSS.0001']);
      const anonymous = await t.app.inject({ method: 'POST', url: '/agent/v1/images', headers: { 'content-type': 'application/json' }, payload: reportOf([], true) });
      assert.equal(anonymous.statusCode, 401);
      assert.deepEqual(await list(), before);
    });

    it('an image no host holds any more leaves the list, its history kept', async () => {
      await report(b, [{ fixture: NGINX, containers: [] }], false);
      assert.deepEqual(await names(), expected(() => true));
      assert.ok(!(await names()).includes(`${SWR.name}:${SWR.version}`));
      const kept = await t.runtime.database.db.selectFrom('image_assets').select(['image_name', 'removed_at']).where('image_version', '=', '2.0').executeTakeFirstOrThrow();
      assert.ok(kept.removed_at !== null);
      const nginx = (await list('&image_name=nginx')).data_list[0]!;
      assert.deepEqual([nginx.host_num, nginx.container_num], [2, 2]);
      // Back on a host, it is listed again.
      await report(b, [{ fixture: NGINX, containers: [] }, { fixture: SWR, containers: [] }], false);
      assert.equal((await list()).total_num, 3);
    });

    it('batch-scan asks the holders; the images wait, then succeed when the report arrives', async () => {
      const res = await batchScan({ image_info_list: [{ image_name: 'nginx', image_version: '1.25' }] });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.body, '');
      assert.equal((await list('&image_name=nginx')).data_list[0]!.scan_status, 'waiting_for_scan');
      const since = t.clock.now();
      const commandsA = await poll(a);
      const commandsB = await poll(b);
      assert.deepEqual([commandsA.map((c) => c.type), commandsB.map((c) => c.type)], [['images'], ['images']]);
      t.clock.advance(1000);
      await report(a, onHost.get(a.host_id)!, false, { command_id: commandsA[0]!.id });
      const row = (await list('&image_name=nginx')).data_list[0]!;
      assert.equal(row.scan_status, 'success');
      assert.ok((row.latest_scan_time as number) > since);
      // Unchanged, yet matched afresh for the scan: the stored content is dated by this report.
      const content = await t.runtime.database.db.selectFrom('image_contents').select('inventory_at').where('project_id', '=', pid).where('image_digest', '=', NGINX.digest).executeTakeFirstOrThrow();
      assert.ok(Number(content.inventory_at) > since);
      // Node-b's report is still awaited, within the timeout: nothing fails yet.
      assert.equal(await t.runtime.services.localImages.expireReports(), 0);
    });

    it('requestReports and reportsArrivedSince, for image scan tasks', async () => {
      const ids = await t.runtime.database.db.selectFrom('image_assets').select(['id', 'image_name']).where('project_id', '=', pid).where('image_type', '=', 'local').execute();
      const swrId = ids.find((r) => r.image_name === SWR.name)!.id;
      const since = t.clock.now();
      const { requested, failed } = await t.runtime.services.localImages.requestReports(pid, [swrId]);
      assert.deepEqual([requested, failed], [[swrId], []]);
      assert.equal((await t.runtime.services.localImages.reportsArrivedSince(pid, [swrId], since + 1)).size, 0);
      t.clock.advance(10);
      await report(b, onHost.get(b.host_id)!, false);
      assert.deepEqual([...(await t.runtime.services.localImages.reportsArrivedSince(pid, [swrId], since + 1))], [swrId]);
    });

    it('fails images whose agents do not answer in time, or are offline, with a reason', async () => {
      const res = await batchScan({ operate_all: true, image_name: 'NONE' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await list('&image_name=none')).data_list[0]!.scan_status, 'waiting_for_scan');
      // Still polling (online), but silent about its images past the timeout.
      t.clock.advance(t.config.images.localReportTimeoutSeconds * 1000 + 1);
      await poll(a);
      await poll(b);
      assert.equal(await t.runtime.services.localImages.expireReports(), 1);
      const late = (await list('&image_name=none')).data_list[0]!;
      assert.equal(late.scan_status, 'failed');
      assert.match(String(late.scan_failed_desc), /did not report its images within/);
      // Offline holders: failed at once, nobody is asked.
      t.clock.advance(t.config.hosts.offlineAfterSeconds * 1000 + 1);
      assert.equal((await batchScan({ operate_all: true, local_image_type: 'swr_image' })).statusCode, 200);
      const offline = (await list('&local_image_type=swr_image')).data_list[0]!;
      assert.equal(offline.scan_status, 'failed');
      assert.match(String(offline.scan_failed_desc), /offline/);
      assert.deepEqual(await poll(b), []);
    });

    it('an empty selection is refused', async () => {
      for (const body of [{}, { operate_all: false, image_info_list: [] }]) {
        const res = await batchScan(body);
        assert.deepEqual([res.statusCode, res.json().error_code], [400, 'HSS.0001']);
      }
    });
  });
}
