import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobQueue } from '../../src/jobs/create-queue.js';
import { LEASE_EXPIRED_ERROR, type ExhaustedJob, type JobQueue } from '../../src/jobs/queue.js';
import { backends, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { spawnQueueWorker, waitFor } from '../support/queue-workers.js';

declare module '../../src/jobs/kinds.js' {
  interface JobPayloads {
    'test.crash': { label: string };
    'test.failing': { label: string };
  }
}

const LEASE_MS = 2000;
/** The bar: a job whose last try died with its worker is given up within its lease plus a minute. */
const GIVE_UP_BOUND_MS = LEASE_MS + 60_000;

describe('job queue: a job that failed for good is given up through its exhaustion handler', { concurrency: true }, () => {
  for (const backend of backends) {
    describe(`exhaustion (${backend})`, { concurrency: false }, () => {
      let testDb: TestDatabase;
      let queue: JobQueue;
      const children: ChildProcess[] = [];
      const markers = mkdtempSync(join(tmpdir(), 'openhss-exhaust-'));
      const crashed: Array<ExhaustedJob<'test.crash'>> = [];
      const failing: Array<ExhaustedJob<'test.failing'>> = [];
      const failingRuns: string[] = [];

      before(async () => {
        testDb = await createTestDatabase(backend);
        // This process runs only give-ups of test.crash (never test.crash itself), and test.failing with its give-ups.
        // The default maintenance interval is what a deployment runs, so it is what is measured.
        queue = createJobQueue(testDb.database, { concurrency: 2, leaseMs: LEASE_MS, pollIntervalMs: 100 });
        queue.onExhausted('test.crash', async (job) => void crashed.push(job));
        queue.work('test.failing', async (job) => {
          failingRuns.push(`${job.payload.label}:${job.attempt}`);
          throw new Error(`boom ${job.payload.label}`);
        });
        queue.onExhausted('test.failing', async (job) => void failing.push(job));
        await queue.start();
      });
      after(async () => {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await queue.stop(1000);
        await testDb.cleanup();
        rmSync(markers, { recursive: true, force: true });
      });

      it('a worker killed with SIGKILL on the last try: the give-up runs within the lease plus a minute, with the payload and the reason', async () => {
        const id = await queue.enqueue('test.crash', { label: 'last-try' }, { leaseMs: LEASE_MS, maxAttempts: 1, reportExhaustion: true });
        assert.ok(id);
        const doomed = spawnQueueWorker(testDb, { markers, mode: 'hang', leaseMs: LEASE_MS });
        children.push(doomed);
        await waitFor('the worker to start the job', () => readdirSync(markers).find((f) => f === `started-1-${doomed.pid}`), 120_000);
        const exited = new Promise((resolve) => doomed.once('exit', resolve));
        doomed.kill('SIGKILL');
        await exited;
        const killedAt = Date.now();
        const gaveUp = await waitFor('the give-up of the killed job', () => crashed[0], GIVE_UP_BOUND_MS + 30_000);
        const elapsed = Date.now() - killedAt;
        assert.deepEqual(gaveUp.payload, { label: 'last-try' });
        assert.equal(gaveUp.kind, 'test.crash');
        assert.equal(gaveUp.lastError, LEASE_EXPIRED_ERROR);
        assert.ok(elapsed <= GIVE_UP_BOUND_MS, `given up ${elapsed} ms after the kill (bound: lease + 60 s = ${GIVE_UP_BOUND_MS} ms)`);
        const job = await queue.get(id);
        assert.equal(job?.state, 'failed');
        assert.equal(crashed.length, 1, 'given up once');
      });

      it('a handler that throws on every try: one give-up after the last try, with its error; a job that did not ask has none', async () => {
        const quiet = await queue.enqueue('test.failing', { label: 'quiet' }, { maxAttempts: 1, backoffMs: 100 });
        const loud = await queue.enqueue('test.failing', { label: 'loud' }, { maxAttempts: 2, backoffMs: 100, reportExhaustion: true });
        assert.ok(quiet && loud);
        const gaveUp = await waitFor('the give-up of the failing job', () => failing[0], 60_000);
        assert.deepEqual(gaveUp.payload, { label: 'loud' });
        assert.equal(gaveUp.lastError, 'boom loud');
        assert.deepEqual(failingRuns.filter((r) => r.startsWith('loud')), ['loud:1', 'loud:2']);
        await waitFor('the quiet job to fail', async () => ((await queue.get(quiet))?.state === 'failed' ? true : undefined), 60_000);
        // A give-up of the quiet job would have been queued with its failure, before the loud one's second try ran.
        assert.deepEqual(failing.map((j) => j.payload.label), ['loud']);
      });
    });
  }
});
