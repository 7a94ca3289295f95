import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { imageContentHash } from '../../../src/agent/image-content-hash.js';
import type { EnrollResponse, ImageReport, InventoryDocument } from '../../../src/agent/protocol.js';
import { ImageQueryInfoSchema } from '../../../src/api/routes/v5/image-scan-tasks.js';
import { DEBIAN_12_OS_RELEASE, dpkgStatus } from '../../support/agent-fixture-root.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { agentAuth, createEnrolmentToken, DEBIAN_12, enroll, identity, npm } from '../../support/hosts.js';
import { buildImage, ImagePusher, type BuiltImage } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type RunningRegistry } from '../../support/oci-registry.js';

const VULNERABLE = '3.0.11-1~deb12u2';
const FIXED = '3.0.13-1~deb12u1';
const base = (openssl: string) => ({ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus(openssl) });
const app = (name: string) => ({ [`srv/${name}/README`]: `${name}\n` });
const ALL_SCOPE = 0x7fffffff;
const BASELINE_ONLY = 0x0000f000;
const NOT_SUPPORTED = ['baseline check', 'malicious files', 'sensitive information', 'software compliance'];

type Row = Record<string, unknown>;

/**
 * Image scan tasks as HSS clients drive them: is_all over nothing, every
 * scan_scope, query_info selecting exactly what the lists show, stops that
 * leave other tasks' results alone, and local images addressed by the ids
 * their list shows, never mixed with registry images of the same digest.
 */
