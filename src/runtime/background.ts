import { registerJobHandlers } from '../jobs/handlers.js';
import { PollLoop } from '../jobs/poll-loop.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../observability/logger.js';
import type { Runtime } from './runtime.js';

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
  registerJobHandlers(queue, { logger, vulScans: services.vulScans, matcher: services.matcher });
  await queue.start();
  const onError = (what: string) => (err: unknown) => logger.error({ err }, `${what} failed`);
  const monitor = new PollLoop(() => services.vulScans.monitor(), config.hosts.monitorIntervalMs, onError('scan monitor'));
  const scheduler = new PollLoop(
    async () => {
      for (const task of (await services.scheduler.tick()).created) logger.info(task, 'scheduled vulnerability scan created');
      runtime.vulnDb.refresh();
    },
    config.hosts.schedulerIntervalSeconds * 1000,
    onError('policy scheduler'),
  );
  runtime.vulnDb.onChange(() => {
    logger.info({ file: runtime.vulnDb.file }, 'vulnerability DB replaced; re-matching stored inventories');
    queue.enqueue('hosts.rematch', { reason: 'vulnerability DB replaced' }).catch(onError('queueing re-match'));
  });
  services.agents.onInventory(() => monitor.wake(0));
  monitor.start();
  scheduler.start();
  return {
    nudge: () => monitor.wake(0),
    async stop() {
      await Promise.all([monitor.halt(), scheduler.halt()]);
    },
  };
}
