import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Units of vul_scan_task_counts: the project's all-time total (slot 0), UTC days, hours and weeks of 7 days (slot = start_time / unit length). */
export const TASK_COUNT_ALL = 0;
export const TASK_COUNT_DAY = 1;
export const TASK_COUNT_HOUR = 2;
export const TASK_COUNT_WEEK = 3;

const IMAGE_COUNTS = ['open_critical_num', 'open_high_num', 'open_medium_num', 'open_low_num', 'open_unknown_num', 'handled_num'] as const;

/**
 * What the scan-task list and the overview's image figures read instead of rows:
 *
 * - vul_scan_task_counts: tasks per project, scan type ('' = every type) and
 *   unit: all time, week, UTC day, hour. A total is one row without a time
 *   filter; with one, whole days and hours from here and at most two partial
 *   hours counted; a deep page walks the weeks, the days and then the hours
 *   to the hour it starts in. Replaces vul_scan_task_days (per type and day only, so an
 *   unfiltered total summed a row per day and type, and the edges of a time
 *   filter counted up to two whole days of tasks).
 * - image_asset_vul_counts: one row per listed (not removed) image with its
 *   digest's open counts (kept by triggers on image_assets and
 *   image_contents), ranked by an index: the most vulnerable images of an
 *   enterprise project are its first entries.
 * - image_vul_totals (per project and enterprise project: images, vulnerable
 *   ones, the sums of their counts) and image_kev_counts (images with each
 *   KEV vulnerability open), kept by triggers on image_asset_vul_counts, as
 *   host_vul_totals and kev_vul_counts are for hosts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await taskCounts(db, postgres);
  await imageCounts(db, postgres);
}

async function taskCounts(db: Kysely<unknown>, postgres: boolean): Promise<void> {
  let table = db.schema
    .createTable('vul_scan_task_counts')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scan_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('unit', 'integer', (c) => c.notNull())
    .addColumn('slot', 'bigint', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_scan_task_counts_pk', ['project_id', 'scan_type', 'unit', 'slot']);
  if (!postgres) table = table.modifyEnd(sql`without rowid`);
  await table.execute();

  const slot = (row: string) =>
    `case u.unit when ${TASK_COUNT_ALL} then 0 when ${TASK_COUNT_DAY} then ${row}.start_time / 86400000 when ${TASK_COUNT_WEEK} then ${row}.start_time / 604800000 else ${row}.start_time / 3600000 end`;
  const units = `(select ${TASK_COUNT_ALL} as unit union all select ${TASK_COUNT_DAY} union all select ${TASK_COUNT_HOUR} union all select ${TASK_COUNT_WEEK}) u`;
  // Existing tasks: each counts under its scan type and under '' (every type), once per unit.
  await sql`insert into vul_scan_task_counts (project_id, scan_type, unit, slot, n)
    select project_id, scan_type, unit, slot, count(*) from (
      select v.project_id, v.scan_type, u.unit, ${sql.raw(slot('v'))} as slot from vul_scan_tasks v, ${sql.raw(units)}
      union all
      select v.project_id, '', u.unit, ${sql.raw(slot('v'))} from vul_scan_tasks v, ${sql.raw(units)}
    ) x group by project_id, scan_type, unit, slot`.execute(db);

  const upsert = 'on conflict (project_id, scan_type, unit, slot) do update set n = vul_scan_task_counts.n + excluded.n';
  /** Adds `n` to the slots of one task row (`new` or `old` in a row trigger). */
  const add = (row: 'new' | 'old', n: number) =>
    sql.raw(`insert into vul_scan_task_counts (project_id, scan_type, unit, slot, n)
      select ${row}.project_id, t.scan_type, u.unit, ${slot(row)}, ${n} from (select ${row}.scan_type as scan_type union all select '') t, ${units} where true ${upsert}`);
  if (postgres) {
    await sql`drop trigger vul_scan_tasks_day_count on vul_scan_tasks`.execute(db);
    await sql`drop function vul_scan_task_day_count()`.execute(db);
    // Statement triggers over the transition table: a bulk insert adds to each slot once.
    for (const [op, rows, sign] of [['insert', 'new', ''], ['delete', 'old', '-']] as const) {
      await sql`create function ${sql.raw(`vul_scan_task_count_${op}`)}() returns trigger language plpgsql as $$
        begin
          insert into vul_scan_task_counts (project_id, scan_type, unit, slot, n)
          select v.project_id, t.scan_type, u.unit, ${sql.raw(slot('v'))}, ${sql.raw(sign)}count(*)
          from changed v cross join lateral (values (v.scan_type), ('')) t(scan_type) cross join ${sql.raw(units)}
          group by 1, 2, 3, 4
          ${sql.raw(upsert)};
          return null;
        end $$`.execute(db);
      await sql`create trigger ${sql.raw(`vul_scan_tasks_count_${op}`)} after ${sql.raw(op)} on vul_scan_tasks
        referencing ${sql.raw(rows)} table as changed for each statement execute function ${sql.raw(`vul_scan_task_count_${op}`)}()`.execute(db);
    }
    await sql`create function vul_scan_task_count_move() returns trigger language plpgsql as $$
      begin ${add('old', -1)}; ${add('new', 1)}; return null; end $$`.execute(db);
    await sql`create trigger vul_scan_tasks_count_move after update of project_id, scan_type, start_time on vul_scan_tasks for each row
      when (old.project_id <> new.project_id or old.scan_type <> new.scan_type or old.start_time <> new.start_time) execute function vul_scan_task_count_move()`.execute(db);
  } else {
    await sql`drop trigger vul_scan_tasks_day_count_insert`.execute(db);
    await sql`drop trigger vul_scan_tasks_day_count_delete`.execute(db);
    await sql`create trigger vul_scan_tasks_count_insert after insert on vul_scan_tasks begin ${add('new', 1)}; end`.execute(db);
    await sql`create trigger vul_scan_tasks_count_delete after delete on vul_scan_tasks begin ${add('old', -1)}; end`.execute(db);
    await sql`create trigger vul_scan_tasks_count_move after update of project_id, scan_type, start_time on vul_scan_tasks
      when old.project_id <> new.project_id or old.scan_type <> new.scan_type or old.start_time <> new.start_time begin
        ${add('old', -1)}; ${add('new', 1)};
      end`.execute(db);
  }
  await db.schema.dropTable('vul_scan_task_days').execute();
}

