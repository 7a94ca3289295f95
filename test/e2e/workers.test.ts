import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createJobQueue } from '../../src/jobs/create-queue.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { CLI } from '../support/server-process.js';

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startWorker(testDb: TestDatabase): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: testDb.dataDir,
      OPENHSS_DATA_DIR: testDb.dataDir,
      OPENHSS_DATABASE_URL: testDb.url,
      OPENHSS_DATABASE_SCHEMA: testDb.schema,
      OPENHSS_QUEUE_POLL_INTERVAL_MS: '100',
      OPENHSS_QUEUE_CONCURRENCY: '2',
      OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  return { child, output: () => text, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, context: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ranJobs = (output: string): string[] =>
  output
    .split('\n')
    .filter((l) => l.includes('"noop job ran"'))
    .map((l) => (JSON.parse(l) as { jobId: string }).jobId);

describe('several `openhss worker` processes share one PostgreSQL queue', () => {
  let testDb: TestDatabase;
  let queue: JobQueue;
  const workers: WorkerProcess[] = [];
  before(async () => {
    testDb = await createTestDatabase('postgres');
    queue = createJobQueue(testDb.database, { concurrency: 1, leaseMs: 30_000, pollIntervalMs: 100 });
  });
  after(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await queue.stop(1000);
    await testDb.cleanup();
  });

  it('every job runs exactly once, spread over both workers, and SIGTERM stops them cleanly', async () => {
    workers.push(startWorker(testDb), startWorker(testDb));
    const outputs = () => workers.map((w, i) => `--- worker ${i} (exit ${w.child.exitCode}):\n${w.output()}`).join('\n');
    for (const w of workers) await waitFor('worker start', () => w.output().includes('openhss worker started'), outputs);
    const ids: string[] = [];
    // Each job holds its worker for 100 ms: one worker (2 at a time) would need 2 s, so both must take part.
    for (let i = 0; i < 40; i++) ids.push((await queue.enqueue('system.noop', { note: `job ${i}`, holdMs: 100 }))!);
    await waitFor('all jobs to complete', async () => (await queue.counts()).completed === ids.length, outputs);
    const perWorker = workers.map((w) => ranJobs(w.output()));
    const all = perWorker.flat();
    assert.equal(all.length, ids.length, 'no job ran twice');
    assert.deepEqual([...all].sort(), [...ids].sort());
    for (const [i, jobs] of perWorker.entries()) assert.ok(jobs.length > 0, `worker ${i} ran some of the jobs`);
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) assert.equal(await w.exited, 0);
    for (const w of workers) assert.match(w.output(), /worker stopped/);
  });
});
