import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ImageAsset } from '../../../src/domain/image.js';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { DEBIAN_12_OS_RELEASE, dpkgStatus } from '../../support/agent-fixture-root.js';
import { buildImage, buildTar, ImagePusher, sha256, type BuiltImage } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type RunningRegistry } from '../../support/oci-registry.js';

const VULNERABLE = '3.0.11-1~deb12u2';
const FIXED = '3.0.13-1~deb12u1';
// The demo DB's one openssl advisory: fixed in bookworm by 3.0.13-1~deb12u1.
const OPENSSL_CVE = 'CVE-2023-5678';

const base = (openssl: string) => ({ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus(openssl) });
const app = (name: string) => ({ [`srv/${name}/README`]: `${name}\n` });

interface Pushed {
  repository: string;
  tag: string;
  image: BuiltImage;
}

for (const dialect of backends) {
  describe(`image scan tasks (${dialect})`, () => {
    let t: TestApp;
    let registry: RunningRegistry;
    let pusher: ImagePusher;
    const guarded = loopbackOnlyDispatcher();
    const jobs: Array<{ taskId: string; assetId: string }> = [];
    let pushed: Pushed[];
    const headers = () => ({ 'x-auth-token': t.token });
    const project = () => t.account.project.id;

    async function push(repository: string, tag: string, image: BuiltImage): Promise<Pushed> {
      await pusher.pushImage(repository, tag, image);
      return { repository, tag, image };
    }

    /** Runs the dispatcher and every job it queued until nothing moves: what the queue does in production. */
    async function drain(): Promise<void> {
      for (let round = 0; round < 20; round++) {
        await t.runtime.services.imageScans.dispatch();
        if (jobs.length === 0) return;
        for (const job of jobs.splice(0)) await t.runtime.services.imageScans.runItem(job.taskId, job.assetId);
      }
    }

    async function createTask(body: object, globalImageType = 'registry') {
      return t.app.inject({ method: 'POST', url: `/v5/${project()}/image/image-scan/tasks?global_image_type=${globalImageType}`, headers: headers(), payload: body });
    }

    async function taskRow(taskId: string) {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/tasks?type=image_scan&task_id=${taskId}`, headers: headers() });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data_list[0];
    }

    async function registryImages(query = ''): Promise<Array<Record<string, unknown>>> {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/registries/images?limit=200${query}`, headers: headers() });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data_list;
    }

    async function assets(): Promise<ImageAsset[]> {
      return (await t.runtime.services.registries.listImages({ projectId: project(), enterpriseProjectIds: null }, { offset: 0, limit: 1000 })).images;
    }

    before(async () => {
      t = await createTestApp(dialect, { images: { maxImageSizeBytes: 64 * 1024 } });
      registry = await startRegistry();
      pusher = new ImagePusher(guarded.dispatcher, registry.url);
      const vulnerable = await buildImage({ layers: [base(VULNERABLE), app('web')] });
      const fixed = await buildImage({ layers: [base(FIXED), app('web')] });
      const apiImage = await buildImage({ layers: [base(VULNERABLE), app('api')] });
      const big = await buildImage({ layers: [base(FIXED), { 'srv/big/blob': randomBytes(200_000) }] });
      pushed = [
        await push('shop/web', '1.0', vulnerable),
        await push('shop/web', '2.0', fixed),
        // Same digest under another tag: scanned once.
        await push('shop/web', 'stable', vulnerable),
        await push('shop/api', '1.0', apiImage),
        await push('shop/big', '1.0', big),
      ];
      t.runtime.services.imageScans.useStarter(async (taskId, assetId) => {
        jobs.push({ taskId, assetId });
      });
      const added = await t.runtime.services.registries.add(project(), { enterpriseProjectId: '0', name: 'local', registryType: 'Harbor', url: registry.url });
      await t.runtime.services.registries.syncNow(project(), added.id);
    });

    after(async () => {
      await t?.close();
      await registry?.stop();
      await guarded.dispatcher.close();
    });

    it('is_all with query_info scans exactly the images the list shows for that filter; the rest stay unscan', async () => {
      const listed = await registryImages('&image_name=web');
      assert.deepEqual(listed.map((i) => `${i.namespace}/${i.image_name}:${i.image_version}`).sort(), ['shop/web:1.0', 'shop/web:2.0', 'shop/web:stable']);
      assert.equal((await registryImages('&registry_name=local')).length, pushed.length);
      assert.equal((await registryImages('&registry_name=loc')).length, 0, 'registry_name is exact');
      const res = await createTask({ is_all: true, query_info: { image_name: 'web' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.body, '');
      const taskId = String(res.headers['x-openhss-task-id']);
      assert.ok(taskId);
      await t.runtime.services.imageScans.dispatch();
      // Three images, two digests: the twin with the same digest rides on one scan.
      assert.equal(jobs.length, 2);
      await drain();
      const row = await taskRow(taskId);
      assert.equal(row.task_status, 100);
      assert.equal(row.total_num, 3);
      assert.equal(row.success_num, 3);
      assert.equal(row.failed_num, 0);
      assert.equal(row.risky_num, 2, 'web:1.0 and web:stable carry the vulnerable openssl');
      const byName = new Map((await assets()).map((a) => [`${a.imageName}:${a.imageVersion}`, a]));
      for (const tag of ['1.0', '2.0', 'stable']) assert.equal(byName.get(`web:${tag}`)!.scanStatus, 'success');
      assert.equal(byName.get('api:1.0')!.scanStatus, 'unscan');
      assert.equal(byName.get('big:1.0')!.scanStatus, 'unscan');
      const webDigest = pushed[0]!.image.manifest.digest;
      assert.equal(byName.get('web:1.0')!.imageDigest, webDigest);

      const vulns = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/${byName.get('web:stable')!.id}/vulnerabilities?image_type=registry`, headers: headers() });
      assert.equal(vulns.statusCode, 200, vulns.body);
      const rows = vulns.json().data_list as Array<Record<string, unknown>>;
      assert.deepEqual(rows.map((r) => `${r.vul_id} ${r.app_name} ${r.version} ${r.fixed_version}`).sort(), [`${OPENSSL_CVE} libssl3 ${VULNERABLE} ${FIXED}`, `${OPENSSL_CVE} openssl ${VULNERABLE} ${FIXED}`]);
      const clean = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/${byName.get('web:2.0')!.id}/vulnerabilities`, headers: headers() });
      assert.equal(clean.json().total_num, 0);

      const images = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/vulnerability/${OPENSSL_CVE}/images?global_image_type=registry&app_name=openssl`, headers: headers() });
      assert.equal(images.statusCode, 200, images.body);
      assert.deepEqual((images.json().data_list as Array<Record<string, unknown>>).map((r) => r.image_version).sort(), ['1.0', 'stable']);
    });

    it('handling survives a re-scan of the same digest', async () => {
      const web = (await assets()).find((a) => a.imageName === 'web' && a.imageVersion === '1.0')!;
      const change = await t.app.inject({
        method: 'PUT',
        url: `/v5/${project()}/image/vulnerability/handle-status`,
        headers: headers(),
        payload: { image_id_list: [web.id], vul_id_list: [OPENSSL_CVE], handle_status: 'handled' },
      });
      assert.equal(change.statusCode, 200, change.body);
      assert.equal(change.json().changed_num, 2);
      const res = await createTask({ image_info: [{ id: Number(web.id) }] });
      assert.equal(res.statusCode, 200, res.body);
      await drain();
      const rows = (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/${web.id}/vulnerabilities?handle_status=handled`, headers: headers() })).json();
      assert.equal(rows.total_num, 2);
    });

    it('rate_limit spaces the images by 3600/rate seconds across dispatch rounds (injected clock)', async () => {
      const perHour = 4;
      const res = await createTask({ is_all: true, query_info: { image_type: 'harbor' }, rate_limit: perHour });
      assert.equal(res.statusCode, 200, res.body);
      const taskId = String(res.headers['x-openhss-task-id']);
      const started = t.clock.current;
      const interval = 3_600_000 / perHour;
      const total = (await taskRow(taskId)).total_num as number;
      assert.equal(total, 5);
      const distinctDigests = new Set(pushed.map((p) => p.image.manifest.digest)).size;
      const dispatchTimes: number[] = [];
      for (let step = 0; step <= (distinctDigests + 1) * 4; step++) {
        await t.runtime.services.imageScans.dispatch();
        for (const job of jobs.splice(0)) {
          dispatchTimes.push(t.clock.current - started);
          await t.runtime.services.imageScans.runItem(job.taskId, job.assetId);
        }
        if ((await taskRow(taskId)).task_status === 100) break;
        t.clock.advance(interval / 4);
      }
      // One scan per distinct digest, the first at once and each next a full interval later.
      assert.deepEqual(dispatchTimes, Array.from({ length: distinctDigests }, (_, i) => i * interval));
      const row = await taskRow(taskId);
      assert.equal(row.task_status, 100);
      assert.equal(row.end_time - row.begin_time, (distinctDigests - 1) * interval);
      assert.equal(row.rate_limit, perHour);
    });

    it('an image over the size limit is image_oversized and one gone from the registry is download_failed, each with a reason', async () => {
      const bigDigest = pushed[4]!.image.manifest.digest;
      const api = pushed[3]!;
      const del = await guarded.dispatcher.request({ origin: registry.url, path: `/v2/${api.repository}/manifests/${api.image.manifest.digest}`, method: 'DELETE' });
      await del.body.dump();
      assert.equal(del.statusCode, 202);
      const res = await createTask({ is_all: true, query_info: { image_name: 'i' } });
      assert.equal(res.statusCode, 200, res.body);
      const taskId = String(res.headers['x-openhss-task-id']);
      await drain();
      const byName = new Map((await assets()).map((a) => [a.imageName, a]));
      assert.equal(byName.get('big')!.imageDigest, bigDigest);
      assert.equal(byName.get('big')!.scanStatus, 'image_oversized');
      assert.match(byName.get('big')!.scanFailedReason, /over the 65536-byte limit/);
      assert.equal(byName.get('api')!.scanStatus, 'download_failed');
      assert.match(byName.get('api')!.scanFailedReason, /shop\/api/);
      const row = await taskRow(taskId);
      assert.equal(row.failed_num, 2);
      assert.deepEqual(row.failed_images.map((f: { image_name: string }) => f.image_name).sort(), ['api', 'big']);
    });

    it('a truncated layer fails the scan with a reason and stores nothing for the image', async () => {
      const tar = await buildTar(base(VULNERABLE));
      const whole = gzipSync(tar);
      const truncated = whole.subarray(0, Math.floor(whole.length / 2));
      const image = await buildImage({ layers: [base(VULNERABLE)] });
      const layer = { ...image.layers[0]!, bytes: truncated, size: truncated.length, digest: sha256(truncated) };
      const config = JSON.parse(image.config.bytes.toString()) as { rootfs: { diff_ids: string[] } };
      config.rootfs.diff_ids = [sha256(tar)];
      const configBytes = Buffer.from(JSON.stringify(config));
      const configBlob = { ...image.config, bytes: configBytes, size: configBytes.length, digest: sha256(configBytes) };
      const manifest = JSON.parse(image.manifest.bytes.toString()) as { config: object; layers: object[] };
      manifest.config = { mediaType: configBlob.mediaType, digest: configBlob.digest, size: configBlob.size };
      manifest.layers = [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }];
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      await push('shop/broken', '1.0', { ...image, layers: [layer], config: configBlob, manifest: { ...image.manifest, bytes: manifestBytes, size: manifestBytes.length, digest: sha256(manifestBytes) } });
      const reg = (await t.runtime.services.registries.list(project(), { enterpriseProjectIds: null }, { offset: 0, limit: 10 })).registries[0]!;
      await t.runtime.services.registries.syncNow(project(), reg.id);
      const res = await createTask({ image_info: [{ namespace: 'shop', image_name: 'broken', image_version: '1.0' }] });
      assert.equal(res.statusCode, 200, res.body);
      await drain();
      const broken = (await assets()).find((a) => a.imageName === 'broken')!;
      assert.equal(broken.scanStatus, 'failed');
      assert.ok(broken.scanFailedReason.length > 0);
      const vulns = await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/${broken.id}/vulnerabilities`, headers: headers() });
      assert.equal(vulns.json().total_num, 0);
    });

    it('stop ends the images not yet scanned as image_scan_stop', async () => {
      const res = await createTask({ is_all: true, query_info: { image_name: 'web' }, rate_limit: 1 });
      const taskId = String(res.headers['x-openhss-task-id']);
      await drain();
      const stop = await t.app.inject({ method: 'PUT', url: `/v5/${project()}/image/image-scan/tasks/${taskId}/stop`, headers: headers() });
      assert.equal(stop.statusCode, 200, stop.body);
      const row = await taskRow(taskId);
      assert.equal(row.task_status, -1);
      const items = (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/image-scan/tasks/${taskId}/images`, headers: headers() })).json().data_list as Array<{ scan_status: string; image_digest: string }>;
      // The one token of the hour went to the first image; its digest's images are scanned, the rest stopped.
      const first = items[0]!;
      assert.equal(first.scan_status, 'success');
      for (const item of items) assert.equal(item.scan_status, item.image_digest === first.image_digest ? 'success' : 'image_scan_stop');
      assert.ok(items.some((i) => i.scan_status === 'image_scan_stop'));
    });

    it('an image whose worker died mid-scan on every try ends failed after an hour, and its task finishes', async () => {
      const web = (await assets()).find((a) => a.imageName === 'web' && a.imageVersion === '2.0')!;
      const res = await createTask({ image_info: [{ id: Number(web.id) }] });
      const taskId = String(res.headers['x-openhss-task-id']);
      await t.runtime.services.imageScans.dispatch();
      assert.equal(jobs.length, 1);
      jobs.splice(0);
      // The job started the scan, then its process was killed (and so were its retries).
      await t.runtime.database.db.updateTable('image_scan_task_items').set({ scan_status: 'scanning', started_at: t.clock.current }).where('task_id', '=', taskId).execute();
      t.clock.advance(30 * 60_000);
      await t.runtime.services.imageScans.dispatch();
      assert.equal((await taskRow(taskId)).task_status, 0, 'still running half an hour in');
      t.clock.advance(31 * 60_000);
      await t.runtime.services.imageScans.dispatch();
      const row = await taskRow(taskId);
      assert.equal(row.task_status, 100);
      assert.equal(row.failed_num, 1);
      assert.match(row.failed_images[0].failed_reason, /did not finish within an hour/);
    });

    it('a scheduled image scan (task_type cycle) covers what query_info selects at each run, once per slot', async () => {
      const hour = (new Date(t.clock.current).getUTCHours() + 2) % 24;
      const bad = await t.app.inject({
        method: 'POST',
        url: `/v5/${project()}/openhss/job-schedules`,
        headers: headers(),
        payload: { task_type: 'image_scan', image_scan_info: { scan_scope: 0 }, period: 'daily', hour: 3, minute: 0 },
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error_msg, /scan_scope/);
      const created = await t.app.inject({
        method: 'POST',
        url: `/v5/${project()}/openhss/job-schedules`,
        headers: headers(),
        // Two hours ahead of the test clock (UTC), so the run comes within the session token's lifetime whatever the time of day.
        payload: { task_type: 'image_scan', task_name: 'nightly web', image_scan_info: { global_image_type: 'registry', query_info: { image_name: 'web' } }, period: 'daily', hour, minute: 0 },
      });
      assert.equal(created.statusCode, 200, created.body);
      const next = created.json().next_run_time as number;
      assert.ok(next > t.clock.current && next <= t.clock.current + 2 * 3_600_000, 'the next run is the coming slot at that hour');
      const cycles = async () => (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/tasks?type=image_scan&task_type=cycle`, headers: headers() })).json();
      assert.deepEqual(await t.runtime.services.jobSchedules.tick(), []);
      t.clock.current = next + 30_000;
      const first = await t.runtime.services.jobSchedules.tick();
      assert.equal(first.length, 1);
      assert.deepEqual(await t.runtime.services.jobSchedules.tick(), [], 'the slot runs once');
      const listed = await cycles();
      assert.equal(listed.total_num, 1);
      assert.equal(listed.data_list[0].task_name, 'nightly web');
      assert.equal(listed.data_list[0].total_num, (await registryImages('&image_name=web')).length);
      await drain();
      assert.equal((await taskRow(first[0]!)).task_status, 100);
    });

    it('registries are synced again once the interval has passed since their last sync started', async () => {
      const synced: string[] = [];
      t.runtime.services.registries.useStarter(async (projectId, id) => {
        synced.push(id);
        await t.runtime.services.registries.runSync(projectId, id);
      });
      const hour = 60 * 60_000;
      // The earlier tests moved the clock hours on: the one registry is due now, then not for an hour.
      assert.equal(await t.runtime.services.registries.syncDue(hour), 1);
      assert.equal(await t.runtime.services.registries.syncDue(hour), 0, 'synced a moment ago');
      t.clock.advance(hour - 60_000);
      assert.equal(await t.runtime.services.registries.syncDue(hour), 0, 'not yet');
      t.clock.advance(2 * 60_000);
      assert.equal(await t.runtime.services.registries.syncDue(hour), 1);
      assert.equal(synced.length, 2);
      assert.equal(await t.runtime.services.registries.syncDue(hour), 0, 'and not again until the next interval');
      assert.equal((await registryImages()).length, (await assets()).length);
    });

    it('refuses bad requests with an HSS error naming the field, and creates nothing', async () => {
      const before = (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/tasks?type=image_scan&limit=200`, headers: headers() })).json().total_num;
      const cases: Array<[object, number, RegExp]> = [
        [{}, 400, /image_info/],
        [{ image_info: [] }, 400, /image_info/],
        [{ image_info: [{ id: 99999999 }] }, 404, /image_info\[0\]/],
        [{ image_info: [{ image_name: 'web', image_version: '9.9' }] }, 404, /image_info\[0\]/],
        [{ is_all: true, rate_limit: 1001 }, 400, /rate_limit/],
        [{ is_all: true, rate_limit: -1 }, 400, /rate_limit/],
        [{ is_all: true, scan_scope: 0 }, 400, /scan_scope/],
        [{ is_all: true, query_info: { scan_status: 'bogus' } }, 400, /scan_status/],
      ];
      for (const [body, status, message] of cases) {
        const res = await createTask(body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        assert.match(res.json().error_msg, message, JSON.stringify(body));
        assert.match(res.json().error_code, /^HSS\./);
      }
      const wrongType = await createTask({ is_all: true }, 'cicd');
      assert.equal(wrongType.statusCode, 200, 'no CI/CD images exist yet: nothing to scan, and no task');
      const after = (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/tasks?type=image_scan&limit=200`, headers: headers() })).json().total_num;
      assert.equal(after, before);
      const other = await t.app.inject({ method: 'GET', url: `/v5/someone-elses-project/image/tasks?type=image_scan`, headers: headers() });
      assert.equal(other.statusCode, 403);
    });
  });
}
