import type { Logger } from '../observability/logger.js';
import type { JobQueue } from './queue.js';

export interface HandlerDependencies {
  logger: Logger;
}

/**
 * The explicit list of job handlers a worker runs. Each feature adds its
 * kind to ./kinds.ts and one line here.
 */
export function registerJobHandlers(queue: JobQueue, deps: HandlerDependencies): void {
  queue.work('system.noop', async (job) => {
    const holdMs = Math.min(60_000, Math.max(0, job.payload.holdMs ?? 0));
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    deps.logger.info({ jobId: job.id, note: job.payload.note }, 'noop job ran');
  });
}
