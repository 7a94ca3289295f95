import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * What the HSS aggregated vulnerability list reads instead of grouping every
 * host vulnerability row per request (at 20,000 hosts, ten million rows):
 *
 * - vul_totals: per project, vulnerability, enterprise project, asset value,
 *   kind bits, severity and handling status, how many hosts have that
 *   vulnerability in that state. Every filter the list has is one of those
 *   columns (or a vul_info column), so a filtered list sums a few rows per
 *   vulnerability. Kept by whoever changes host_vuls, in the same
 *   transaction: the writer of a scan batch from the rows it inserts, updates
 *   and deletes (with their states before), handling from the pairs it
 *   changes, and an asset value or enterprise project change by moving the
 *   host's rows from the old key to the new one. Rows that reach 0 stay
 *   (readers skip them) until the project's next compaction.
 * - vul_seen: per project and vulnerability, when a scan last found it on
 *   a host (the list's scan_time).
 * - vul_totals_versions: per project, a number every such change raises, as
 *   the last statement of its transaction: a reader caches a list answer for
 *   the version it read it at.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  let totals = db.schema
    .createTable('vul_totals')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vul_seq', 'bigint', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('asset_value', 'varchar(16)', (c) => c.notNull())
    .addColumn('kind', 'integer', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('host_num', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_totals_pk', ['project_id', 'vul_seq', 'enterprise_project_id', 'asset_value', 'kind', 'severity', 'status']);
  if (!postgres) totals = totals.modifyEnd(sql`without rowid`);
  await totals.execute();

  let seen = db.schema
    .createTable('vul_seen')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vul_seq', 'bigint', (c) => c.notNull())
    .addColumn('scan_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_seen_pk', ['project_id', 'vul_seq']);
  if (!postgres) seen = seen.modifyEnd(sql`without rowid`);
  await seen.execute();

  await db.schema
    .createTable('vul_totals_versions')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();

  await sql`insert into vul_totals (project_id, vul_seq, enterprise_project_id, asset_value, kind, severity, status, host_num)
    select h.project_id, v.vul_seq, h.enterprise_project_id, h.asset_value, v.kind, a.severity, v.status, count(*)
    from host_vuls v join hosts h on h.seq = v.host_seq join vul_affects a on a.seq = v.affect_seq
    group by h.project_id, v.vul_seq, h.enterprise_project_id, h.asset_value, v.kind, a.severity, v.status`.execute(db);
  await sql`insert into vul_seen (project_id, vul_seq, scan_time)
    select h.project_id, v.vul_seq, max(coalesce(h.last_scan_at, v.first_scan_time))
    from host_vuls v join hosts h on h.seq = v.host_seq group by h.project_id, v.vul_seq`.execute(db);
  await sql`insert into vul_totals_versions (project_id, version) select id, 1 from projects`.execute(db);
}
