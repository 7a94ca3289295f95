import { Migrator, type MigrationProvider, type MigrationResult } from 'kysely';
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
 * fails with `schema "…" does not exist` or `column "…" of relation "…" does
 * not exist` when another schema of the same database, or a table in it, is
 * dropped while it runs: a race with someone else's DDL, not a problem of
 * ours. Such a failure happens in the migrator's own bookkeeping, before any
 * migration ran (none is reported failed), so nothing changed and it is tried
 * again. A failing migration, or our own schema missing, is not retried.
 */
const CATALOG_RACE = /^(?:schema "([^"]+)"|column "[^"]+" of relation "[^"]+"|relation "[^"]+") does not exist$/;
const MIGRATE_TRIES = 20;

function isCatalogRace(database: Database, error: unknown, results: readonly MigrationResult[] | undefined): boolean {
  if (!database.postgres || results?.some((r) => r.status === 'Error')) return false;
  const m = CATALOG_RACE.exec((error as Error).message);
  return m !== null && m[1] !== database.postgres.schema;
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  await ensureSchema(database);
  let { error, results } = await migrator(database).migrateToLatest();
  for (let attempt = 1; attempt < MIGRATE_TRIES && error && isCatalogRace(database, error, results); attempt++) {
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
