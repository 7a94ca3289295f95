import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, uploadInventory } from '../../support/hosts.js';
import { waitFor } from '../../support/queue-workers.js';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import { registerJobHandlers } from '../../../src/jobs/handlers.js';
import type { JobQueue } from '../../../src/jobs/queue.js';
import { wireStarters } from '../../../src/runtime/starters.js';

const SHARD = 3;
const HOSTS = 10;

/** The task's counters as stored, and the same counted again from its hosts' rows. */
async function countsAndRecount(t: TestApp, taskId: string) {
  const db = t.runtime.database.db;
  const task = await db.selectFrom('vul_scan_tasks').select(['status', 'host_num', 'scanning_host_num', 'success_host_num', 'failed_host_num']).where('id', '=', taskId).executeTakeFirstOrThrow();
  const rows = await db.selectFrom('vul_scan_task_hosts').select(['scan_status', (eb) => eb.fn.countAll<number>().as('n')]).where('task_id', '=', taskId).groupBy('scan_status').execute();
  const by = Object.fromEntries(rows.map((r) => [r.scan_status, Number(r.n)]));
  return {
    stored: { status: task.status, hosts: task.host_num, scanning: task.scanning_host_num, success: task.success_host_num, failed: task.failed_host_num },
    recount: { scanning: by.scanning ?? 0, success: by.success ?? 0, failed: by.failed ?? 0 },
  };
}

for (const backend of backends) {
  describe(`a scan task split into shards of hosts (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let queue: JobQueue | undefined;
    const createTask = async () => {
      const res = await t.app.inject({ method: 'POST', url: `/v5/${pid}/vulnerability/scan-task`, headers: { 'x-auth-token': t.token }, payload: { manual_scan_type: ['linux_vul'], range_type: 'all_host' } });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { task_id: string }).task_id;
    };

    before(async () => {
      t = await createTestApp(backend, { hosts: { scanShardSize: SHARD } });
      pid = t.account.project.id;
      for (let i = 0; i < HOSTS; i++) {
        const agent = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity(`shard-host-${i}`));
        assert.equal((await uploadInventory(t.app, agent, inventoryOf([deb('curl', '7.88.1-10+deb12u3')]))).statusCode, 200);
      }
    });
    after(async () => {
      await queue?.stop(1000);
      await t.close();
    });

    it('a shard run twice, or given up after it ran, counts no host twice; a given-up shard fails only its own open hosts, with the reason', async () => {
      const taskId = await createTask();
      const scans = t.runtime.services.vulScans;
      // Shard 1 (hosts 4-6 by id) fails for good before anything ran: only its hosts fail.
      await scans.giveUpShard(taskId, 1, 'the scan of this host failed on every try: lease expired (worker died)');
      let c = await countsAndRecount(t, taskId);
      assert.deepEqual(c.recount, { scanning: HOSTS - SHARD, success: 0, failed: SHARD });
      assert.deepEqual(c.stored, { status: 'running', hosts: HOSTS, ...c.recount });
      const failed = await t.runtime.database.db.selectFrom('vul_scan_task_hosts').select('failed_reasons').where('task_id', '=', taskId).where('scan_status', '=', 'failed').execute();
      for (const row of failed) assert.match(row.failed_reasons, /lease expired \(worker died\)/);

      assert.equal(await scans.runShard(taskId, 0), false, 'the task is not finished after one shard');
      // A retried job (its first worker died after recording), and a late give-up of a shard that ran: nothing changes.
      await scans.runShard(taskId, 0);
      await scans.giveUpShard(taskId, 0, 'too late');
      c = await countsAndRecount(t, taskId);
      assert.deepEqual(c.recount, { scanning: HOSTS - 2 * SHARD, success: SHARD, failed: SHARD });
      assert.deepEqual(c.stored, { status: 'running', hosts: HOSTS, ...c.recount });

      assert.equal(await scans.runShard(taskId, 2), false);
      assert.equal(await scans.runShard(taskId, 3), true, 'the last open shard finishes the task');
      c = await countsAndRecount(t, taskId);
      assert.deepEqual(c.recount, { scanning: 0, success: HOSTS - SHARD, failed: SHARD });
      assert.deepEqual(c.stored, { status: 'finished', hosts: HOSTS, ...c.recount });
    });

    it('through the job queue: the task queues one job per shard (never twice when planned again), and finishes when all are done', async () => {
      queue = createJobQueue(t.runtime.database, { concurrency: 2, leaseMs: 10_000, pollIntervalMs: 50 });
      wireStarters(t.runtime, queue);
      const shardsRun: string[] = [];
      const scans = t.runtime.services.vulScans;
      const original = scans.runShard.bind(scans);
      scans.runShard = async (taskId, shard) => {
        shardsRun.push(`${taskId}:${shard}`);
        return original(taskId, shard);
      };
      registerJobHandlers(queue, { logger: pino({ level: 'silent' }), ...t.runtime.services });
      const taskId = await createTask();
      // The plan job retried (e.g. its worker died after queueing): the shards are keyed, none is queued twice.
      assert.equal(await scans.planShards(taskId), Math.ceil(HOSTS / SHARD));
      await queue.start();
      const done = await waitFor('the task to finish', async () => {
        const c = await countsAndRecount(t, taskId);
        return c.stored.status === 'finished' ? c : undefined;
      }, 120_000);
      assert.deepEqual(done.recount, { scanning: 0, success: HOSTS, failed: 0 });
      assert.deepEqual(done.stored, { status: 'finished', hosts: HOSTS, ...done.recount });
      // Every shard job completed; each ran once.
      await waitFor('every shard job to be recorded', async () => (shardsRun.length >= Math.ceil(HOSTS / SHARD) ? true : undefined));
      assert.deepEqual(shardsRun.filter((s) => s.startsWith(taskId)).sort(), [0, 1, 2, 3].map((i) => `${taskId}:${i}`));
    });
  });
}
