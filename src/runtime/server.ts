import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { Config } from '../config/schema.js';
import { createJobQueue } from '../jobs/create-queue.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { registerVulnDbMetrics } from '../observability/vulndb-metrics.js';
import { logVulnDbAtStart } from '../services/vulndb-updater.js';
import { databaseReadiness } from './readiness.js';
import { openRuntime, type Runtime } from './runtime.js';
import { startBackground, type Background } from './background.js';
import { wireStarters } from './starters.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  queue: JobQueue;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops taking requests, lets those in flight finish, stops workers, closes the database. Idempotent. */
  shutdown(): Promise<void>;
}

export function queueOptions(config: Config, logger: Logger) {
  return {
    concurrency: config.queue.concurrency,
    leaseMs: config.queue.leaseSeconds * 1000,
    pollIntervalMs: config.queue.pollIntervalMs,
    logger,
  };
}

/** Opens everything `openhss serve` needs and starts listening. */
export async function startServer(config: Config, logger: Logger, options: { now?: () => number } = {}): Promise<RunningServer> {
  const runtime = await openRuntime(config, options);
  // Image scan tasks, exports and registry checks run in the API process too: they log where it does.
  for (const service of [runtime.services.imageScans, runtime.services.exports, runtime.services.registries]) service.useLogger(logger);
  const queue = createJobQueue(runtime.database, queueOptions(config, logger));
  wireStarters(runtime, queue);
  const metrics = createMetrics(queue);
  registerVulnDbMetrics(metrics.registry, runtime.vulnDb.file, runtime.now);
  const app = await buildApp({
    logger,
    services: runtime.services,
    metrics,
    bodyLimit: config.server.bodyLimitBytes,
    signatureMaxSkewSeconds: config.security.signatureMaxSkewSeconds,
    trustProxy: config.server.trustProxy,
    version: VERSION,
    ...(options.now ? { now: options.now } : {}),
    readiness: databaseReadiness(runtime.database),
  });
  // SQLite has no worker processes of its own, so the server always works its queue.
  let background: Background | undefined;
  if (config.queue.inProcessWorkers || runtime.database.dialect === 'sqlite') background = await startBackground(runtime, queue, logger);
  let address: string;
  try {
    address = await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await background?.stop();
    await queue.stop(0);
    await app.close();
    await runtime.close();
    throw err;
  }
  await logVulnDbAtStart(logger, runtime.services.vulnDbUpdater).catch((err: unknown) => logger.error({ err }, 'reading the vulnerability DB status failed'));
  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      const timeoutMs = config.server.shutdownTimeoutSeconds * 1000;
      logger.info({ timeoutMs }, 'shutting down: no new requests; finishing those in flight');
      await app.close();
      await background?.stop();
      await queue.stop(timeoutMs);
      await runtime.close();
      logger.info('shutdown complete');
    })());
  return { app, runtime, queue, url: address, shutdown };
}
