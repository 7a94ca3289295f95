import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './databases.js';

const WORKER_CHILD = fileURLToPath(new URL('./queue-worker-child.ts', import.meta.url));

/** Polls `probe` until it returns something, or fails naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A job worker in a child process over the test database (see queue-worker-child.ts for the modes). */
export function spawnQueueWorker(testDb: TestDatabase, options: { markers: string; mode: 'hang' | 'complete'; leaseMs: number }): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', WORKER_CHILD], {
    env: {
      ...process.env,
      WORKER_DB_URL: testDb.url,
      WORKER_DB_SCHEMA: testDb.schema,
      WORKER_DATA_DIR: testDb.dataDir,
      WORKER_MARKER_DIR: options.markers,
      WORKER_MODE: options.mode,
      WORKER_LEASE_MS: String(options.leaseMs),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
