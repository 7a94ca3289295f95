import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Agent } from 'undici';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { buildImage, buildIndex, ImagePusher, type BuiltImage, type BuiltIndex } from '../../support/oci-images.js';
import { freePort, startRegistry, type RunningRegistry } from '../../support/oci-registry.js';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import { registerJobHandlers } from '../../../src/jobs/handlers.js';
import type { JobQueue } from '../../../src/jobs/queue.js';
import { ImageAssetRepository } from '../../../src/repositories/image-asset-repository.js';
import { RegistryRepository } from '../../../src/repositories/registry-repository.js';
import { RegistryConnector } from '../../../src/services/images/registry-connector.js';
import { RegistrySync } from '../../../src/services/images/registry-sync.js';
import { SYNC_STALE_MS } from '../../../src/services/images/registry-service.js';

const PASSWORD = 'S3cret-registry-pass!';
const WRONG_PASSWORD = 'not-the-password-42';
const USER = 'alice';

interface RegistryItem {
  id: string;
  registry_name: string;
  registry_type: string;
  status: string;
  connection_status: string;
  fail_reason: string;
  images_num: number;
  sync_status: string;
  sync_failed_reason: string;
  latest_sync_time: number;
  protocol: string;
  registry_addr: string;
}
interface ImageRow {
  id: number;
  namespace: string;
  image_name: string;
  image_version: string;
  image_digest: string;
  image_id: string;
  image_size: number;
  image_type: string;
  registry_id: string;
  registry_type: string;
  scan_status: string;
  scan_failed_desc: string;
  latest_update_time: number;
  latest_scan_time: number;
  vul_num: number;
  severity_level: string;
}

/** What a tag should look like in the list, computed from what was pushed. */
interface Expected {
  registryId: string;
  registryType: string;
  repository: string;
  tag: string;
  digest: string;
  imageId: string;
  size: number;
}

const amd64Of = (pushed: BuiltImage | BuiltIndex): BuiltImage => ('images' in pushed ? pushed.images.find((i) => i.platform.architecture === 'amd64')! : pushed);
const sizeOf = (image: BuiltImage) => image.layers.reduce((sum, l) => sum + l.size, 0) + image.config.size;
const digestOf = (pushed: BuiltImage | BuiltIndex) => pushed.manifest.digest;
const keyOf = (r: { namespace: string; image_name: string; image_version: string }) => `${r.namespace ? `${r.namespace}/` : ''}${r.image_name}:${r.image_version}`;

