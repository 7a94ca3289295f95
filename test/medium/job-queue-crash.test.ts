import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobQueue } from '../../src/jobs/create-queue.js';
import type { JobQueue, JobRecord } from '../../src/jobs/queue.js';
import { backends, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { spawnQueueWorker, waitFor } from '../support/queue-workers.js';

declare module '../../src/jobs/kinds.js' {
  interface JobPayloads {
    'test.crash': { label: string };
  }
}

const LEASE_MS = 2000;


// The backends share nothing, so their suites run side by side.
describe('job queue crash recovery', { concurrency: true }, () => {
  for (const backend of backends) {
    describe(`job queue crash recovery (${backend})`, { concurrency: false }, () => {
      let testDb: TestDatabase;
      /** Enqueues and observes; works nothing itself (on PostgreSQL its pg-boss runs the lease maintenance). */
      let queue: JobQueue;
      const children: ChildProcess[] = [];
      const markers = mkdtempSync(join(tmpdir(), 'openhss-crash-'));

      const startWorker = (mode: 'hang' | 'complete') => {
        const child = spawnQueueWorker(testDb, { markers, mode, leaseMs: LEASE_MS });
        children.push(child);
        return child;
      };

      before(async () => {
        testDb = await createTestDatabase(backend);
        queue = createJobQueue(testDb.database, { concurrency: 1, leaseMs: LEASE_MS, pollIntervalMs: 100, maintenanceIntervalSeconds: 1 });
      });
      after(async () => {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await queue.stop(1000);
        await testDb.cleanup();
        rmSync(markers, { recursive: true, force: true });
      });

      it('a worker killed with SIGKILL mid-job loses the job to a new worker after the lease, and the job completes', async () => {
        const id = await queue.enqueue('test.crash', { label: 'survives' }, { leaseMs: LEASE_MS, maxAttempts: 3, backoffMs: 100 });
        assert.ok(id);
        const doomed = startWorker('hang');
        await waitFor('the first worker to start the job', () => readdirSync(markers).find((f) => f === `started-1-${doomed.pid}`));
        assert.equal((await queue.get(id))?.state, 'active');
        const exited = new Promise((resolve) => doomed.once('exit', resolve));
        doomed.kill('SIGKILL');
        await exited;
        assert.equal((await queue.get(id))?.state, 'active', 'the dead worker left the job claimed');

        const rescuer = startWorker('complete');
        const done = await waitFor<JobRecord>('the job to complete on the new worker', async () => {
          const job = await queue.get(id);
          return job?.state === 'completed' ? job : undefined;
        });
        assert.equal(done.attempts, 2, 'the crash cost one attempt');
        assert.equal(done.lastError, null);
        assert.ok(readdirSync(markers).includes(`started-2-${rescuer.pid}`), 'the new worker ran it as attempt 2');
      });
    });
  }
});
