import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Hosts, their agents and inventories, host vulnerabilities and vulnerability scan tasks. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const blob = postgres ? sql`bytea` : sql`blob`;

  await db.schema
    .createTable('agent_enrolment_tokens')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('description', 'varchar(256)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('used_by_host', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('hosts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    // key52(id): the compact key host vulnerability rows use.
    .addColumn('seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('agent_secret_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('machine_id', 'varchar(128)')
    .addColumn('host_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('os_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('os_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('os_version', 'varchar(128)', (c) => c.notNull())
    .addColumn('kernel', 'varchar(256)', (c) => c.notNull())
    .addColumn('ips', 'text', (c) => c.notNull())
    .addColumn('private_ip', 'varchar(64)', (c) => c.notNull())
    .addColumn('public_ip', 'varchar(64)', (c) => c.notNull())
    .addColumn('asset_value', 'varchar(16)', (c) => c.notNull())
    .addColumn('agent_version', 'varchar(64)', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('inventory_hash', 'varchar(64)')
    .addColumn('inventory_at', 'bigint')
    .addColumn('last_scan_at', 'bigint')
    // What the stored vulnerabilities were last matched from (inventory, DB, scope): an unchanged host is not matched again.
    .addColumn('matched_state', 'varchar(64)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hosts_project').on('hosts').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('host_inventories')
    .addColumn('host_id', 'varchar(64)', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('content_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('package_count', 'integer', (c) => c.notNull())
    // gzip of the JSON InventoryDocument: a host's packages are read and written whole.
    .addColumn('document', blob, (c) => c.notNull())
    .addColumn('warnings', 'text', (c) => c.notNull())
    .addColumn('collected_at', 'bigint', (c) => c.notNull())
    .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('agent_commands')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('host_id', 'varchar(64)', (c) => c.notNull().references('hosts.id').onDelete('cascade'))
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema.createIndex('agent_commands_host').on('agent_commands').columns(['host_id', 'state']).execute();
  await db.schema.createIndex('agent_commands_new').on('agent_commands').columns(['state', 'created_at']).execute();

  await db.schema
    .createTable('vul_info')
    .addColumn('vul_id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('cvss_score', 'real')
    .addColumn('cve_ids', 'text', (c) => c.notNull())
    .addColumn('kev', 'integer', (c) => c.notNull())
    .addColumn('data_source', 'varchar(128)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // One vulnerability in one set of package versions, shared by every host that has exactly those: stored once.
  await db.schema
    .createTable('vul_affects')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('vul_seq', 'bigint', (c) => c.notNull())
    .addColumn('vul_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    // JSON [{name, version, fixed_version, path, type}]
    .addColumn('packages', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'bigint', (c) => c.notNull())
    .execute();

  // One row per host and vulnerability (millions in a large fleet): integer keys only, kept narrow.
  let hostVuls = db.schema
    .createTable('host_vuls')
    .addColumn('host_seq', 'bigint', (c) => c.notNull())
    .addColumn('vul_seq', 'bigint', (c) => c.notNull())
    .addColumn('affect_seq', 'bigint', (c) => c.notNull())
    // Bits: 1 linux_vul, 2 app_vul, 4 urgent (KEV).
    .addColumn('kind', 'integer', (c) => c.notNull())
    // HostVulStatus as its index in HOST_VUL_STATUSES.
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('handled_fingerprint', 'bigint')
    .addColumn('remark', 'text')
    .addColumn('first_scan_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('host_vuls_pk', ['host_seq', 'vul_seq']);
  if (!postgres) hostVuls = hostVuls.modifyEnd(sql`without rowid`);
  await hostVuls.execute();
  await db.schema.createIndex('host_vuls_by_vul').on('host_vuls').columns(['vul_seq', 'host_seq']).execute();

  await db.schema
    .createTable('vul_scan_tasks')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('scan_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('scan_vul_types', 'text', (c) => c.notNull())
    .addColumn('urgent_vul_ids', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('host_num', 'integer', (c) => c.notNull())
    .addColumn('scanning_host_num', 'integer', (c) => c.notNull())
    .addColumn('success_host_num', 'integer', (c) => c.notNull())
    .addColumn('failed_host_num', 'integer', (c) => c.notNull())
    // The policy slot a scheduled task was created for: one task per project and slot, however many schedulers race.
    .addColumn('schedule_slot', 'bigint')
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('vul_scan_tasks_slot', ['project_id', 'schedule_slot'])
    .execute();
  await db.schema.createIndex('vul_scan_tasks_list').on('vul_scan_tasks').columns(['project_id', 'start_time', 'id']).execute();
  await db.schema.createIndex('vul_scan_tasks_by_type').on('vul_scan_tasks').columns(['project_id', 'scan_type', 'start_time', 'id']).execute();
  // Tasks per project, scan type and UTC day, kept by triggers whoever inserts: the task list's
  // total_num and deep pages read a few hundred of these rows instead of counting or skipping
  // through up to millions of tasks.
  await db.schema
    .createTable('vul_scan_task_days')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scan_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_scan_task_days_pk', ['project_id', 'scan_type', 'day'])
    .execute();
  if (postgres) {
    await sql`create function vul_scan_task_day_count() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          insert into vul_scan_task_days (project_id, scan_type, day, n) values (new.project_id, new.scan_type, new.start_time / 86400000, 1)
          on conflict (project_id, scan_type, day) do update set n = vul_scan_task_days.n + 1;
        else
          update vul_scan_task_days set n = n - 1 where project_id = old.project_id and scan_type = old.scan_type and day = old.start_time / 86400000;
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger vul_scan_tasks_day_count after insert or delete on vul_scan_tasks for each row execute function vul_scan_task_day_count()`.execute(db);
  } else {
    await sql`create trigger vul_scan_tasks_day_count_insert after insert on vul_scan_tasks begin
      insert into vul_scan_task_days (project_id, scan_type, day, n) values (new.project_id, new.scan_type, new.start_time / 86400000, 1)
      on conflict (project_id, scan_type, day) do update set n = n + 1;
    end`.execute(db);
    await sql`create trigger vul_scan_tasks_day_count_delete after delete on vul_scan_tasks begin
      update vul_scan_task_days set n = n - 1 where project_id = old.project_id and scan_type = old.scan_type and day = old.start_time / 86400000;
    end`.execute(db);
  }
  await db.schema.createIndex('vul_scan_tasks_running').on('vul_scan_tasks').columns(['status', 'deadline']).execute();

  await db.schema
    .createTable('vul_scan_task_hosts')
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull().references('vul_scan_tasks.id').onDelete('cascade'))
    .addColumn('host_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scan_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failed_reasons', 'text', (c) => c.notNull())
    .addColumn('command_id', 'varchar(64)')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('vul_scan_task_hosts_pk', ['task_id', 'host_id'])
    .execute();
  await db.schema.createIndex('vul_scan_task_hosts_host').on('vul_scan_task_hosts').columns(['host_id', 'scan_status']).execute();

  await db.schema
    .createTable('vul_scan_throughput')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('ms_per_host', 'real', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
