import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/api/app.js';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { DialectName } from '../../src/db/connect.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { databaseReadiness } from '../../src/runtime/readiness.js';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.js';
import type { FirstStartResult } from '../../src/services/identity-service.js';
import { createTestDatabase } from './databases.js';

/** A settable clock, so tests can move time (token expiry, signature skew) without sleeping. */
export class TestClock {
  constructor(public current = Date.now()) {}
  now = () => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  config: Config;
  clock: TestClock;
  /** The first-start account: domain, project, admin user with password, and an AK/SK. */
  account: FirstStartResult;
  /** A token for the admin user in the default project. */
  token: string;
  /** Responses whose status the route's schema (and /openapi.json) does not list, as "METHOD /url status". */
  undocumentedStatuses: string[];
  close(): Promise<void>;
}

/** An in-process API over a fresh database of the given kind, with the first-start account created. */
export async function createTestApp(dialect: DialectName, settings: Record<string, unknown> = {}, options: { clockStart?: number; consoleDir?: string } = {}): Promise<TestApp> {
  const testDb = await createTestDatabase(dialect, { migrate: false });
  await testDb.database.close();
  const config = validateConfig({
    dataDir: testDb.dataDir,
    database: { url: testDb.url, schema: testDb.schema, poolSize: 5 },
    log: { level: 'silent' },
    ...settings,
  });
  // Tests of time-dependent behaviour start the clock before the account exists, so nothing depends on the real date.
  const clock = new TestClock(options.clockStart);
  const runtime = await openRuntime(config, { now: clock.now });
  const account = (await runtime.services.identity.bootstrapIfEmpty())!;
  const undocumentedStatuses: string[] = [];
  const app = await buildApp({
    onUndocumentedStatus: (route, status) => undocumentedStatuses.push(`${route} ${status}`),
    logger: pino({ level: 'silent' }),
    services: runtime.services,
    metrics: createMetrics(),
    readiness: databaseReadiness(runtime.database),
    bodyLimit: config.server.bodyLimitBytes,
    signatureMaxSkewSeconds: config.security.signatureMaxSkewSeconds,
    now: clock.now,
    version: 'test',
    ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
  });
  await app.ready();
  const { token } = await runtime.services.auth.issueFor(account.user.id, account.project.id, ['token']);
  return {
    app,
    runtime,
    config,
    clock,
    account,
    token,
    undocumentedStatuses,
    async close() {
      await app.close();
      await runtime.close();
      await testDb.cleanup();
    },
  };
}
