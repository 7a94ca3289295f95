import { PostgresAdapter, sql, type Kysely } from 'kysely';

const COUNTS = ['vul_critical_num', 'vul_high_num', 'vul_medium_num', 'vul_low_num', 'vul_handled_num', 'vul_kev_num'] as const;

/**
 * The overview's host figures without reading a row per host:
 * - host_vul_totals: per project and enterprise project, the hosts, the
 *   vulnerable ones and the sums of their kept counts, kept by triggers on
 *   hosts (a host added or removed, its counts or enterprise project changed);
 * - hosts_vul_counts: the most vulnerable hosts of an enterprise project are
 *   the first entries of this index (counts descending), so only the ten
 *   found are read whole.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createIndex('hosts_vul_counts')
    .on('hosts')
    .columns(['project_id', 'enterprise_project_id', 'vul_critical_num', 'vul_high_num', 'vul_medium_num', 'vul_low_num', 'id'])
    .execute();

  let table = db.schema
    .createTable('host_vul_totals')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('host_num', 'bigint', (c) => c.notNull())
    .addColumn('vulnerable_num', 'bigint', (c) => c.notNull());
  for (const column of COUNTS) table = table.addColumn(column, 'bigint', (c) => c.notNull());
  await table.addPrimaryKeyConstraint('host_vul_totals_pk', ['project_id', 'enterprise_project_id']).execute();

  const cols = COUNTS.join(', ');
  const open = (row: string) => `(${row}.vul_critical_num + ${row}.vul_high_num + ${row}.vul_medium_num + ${row}.vul_low_num)`;
  await sql`insert into host_vul_totals (project_id, enterprise_project_id, host_num, vulnerable_num, ${sql.raw(cols)})
    select project_id, enterprise_project_id, count(*), sum(case when ${sql.raw(open('hosts'))} > 0 then 1 else 0 end), ${sql.raw(COUNTS.map((c) => `sum(${c})`).join(', '))}
    from hosts group by project_id, enterprise_project_id`.execute(db);

  const add = sql.raw(`insert into host_vul_totals (project_id, enterprise_project_id, host_num, vulnerable_num, ${cols})
      values (new.project_id, new.enterprise_project_id, 1, case when ${open('new')} > 0 then 1 else 0 end, ${COUNTS.map((c) => `new.${c}`).join(', ')})
      on conflict (project_id, enterprise_project_id) do update set host_num = host_vul_totals.host_num + 1,
        vulnerable_num = host_vul_totals.vulnerable_num + excluded.vulnerable_num, ${COUNTS.map((c) => `${c} = host_vul_totals.${c} + excluded.${c}`).join(', ')}`);
  const remove = sql.raw(`update host_vul_totals set host_num = host_num - 1, vulnerable_num = vulnerable_num - (case when ${open('old')} > 0 then 1 else 0 end),
        ${COUNTS.map((c) => `${c} = ${c} - old.${c}`).join(', ')}
      where project_id = old.project_id and enterprise_project_id = old.enterprise_project_id`);
  const changed = sql.raw(`old.enterprise_project_id <> new.enterprise_project_id or old.project_id <> new.project_id or ${COUNTS.map((c) => `old.${c} <> new.${c}`).join(' or ')}`);
  const watched = sql.raw(`project_id, enterprise_project_id, ${cols}`);
  if (postgres) {
    await sql`create function host_vul_total() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then ${remove}; end if;
        if tg_op in ('UPDATE', 'INSERT') then ${add}; end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger hosts_vul_total_insert after insert on hosts for each row execute function host_vul_total()`.execute(db);
    await sql`create trigger hosts_vul_total_update after update of ${watched} on hosts for each row when (${changed}) execute function host_vul_total()`.execute(db);
    await sql`create trigger hosts_vul_total_delete after delete on hosts for each row execute function host_vul_total()`.execute(db);
  } else {
    await sql`create trigger hosts_vul_total_insert after insert on hosts begin ${add}; end`.execute(db);
    await sql`create trigger hosts_vul_total_update after update of ${watched} on hosts when ${changed} begin ${remove}; ${add}; end`.execute(db);
    await sql`create trigger hosts_vul_total_delete after delete on hosts begin ${remove}; end`.execute(db);
  }
}
