import type { Logger } from '../observability/logger.js';
import type { HostVulMatcher } from '../services/host-vul-matcher.js';
import type { VulScanService } from '../services/vul-scan-service.js';
import type { JobQueue } from './queue.js';
import type { ExportService } from '../services/export-service.js';
import type { ImageScanService } from '../services/images/image-scan-service.js';
import type { ImageContentService } from '../services/images/image-content-service.js';
import type { CommonTaskService } from '../services/jobs/common-task-service.js';
import type { RegistryService } from '../services/images/registry-service.js';
import { logVulnDbUpdate, type VulnDbUpdater } from '../services/vulndb-updater.js';
import type { OverviewService } from '../services/overview-service.js';

export interface HandlerDependencies {
  logger: Logger;
  vulScans: VulScanService;
  matcher: HostVulMatcher;
  exports: ExportService;
  imageScans: ImageScanService;
  imageContents: ImageContentService;
  commonTasks: CommonTaskService;
  registries: RegistryService;
  vulnDbUpdater: VulnDbUpdater;
  overview: OverviewService;
}

/**
 * The explicit list of job handlers a worker runs. Each feature adds its
 * kind to ./kinds.ts and one line here.
 */
export function registerJobHandlers(queue: JobQueue, deps: HandlerDependencies): void {
  // The overview's snapshot of the day follows what a job found; its failure never fails the job.
  const snapshot = () => deps.overview.recordSnapshots().catch((err: unknown) => deps.logger.warn({ err }, 'overview snapshot not written'));
  queue.work('system.noop', async (job) => {
    const holdMs = Math.min(60_000, Math.max(0, job.payload.holdMs ?? 0));
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    deps.logger.info({ jobId: job.id, note: job.payload.note }, 'noop job ran');
  });
  queue.work('vulscan.task', async (job) => {
    if ((await deps.vulScans.planShards(job.payload.taskId)) === 0) await snapshot();
  });
  queue.work('vulscan.shard', async (job) => {
    if (await deps.vulScans.runShard(job.payload.taskId, job.payload.shard)) await snapshot();
  });
  // A job that failed for good ends its work with the reason (at least once: each of these is idempotent).
  queue.onExhausted('vulscan.shard', (job) => deps.vulScans.giveUpShard(job.payload.taskId, job.payload.shard, `the scan of this host failed on every try: ${job.lastError ?? 'unknown error'}`));
  queue.onExhausted('vulscan.task', (job) => deps.vulScans.giveUpTask(job.payload.taskId, `the scan task could not be started: ${job.lastError ?? 'unknown error'}`));
  queue.onExhausted('export.run', (job) => deps.exports.giveUp(job.payload.taskId, `export failed on every try: ${job.lastError ?? 'unknown error'}`));
  queue.onExhausted('commontask.run', (job) => deps.commonTasks.giveUp(job.payload.taskId, `the scan failed on every try: ${job.lastError ?? 'unknown error'}`));
  queue.onExhausted('imagescan.image', (job) => deps.imageScans.giveUpItem(job.payload.taskId, job.payload.assetId, `the scan failed on every try: ${job.lastError ?? 'unknown error'}`));
  queue.work('imagescan.image', async (job) => {
    await deps.imageScans.runItem(job.payload.taskId, job.payload.assetId, job.signal);
  });
  queue.work('commontask.run', async (job) => {
    try {
      await deps.commonTasks.runTask(job.payload.taskId, job.signal);
    } catch (err) {
      // The last try gives up: the task ends with its open resources failed, never running for good.
      if (job.attempt >= job.payload.maxAttempts) await deps.commonTasks.giveUp(job.payload.taskId, `the scan failed: ${(err as Error).message}`);
      throw err;
    }
  });
  queue.work('images.rematch', async (job) => {
    const images = await deps.imageContents.rematchStale();
    deps.logger.info({ jobId: job.id, images, reason: job.payload.reason }, 'stored image inventories re-matched');
    await snapshot();
  });
  queue.work('export.run', async (job) => {
    await deps.exports.runTask(job.payload.taskId, job.attempt, job.payload.maxAttempts, job.signal);
  });
  queue.work('registry.sync', async (job) => {
    const outcome = await deps.registries.runSync(job.payload.projectId, job.payload.registryId);
    deps.logger.info({ jobId: job.id, registryId: job.payload.registryId, status: outcome?.status ?? 'deleted', images: outcome?.images, removed: outcome?.removed }, 'registry synced');
  });
  queue.work('vulndb.update', async (job) => {
    const result = await deps.vulnDbUpdater.run();
    if (result === 'busy') deps.logger.info({ jobId: job.id }, 'vulnerability DB update skipped: another process in this data directory is updating it');
    else logVulnDbUpdate(deps.logger, job.id, result);
  });
  queue.work('hosts.rematch', async (job) => {
    const { hosts } = await deps.matcher.rematchAll();
    deps.logger.info({ jobId: job.id, hosts, reason: job.payload.reason }, 'stored host inventories re-matched');
    await snapshot();
  });
}
