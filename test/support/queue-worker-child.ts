/**
 * A job worker in a process of its own, for tests that kill or freeze a
 * worker. It works the `test.crash` kind and leaves marker files in
 * WORKER_MARKER_DIR: `started-<attempt>-<pid>` when a job starts, and
 * `aborted-<attempt>-<pid>` (holding the abort reason) when a hanging job's
 * signal fires. WORKER_MODE=hang keeps every job running until its signal
 * aborts; WORKER_MODE=complete finishes it at once.
 *
 * Settings come from the environment: WORKER_DB_URL, WORKER_DB_SCHEMA and
 * WORKER_DATA_DIR (as createTestDatabase reports them) and WORKER_LEASE_MS.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connect.js';
import { createJobQueue } from '../../src/jobs/create-queue.js';

declare module '../../src/jobs/kinds.js' {
  interface JobPayloads {
    'test.crash': { label: string };
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const markerDir = required('WORKER_MARKER_DIR');
const mode = required('WORKER_MODE');
const leaseMs = Number(process.env.WORKER_LEASE_MS ?? 2000);

const database = openDatabase({ url: required('WORKER_DB_URL'), dataDir: required('WORKER_DATA_DIR'), schema: required('WORKER_DB_SCHEMA'), poolSize: 2 });
const queue = createJobQueue(database, { concurrency: 1, leaseMs, pollIntervalMs: 100, maintenanceIntervalSeconds: 1 });

queue.work('test.crash', async (job) => {
  writeFileSync(join(markerDir, `started-${job.attempt}-${process.pid}`), job.payload.label);
  if (mode !== 'hang') return;
  const reason = await new Promise<unknown>((resolve) => job.signal.addEventListener('abort', () => resolve(job.signal.reason), { once: true }));
  writeFileSync(join(markerDir, `aborted-${job.attempt}-${process.pid}`), reason instanceof Error ? reason.message : String(reason));
});
await queue.start();

process.on('SIGTERM', () => {
  void queue
    .stop(2000)
    .then(() => database.close())
    .then(() => process.exit(0));
});

// A test runner that dies without cleaning up must not leave this worker behind.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