for (const dialect of backends) {
  describe(`image scan task fidelity (${dialect})`, () => {
    let t: TestApp;
    let alpha: RunningRegistry;
    let beta: RunningRegistry;
    const guarded = loopbackOnlyDispatcher();
    const jobs: Array<{ taskId: string; assetId: string }> = [];
    const registryIds: Record<string, string> = {};
    let host: EnrollResponse;
    let webOne: BuiltImage;
    let webTwo: BuiltImage;
    const headers = () => ({ 'x-auth-token': t.token });
    const project = () => t.account.project.id;

    async function drain(): Promise<void> {
      for (let round = 0; round < 20; round++) {
        await t.runtime.services.imageScans.dispatch();
        if (jobs.length === 0) return;
        for (const job of jobs.splice(0)) await t.runtime.services.imageScans.runItem(job.taskId, job.assetId);
      }
    }
    const createTask = (body: object, globalImageType = 'registry') =>
      t.app.inject({ method: 'POST', url: `/v5/${project()}/image/image-scan/tasks?global_image_type=${globalImageType}`, headers: headers(), payload: body });
    const taskCount = async () => (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/tasks?type=image_scan&limit=10`, headers: headers() })).json().total_num as number;
    const taskRow = async (taskId: string): Promise<Row> => {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/tasks?type=image_scan&task_id=${taskId}`, headers: headers() });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data_list[0];
    };
    const taskImages = async (taskId: string): Promise<Row[]> => {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/image-scan/tasks/${taskId}/images`, headers: headers() });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data_list;
    };
    const stop = async (taskId: string) => {
      const res = await t.app.inject({ method: 'PUT', url: `/v5/${project()}/image/image-scan/tasks/${taskId}/stop`, headers: headers() });
      assert.equal(res.statusCode, 200, res.body);
    };
    const listUrl = (type: 'registry' | 'local') => (type === 'registry' ? 'image/registries/images' : 'image/local-repositories');
    const listed = async (type: 'registry' | 'local', query = ''): Promise<Row[]> => {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${project()}/${listUrl(type)}?limit=200${query}`, headers: headers() });
      assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
      return res.json().data_list;
    };
    const registryRow = async (name: string, version: string, registry = 'alpha') =>
      (await listed('registry', `&registry_name=${registry}`)).find((r) => r.image_name === name && r.image_version === version)!;

    const reportLocal = async (images: Array<{ name: string; version: string; imageId: string; digest: string; inventory: InventoryDocument; container?: string }>) => {
      const report: ImageReport = {
        collected_at: Date.now(),
        warnings: [],
        images: images.map((i) => ({
          image_id: i.imageId,
          image_digest: i.digest,
          repo_tags: [{ name: i.name, version: i.version }],
          size: 5_000_000,
          created: Date.UTC(2024, 0, 1),
          source: 'docker',
          containers: i.container ? [{ id: `id-${i.container}`, name: i.container, pod_id: 'pod-1', pod_name: 'pod-one', namespace: 'default', cluster_id: 'cluster-1' }] : [],
          content_hash: imageContentHash(i.inventory),
          inventory: i.inventory,
        })),
      };
      const res = await t.app.inject({
        method: 'POST',
        url: '/agent/v1/images',
        headers: { ...agentAuth(host), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: gzipSync(JSON.stringify(report)),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().applied, true, res.body);
    };

    before(async () => {
      t = await createTestApp(dialect);
      [alpha, beta] = await Promise.all([startRegistry(), startRegistry()]);
      webOne = await buildImage({ layers: [base(VULNERABLE), app('web')] });
      webTwo = await buildImage({ layers: [base(FIXED), app('web')] });
      const api = await buildImage({ layers: [base(VULNERABLE), app('api'), app('api-extra')] });
      const db = await buildImage({ layers: [base(FIXED), app('db')] });
      const a = new ImagePusher(guarded.dispatcher, alpha.url);
      await a.pushImage('shop/web', '1.0', webOne);
      await a.pushImage('shop/web', '2.0', webTwo);
      await a.pushImage('shop/api', '1.0', api);
      const b = new ImagePusher(guarded.dispatcher, beta.url);
      await b.pushImage('tools/web', '1.0', webOne);
      await b.pushImage('other/db', '3', db);
      t.runtime.services.imageScans.useStarter(async (taskId, assetId) => {
        jobs.push({ taskId, assetId });
      });
      for (const [name, type, url] of [['alpha', 'Harbor', alpha.url], ['beta', 'Other', beta.url]] as const) {
        const added = await t.runtime.services.registries.add(project(), { enterpriseProjectId: '0', name, registryType: type, url });
        registryIds[name] = added.id;
        await t.runtime.services.registries.checked(added.id);
        await t.runtime.services.registries.syncNow(project(), added.id);
      }
      host = await enroll(t.app, await createEnrolmentToken(t.app, project(), t.token), identity('node-a', { ips: ['10.0.0.7'] }));
      const lodash: InventoryDocument = { os: DEBIAN_12, packages: [npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json')] };
      await reportLocal([
        // A `docker save` tarball: no repository digest, so its digest is its image id, the config digest of alpha's shop/web:1.0.
        { name: 'tarball/web', version: 'saved', imageId: webOne.config.digest, digest: webOne.config.digest, inventory: lodash },
        // Pulled from alpha: its repository digest is the registry's manifest digest of shop/web:2.0.
        { name: `${alpha.host}/shop/web`, version: '2.0', imageId: webTwo.config.digest, digest: webTwo.manifest.digest, inventory: { os: DEBIAN_12, packages: [] }, container: 'web-2' },
      ]);
    });

    after(async () => {
      await t?.close();
      await Promise.all([alpha?.stop(), beta?.stop()]);
      await guarded.dispatcher.close();
    });

    it('is_all with nothing to select answers 200 and creates no task', async () => {
      const before = await taskCount();
      for (const [body, type] of [
        [{ is_all: true, query_info: { image_name: 'no-such-image' } }, 'registry'],
        [{ is_all: true }, 'cicd'],
        [{ is_all: true, query_info: { host_name: 'no-such-host' } }, 'local'],
      ] as const) {
        const res = await createTask(body, type);
        assert.equal(res.statusCode, 200, `${type} ${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.body, '');
        assert.equal(res.headers['x-openhss-task-id'], undefined, 'no task');
      }
      assert.equal(await taskCount(), before);
      // Naming nothing in image_info is still the client's error.
      assert.equal((await createTask({})).statusCode, 400);
    });

    it('scan_scope: all (0x7fffffff) runs vulnerabilities and records the other modules as not supported; a module alone is recorded, not run; 0 is refused', async () => {
      const web = await registryRow('web', '1.0');
      const all = await createTask({ scan_scope: ALL_SCOPE, image_info: [{ id: web.id }] });
      assert.equal(all.statusCode, 200, all.body);
      const allId = String(all.headers['x-openhss-task-id']);
      await drain();
      const row = await taskRow(allId);
      assert.equal(row.task_status, 100);
      assert.equal(row.scan_scope, ALL_SCOPE);
      assert.equal(row.success_num, 1, 'the vulnerability part ran');
      assert.deepEqual(row.not_supported, NOT_SUPPORTED);
      assert.match(String(row.failed_reason), /not supported: baseline check, malicious files, sensitive information, software compliance/);
      const [item] = await taskImages(allId);
      assert.equal(item!.scan_status, 'success');
      assert.deepEqual(item!.not_supported, NOT_SUPPORTED);
      assert.equal((await registryRow('web', '1.0')).scan_status, 'success');
      assert.ok(Number((await registryRow('web', '1.0')).vul_num) > 0);

      const before = await registryRow('db', '3', 'beta');
      const baseline = await createTask({ scan_scope: BASELINE_ONLY, image_info: [{ id: before.id }] });
      assert.equal(baseline.statusCode, 200, baseline.body);
      const baselineId = String(baseline.headers['x-openhss-task-id']);
      const baselineRow = await taskRow(baselineId);
      assert.equal(baselineRow.task_status, 100, 'nothing to run: the task is done');
      assert.deepEqual(baselineRow.not_supported, ['baseline check']);
      assert.equal(baselineRow.failed_num, 1);
      const [baselineItem] = await taskImages(baselineId);
      assert.match(String(baselineItem!.failed_reason), /not supported: baseline check/);
      assert.equal((await registryRow('db', '3', 'beta')).scan_status, before.scan_status, "the image's own status is untouched");
      await drain();
      assert.equal(jobs.length, 0);

      for (const single of [0x000f0000, 0x00000f00, 0x000000f0, 0x0000000f]) {
        const res = await createTask({ scan_scope: single, image_info: [{ id: before.id }] });
        assert.equal(res.statusCode, 200, `${single}: ${res.body}`);
        await stop(String(res.headers['x-openhss-task-id']));
      }
      const none = await createTask({ scan_scope: 0, image_info: [{ id: web.id }] });
      assert.equal(none.statusCode, 400);
      assert.match(none.json().error_msg, /scan_scope/);
    });

    it('every query_info field selects exactly what the list with the same filter shows, for registry and local images', async () => {
      const web = await registryRow('web', '1.0');
      const scannedAt = Number(web.latest_scan_time);
      const sizes = (await listed('registry')).map((r) => Number(r.image_size)).sort((x, y) => x - y);
      const values: Record<string, string | number | boolean> = {
        local_image_type: 'other_image',
        registry_name: 'alpha',
        registry_id: registryIds.alpha!,
        host_id: host.host_id,
        host_name: 'node',
        public_ip: '10.0.0.7',
        private_ip: '10.0.0.7',
        cluster_id: 'cluster-1',
        container_id: 'id-web-2',
        container_name: 'web',
        pod_id: 'pod-1',
        pod_name: 'pod-one',
        app_name: 'openssl',
        has_vul: true,
        namespace: 'shop',
        image_name: 'web',
        image_version: '1.0',
        image_type: 'harbor',
        scan_status: 'success',
        image_size: sizes[Math.floor(sizes.length / 2)]!,
        start_latest_update_time: 1,
        end_latest_update_time: Date.UTC(2030, 0, 1),
        start_latest_scan_time: scannedAt,
        end_latest_scan_time: scannedAt,
      };
      const fields = Object.keys(ImageQueryInfoSchema.properties);
      assert.deepEqual([...fields].sort(), Object.keys(values).sort(), 'the test covers every query_info field');
      const selections: Record<string, number> = {};
      for (const type of ['registry', 'local'] as const) {
        for (const field of fields) {
          const value = values[field]!;
          const wanted = (await listed(type, `&${field}=${encodeURIComponent(String(value))}`)).map((r) => String(r.id)).sort();
          const res = await createTask({ is_all: true, query_info: { [field]: value } }, type);
          assert.equal(res.statusCode, 200, `${type} ${field}: ${res.body}`);
          const taskId = res.headers['x-openhss-task-id'];
          const got = taskId ? (await taskImages(String(taskId))).map((r) => String(r.id)).sort() : [];
          assert.deepEqual(got, wanted, `${type} query_info.${field}=${String(value)} selects what the list shows`);
          selections[`${type}.${field}`] = got.length;
          if (taskId) await stop(String(taskId));
        }
      }
      // The filters really select: one registry's images, not every registry's.
      const alphaImages = (await listed('registry')).filter((r) => r.registry_name === 'alpha').length;
      assert.equal(selections['registry.registry_name'], alphaImages);
      assert.ok(alphaImages > 0 && alphaImages < (await listed('registry')).length);
      assert.equal(selections['registry.image_name'], 3, 'shop/web:1.0, shop/web:2.0 and tools/web:1.0');
      assert.equal(selections['local.container_id'], 1);
      assert.equal(selections['local.host_name'], 2);
    });

    it('stopping a task ends only its own open images; an image shows its latest completed scan', async () => {
      const all = (await listed('registry')).map((r) => String(r.id));
      const slow = await createTask({ is_all: true, rate_limit: 1 });
      const slowId = String(slow.headers['x-openhss-task-id']);
      const slowItems = await taskImages(slowId);
      assert.equal(slowItems.length, all.length);
      // Scan the slow task's last image in a task of its own.
      const target = String(slowItems[slowItems.length - 1]!.id);
      const quick = await createTask({ image_info: [{ id: Number(target) }] });
      const quickId = String(quick.headers['x-openhss-task-id']);
      // The slow task's one token of the hour goes to its first image; the quick task scans the target.
      await drain();
      assert.equal((await taskRow(quickId)).task_status, 100);
      const byId = async () => new Map((await listed('registry')).map((r) => [String(r.id), r]));
      assert.equal((await byId()).get(target)!.scan_status, 'success');
      // A third task has another image waiting while the slow one stops.
      const keeper = String(slowItems[slowItems.length - 2]!.id);
      const held = await createTask({ image_info: [{ id: Number(keeper) }] });
      const heldId = String(held.headers['x-openhss-task-id']);

      await stop(slowId);
      const after = await byId();
      assert.equal(after.get(target)!.scan_status, 'success', "another task's fresh result stays");
      assert.equal(after.get(keeper)!.scan_status, 'waiting_for_scan', 'an image another running task has open keeps its state');
      for (const item of await taskImages(slowId)) {
        if (item.started_at === 0) assert.equal(item.scan_status, 'image_scan_stop', "the stopped task's own pending images end stopped");
      }
      assert.deepEqual((await taskImages(quickId)).map((i) => i.scan_status), ['success'], "the other task's items are untouched");
      for (const [id, row] of after) {
        if (id === keeper) continue;
        const everScanned = Number(row.latest_scan_time) > 0;
        if (everScanned) assert.notEqual(row.scan_status, 'image_scan_stop', `${String(row.image_name)}:${String(row.image_version)} shows its latest completed scan`);
        else assert.equal(row.scan_status, 'image_scan_stop');
      }
      await stop(heldId);
      assert.notEqual((await byId()).get(keeper)!.scan_status, 'waiting_for_scan');
    });

    it('local images carry the id the other routes take, and never mix with a registry image of the same digest', async () => {
      const local = await listed('local');
      const tarball = local.find((r) => r.image_name === 'tarball/web')!;
      assert.equal(typeof tarball.id, 'number', 'the local list returns an id');
      const vulsOf = async (ref: string, query = '') => {
        const res = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/${ref}/vulnerabilities?limit=200${query}`, headers: headers() });
        return res;
      };
      const byId = await vulsOf(String(tarball.id));
      assert.equal(byId.statusCode, 200, byId.body);
      assert.deepEqual([...new Set(byId.json().data_list.map((r: Row) => r.app_name))], ['lodash']);
      // Its digest is the registry image's image id: looked up by it, the tarball's own rows come back.
      const byDigest = await vulsOf(webOne.config.digest);
      assert.equal(byDigest.statusCode, 200, byDigest.body);
      assert.deepEqual([...new Set(byDigest.json().data_list.map((r: Row) => r.app_name))], ['lodash']);
      const asRegistry = await vulsOf(webOne.config.digest, '&image_type=registry');
      assert.equal(asRegistry.statusCode, 200, asRegistry.body);
      assert.ok(asRegistry.json().data_list.every((r: Row) => r.app_name !== 'lodash'));
      // A pulled image's repository digest is the registry's manifest digest: without image_type it is ambiguous.
      const ambiguous = await vulsOf(webTwo.manifest.digest);
      assert.equal(ambiguous.statusCode, 400, ambiguous.body);
      assert.match(ambiguous.json().error_msg, /image_type/);
      assert.equal((await vulsOf(webTwo.manifest.digest, '&image_type=local')).statusCode, 200);

      const exportOf = (ids: string[]) =>
        t.app.inject({ method: 'POST', url: `/v5/${project()}/image/local-vulnerability/export?export_size=100`, headers: headers(), payload: { image_id_list: ids } });
      const listedId = await exportOf([String(tarball.id)]);
      assert.equal(listedId.statusCode, 200, listedId.body);
      assert.equal(listedId.json().record_total_num, byId.json().total_num);
      const byImageId = await exportOf([String(tarball.image_id)]);
      assert.equal(byImageId.statusCode, 200, byImageId.body);
      assert.equal(byImageId.json().record_total_num, byId.json().total_num);
      const registryImage = await registryRow('web', '1.0');
      const wrongType = await exportOf([String(registryImage.id)]);
      assert.equal(wrongType.statusCode, 404, wrongType.body);
      assert.match(wrongType.json().error_msg, /image_id_list/);
    });
  });
}
