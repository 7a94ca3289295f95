import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The PostgreSQL file store (src/files/postgres-store.ts): export files
 * every openhss process can serve, kept as rows of 1 MiB chunks.
 * - file_blobs: one row per upload; `complete` only once every chunk is in,
 *   and at most one complete upload per key (readers see nothing else);
 * - file_chunks: the bytes, deleted with their upload. Stored EXTERNAL:
 *   exports are mostly zip files already, so TOAST compression would spend
 *   CPU for nothing.
 * PostgreSQL only: with SQLite the files stay in the data directory.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create table file_blobs (
    id varchar(64) primary key,
    key varchar(512) not null,
    complete boolean not null default false,
    size bigint,
    sha256 varchar(64),
    created_at bigint not null,
    completed_at bigint
  )`.execute(db);
  await sql`create unique index file_blobs_complete_key on file_blobs (key) where complete`.execute(db);
  await sql`create index file_blobs_incomplete on file_blobs (created_at) where not complete`.execute(db);
  await sql`create table file_chunks (
    blob_id varchar(64) not null references file_blobs (id) on delete cascade,
    seq integer not null,
    data bytea not null,
    primary key (blob_id, seq)
  )`.execute(db);
  await sql`alter table file_chunks alter column data set storage external`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop table file_chunks`.execute(db);
  await sql`drop table file_blobs`.execute(db);
}
