import type { JobQueue } from '../jobs/queue.js';
import type { Runtime } from './runtime.js';

/**
 * Tells every service that starts work in the background how: by queueing
 * a job. Any process that may create tasks (server, worker, CLI) calls this
 * once; the job kinds and their retry budgets are decided here.
 */
export function wireStarters(runtime: Runtime, queue: JobQueue): void {
  const { services } = runtime;
  services.vulScans.useStarter(async (taskId) => {
    await queue.enqueue('vulscan.task', { taskId }, { maxAttempts: 5 });
  });
  services.exports.useStarter(async (taskId, maxAttempts) => {
    await queue.enqueue('export.run', { taskId, maxAttempts }, { maxAttempts });
  });
  services.registries.useStarter(async (projectId, registryId) => {
    await queue.enqueue('registry.sync', { projectId, registryId }, { maxAttempts: 2 });
  });
  services.commonTasks.useStarter(async (taskId) => {
    await queue.enqueue('commontask.run', { taskId, maxAttempts: 3 }, { maxAttempts: 3 });
  });
  services.imageScans.useStarter(async (taskId, assetId) => {
    await queue.enqueue('imagescan.image', { taskId, assetId }, { maxAttempts: 3 });
  });
  services.vulnDbUpdater.useStarter((singletonKey) =>
    queue.enqueue('vulndb.update', { reason: 'requested' }, { singletonKey, maxAttempts: 1, leaseMs: 30 * 60_000 }),
  );
}
