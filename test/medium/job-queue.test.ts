import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobQueue, type CreateQueueOptions } from '../../src/jobs/create-queue.js';
import type { JobQueue, JobRecord } from '../../src/jobs/queue.js';
import { backends, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { spawnQueueWorker, waitFor } from '../support/queue-workers.js';

// Each test works kinds of its own, so jobs left over by one test never reach another's handler.
declare module '../../src/jobs/kinds.js' {
  interface JobPayloads {
    'test.echo': { value: number };
    'test.race': { value: number };
    'test.flaky': { failTimes: number; key: string };
    'test.backoff': { key: string };
    'test.unique': { value: number };
    'test.slow': { ms: number };
    'test.block': { key: string };
    'test.later': { key: string };
    'test.crash': { label: string };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


function until(queue: JobQueue, id: string, state: JobRecord['state'], timeoutMs?: number): Promise<JobRecord> {
  return waitFor(
    `job ${id} to be ${state}`,
    async () => {
      const job = await queue.get(id);
      return job?.state === state ? job : undefined;
    },
    timeoutMs,
  );
}

// The backends share nothing, so their suites run side by side; each one's tests run in order.
describe('job queue', { concurrency: true }, () => {
  for (const backend of backends) {
    describe(`job queue (${backend})`, { concurrency: false }, () => {
      let testDb: TestDatabase;
      let queues: JobQueue[] = [];
      const children: ChildProcess[] = [];
      const newQueue = (overrides: Partial<CreateQueueOptions> = {}) => {
        const queue = createJobQueue(testDb.database, { concurrency: 2, leaseMs: 5000, pollIntervalMs: 50, maintenanceIntervalSeconds: 1, ...overrides });
        queues.push(queue);
        return queue;
      };

      before(async () => {
        testDb = await createTestDatabase(backend);
      });
      afterEach(async () => {
        await Promise.all(queues.map((q) => q.stop(2000)));
        queues = [];
      });
      after(async () => {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await testDb.cleanup();
      });

      it('runs a job with its typed payload once, and counts it', async () => {
        const queue = newQueue();
        const seen: Array<{ doubled: number; attempt: number }> = [];
        queue.work('test.echo', async (job) => {
          seen.push({ doubled: job.payload.value * 2, attempt: job.attempt });
        });
        await queue.start();
        const id = await queue.enqueue('test.echo', { value: 21 });
        assert.ok(id);
        const done = await until(queue, id, 'completed');
        assert.deepEqual(seen, [{ doubled: 42, attempt: 1 }]);
        assert.equal(done.kind, 'test.echo');
        assert.equal(done.attempts, 1);
        assert.equal(done.lastError, null);
        const counts = await queue.counts();
        assert.equal(counts.completed, 1);
        assert.equal(counts.active + counts.queued + counts.failed, 0);
      });

      it('retries a failing job with growing delays until it succeeds', async () => {
        const queue = newQueue();
        const tries: Array<{ attempt: number; at: number }> = [];
        queue.work('test.flaky', async (job) => {
          tries.push({ attempt: job.attempt, at: Date.now() });
          if (job.attempt <= job.payload.failTimes) throw new Error(`failure ${job.attempt}`);
        });
        await queue.start();
        const backoffMs = 300;
        const id = (await queue.enqueue('test.flaky', { failTimes: 2, key: 'recovers' }, { maxAttempts: 5, backoffMs }))!;
        const done = await until(queue, id, 'completed');
        assert.equal(done.attempts, 3);
        assert.equal(done.lastError, null);
        assert.deepEqual(tries.map((t) => t.attempt), [1, 2, 3]);
        const [first, second, third] = tries as [(typeof tries)[0], (typeof tries)[0], (typeof tries)[0]];
        // PostgreSQL (pg-boss) rounds the delay up to whole seconds and adds jitter, so only lower bounds hold for both.
        assert.ok(second.at - first.at >= backoffMs * 0.9, `first retry waited ${second.at - first.at} ms`);
        assert.ok(third.at - second.at >= 2 * backoffMs * 0.9, `second retry waited ${third.at - second.at} ms`);
      });

      it('fails a job for good once its attempts are used up, keeping the last error', async () => {
        const queue = newQueue();
        queue.work('test.flaky', async (job) => {
          throw new Error(`broken ${job.payload.key} #${job.attempt}`);
        });
        await queue.start();
        const id = (await queue.enqueue('test.flaky', { failTimes: 99, key: 'hopeless' }, { maxAttempts: 2, backoffMs: 100 }))!;
        const failed = await until(queue, id, 'failed');
        assert.equal(failed.attempts, 2);
        assert.equal(failed.lastError, 'broken hopeless #2');
        assert.equal((await queue.counts()).failed, 1);
      });

      // Only the embedded queue takes an injected clock; pg-boss schedules retries by the database's clock.
      if (backend === 'sqlite') it(
        'waits backoff × 2^(attempt − 1) between tries, by the queue clock',
        async () => {
          let clock = 1_000_000;
          const queue = newQueue({ concurrency: 1, pollIntervalMs: 10, now: () => clock });
          const tries: number[] = [];
          queue.work('test.backoff', async (job) => {
            tries.push(job.attempt);
            throw new Error(`try ${job.attempt}`);
          });
          await queue.start();
          const id = (await queue.enqueue('test.backoff', { key: 'clock' }, { maxAttempts: 3, backoffMs: 60_000 }))!;
          const failedTry = (attempts: number) =>
            waitFor(`try ${attempts} to be recorded`, async () => {
              const job = await queue.get(id);
              return job?.state !== 'active' && job?.attempts === attempts ? job : undefined;
            });

          assert.equal((await failedTry(1)).state, 'queued');
          clock += 59_999;
          await sleep(100);
          assert.deepEqual(tries, [1], 'not retried a millisecond early');
          clock += 1;
          assert.equal((await failedTry(2)).state, 'queued');
          clock += 119_999;
          await sleep(100);
          assert.deepEqual(tries, [1, 2], 'the second delay doubled');
          clock += 1;
          const failed = await failedTry(3);
          assert.equal(failed.state, 'failed');
          assert.equal(failed.lastError, 'try 3');
          assert.deepEqual(tries, [1, 2, 3]);
        },
      );

      it('creates a job for a singleton key at most once, also after it ran', async () => {
        const queue = newQueue();
        queue.work('test.unique', async () => undefined);
        const key = 'slot:project-1:2026-11-23T02:00Z';
        const first = await queue.enqueue('test.unique', { value: 1 }, { singletonKey: key });
        assert.ok(first);
        assert.equal(await queue.enqueue('test.unique', { value: 2 }, { singletonKey: key }), null);
        const other = await queue.enqueue('test.unique', { value: 3 }, { singletonKey: 'slot:project-1:2026-11-24T02:00Z' });
        assert.ok(other);
        assert.notEqual(first, other);
        await queue.start();
        await until(queue, first, 'completed');
        assert.equal(await queue.enqueue('test.unique', { value: 4 }, { singletonKey: key }), null);
      });

      it('stop() waits for a job in flight to finish', async () => {
        const queue = newQueue();
        let finished = false;
        let started!: () => void;
        const startedPromise = new Promise<void>((resolve) => (started = resolve));
        queue.work('test.slow', async (job) => {
          started();
          await sleep(job.payload.ms);
          finished = true;
        });
        await queue.start();
        const id = (await queue.enqueue('test.slow', { ms: 600 }))!;
        await startedPromise;
        await queue.stop(10_000);
        assert.ok(finished, 'the handler ran to the end before stop() returned');
        const done = await newQueue().get(id);
        assert.equal(done?.state, 'completed');
        assert.equal(done?.attempts, 1);
      });

      it('stop() hands a job that outlasts the timeout back to the queue, uncounted, and aborts its handler', async () => {
        const queue = newQueue();
        let signal: AbortSignal | undefined;
        queue.work('test.block', async (job) => {
          signal = job.signal;
          await new Promise((resolve) => job.signal.addEventListener('abort', resolve, { once: true }));
        });
        await queue.start();
        const id = (await queue.enqueue('test.block', { key: 'interrupted' }))!;
        await waitFor('the job to start', () => signal);
        await queue.stop(200);
        assert.equal(signal?.aborted, true);
        assert.match(String((signal?.reason as Error | undefined)?.message), /stopping/);

        const successor = newQueue();
        assert.deepEqual(await successor.get(id), { id, kind: 'test.block', state: 'queued', attempts: 0, lastError: null });
        const attempts: number[] = [];
        successor.work('test.block', async (job) => {
          attempts.push(job.attempt);
        });
        await successor.start();
        const done = await until(successor, id, 'completed');
        assert.deepEqual(attempts, [1], 'the interrupted try was not counted');
        assert.equal(done.attempts, 1);
      });

      it('runs at most `concurrency` jobs at once', async () => {
        const queue = newQueue({ concurrency: 2 });
        let running = 0;
        let mostAtOnce = 0;
        queue.work('test.slow', async (job) => {
          mostAtOnce = Math.max(mostAtOnce, ++running);
          await sleep(job.payload.ms);
          running--;
        });
        const ids = await Promise.all([1, 2, 3, 4].map(() => queue.enqueue('test.slow', { ms: 250 })));
        await queue.start();
        for (const id of ids) await until(queue, id!, 'completed');
        assert.equal(mostAtOnce, 2);
      });

      it('keeps a job that runs longer than its lease, because the worker heartbeats', async () => {
        const queue = newQueue();
        const attempts: number[] = [];
        queue.work('test.slow', async (job) => {
          attempts.push(job.attempt);
          await sleep(job.payload.ms);
        });
        await queue.start();
        // pg-boss leases are whole seconds and its maintenance runs every second here, so PostgreSQL needs the longer run.
        const { leaseMs, ms } = backend === 'postgres' ? { leaseMs: 1000, ms: 2300 } : { leaseMs: 300, ms: 1000 };
        const id = (await queue.enqueue('test.slow', { ms }, { leaseMs }))!;
        const done = await until(queue, id, 'completed');
        assert.equal(done.attempts, 1);
        assert.deepEqual(attempts, [1], 'no other try started while the first was alive');
      });

      it('does not run a job before its runAt', async () => {
        const queue = newQueue();
        let ranAt = 0;
        queue.work('test.later', async () => {
          ranAt = Date.now();
        });
        await queue.start();
        const runAt = Date.now() + 500;
        const id = (await queue.enqueue('test.later', { key: 'later' }, { runAt }))!;
        await until(queue, id, 'completed');
        assert.ok(ranAt >= runAt, `ran ${runAt - ranAt} ms early`);
      });

      it('gives a job whose worker stopped heartbeating to another worker after the lease; the frozen worker lets go when it wakes', async () => {
        const markers = mkdtempSync(join(tmpdir(), 'openhss-frozen-'));
        try {
          const leaseMs = 1000;
          const id = (await newQueue().enqueue('test.crash', { label: 'frozen' }, { leaseMs, maxAttempts: 3, backoffMs: 100 }))!;
          const frozen = spawnQueueWorker(testDb, { markers, mode: 'hang', leaseMs });
          children.push(frozen);
          await waitFor('the child worker to start the job', () => readdirSync(markers).find((f) => f.startsWith('started-1-')));
          // SIGSTOP freezes the worker with its connections open: no heartbeats, no clean-up, like a hung host.
          frozen.kill('SIGSTOP');

          const successor = newQueue();
          const attempts: number[] = [];
          successor.work('test.crash', async (job) => {
            attempts.push(job.attempt);
          });
          await successor.start();
          const done = await until(successor, id, 'completed');
          assert.equal(done.attempts, 2);
          assert.deepEqual(attempts, [2]);

          frozen.kill('SIGCONT');
          const abortedMarker = await waitFor('the woken worker to abort its job', () => readdirSync(markers).find((f) => f.startsWith('aborted-1-')));
          assert.match(readFileSync(join(markers, abortedMarker), 'utf8'), /lease lost/);
          await sleep(300);
          assert.deepEqual(await successor.get(id), { id, kind: 'test.crash', state: 'completed', attempts: 2, lastError: null }, 'the woken worker wrote nothing');
          frozen.kill('SIGKILL');
        } finally {
          rmSync(markers, { recursive: true, force: true });
        }
      });

      it('lets several queues start at once on a fresh database (two workers booting together)', async () => {
        // pg-boss can deadlock when processes create the same queue concurrently; every one must still come up.
        const racers = Array.from({ length: 6 }, () => newQueue());
        for (const q of racers) q.work('test.race', async () => undefined);
        await Promise.all(racers.map((q) => q.start()));
        const ids = await Promise.all(racers.map((q, i) => q.enqueue('test.race', { value: i })));
        for (const id of ids) assert.ok(id);
        for (const id of ids) await until(racers[0]!, id!, 'completed');
      });
    });
  }
});
