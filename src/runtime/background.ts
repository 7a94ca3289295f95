import { registerJobHandlers } from '../jobs/handlers.js';
import { PollLoop } from '../jobs/poll-loop.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../observability/logger.js';
import type { Runtime } from './runtime.js';
import { logVulnDbUpdate } from '../services/vulndb-updater.js';
import { queueStartupRematch } from './startup-rematch.js';

export interface Background {
  /** Runs the scan monitor now (e.g. an inventory just arrived). */
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * The work a server or worker does besides answering requests: job
 * handlers, the scan-task monitor (arrived inventories, offline agents,
 * timeouts), the policy scheduler, and re-matching when the vulnerability
 * DB file is replaced. Every part is safe to run in several processes.
 */
export async function startBackground(runtime: Runtime, queue: JobQueue, logger: Logger): Promise<Background> {
  const { services, config } = runtime;
  for (const service of [services.imageScans, services.exports, services.registries]) service.useLogger(logger);
  registerJobHandlers(queue, { logger, ...services });
  await queue.start();
  const onError = (what: string) => (err: unknown) => logger.error({ err }, `${what} failed`);
  const monitor = new PollLoop(() => services.vulScans.monitor(), config.hosts.monitorIntervalMs, onError('scan monitor'));
  const scheduler = new PollLoop(
    async () => {
      for (const task of (await services.scheduler.tick()).created) logger.info(task, 'scheduled vulnerability scan created');
      for (const taskId of await services.jobSchedules.tick((scheduleId, err) => logger.warn({ scheduleId, err }, 'scheduled job not created'))) logger.info({ taskId }, 'scheduled job created');
      // The overview's daily snapshot (its trend): written on the day's first tick, then kept current.
      await services.overview.snapshotIfDue();
      runtime.vulnDb.refresh();
    },
    config.hosts.schedulerIntervalSeconds * 1000,
    onError('policy scheduler'),
  );
  runtime.vulnDb.onChange(() => {
    logger.info({ file: runtime.vulnDb.file }, 'vulnerability DB replaced; re-matching stored inventories');
    queue.enqueue('hosts.rematch', { reason: 'vulnerability DB replaced' }).catch(onError('queueing re-match'));
    queue.enqueue('images.rematch', { reason: 'vulnerability DB replaced' }).catch(onError('queueing image re-match'));
  });
  // A DB file replaced while no process ran is not a change seen here: compare with what stored results were matched against.
  await queueStartupRematch(runtime, queue, logger).catch(onError('start-up re-match check'));
  // The vulnerability DB: due at start when stale or the demo, then once per update interval.
  const vulnDbUpdates = new PollLoop(
    async () => {
      const tick = await services.vulnDbUpdater.tick((singletonKey) =>
        queue.enqueue('vulndb.update', { reason: 'scheduled' }, { singletonKey, maxAttempts: 2, backoffMs: 60_000, leaseMs: 30 * 60_000 }),
      );
      if (tick.action === 'queued') logger.info({ slot: services.vulnDbUpdater.slotKey() }, 'vulnerability DB update queued');
      if (tick.action === 'ran-locally' && tick.result !== 'busy') logVulnDbUpdate(logger, null, tick.result);
    },
    config.hosts.schedulerIntervalSeconds * 1000,
    onError('vulnerability DB update schedule'),
  );
  // Hands waiting images to the queue as rate limits allow, and settles finished image scan tasks.
  const imageDispatcher = new PollLoop(() => services.imageScans.dispatch().then(() => undefined), config.hosts.monitorIntervalMs, onError('image scan dispatcher'));
  // Fails export tasks whose worker was lost and deletes files past retention.
  const housekeeping = new PollLoop(
    async () => {
      await services.exports.sweep();
      // Jobs whose every try crashed end, so none stays running for good.
      await services.commonTasks.sweep();
      if (config.images.registrySyncIntervalMinutes > 0) await services.registries.syncDue(config.images.registrySyncIntervalMinutes * 60_000);
    },
    60_000,
    onError('export and job sweep, periodic registry syncs'),
  );
  // Fails local images whose agents went offline or did not report in time.
  const localReports = new PollLoop(() => services.localImages.expireReports().then(() => undefined), config.hosts.monitorIntervalMs, onError('local image report expiry'));
  services.agents.onInventory(() => monitor.wake(0));
  monitor.start();
  scheduler.start();
  vulnDbUpdates.start();
  housekeeping.start();
  imageDispatcher.start();
  localReports.start();
  return {
    nudge: () => monitor.wake(0),
    async stop() {
      await Promise.all([monitor.halt(), scheduler.halt(), vulnDbUpdates.halt(), housekeeping.halt(), imageDispatcher.halt(), localReports.halt()]);
    },
  };
}
