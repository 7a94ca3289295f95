import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Stored status codes of handled host vulnerabilities (ignored, fixed): indexes in HOST_VUL_STATUSES. */
const HANDLED = sql.raw('(1, 4)');
/** The kind bit of a known-exploited (KEV) host vulnerability. */
const KEV = sql.raw('4');

/**
 * What the console needs that was not stored:
 * - the account's first user (`domains.first_user_id`): the one who manages
 *   other users and enterprise projects; existing domains get their earliest
 *   user. Users and enterprise projects get a description, enterprise
 *   projects an update time.
 * - per-asset vulnerability counts kept when findings are written or
 *   handled (hosts: open by severity, handled, open KEV; image contents: open
 *   by severity, handled, open KEV ids), so the overview sums one row per
 *   asset instead of counting findings;
 * - open and handled hosts per KEV vulnerability, project and enterprise
 *   project, kept by triggers on the (rare) KEV rows of host_vuls;
 * - one overview row per project, enterprise project and UTC day: the day's
 *   snapshot of the totals (the trend) and the host findings new and gone
 *   that day.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema.alterTable('domains').addColumn('first_user_id', 'varchar(64)').execute();
  await sql`update domains set first_user_id = (select u.id from users u where u.domain_id = domains.id order by u.created_at, u.id limit 1)`.execute(db);
  await db.schema.alterTable('users').addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('enterprise_projects').addColumn('description', 'varchar(255)', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('enterprise_projects').addColumn('updated_at', 'bigint').execute();
  await sql`update enterprise_projects set updated_at = created_at`.execute(db);

  for (const column of ['vul_critical_num', 'vul_high_num', 'vul_medium_num', 'vul_low_num', 'vul_handled_num', 'vul_kev_num']) {
    await db.schema.alterTable('hosts').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
  await sql`update hosts set (vul_critical_num, vul_high_num, vul_medium_num, vul_low_num, vul_handled_num, vul_kev_num) = (${hostCounts})`.execute(db);

  for (const column of ['open_critical_num', 'open_high_num', 'open_medium_num', 'open_low_num', 'open_unknown_num', 'handled_num']) {
    await db.schema.alterTable('image_contents').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
  // KEV ids of the digest's findings (set when it is matched next) and those of them still open.
  await db.schema.alterTable('image_contents').addColumn('kev_vul_ids', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('image_contents').addColumn('open_kev_vul_ids', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  // Existing digests: open counts as matching left them (worst severity of each vulnerability with an unhandled row).
  const worst = sql`max(case severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end)`;
  await sql`update image_contents set (open_critical_num, open_high_num, open_medium_num, open_low_num, open_unknown_num, handled_num) = (
      select coalesce(sum(case when o = 1 and w = 4 then 1 else 0 end), 0), coalesce(sum(case when o = 1 and w = 3 then 1 else 0 end), 0),
        coalesce(sum(case when o = 1 and w = 2 then 1 else 0 end), 0), coalesce(sum(case when o = 1 and w = 1 then 1 else 0 end), 0),
        coalesce(sum(case when o = 1 and w = 0 then 1 else 0 end), 0), coalesce(sum(case when o = 0 then 1 else 0 end), 0)
      from (select vul_id, max(case when handle_status = 'unhandled' then 1 else 0 end) as o,
          max(case when handle_status = 'unhandled' then w1 else -1 end) as w
        from (select vul_id, handle_status, ${worst} as w1 from image_vuls iv
          where iv.project_id = image_contents.project_id and iv.image_digest = image_contents.image_digest group by vul_id, handle_status) per_status
        group by vul_id) per_vul)`.execute(db);

  await db.schema
    .createTable('kev_vul_counts')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vul_seq', 'bigint', (c) => c.notNull())
    .addColumn('open_num', 'integer', (c) => c.notNull())
    .addColumn('handled_num', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('kev_vul_counts_pk', ['project_id', 'enterprise_project_id', 'vul_seq'])
    .execute();
  await sql`insert into kev_vul_counts (project_id, enterprise_project_id, vul_seq, open_num, handled_num)
    select h.project_id, h.enterprise_project_id, v.vul_seq, sum(case when v.status in ${HANDLED} then 0 else 1 end), sum(case when v.status in ${HANDLED} then 1 else 0 end)
    from host_vuls v join hosts h on h.seq = v.host_seq where (v.kind & ${KEV}) <> 0 group by h.project_id, h.enterprise_project_id, v.vul_seq`.execute(db);

  const open = (row: 'new' | 'old') => sql.raw(`case when ${row}.status in (1, 4) then 0 else 1 end`);
  const handled = (row: 'new' | 'old') => sql.raw(`case when ${row}.status in (1, 4) then 1 else 0 end`);
  const add = (row: 'new' | 'old') => sql`insert into kev_vul_counts (project_id, enterprise_project_id, vul_seq, open_num, handled_num)
      select project_id, enterprise_project_id, ${sql.raw(row)}.vul_seq, ${open(row)}, ${handled(row)} from hosts where seq = ${sql.raw(row)}.host_seq
      on conflict (project_id, enterprise_project_id, vul_seq) do update set open_num = kev_vul_counts.open_num + excluded.open_num, handled_num = kev_vul_counts.handled_num + excluded.handled_num`;
  const remove = sql`update kev_vul_counts set open_num = open_num - ${open('old')}, handled_num = handled_num - ${handled('old')}
      where vul_seq = old.vul_seq and (project_id, enterprise_project_id) = (select project_id, enterprise_project_id from hosts where seq = old.host_seq)`;
  // A host moved to another enterprise project takes its KEV counts along.
  const moveOut = sql`update kev_vul_counts set
        open_num = open_num - (select count(*) from host_vuls v where v.host_seq = new.seq and v.vul_seq = kev_vul_counts.vul_seq and (v.kind & ${KEV}) <> 0 and v.status not in ${HANDLED}),
        handled_num = handled_num - (select count(*) from host_vuls v where v.host_seq = new.seq and v.vul_seq = kev_vul_counts.vul_seq and (v.kind & ${KEV}) <> 0 and v.status in ${HANDLED})
      where project_id = old.project_id and enterprise_project_id = old.enterprise_project_id
        and vul_seq in (select vul_seq from host_vuls where host_seq = new.seq and (kind & ${KEV}) <> 0)`;
  const moveIn = sql`insert into kev_vul_counts (project_id, enterprise_project_id, vul_seq, open_num, handled_num)
      select new.project_id, new.enterprise_project_id, v.vul_seq, sum(case when v.status in ${HANDLED} then 0 else 1 end), sum(case when v.status in ${HANDLED} then 1 else 0 end)
      from host_vuls v where v.host_seq = new.seq and (v.kind & ${KEV}) <> 0 group by v.vul_seq
      on conflict (project_id, enterprise_project_id, vul_seq) do update set open_num = kev_vul_counts.open_num + excluded.open_num, handled_num = kev_vul_counts.handled_num + excluded.handled_num`;
  if (postgres) {
    await sql`create function kev_vul_count() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and (old.kind & 4) <> 0 then ${remove}; end if;
        if tg_op in ('UPDATE', 'INSERT') and (new.kind & 4) <> 0 then ${add('new')}; end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger host_vuls_kev_insert after insert on host_vuls for each row when ((new.kind & 4) <> 0) execute function kev_vul_count()`.execute(db);
    await sql`create trigger host_vuls_kev_update after update on host_vuls for each row
      when (((old.kind | new.kind) & 4) <> 0 and (old.kind <> new.kind or old.status <> new.status)) execute function kev_vul_count()`.execute(db);
    await sql`create trigger host_vuls_kev_delete after delete on host_vuls for each row when ((old.kind & 4) <> 0) execute function kev_vul_count()`.execute(db);
    await sql`create function kev_vul_count_move() returns trigger language plpgsql as $$
      begin ${moveOut}; ${moveIn}; return null; end $$`.execute(db);
    await sql`create trigger hosts_kev_move after update of enterprise_project_id on hosts for each row
      when (old.enterprise_project_id <> new.enterprise_project_id) execute function kev_vul_count_move()`.execute(db);
  } else {
    await sql`create trigger host_vuls_kev_insert after insert on host_vuls when (new.kind & 4) <> 0 begin ${add('new')}; end`.execute(db);
    await sql`create trigger host_vuls_kev_update after update on host_vuls
      when ((old.kind | new.kind) & 4) <> 0 and (old.kind <> new.kind or old.status <> new.status) begin
        ${remove} and (old.kind & 4) <> 0;
        ${sql`insert into kev_vul_counts (project_id, enterprise_project_id, vul_seq, open_num, handled_num)
          select project_id, enterprise_project_id, new.vul_seq, ${open('new')}, ${handled('new')} from hosts where seq = new.host_seq and (new.kind & 4) <> 0
          on conflict (project_id, enterprise_project_id, vul_seq) do update set open_num = kev_vul_counts.open_num + excluded.open_num, handled_num = kev_vul_counts.handled_num + excluded.handled_num`};
      end`.execute(db);
    await sql`create trigger host_vuls_kev_delete after delete on host_vuls when (old.kind & 4) <> 0 begin ${remove}; end`.execute(db);
    await sql`create trigger hosts_kev_move after update of enterprise_project_id on hosts when old.enterprise_project_id <> new.enterprise_project_id begin
        ${moveOut}; ${moveIn};
      end`.execute(db);
  }

  await db.schema
    .createTable('overview_days')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    // UTC day: epoch ms / 86,400,000.
    .addColumn('day', 'bigint', (c) => c.notNull())
    // Host findings first found and no longer found that day (kept by the host vulnerability writer).
    .addColumn('host_new_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host_fixed_num', 'integer', (c) => c.notNull().defaultTo(0))
    // The day's snapshot of open findings (null until the snapshot job wrote the day).
    .addColumn('snapshot_at', 'bigint')
    .addColumn('host_critical_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host_high_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host_medium_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host_low_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host_handled_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('image_critical_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('image_high_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('image_medium_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('image_low_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('image_handled_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('overview_days_pk', ['project_id', 'enterprise_project_id', 'day'])
    .execute();
}

/** A host's counts from its rows; the writers use the same query (hostCountsSql) after each batch. */
const hostCounts = sql`select coalesce(sum(case when v.status not in (1, 4) and a.severity = 'Critical' then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'High' then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'Medium' then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'Low' then 1 else 0 end), 0),
    coalesce(sum(case when v.status in (1, 4) then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and (v.kind & 4) <> 0 then 1 else 0 end), 0)
  from host_vuls v join vul_affects a on a.seq = v.affect_seq where v.host_seq = hosts.seq`;
