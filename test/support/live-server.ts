import pino from 'pino';
import { validateConfig } from '../../src/config/load.js';
import type { DialectName } from '../../src/db/connect.js';
import { startServer, type RunningServer } from '../../src/runtime/server.js';
import type { FirstStartResult } from '../../src/services/identity-service.js';
import type { TestClock } from './app.js';
import { createTestDatabase } from './databases.js';

export interface LiveServer {
  server: RunningServer;
  account: FirstStartResult;
  close(): Promise<void>;
}

/** The real server (HTTP on a free loopback port, in this process) over a fresh database of the given kind. */
export async function startLiveServer(dialect: DialectName, clock?: TestClock): Promise<LiveServer> {
  const testDb = await createTestDatabase(dialect, { migrate: false });
  await testDb.database.close();
  const config = validateConfig({
    server: { port: 0 },
    dataDir: testDb.dataDir,
    database: { url: testDb.url, schema: testDb.schema, poolSize: 5 },
    log: { level: 'silent' },
    queue: { pollIntervalMs: 50 },
  });
  const server = await startServer(config, pino({ level: 'silent' }), clock ? { now: clock.now } : {});
  const account = (await server.runtime.services.identity.bootstrapIfEmpty())!;
  return {
    server,
    account,
    async close() {
      await server.shutdown();
      await testDb.cleanup();
    },
  };
}
