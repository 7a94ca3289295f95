import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { preparedName } from './prepared.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** '' for SQLite in dataDir, 'sqlite:/path/file.db', or 'postgres://…'. */
  url: string;
  dataDir: string;
  /** PostgreSQL schema that holds the tables (created when missing). */
  schema: string;
  poolSize: number;
}

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** PostgreSQL only: the connection settings other PostgreSQL clients (pg-boss) reuse. */
  postgres?: { connectionString: string; schema: string };
  /** SQLite only: the database file. */
  sqliteFile?: string;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * The database holds password hashes and every tenant's data: it is created
 * 0600 (SQLite gives its -wal and -shm files the database file's mode), and
 * files left 0644 by an older version are tightened.
 */
function makePrivate(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function openSqlite(file: string): Database {
  const sqlite = new SQLite(file);
  // WAL lets the API read while a worker writes; busy_timeout rides over short write locks
  // held by another openhss process on the same file (CLI, crash-restarted worker).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', sqliteFile: file, close: () => db.destroy() };
}

/** Statements kept per SQL text (short texts only: bulk writes with thousands of values are not worth keeping). */
const STATEMENT_CACHE = 256;
const CACHED_SQL_MAX = 4096;

/**
 * Kysely prepares every query anew; preparing costs as much as running a
 * short read. Statements are kept by text (least recently used dropped) and
 * reused unless one is still being iterated (a stream).
 */
function withStatementCache(sqlite: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      if (sql.length > CACHED_SQL_MAX) return sqlite.prepare(sql);
      const kept = cache.get(sql);
      if (kept && !kept.busy) {
        cache.delete(sql);
        cache.set(sql, kept);
        return kept;
      }
      const stmt = sqlite.prepare(sql);
      if (!kept) {
        cache.set(sql, stmt);
        if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
    close: () => sqlite.close(),
  };
}

function openPostgres(url: string, schema: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: `-c search_path=${schema}`,
    // Epoch-millisecond columns are int8; they fit a JS number exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Registered hot-path texts (prepared.ts) run as named statements: parsed and planned once per connection.
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const name = typeof args[0] === 'string' && args.length === 2 ? preparedName(args[0]) : undefined;
      return name ? query({ name, text: args[0], values: args[1] }) : query(...args);
    };
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', postgres: { connectionString: url, schema }, close: () => db.destroy() };
}

export function openDatabase(options: DatabaseOptions): Database {
  if (options.url.startsWith('postgres://') || options.url.startsWith('postgresql://')) {
    return openPostgres(options.url, options.schema, options.poolSize);
  }
  const file = options.url.startsWith('sqlite:') ? resolve(options.url.slice('sqlite:'.length)) : join(resolve(options.dataDir), 'openhss.db');
  mkdirSync(resolve(file, '..'), { recursive: true, mode: 0o700 });
  makePrivate(file);
  return openSqlite(file);
}

/** Creates the PostgreSQL schema if needed (migrations then run inside it). */
export async function ensureSchema(database: Database): Promise<void> {
  if (database.dialect !== 'postgres' || !database.postgres) return;
  await sql`create schema if not exists ${sql.id(database.postgres.schema)}`.execute(database.db);
}

/** True when the database answers a trivial query. */
export async function isReachable(database: Database): Promise<boolean> {
  try {
    await sql`select 1`.execute(database.db);
    return true;
  } catch {
    return false;
  }
}
