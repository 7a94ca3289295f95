import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * The common task framework behind HSS's jobs list: cluster scans and IaC
 * scans share one task model (tasks, their scan items, their resources and
 * each resource's results), plus the registered clusters, uploaded IaC files
 * and the schedules that create tasks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const blob = postgres ? 'bytea' : 'blob';

  await db.schema
    .createTable('clusters')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    // kubeconfig | snapshot
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    // SecretBox ciphertext of the kubeconfig; never returned.
    .addColumn('kubeconfig_ciphertext', 'text')
    // gzip of an offline `kubectl get … -o json` snapshot.
    .addColumn('snapshot', blob)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('clusters_name', ['project_id', 'name'])
    .execute();

  await db.schema
    .createTable('iac_files')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(512)', (c) => c.notNull())
    // dockerfile | k8s_yaml
    .addColumn('file_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('content', blob, (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('iac_files_project').on('iac_files').columns(['project_id', 'uploaded_at']).execute();

  await db.schema
    .createTable('common_tasks')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    // cluster_scan | iac_scan
    .addColumn('task_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('task_name', 'varchar(256)', (c) => c.notNull())
    // manual | schedule
    .addColumn('trigger_type', 'varchar(16)', (c) => c.notNull())
    // ready | running | finished
    .addColumn('task_status', 'varchar(16)', (c) => c.notNull())
    // iac_scan: dockerfile | k8s_yaml
    .addColumn('file_type', 'varchar(16)')
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    // The schedule and slot a scheduled task was created for: one task per slot, however many schedulers race.
    .addColumn('schedule_key', 'varchar(128)', (c) => c.unique())
    .execute();
  await db.schema.createIndex('common_tasks_list').on('common_tasks').columns(['project_id', 'task_type', 'create_time']).execute();
  await db.schema.createIndex('common_tasks_status').on('common_tasks').columns(['task_status']).execute();

  // One row per scan item of a task (cluster_vul, risk_assessment, benchmark): "includes every listed item" is a count.
  await db.schema
    .createTable('common_task_scan_types')
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull().references('common_tasks.id').onDelete('cascade'))
    .addColumn('scan_type', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('common_task_scan_types_pk', ['task_id', 'scan_type'])
    .execute();
  await db.schema.createIndex('common_task_scan_types_type').on('common_task_scan_types').columns(['scan_type', 'task_id']).execute();

  // What a task scans: one row per cluster or file, with its outcome.
  await db.schema
    .createTable('common_task_resources')
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull().references('common_tasks.id').onDelete('cascade'))
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_name', 'varchar(512)', (c) => c.notNull())
    // waiting | scanning | success | failed
    .addColumn('scan_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failed_reason', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    // JSON counts by kind and severity.
    .addColumn('summary', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('common_task_resources_pk', ['task_id', 'resource_id'])
    .execute();

  // Each finding of a resource: a rule result (IaC, risk, benchmark), a vulnerability, or a workload image.
  await db.schema
    .createTable('common_task_results')
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull().references('common_tasks.id').onDelete('cascade'))
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    // iac | risk_assessment | benchmark | cluster_vul | workload_image
    .addColumn('category', 'varchar(32)', (c) => c.notNull())
    // A rule id or a vulnerability id ('' for an image).
    .addColumn('check_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    // failed | passed | not_evaluated
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('file', 'varchar(512)', (c) => c.notNull())
    .addColumn('start_line', 'integer')
    .addColumn('end_line', 'integer')
    .addColumn('resource_kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_namespace', 'varchar(256)', (c) => c.notNull())
    .addColumn('resource_name', 'varchar(512)', (c) => c.notNull())
    .addColumn('suppressed', 'integer', (c) => c.notNull())
    .addColumn('suppress_reason', 'text', (c) => c.notNull())
    // JSON: what the category needs besides (rule description and remediation, versions, image…).
    .addColumn('detail', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('common_task_results_pk', ['task_id', 'resource_id', 'seq'])
    .execute();

  await db.schema
    .createTable('job_schedules')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('task_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('task_name', 'varchar(256)', (c) => c.notNull())
    // JSON: {scan_type_list, cluster_id_list} or {file_type, file_id_list}
    .addColumn('scan_info', 'text', (c) => c.notNull())
    // daily | weekly
    .addColumn('period', 'varchar(16)', (c) => c.notNull())
    // weekly: ISO weekday 1–7
    .addColumn('weekday', 'integer')
    .addColumn('hour', 'integer', (c) => c.notNull())
    .addColumn('minute', 'integer', (c) => c.notNull())
    // Minutes to add to local time to get UTC (GMT+8 is -480), as HSS policies give it.
    .addColumn('timezone_offset', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
