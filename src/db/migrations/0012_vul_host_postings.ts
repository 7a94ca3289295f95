import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Which hosts have a vulnerability, without an index entry per host and
 * vulnerability: the (vul_seq, host_seq) index of host_vuls cost three
 * quarters of a fleet scan's row writes (measured: 123,000 rows/s without
 * it, 33,000 with it on SQLite). In its place, postings: per vulnerability,
 * lists of host seqs, one list per write batch that found the vulnerability
 * on new hosts (a fleet scan of 20,000 hosts writes about a hundred lists a
 * vulnerability, not 20,000 index entries).
 *
 * A posting is a superset: a host stays listed after the vulnerability is
 * gone from it. Readers take the listed hosts as candidates and keep those
 * whose host_vuls row exists (a primary-key look-up), so answers stay exact.
 * SQLite stores a list as a JSON array (read with json_each), PostgreSQL as
 * bigint[] (read with unnest).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('vul_host_postings')
    .addColumn('vul_seq', 'bigint', (c) => c.notNull())
    .addColumn('host_seqs', postgres ? sql`bigint[]` : 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vul_host_postings_vul').on('vul_host_postings').column('vul_seq').execute();
  if (postgres) await sql`insert into vul_host_postings (vul_seq, host_seqs) select vul_seq, array_agg(host_seq order by host_seq) from host_vuls group by vul_seq`.execute(db);
  else await sql`insert into vul_host_postings (vul_seq, host_seqs) select vul_seq, json_group_array(host_seq) from host_vuls group by vul_seq`.execute(db);
  await db.schema.dropIndex('host_vuls_by_vul').execute();
}