/** PostgreSQL: the insert, update (when `changed`) and delete row triggers `<prefix>_<op>` on `table`, all calling `fn`. */
async function rowTriggers(db: Kysely<unknown>, table: string, prefix: string, fn: string, changed: string): Promise<void> {
  const on = `on ${table} for each row`;
  await sql.raw(`create trigger ${prefix}_insert after insert ${on} execute function ${fn}()`).execute(db);
  await sql.raw(`create trigger ${prefix}_update after update ${on} when (${changed}) execute function ${fn}()`).execute(db);
  await sql.raw(`create trigger ${prefix}_delete after delete ${on} execute function ${fn}()`).execute(db);
}

async function imageCounts(db: Kysely<unknown>, postgres: boolean): Promise<void> {
  const name = postgres ? sql.raw('varchar(512) collate "C"') : sql.raw('varchar(512)');
  let ranks = db.schema
    .createTable('image_asset_vul_counts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    // Byte order on both backends (ties of the ranking).
    .addColumn('image_name', sql`${name}`, (c) => c.notNull());
  for (const column of IMAGE_COUNTS) ranks = ranks.addColumn(column, 'integer', (c) => c.notNull());
  await ranks.addColumn('open_kev_vul_ids', 'text', (c) => c.notNull()).execute();
  await db.schema
    .createIndex('image_asset_vul_counts_rank')
    .on('image_asset_vul_counts')
    .columns(['project_id', 'enterprise_project_id', 'open_critical_num desc', 'open_high_num desc', 'open_medium_num desc', 'open_low_num desc', 'open_unknown_num desc', 'image_name', 'id'])
    .execute();

  let totals = db.schema
    .createTable('image_vul_totals')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('image_num', 'bigint', (c) => c.notNull())
    .addColumn('vulnerable_num', 'bigint', (c) => c.notNull());
  for (const column of IMAGE_COUNTS) totals = totals.addColumn(column, 'bigint', (c) => c.notNull());
  await totals.addPrimaryKeyConstraint('image_vul_totals_pk', ['project_id', 'enterprise_project_id']).execute();

  await db.schema
    .createTable('image_kev_counts')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vul_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('image_num', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_kev_counts_pk', ['project_id', 'enterprise_project_id', 'vul_id'])
    .execute();

  const cols = IMAGE_COUNTS.join(', ');
  const fromContents = (row: string) =>
    `select ${row}.id, ${row}.project_id, ${row}.enterprise_project_id, ${row}.image_name, ${IMAGE_COUNTS.map((c) => `coalesce(c.${c}, 0)`).join(', ')}, coalesce(c.open_kev_vul_ids, '[]')
      from (select 1 as one) x left join image_contents c on c.project_id = ${row}.project_id and c.image_digest = ${row}.image_digest`;
  // Existing images.
  await sql`insert into image_asset_vul_counts (id, project_id, enterprise_project_id, image_name, ${sql.raw(cols)}, open_kev_vul_ids)
    select a.id, a.project_id, a.enterprise_project_id, a.image_name, ${sql.raw(IMAGE_COUNTS.map((c) => `coalesce(c.${c}, 0)`).join(', '))}, coalesce(c.open_kev_vul_ids, '[]')
    from image_assets a left join image_contents c on c.project_id = a.project_id and c.image_digest = a.image_digest where a.removed_at is null`.execute(db);
  const open = (row: string) => `(${row}.open_critical_num + ${row}.open_high_num + ${row}.open_medium_num + ${row}.open_low_num + ${row}.open_unknown_num)`;
  await sql`insert into image_vul_totals (project_id, enterprise_project_id, image_num, vulnerable_num, ${sql.raw(cols)})
    select project_id, enterprise_project_id, count(*), sum(case when ${sql.raw(open('r'))} > 0 then 1 else 0 end), ${sql.raw(IMAGE_COUNTS.map((c) => `sum(${c})`).join(', '))}
    from image_asset_vul_counts r group by project_id, enterprise_project_id`.execute(db);
  const kevIds = (row: string) => (postgres ? `select distinct value from json_array_elements_text(${row}.open_kev_vul_ids::json)` : `select distinct value from json_each(${row}.open_kev_vul_ids)`);
  const kevRows = postgres ? 'image_asset_vul_counts r cross join lateral json_array_elements_text(r.open_kev_vul_ids::json) k' : 'image_asset_vul_counts r, json_each(r.open_kev_vul_ids) k';
  await sql`insert into image_kev_counts (project_id, enterprise_project_id, vul_id, image_num)
    select r.project_id, r.enterprise_project_id, k.value, count(distinct r.id) from ${sql.raw(kevRows)} group by r.project_id, r.enterprise_project_id, k.value`.execute(db);

  // The image's row: present while the image is listed, with its digest's counts.
  const rankInsert = (row: string) => `insert into image_asset_vul_counts (id, project_id, enterprise_project_id, image_name, ${cols}, open_kev_vul_ids) ${fromContents(row)}`;
  const rankDelete = (row: string) => `delete from image_asset_vul_counts where id = ${row}.id`;
  const rankFromDigest = (row: string, zero: boolean) =>
    `update image_asset_vul_counts set ${IMAGE_COUNTS.map((c) => `${c} = ${zero ? '0' : `${row}.${c}`}`).join(', ')}, open_kev_vul_ids = ${zero ? `'[]'` : `${row}.open_kev_vul_ids`}
      where id in (select a.id from image_assets a where a.project_id = ${row}.project_id and a.image_digest = ${row}.image_digest)`;
  const assetChanged = `old.project_id <> new.project_id or old.enterprise_project_id <> new.enterprise_project_id or old.image_name <> new.image_name
    or ${postgres ? 'old.removed_at is distinct from new.removed_at or old.image_digest is distinct from new.image_digest' : 'old.removed_at is not new.removed_at or old.image_digest is not new.image_digest'}`;
  const contentChanged = `${IMAGE_COUNTS.map((c) => `old.${c} <> new.${c}`).join(' or ')} or old.open_kev_vul_ids <> new.open_kev_vul_ids`;

  // Totals and KEV counts follow the image rows.
  const totalAdd = (row: string) => `insert into image_vul_totals (project_id, enterprise_project_id, image_num, vulnerable_num, ${cols})
      values (${row}.project_id, ${row}.enterprise_project_id, 1, case when ${open(row)} > 0 then 1 else 0 end, ${IMAGE_COUNTS.map((c) => `${row}.${c}`).join(', ')})
      on conflict (project_id, enterprise_project_id) do update set image_num = image_vul_totals.image_num + 1,
        vulnerable_num = image_vul_totals.vulnerable_num + excluded.vulnerable_num, ${IMAGE_COUNTS.map((c) => `${c} = image_vul_totals.${c} + excluded.${c}`).join(', ')}`;
  const totalRemove = (row: string) => `update image_vul_totals set image_num = image_num - 1, vulnerable_num = vulnerable_num - (case when ${open(row)} > 0 then 1 else 0 end),
        ${IMAGE_COUNTS.map((c) => `${c} = ${c} - ${row}.${c}`).join(', ')}
      where project_id = ${row}.project_id and enterprise_project_id = ${row}.enterprise_project_id`;
  const kevAdd = (row: string) => `insert into image_kev_counts (project_id, enterprise_project_id, vul_id, image_num)
      select ${row}.project_id, ${row}.enterprise_project_id, k.value, 1 from (${kevIds(row)}) k where true
      on conflict (project_id, enterprise_project_id, vul_id) do update set image_num = image_kev_counts.image_num + 1`;
  const kevRemove = (row: string) => `update image_kev_counts set image_num = image_num - 1
      where project_id = ${row}.project_id and enterprise_project_id = ${row}.enterprise_project_id and vul_id in (${kevIds(row)})`;
  const rankChanged = `old.project_id <> new.project_id or old.enterprise_project_id <> new.enterprise_project_id or ${contentChanged}`;

  if (postgres) {
    await sql`create function image_asset_vul_count() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then ${sql.raw(rankDelete('old'))}; end if;
        if tg_op in ('UPDATE', 'INSERT') and new.removed_at is null then ${sql.raw(rankInsert('new'))}; end if;
        return null;
      end $$`.execute(db);
    await rowTriggers(db, 'image_assets', 'image_assets_vul_count', 'image_asset_vul_count', assetChanged);
    await sql`create function image_content_vul_count() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then ${sql.raw(rankFromDigest('old', true))}; else ${sql.raw(rankFromDigest('new', false))}; end if;
        return null;
      end $$`.execute(db);
    await rowTriggers(db, 'image_contents', 'image_contents_vul_count', 'image_content_vul_count', contentChanged);
    await sql`create function image_vul_total() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then ${sql.raw(totalRemove('old'))}; ${sql.raw(kevRemove('old'))}; end if;
        if tg_op in ('UPDATE', 'INSERT') then ${sql.raw(totalAdd('new'))}; ${sql.raw(kevAdd('new'))}; end if;
        return null;
      end $$`.execute(db);
    await rowTriggers(db, 'image_asset_vul_counts', 'image_asset_vul_counts_total', 'image_vul_total', rankChanged);
  } else {
    await sql`create trigger image_assets_vul_count_insert after insert on image_assets when new.removed_at is null begin ${sql.raw(rankInsert('new'))}; end`.execute(db);
    await sql`create trigger image_assets_vul_count_update after update on image_assets when ${sql.raw(assetChanged)} begin
        ${sql.raw(rankDelete('old'))};
        ${sql.raw(rankInsert('new'))} where new.removed_at is null;
      end`.execute(db);
    await sql`create trigger image_assets_vul_count_delete after delete on image_assets begin ${sql.raw(rankDelete('old'))}; end`.execute(db);
    await sql`create trigger image_contents_vul_count_insert after insert on image_contents begin ${sql.raw(rankFromDigest('new', false))}; end`.execute(db);
    await sql`create trigger image_contents_vul_count_update after update on image_contents when ${sql.raw(contentChanged)} begin ${sql.raw(rankFromDigest('new', false))}; end`.execute(db);
    await sql`create trigger image_contents_vul_count_delete after delete on image_contents begin ${sql.raw(rankFromDigest('old', true))}; end`.execute(db);
    await sql`create trigger image_asset_vul_counts_total_insert after insert on image_asset_vul_counts begin ${sql.raw(totalAdd('new'))}; ${sql.raw(kevAdd('new'))}; end`.execute(db);
    await sql`create trigger image_asset_vul_counts_total_update after update on image_asset_vul_counts when ${sql.raw(rankChanged)} begin
        ${sql.raw(totalRemove('old'))}; ${sql.raw(kevRemove('old'))}; ${sql.raw(totalAdd('new'))}; ${sql.raw(kevAdd('new'))};
      end`.execute(db);
    await sql`create trigger image_asset_vul_counts_total_delete after delete on image_asset_vul_counts begin ${sql.raw(totalRemove('old'))}; ${sql.raw(kevRemove('old'))}; end`.execute(db);
  }
}
