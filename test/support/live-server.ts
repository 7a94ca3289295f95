import pino from 'pino';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { DialectName } from '../../src/db/connect.js';
import { startServer, type RunningServer } from '../../src/runtime/server.js';
import type { FirstStartResult } from '../../src/services/identity-service.js';
import type { TestClock } from './app.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface LiveServer {
  server: RunningServer;
  account: FirstStartResult;
  /** The port it listens on, for bringing a server back where its clients expect it. */
  port: number;
  /** The database under it (SQLite file or PostgreSQL schema). */
  database: TestDatabase;
  /** Stops the server but keeps the database, so another live server can start over it (`reuse`). */
  shutdown(): Promise<void>;
  /** Stops the server and, unless a later live server took the database over, removes the database. */
  close(): Promise<void>;
}

export interface LiveServerOptions {
  /** Listen on this port instead of a free one (e.g. the port of a server that was shut down). */
  port?: number;
  /**
   * Start over this live server's database (and data directory) instead of a
   * fresh one, with its first-start account: "the same server, restarted".
   * That server is shut down first, and the new one takes over removing the database.
   */
  reuse?: LiveServer;
  /** Settings of the config's `hosts` section (agents' long-poll wait, offline threshold, …). */
  hosts?: Partial<Config['hosts']>;
}

/** Who removes a database shared by a chain of restarted live servers: the newest of them. */
const databaseOwner = new WeakMap<TestDatabase, LiveServer>();

/** The real server (HTTP on a loopback port, in this process) over a fresh database of the given kind, or a reused one. */
export async function startLiveServer(dialect: DialectName, clock?: TestClock, options: LiveServerOptions = {}): Promise<LiveServer> {
  let testDb: TestDatabase;
  let account: FirstStartResult | null = null;
  if (options.reuse) {
    await options.reuse.shutdown();
    testDb = options.reuse.database;
    account = options.reuse.account;
  } else {
    testDb = await createTestDatabase(dialect, { migrate: false });
    await testDb.database.close();
  }
  const config = validateConfig({
    server: { port: options.port ?? 0 },
    dataDir: testDb.dataDir,
    database: { url: testDb.url, schema: testDb.schema, poolSize: 5 },
    log: { level: 'silent' },
    queue: { pollIntervalMs: 50 },
    // No feed downloads from tests: the scheduled update is tested against a local bucket.
    vulndb: { updateIntervalHours: 0 },
    ...(options.hosts ? { hosts: options.hosts } : {}),
  });
  let server: RunningServer;
  try {
    server = await listen(config, clock);
  } catch (err) {
    if (!options.reuse) await testDb.cleanup();
    throw err;
  }
  account ??= await server.runtime.services.identity.bootstrapIfEmpty();
  if (!account) {
    await server.shutdown();
    throw new Error('startLiveServer: the reused database has no first-start account');
  }
  const live: LiveServer = {
    server,
    account,
    port: Number(new URL(server.url).port),
    database: testDb,
    shutdown: () => server.shutdown(),
    async close() {
      await server.shutdown();
      if (databaseOwner.get(testDb) === live) await testDb.cleanup();
    },
  };
  databaseOwner.set(testDb, live);
  return live;
}

/**
 * startServer, retrying for a while when a fixed port is still taken: a port
 * just given up can be held briefly (e.g. by a client's outgoing connection
 * that happened to get it as its own port).
 */
async function listen(config: Config, clock: TestClock | undefined): Promise<RunningServer> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await startServer(config, pino({ level: 'silent' }), clock ? { now: clock.now } : {});
    } catch (err) {
      if (config.server.port === 0 || (err as { code?: string }).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
