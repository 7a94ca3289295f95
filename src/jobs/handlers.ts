import type { Logger } from '../observability/logger.js';
import type { HostVulMatcher } from '../services/host-vul-matcher.js';
import type { VulScanService } from '../services/vul-scan-service.js';
import type { JobQueue } from './queue.js';

export interface HandlerDependencies {
  logger: Logger;
  vulScans: VulScanService;
  matcher: HostVulMatcher;
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
  queue.work('vulscan.task', async (job) => {
    await deps.vulScans.runTask(job.payload.taskId);
  });
  queue.work('hosts.rematch', async (job) => {
    const { hosts } = await deps.matcher.rematchAll();
    deps.logger.info({ jobId: job.id, hosts, reason: job.payload.reason }, 'stored host inventories re-matched');
  });
}
