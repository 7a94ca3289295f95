import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database, type DialectName } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** PostgreSQL used by the tests: the machine's (and CI's) server, trust auth, database `test`. */
export const TEST_POSTGRES_URL = process.env.OPENHSS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every storage test runs once per backend in this list. */
export const backends: DialectName[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  database: Database;
  /** The settings that open this same database from another process or a second handle. */
  url: string;
  schema: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database of the given kind: a new SQLite file in a temp
 * directory, or a new PostgreSQL schema, so concurrent test runs never collide.
 */
export async function createTestDatabase(dialect: DialectName, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openhss-test-'));
  const schema = dialect === 'postgres' ? `t_${process.pid}_${randomBytes(5).toString('hex')}` : 'public';
  const url = dialect === 'postgres' ? TEST_POSTGRES_URL : `sqlite:${join(dataDir, 'openhss.db')}`;
  const database = openDatabase({ url, dataDir, schema, poolSize: 5 });
  if (options.migrate !== false) await migrateToLatest(database);
  return {
    database,
    url,
    schema,
    dataDir,
    async cleanup() {
      await database.close().catch(() => undefined);
      if (dialect === 'postgres') await dropSchemas([schema, `${schema}_boss`]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Drops test schemas over a connection of its own, so it works after every other handle closed. */
async function dropSchemas(schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