for (const backend of backends) {
  describe(`registries and their sync into image assets (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let open: RunningRegistry;
    let secured: RunningRegistry;
    let queue: JobQueue;
    const agent = new Agent();
    /** Every response body, to prove no password ever leaves the server. */
    const bodies: string[] = [];
    const images: Record<string, BuiltImage | BuiltIndex> = {};
    const ids: Record<string, string> = {};

    const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, token = t.token) => {
      const res = await t.app.inject({ method, url, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });
      bodies.push(res.body);
      return res;
    };
    const ok = async <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object): Promise<T> => {
      const res = await call(method, url, payload);
      assert.equal(res.statusCode, 200, `${method} ${url}: ${res.body}`);
      return (res.body === '' ? undefined : res.json()) as T;
    };
    const registry = (id: string) => ok<RegistryItem>('GET', `/v5/${pid}/image/registries/${id}`);
    /** Adds a registry: the answer comes at once (checking); the background check's outcome is then on the registry. */
    const addChecked = async (payload: object): Promise<RegistryItem> => {
      const added = await ok<RegistryItem>('POST', `/v5/${pid}/image/registries`, payload);
      assert.equal(added.connection_status, 'checking');
      assert.equal(added.status, 'accessing');
      await t.runtime.services.registries.checked(added.id);
      return registry(added.id);
    };
    const putChecked = async (url: string, payload: object): Promise<RegistryItem> => {
      const changed = await ok<RegistryItem>('PUT', url, payload);
      assert.equal(changed.connection_status, 'checking');
      await t.runtime.services.registries.checked(changed.id);
      return registry(changed.id);
    };
    const list = async (query: string) => ok<{ total_num: number; data_list: ImageRow[] }>('GET', `/v5/${pid}/image/registries/images?limit=200&${query}`);

    /** Queues a sync through the API and waits for the job the queue runs to release the registry. */
    const sync = async (id: string): Promise<RegistryItem> => {
      const started = await ok<{ started: boolean }>('POST', `/v5/${pid}/image/registries/${id}/sync`);
      assert.equal(started.started, true);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await registry(id);
        if (r.sync_status !== 'syncing') return r;
        assert.ok(Date.now() < deadline, `the sync of ${id} did not finish within 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    /** The independent model of what each registry holds. */
    const expected: Expected[] = [];
    const expect = (registryId: string, registryType: string, repository: string, tag: string, pushed: BuiltImage | BuiltIndex) => {
      const amd64 = amd64Of(pushed);
      expected.push({ registryId, registryType, repository, tag, digest: digestOf(pushed), imageId: amd64.config.digest, size: sizeOf(amd64) });
    };
    const assertListed = async (registryId: string) => {
      const { total_num, data_list } = await list(`registry_id=${registryId}`);
      const want = expected.filter((e) => e.registryId === registryId).sort((a, b) => `${a.repository}:${a.tag}`.localeCompare(`${b.repository}:${b.tag}`));
      const got = [...data_list].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
      assert.equal(total_num, want.length);
      assert.deepEqual(
        got.map((r) => ({ key: keyOf(r), digest: r.image_digest, imageId: r.image_id, size: r.image_size, type: r.registry_type })),
        want.map((e) => ({ key: `${e.repository}:${e.tag}`, digest: e.digest, imageId: e.imageId, size: e.size, type: e.registryType })),
      );
    };

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      [open, secured] = await Promise.all([startRegistry(), startRegistry({ basicAuth: { username: USER, password: PASSWORD } })]);
      queue = createJobQueue(t.runtime.database, { concurrency: 1, leaseMs: 30_000, pollIntervalMs: 50, maintenanceIntervalSeconds: 1 });
      registerJobHandlers(queue, { logger: pino({ level: 'silent' }), ...t.runtime.services });
      t.runtime.services.registries.useStarter(async (projectId, registryId) => {
        await queue.enqueue('registry.sync', { projectId, registryId }, { maxAttempts: 1 });
      });
      await queue.start();

      const build = (marker: string, arch = 'amd64', layers = 2) =>
        buildImage({ architecture: arch, layers: Array.from({ length: layers }, (_, i) => ({ [`etc/${marker}-${i}`]: `${marker} layer ${i}\n`.repeat(10 + i) })) });
      images.a = await build('a', 'amd64', 1);
      images.b = await build('b', 'amd64', 2);
      images.c = await build('c', 'amd64', 3);
      images.multi = buildIndex([await build('m-amd64'), await build('m-arm64', 'arm64')]);
      images.d = await build('d');
      const openPusher = new ImagePusher(agent, open.url);
      await openPusher.pushImage('team/web/app', '1.0', images.a as BuiltImage);
      await openPusher.pushImage('team/web/app', '1.1', images.b as BuiltImage);
      await openPusher.pushImage('team/web/app', 'latest', images.b as BuiltImage); // shares 1.1's digest
      await openPusher.pushImage('team/api', '2.0', images.c as BuiltImage);
      await openPusher.pushIndex('tools/multi', '1', images.multi as BuiltIndex);
      await openPusher.pushImage('base', 'stable', images.d as BuiltImage);
      const securedPusher = new ImagePusher(agent, secured.url, { username: USER, password: PASSWORD });
      await securedPusher.pushImage('secure/app', '1', images.c as BuiltImage);
      await securedPusher.pushImage('secure/app', '2', images.a as BuiltImage);
    });
    after(async () => {
      await queue?.stop(5_000);
      await t?.close();
      await Promise.all([open?.stop(), secured?.stop()]);
      await agent.close();
    });

    it('adds registries: connected, unauthorized (wrong password) and unreachable ones are all saved with their status and reason', async () => {
      const harbor = await addChecked({ registry_name: 'open', registry_type: 'Harbor', url: open.url });
      assert.equal(harbor.connection_status, 'connected');
      assert.equal(harbor.status, 'success');
      assert.equal(harbor.protocol, 'http');
      assert.equal(harbor.registry_addr, open.host);
      ids.open = harbor.id;

      // HSS's own shape: registry_addr with protocol.
      const team = await addChecked({ registry_name: 'team-only', registry_type: 'Other', registry_addr: open.host, protocol: 'http', namespace: 'team' });
      assert.equal(team.connection_status, 'connected');
      ids.team = team.id;

      const jfrog = await addChecked({ registry_name: 'secured', registry_type: 'Jfrog', url: secured.url, registry_username: USER, registry_password: PASSWORD });
      assert.equal(jfrog.connection_status, 'connected', jfrog.fail_reason);
      ids.secured = jfrog.id;

      const wrong = await addChecked({ registry_name: 'wrong', registry_type: 'Other', url: secured.url, registry_username: USER, registry_password: WRONG_PASSWORD });
      assert.equal(wrong.connection_status, 'unauthorized');
      assert.equal(wrong.status, 'fail');
      assert.match(wrong.fail_reason, /refused the configured credentials/);
      ids.wrong = wrong.id;

      const anonymous = await addChecked({ registry_name: 'anonymous', registry_type: 'Other', url: secured.url });
      assert.equal(anonymous.connection_status, 'unauthorized');
      assert.match(anonymous.fail_reason, /no credentials/);

      const gone = await addChecked({ registry_name: 'gone', registry_type: 'Other', url: `http://127.0.0.1:${await freePort()}` });
      assert.equal(gone.connection_status, 'unreachable');
      assert.notEqual(gone.fail_reason, '');

      const listed = await ok<{ total_num: number; data_list: RegistryItem[] }>('GET', `/v5/${pid}/image/registries?status=fail`);
      assert.deepEqual(listed.data_list.map((r) => r.registry_name).sort(), ['anonymous', 'gone', 'wrong']);
      const byType = await ok<{ total_num: number; data_list: RegistryItem[] }>('GET', `/v5/${pid}/image/registries?registry_type=Harbor,Jfrog`);
      assert.deepEqual(byType.data_list.map((r) => r.registry_name).sort(), ['open', 'secured']);
    });

    it('refuses invalid input with 400 HSS.0001 naming the field, a taken name with 409, an unknown id with 404', async () => {
      const cases: Array<[object, RegExp]> = [
        [{ registry_name: 'x', registry_type: 'Other' }, /url/],
        [{ registry_name: 'x', registry_type: 'Quay', url: open.url }, /registry_type/],
        [{ registry_type: 'Other', url: open.url }, /registry_name/],
        [{ registry_name: 'x', registry_type: 'Other', url: 'ftp://127.0.0.1:1' }, /url/],
        [{ registry_name: 'x', registry_type: 'Other', url: `${open.url}/some/path` }, /url/],
        [{ registry_name: 'x', registry_type: 'Other', registry_addr: 'bad host!' }, /registry_addr/],
        [{ registry_name: 'x', registry_type: 'Other', url: open.url, namespace: 'Upper/Case' }, /namespace/],
        [{ registry_name: 'x', registry_type: 'Other', url: open.url, api_version: 'V1' }, /api_version/],
      ];
      for (const [payload, field] of cases) {
        const res = await call('POST', `/v5/${pid}/image/registries`, payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
        assert.equal(res.json().error_code, 'HSS.0001');
        assert.match(res.json().error_msg, field, JSON.stringify(payload));
      }
      const taken = await call('POST', `/v5/${pid}/image/registries`, { registry_name: 'open', registry_type: 'Other', url: open.url });
      assert.equal(taken.statusCode, 409, taken.body);
      for (const [method, suffix] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['POST', '/sync']] as const) {
        const res = await call(method, `/v5/${pid}/image/registries/no-such-registry${suffix}`, method === 'PUT' ? { registry_name: 'y' } : undefined);
        assert.equal(res.statusCode, 404, `${method}: ${res.body}`);
        assert.equal(res.json().error_code, 'HSS.0011');
      }
      const badFilter = await call('GET', `/v5/${pid}/image/registries/images?image_type=docker_hub`);
      assert.equal(badFilter.statusCode, 400);
      assert.match(badFilter.json().error_msg, /image_type/);
    });

    it('syncs through the job queue: exactly the pushed tags, with their digests, config digests and sizes; the namespace limits what is synced', async () => {
      const done = await sync(ids.open!);
      assert.equal(done.sync_status, 'idle', done.sync_failed_reason);
      assert.ok(done.latest_sync_time > 0);
      assert.equal(done.images_num, 6);
      expect(ids.open!, 'Harbor', 'team/web/app', '1.0', images.a!);
      expect(ids.open!, 'Harbor', 'team/web/app', '1.1', images.b!);
      expect(ids.open!, 'Harbor', 'team/web/app', 'latest', images.b!);
      expect(ids.open!, 'Harbor', 'team/api', '2.0', images.c!);
      expect(ids.open!, 'Harbor', 'tools/multi', '1', images.multi!);
      expect(ids.open!, 'Harbor', 'base', 'stable', images.d!);
      await assertListed(ids.open!);
      const row = (await list(`registry_id=${ids.open}&image_version=1.0`)).data_list[0]!;
      assert.equal(row.namespace, 'team/web');
      assert.equal(row.image_name, 'app');
      assert.equal(row.image_type, 'harbor');
      assert.equal(row.scan_status, 'unscan');
      assert.equal(row.latest_update_time, Date.parse('2024-01-01T00:00:00Z'), 'the config’s created time');

      assert.equal((await sync(ids.team!)).sync_status, 'idle');
      expect(ids.team!, 'Other', 'team/web/app', '1.0', images.a!);
      expect(ids.team!, 'Other', 'team/web/app', '1.1', images.b!);
      expect(ids.team!, 'Other', 'team/web/app', 'latest', images.b!);
      expect(ids.team!, 'Other', 'team/api', '2.0', images.c!);
      await assertListed(ids.team!);

      assert.equal((await sync(ids.secured!)).sync_status, 'idle');
      expect(ids.secured!, 'Jfrog', 'secure/app', '1', images.c!);
      expect(ids.secured!, 'Jfrog', 'secure/app', '2', images.a!);
      await assertListed(ids.secured!);
    });

    it('reads catalogs and tag lists page by page: a sync with pages of 2 finds the same images', async () => {
      const db = t.runtime.database.db;
      const registries = new RegistryRepository(db);
      const assets = new ImageAssetRepository(db);
      const before = (await list(`registry_id=${ids.open}`)).data_list.map((r) => `${r.id} ${keyOf(r)} ${r.image_digest}`).sort();
      const small = new RegistrySync(registries, assets, new RegistryConnector(), t.clock.now, { pageSize: 2 });
      const outcome = await small.run((await registries.get(pid, ids.open!))!, { host: open.host, plainHttp: true, skipTlsVerify: false, username: '', password: null });
      assert.equal(outcome.status, 'idle');
      assert.equal(outcome.images, 6);
      assert.equal(outcome.removed, 0);
      assert.deepEqual((await list(`registry_id=${ids.open}`)).data_list.map((r) => `${r.id} ${keyOf(r)} ${r.image_digest}`).sort(), before);
    });

    it('runs one sync per registry at a time: a request while one runs starts nothing; a claim whose sync stopped beating is taken over', async () => {
      const repo = new RegistryRepository(t.runtime.database.db);
      const now = t.clock.now();
      assert.equal(await repo.claimSync(pid, ids.open!, now, now - SYNC_STALE_MS), true, 'a sync takes the claim');
      const refused = await ok<{ started: boolean; sync_status: string }>('POST', `/v5/${pid}/image/registries/${ids.open}/sync`);
      assert.deepEqual(refused, { started: false, sync_status: 'syncing' });
      t.clock.advance(SYNC_STALE_MS + 1);
      const done = await sync(ids.open!);
      assert.equal(done.sync_status, 'idle', done.sync_failed_reason);
      assert.equal(done.images_num, 6);
    });

    it('a registry whose credentials are refused: unauthorized with the reason, and after a sync its images download_failed; fixing the password restores it', async () => {
      const wrongSync = await sync(ids.wrong!);
      assert.equal(wrongSync.sync_status, 'failed');
      assert.equal(wrongSync.connection_status, 'unauthorized');
      assert.match(wrongSync.fail_reason, /refused the configured credentials/);
      assert.equal(wrongSync.images_num, 0);

      const changed = await putChecked(`/v5/${pid}/image/registries/${ids.secured}`, { registry_password: WRONG_PASSWORD });
      assert.equal(changed.connection_status, 'unauthorized');
      const failed = await sync(ids.secured!);
      assert.equal(failed.sync_status, 'failed');
      assert.equal(failed.connection_status, 'unauthorized');
      assert.match(failed.sync_failed_reason, /refused the configured credentials/);
      const rows = (await list(`registry_id=${ids.secured}`)).data_list;
      assert.equal(rows.length, 2, 'a failed sync removes nothing');
      for (const r of rows) {
        assert.equal(r.scan_status, 'download_failed');
        assert.match(r.scan_failed_desc, /refused the configured credentials/);
      }
      const filtered = await list('scan_status=download_failed');
      assert.deepEqual(filtered.data_list.map((r) => r.registry_id), [ids.secured, ids.secured]);

      const fixed = await putChecked(`/v5/${pid}/image/registries/${ids.secured}`, { registry_password: PASSWORD });
      assert.equal(fixed.connection_status, 'connected', fixed.fail_reason);
      assert.equal(fixed.fail_reason, '');
      assert.equal((await sync(ids.secured!)).sync_status, 'idle');
    });

    it('a tag deleted from the registry leaves the list on the next sync (its row kept, removed); an unchanged digest keeps its scan status, a moved tag is unscan again', async () => {
      const assets = new ImageAssetRepository(t.runtime.database.db);
      const before = (await list(`registry_id=${ids.open}`)).data_list;
      const stable = before.find((r) => keyOf(r) === 'base:stable')!;
      const moving = before.find((r) => keyOf(r) === 'team/web/app:1.0')!;
      await assets.setScanStatus(pid, [String(stable.id), String(moving.id)], 'success', '', t.clock.now(), true);

      const del = await agent.request({ origin: open.url, path: `/v2/team/api/manifests/${digestOf(images.c!)}`, method: 'DELETE' });
      await del.body.dump();
      assert.equal(del.statusCode, 202);
      const moved = await buildImage({ layers: [{ 'etc/moved': 'a new 1.0\n' }] });
      await new ImagePusher(agent, open.url).pushImage('team/web/app', '1.0', moved);

      const done = await sync(ids.open!);
      assert.equal(done.sync_status, 'idle', done.sync_failed_reason);
      expected.splice(expected.findIndex((e) => e.registryId === ids.open && e.repository === 'team/api'), 1);
      const entry = expected.find((e) => e.registryId === ids.open && e.repository === 'team/web/app' && e.tag === '1.0')!;
      Object.assign(entry, { digest: moved.manifest.digest, imageId: moved.config.digest, size: sizeOf(moved) });
      await assertListed(ids.open!);

      const after = (await list(`registry_id=${ids.open}`)).data_list;
      assert.equal(after.find((r) => r.id === stable.id)!.scan_status, 'success', 'same digest: scan status kept');
      const movedRow = after.find((r) => r.id === moving.id)!;
      assert.equal(movedRow.scan_status, 'unscan', 'new digest: unscan');
      assert.equal(movedRow.image_digest, moved.manifest.digest);
      const removed = await t.runtime.database.db.selectFrom('image_assets').selectAll().where('registry_id', '=', ids.open!).where('removed_at', 'is not', null).execute();
      assert.deepEqual(removed.map((r) => `${r.namespace}/${r.image_name}:${r.image_version}`), ['team/api:2.0']);
      assert.equal(removed[0]!.image_digest, digestOf(images.c!), 'history keeps what it was');
    });

    it('ListRegistryImages: every filter agrees with an independent computation', async () => {
      const db = t.runtime.database.db;
      const all = (await list('')).data_list;
      assert.equal(all.length, expected.length);
      // One vulnerable digest (the secured registry's images.c and nothing else present), and one scanned clean.
      const vulnerable = digestOf(images.c!);
      const now = t.clock.now();
      const content = (digest: string, high: number) => ({
        project_id: pid, image_digest: digest, image_id: null, os_name: 'debian', os_version: '12', package_count: 1, document: Buffer.from(''), source: 'registry',
        inventory_at: now, matched_at: now, matched_generation: 'test', critical_num: 0, high_num: high, medium_num: 2, low_num: 0, unknown_num: 0,
      });
      await db.insertInto('image_contents').values([content(vulnerable, 1), content(digestOf(images.d!), 0)]).execute();
      await db
        .insertInto('image_vuls')
        .values({
          project_id: pid, image_digest: vulnerable, vul_id: 'CVE-2024-0001', package_name: 'openssl', package_version: '3.0.0', package_path: 'var/lib/dpkg/status', vul_type: 'linux_vul', package_type: 'deb',
          fixed_version: '3.0.1', severity: 'high', cvss_score: 7.5, cve_ids: 'CVE-2024-0001', title: 't', handle_status: 'unhandled', handled_at: null, first_seen_at: now,
        })
        .execute();
      const assets = new ImageAssetRepository(db);
      const scannedAt = now + 5_000;
      const base = all.find((r) => keyOf(r) === 'base:stable')!;
      await assets.setScanStatus(pid, [String(base.id)], 'success', '', scannedAt, true);

      const state = new Map((await list('')).data_list.map((r) => [r.id, r]));
      const rows = [...state.values()];
      const typeOf = new Map([[ids.open, 'Harbor'], [ids.team, 'Other'], [ids.secured, 'Jfrog']]);
      /** `some`: the filter must keep some rows and drop others, so the comparison proves something. */
      const check = async (query: string, keep: (r: ImageRow) => boolean, some = true) => {
        const got = await list(query);
        const want = rows.filter(keep).map((r) => r.id).sort();
        assert.deepEqual(got.data_list.map((r) => r.id).sort(), want, query);
        assert.equal(got.total_num, want.length, query);
        if (some) assert.ok(want.length > 0 && want.length < rows.length, `${query} keeps ${want.length} of ${rows.length}`);
      };
      await check('namespace=WEB', (r) => r.namespace.includes('web'));
      await check('image_name=app', (r) => r.image_name.includes('app'));
      await check('image_version=1.', (r) => r.image_version.includes('1.'));
      await check('image_type=harbor', (r) => typeOf.get(r.registry_id) === 'Harbor');
      await check('image_type=jfrog', (r) => typeOf.get(r.registry_id) === 'Jfrog');
      await check('image_type=private_image', (r) => typeOf.get(r.registry_id) === 'Other');
      await check('image_type=shared_image', () => false, false);
      await check(`registry_id=${ids.team}`, (r) => r.registry_id === ids.team);
      await check('scan_status=success', (r) => r.scan_status === 'success');
      await check('scan_status=unscan', (r) => r.scan_status === 'unscan');
      const median = [...rows].map((r) => r.image_size).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
      await check(`image_size=${median}`, (r) => r.image_size >= median);
      await check('has_vul=true', (r) => r.image_digest === vulnerable);
      await check('has_vul=false', (r) => r.image_digest !== vulnerable);
      await check(`start_latest_scan_time=${scannedAt}`, (r) => r.latest_scan_time >= scannedAt);
      await check(`start_latest_update_time=${Date.parse('2024-01-01T00:00:00Z')}&end_latest_update_time=${Date.parse('2024-01-01T00:00:00Z')}`, (r) => r.latest_update_time === Date.parse('2024-01-01T00:00:00Z'), false);
      await check('end_latest_update_time=1000', (r) => r.latest_update_time <= 1000, false);
      await check(`namespace=team&image_type=private_image&image_version=latest`, (r) => r.namespace.includes('team') && typeOf.get(r.registry_id) === 'Other' && r.image_version.includes('latest'));

      for (const r of rows) {
        if (r.image_digest === vulnerable) assert.deepEqual([r.vul_num, r.severity_level], [3, 'High']);
        else if (r.image_digest === digestOf(images.d!)) assert.deepEqual([r.vul_num, r.severity_level], [2, 'Medium']);
        else assert.deepEqual([r.vul_num, r.severity_level], [0, '']);
      }

      const page1 = await ok<{ total_num: number; data_list: ImageRow[] }>('GET', `/v5/${pid}/image/registries/images?limit=10&offset=0`);
      const page2 = await ok<{ total_num: number; data_list: ImageRow[] }>('GET', `/v5/${pid}/image/registries/images?limit=10&offset=10`);
      assert.equal(page1.total_num, rows.length);
      assert.deepEqual([...page1.data_list, ...page2.data_list].map((r) => r.id).sort(), rows.map((r) => r.id).sort());
    });

    it("another project's registry is 404 here, and its images never show", async () => {
      const identity = t.runtime.services.identity;
      const other = (await identity.createProject('openhss', 'registries-other')).id;
      const carol = await identity.createUser({ domainName: 'openhss', userName: 'carol-registries', password: 'carol-password', projectIds: [other] });
      const carolToken = (await t.runtime.services.auth.issueFor(carol.id, other, ['token'])).token;
      const added = await call('POST', `/v5/${other}/image/registries`, { registry_name: 'open', registry_type: 'Harbor', url: open.url }, carolToken);
      assert.equal(added.statusCode, 200, added.body);
      const theirs = (added.json() as RegistryItem).id;
      for (const [method, suffix] of [['GET', ''], ['PUT', ''], ['DELETE', ''], ['POST', '/sync']] as const) {
        const res = await call(method, `/v5/${pid}/image/registries/${theirs}${suffix}`, method === 'PUT' ? { registry_password: 'x' } : undefined);
        assert.equal(res.statusCode, 404, `${method}: ${res.body}`);
        assert.equal(res.json().error_code, 'HSS.0011');
      }
      const forbidden = await call('GET', `/v5/${other}/image/registries`);
      assert.equal(forbidden.statusCode, 403);
      const mine = await ok<{ data_list: RegistryItem[] }>('GET', `/v5/${pid}/image/registries?limit=200`);
      assert.ok(!mine.data_list.some((r) => r.id === theirs));
      assert.equal((await list(`registry_id=${theirs}`)).total_num, 0);
    });

    it('deleting a registry takes its images out of the list and keeps them as history', async () => {
      const count = (await list(`registry_id=${ids.team}`)).total_num;
      assert.ok(count > 0);
      await ok('DELETE', `/v5/${pid}/image/registries/${ids.team}`);
      assert.equal((await call('GET', `/v5/${pid}/image/registries/${ids.team}`)).statusCode, 404);
      assert.equal((await list(`registry_id=${ids.team}`)).total_num, 0);
      const kept = await t.runtime.database.db.selectFrom('image_assets').select('removed_at').where('registry_id', '=', ids.team!).execute();
      assert.equal(kept.length, count);
      assert.ok(kept.every((r) => r.removed_at !== null));
    });

    it('a tag without a linux/amd64 image stays listed as failed, with the reason; the sync still succeeds', async () => {
      const armOnly = buildIndex([await buildImage({ architecture: 'arm64', layers: [{ 'etc/arm': 'arm only\n' }] })]);
      await new ImagePusher(agent, open.url).pushIndex('arm/only', '1', armOnly);
      const done = await sync(ids.open!);
      assert.equal(done.sync_status, 'idle');
      assert.match(done.sync_failed_reason, /arm\/only:1/);
      const [row] = (await list(`registry_id=${ids.open}&namespace=arm`)).data_list;
      assert.ok(row);
      assert.equal(row.image_digest, armOnly.manifest.digest);
      assert.equal(row.scan_status, 'failed');
      assert.match(row.scan_failed_desc, /linux\/amd64/);
    });

    it('passwords never appear in a response, and are stored only sealed', async () => {
      for (const body of bodies) {
        assert.ok(!body.includes(PASSWORD), `a response holds the password: ${body.slice(0, 200)}`);
        assert.ok(!body.includes(WRONG_PASSWORD), `a response holds a password: ${body.slice(0, 200)}`);
      }
      const rows = await t.runtime.database.db.selectFrom('registries').selectAll().execute();
      assert.ok(rows.some((r) => r.secret_ciphertext !== null));
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(PASSWORD) && !dump.includes(WRONG_PASSWORD), 'a registry row holds a password in clear');
      assert.ok(!dump.includes(Buffer.from(PASSWORD).toString('base64')), 'a registry row holds a password merely encoded');
      const jobs = JSON.stringify(await t.runtime.database.db.selectFrom('image_assets').selectAll().execute());
      assert.ok(!jobs.includes(PASSWORD) && !jobs.includes(WRONG_PASSWORD));
    });
  });
}
