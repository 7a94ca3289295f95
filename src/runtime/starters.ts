import type { JobQueue } from '../jobs/queue.js';
import type { Runtime } from './runtime.js';

/**
 * Tells every service that starts work in the background how: by queueing
 * a job. Any process that may create tasks (server, worker, CLI) calls this
 * once; the job kinds and their retry budgets are decided here.
 */
export function wireStarters(runtime: Runtime, queue: JobQueue): void {
  const { services } = runtime;
  // Work whose every try fails (or whose worker dies on the last) is given up through the kind's
  // exhaustion handler (jobs/handlers.ts): its task ends with a reason within the lease, not at a sweep.
  services.vulScans.useStarter(
    async (taskId) => {
      await queue.enqueue('vulscan.task', { taskId }, { maxAttempts: 5, reportExhaustion: true });
    },
    async (taskId, shard) => {
      // Keyed, so a re-planned task (its plan job retried) queues no shard twice.
      await queue.enqueue('vulscan.shard', { taskId, shard }, { maxAttempts: 5, singletonKey: `vulscan.shard:${taskId}:${shard}`, reportExhaustion: true });
    },
  );
  services.exports.useStarter(async (taskId, maxAttempts) => {
    await queue.enqueue('export.run', { taskId, maxAttempts }, { maxAttempts, reportExhaustion: true });
  });
  services.registries.useStarter(async (projectId, registryId) => {
    await queue.enqueue('registry.sync', { projectId, registryId }, { maxAttempts: 2 });
  });
  services.commonTasks.useStarter(async (taskId) => {
    await queue.enqueue('commontask.run', { taskId, maxAttempts: 3 }, { maxAttempts: 3, reportExhaustion: true });
  });
  services.imageScans.useStarter(async (taskId, assetId) => {
    // Keyed, so an image offered again (its dispatch never confirmed) is never queued twice.
    await queue.enqueue('imagescan.image', { taskId, assetId }, { maxAttempts: 3, singletonKey: `imagescan.image:${taskId}:${assetId}`, reportExhaustion: true });
  });
  services.vulnDbUpdater.useStarter((singletonKey) =>
    queue.enqueue('vulndb.update', { reason: 'requested' }, { singletonKey, maxAttempts: 1, leaseMs: 30 * 60_000 }),
  );
}
