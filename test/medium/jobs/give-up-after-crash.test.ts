import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import { registerJobHandlers } from '../../../src/jobs/handlers.js';
import type { JobKind, JobQueue } from '../../../src/jobs/queue.js';
import { wireStarters } from '../../../src/runtime/starters.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { DEBIAN_12_OS_RELEASE, dpkgStatus } from '../../support/agent-fixture-root.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, uploadInventory } from '../../support/hosts.js';
import { buildImage, ImagePusher } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type RunningRegistry } from '../../support/oci-registry.js';
import { waitFor } from '../../support/queue-workers.js';

const LEASE_MS = 2000;
/** The bar (issue 13): a job whose last try dies with its worker ends its work within its lease plus a minute. */
const BOUND_MS = LEASE_MS + 60_000;

/**
 * "A worker took the job on its last try and died": the job row as a killed
 * worker leaves it (active, no tries left, nobody renewing the lease), made
 * directly in the queue's table, since no real worker holds these production
 * kinds here. test/medium/job-queue-exhaustion.test.ts shows a real SIGKILL
 * leaves exactly this. Then nothing is done but wait for the work's own
 * record (task, item, hosts) to end with the reason.
 */
async function dieOnLastTry(t: TestApp, kind: JobKind): Promise<number> {
  const db = t.runtime.database.db;
  if (t.runtime.database.dialect === 'sqlite') {
    const now = Date.now();
    const r = await db
      .updateTable('jobs')
      .set((eb) => ({ state: 'active', attempts: eb.ref('max_attempts'), locked_by: 'a-worker-that-died', lease_until: now + LEASE_MS, updated_at: now }))
      .where('kind', '=', kind)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
  const boss = sql.raw(`"${t.config.database.schema}_boss"`);
  const r = await sql`update ${boss}.job set state = 'active', started_on = now(), retry_count = retry_limit where name = ${kind} and state in ('created', 'retry')`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

for (const backend of backends) {
  describe(`a job whose worker died on its last try ends its work with the reason within the lease plus a minute (${backend})`, () => {
    let t: TestApp;
    let queue: JobQueue;
    let registry: RunningRegistry;
    const guarded = loopbackOnlyDispatcher();
    const pid = () => t.account.project.id;
    const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: { 'x-auth-token': t.token }, ...(payload === undefined ? {} : { payload: payload as object }) });
    /** Waits for `probe`, and checks the wait from the death stayed within the bar. */
    const endsWithin = async <T>(what: string, diedAt: number, probe: () => Promise<T | undefined>) => {
      const value = await waitFor(what, probe, BOUND_MS + 30_000);
      const elapsed = Date.now() - diedAt;
      assert.ok(elapsed <= BOUND_MS, `${what}: ${elapsed} ms after the death (bound ${BOUND_MS} ms)`);
      return value;
    };

    before(async () => {
      t = await createTestApp(backend);
      // This process runs no job of these kinds (a dead worker held them); it runs their give-ups, as any worker would.
      queue = createJobQueue(t.runtime.database, { concurrency: 2, leaseMs: LEASE_MS, pollIntervalMs: 100 });
      wireStarters(t.runtime, queue);
      const giveUpsOnly: JobQueue = Object.assign(Object.create(queue) as JobQueue, { work: () => undefined });
      registerJobHandlers(giveUpsOnly, { logger: pino({ level: 'silent' }), ...t.runtime.services });
      await queue.start();
      registry = await startRegistry();
    });
    after(async () => {
      await queue?.stop(1000);
      await t?.close();
      await registry?.stop();
      await guarded.dispatcher.close();
    });

    it('an export: the task fails with the reason', async () => {
      const created = await call('POST', `/v5/${pid()}/vul/export?category=host&type=linux_vul&export_size=10`);
      assert.equal(created.statusCode, 200, created.body);
      const taskId = (created.json() as { task_id: string }).task_id;
      assert.equal(await dieOnLastTry(t, 'export.run'), 1);
      const diedAt = Date.now();
      const view = await endsWithin('the export to fail', diedAt, async () => {
        const v = (await call('GET', `/v5/${pid()}/export-task/${taskId}`)).json() as { task_status: string; failed_reason: string };
        return v.task_status === 'running' ? undefined : v;
      });
      assert.equal(view.task_status, 'failure');
      assert.match(view.failed_reason, /export failed on every try: lease expired \(worker died\)/);
    });

    it('an IaC scan: the task finishes with its files failed, with the reason', async () => {
      const upload = await call('POST', `/v5/${pid()}/openhss/iac-files`, { files: [{ file_name: 'web.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n' }] });
      assert.equal(upload.statusCode, 200, upload.body);
      const fileIds = (upload.json() as { data_list: Array<{ file_id: string }> }).data_list.map((f) => f.file_id);
      const created = await call('POST', `/v5/${pid()}/common/task`, { task_type: 'iac_scan', iac_scan_info: { file_type: 'k8s_yaml', file_id_list: fileIds } });
      assert.equal(created.statusCode, 200, created.body);
      const taskId = (created.json() as { task_id: string }).task_id;
      assert.equal(await dieOnLastTry(t, 'commontask.run'), 1);
      const diedAt = Date.now();
      const resources = await endsWithin('the IaC task to finish', diedAt, async () => {
        const view = await t.runtime.services.commonTasks.get(pid(), taskId);
        if (view.task.task_status !== 'finished') return undefined;
        return (await t.runtime.services.commonTasks.resources(pid(), taskId, {}, { offset: 0, limit: 10 })).resources;
      });
      assert.equal(resources.length, 1);
      assert.equal(resources[0]!.scan_status, 'failed');
      assert.match(resources[0]!.failed_reason, /the scan failed on every try: lease expired \(worker died\)/);
    });

    it('an image of an image scan task: the image fails with the reason and the task finishes', async () => {
      const pusher = new ImagePusher(guarded.dispatcher, registry.url);
      await pusher.pushImage('shop/web', '1.0', await buildImage({ layers: [{ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus('3.0.11-1~deb12u2') }] }));
      const added = await t.runtime.services.registries.add(pid(), { enterpriseProjectId: '0', name: 'local', registryType: 'Harbor', url: registry.url });
      await t.runtime.services.registries.syncNow(pid(), added.id);
      const created = await call('POST', `/v5/${pid()}/image/image-scan/tasks`, { is_all: true });
      assert.equal(created.statusCode, 200, created.body);
      const taskId = String(created.headers['x-openhss-task-id']);
      // Handed to the queue (as every process's dispatcher does), then its worker dies on the last try.
      await t.runtime.services.imageScans.dispatch();
      assert.equal(await dieOnLastTry(t, 'imagescan.image'), 1);
      const diedAt = Date.now();
      const items = await endsWithin('the image scan task to finish', diedAt, async () => {
        await t.runtime.services.imageScans.dispatch();
        const task = await t.runtime.database.db.selectFrom('image_scan_tasks').select('status').where('id', '=', taskId).executeTakeFirstOrThrow();
        if (task.status === 'running') return undefined;
        return t.runtime.database.db.selectFrom('image_scan_task_items').select(['scan_status', 'failed_reason']).where('task_id', '=', taskId).execute();
      });
      assert.deepEqual(items.map((i) => i.scan_status), ['failed']);
      assert.match(items[0]!.failed_reason, /the scan failed on every try: lease expired \(worker died\)/);
    });

    it("a scan shard: its hosts fail with the reason, the task's counts stay exact, and it finishes", async () => {
      const agent = await enroll(t.app, await createEnrolmentToken(t.app, pid(), t.token), identity('crash-host'));
      assert.equal((await uploadInventory(t.app, agent, inventoryOf([deb('curl', '7.88.1-10+deb12u3')]))).statusCode, 200);
      const created = await call('POST', `/v5/${pid()}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'all_host' });
      assert.equal(created.statusCode, 200, created.body);
      const taskId = (created.json() as { task_id: string }).task_id;
      // The plan job queues the shards (here, by hand, as a worker would); the shard's worker dies on the last try.
      assert.equal(await t.runtime.services.vulScans.planShards(taskId), 1);
      assert.equal(await dieOnLastTry(t, 'vulscan.shard'), 1);
      const diedAt = Date.now();
      const task = await endsWithin('the scan task to finish', diedAt, async () => {
        const row = await t.runtime.database.db.selectFrom('vul_scan_tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
        return row.status === 'finished' ? row : undefined;
      });
      assert.deepEqual([task.host_num, task.scanning_host_num, task.success_host_num, task.failed_host_num], [1, 0, 0, 1]);
      const host = await t.runtime.database.db.selectFrom('vul_scan_task_hosts').select(['scan_status', 'failed_reasons']).where('task_id', '=', taskId).executeTakeFirstOrThrow();
      assert.equal(host.scan_status, 'failed');
      assert.match(host.failed_reasons, /the scan of this host failed on every try: lease expired \(worker died\)/);
    });
  });
}
