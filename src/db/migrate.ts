import { Migrator, type MigrationProvider } from 'kysely';
import { ensureSchema, type Database } from './connect.js';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

function migrator(database: Database): Migrator {
  return new Migrator({
    db: database.db,
    provider,
    ...(database.postgres ? { migrationTableSchema: database.postgres.schema } : {}),
  });
}

/**
 * Kysely's migrator looks its tables up with a catalog query over every
 * schema (has_schema_privilege and pg_get_serial_sequence by name), which
 * fails with "schema … does not exist" when another schema of the same
 * database is dropped while it runs: a race with someone else's DDL, not a
 * problem of ours. Such a run changed nothing (it fails before the lock is
 * taken or inside the migration transaction), so it is tried again.
 */
const OTHER_SCHEMA_DROPPED = /^schema "([^"]+)" does not exist$/;
const MIGRATE_TRIES = 20;

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  await ensureSchema(database);
  let { error, results } = await migrator(database).migrateToLatest();
  for (let attempt = 1; attempt < MIGRATE_TRIES && error; attempt++) {
    const dropped = OTHER_SCHEMA_DROPPED.exec((error as Error).message)?.[1];
    if (!dropped || dropped === database.postgres?.schema) break;
    await new Promise((r) => setTimeout(r, Math.min(500, 50 * attempt)));
    ({ error, results } = await migrator(database).migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations the database has not applied yet (empty when up to date). */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const all = await migrator(database).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
