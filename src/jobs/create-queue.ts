import type { Database } from '../db/connect.js';
import { PgBossJobQueue } from './pgboss-queue.js';
import type { JobQueue } from './queue.js';
import type { QueueLogger, QueueSettings } from './settings.js';
import { SqliteJobQueue } from './sqlite-queue.js';

export interface CreateQueueOptions extends QueueSettings {
  logger?: QueueLogger;
  /** SQLite only: the clock for run times, backoff and leases (tests). PostgreSQL uses the database's clock. */
  now?: () => number;
  /** PostgreSQL only: how often pg-boss fails jobs whose lease ran out (seconds, at least 1). Default: half the lease, at most 120. */
  maintenanceIntervalSeconds?: number;
}

/** The queue that fits the database: embedded on SQLite, pg-boss (schema `<schema>_boss`) on PostgreSQL. */
export function createJobQueue(database: Database, options: CreateQueueOptions): JobQueue {
  const settings: QueueSettings = { concurrency: options.concurrency, leaseMs: options.leaseMs, pollIntervalMs: options.pollIntervalMs };
  if (database.dialect === 'postgres') {
    if (!database.postgres) throw new Error('a PostgreSQL database without connection settings');
    return new PgBossJobQueue(
      { connectionString: database.postgres.connectionString, schema: `${database.postgres.schema}_boss` },
      options.maintenanceIntervalSeconds === undefined ? settings : { ...settings, maintenanceIntervalSeconds: options.maintenanceIntervalSeconds },
      options.logger,
    );
  }
  return new SqliteJobQueue(database.db, settings, options.logger, options.now);
}
