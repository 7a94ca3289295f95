import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Container images: registries, image assets (registry, local, CI/CD),
 * what each scanned digest contains and its vulnerabilities, image scan
 * tasks with their rate-limit buckets, and export tasks with their files.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const blob = postgres ? 'bytea' : 'blob';
  const double = postgres ? 'double precision' : 'real';

  await db.schema
    .createTable('registries')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    // RegistryType: Harbor | Jfrog | Other | SwrPrivate | SwrShared | SwrEnterprise
    .addColumn('registry_type', 'varchar(32)', (c) => c.notNull())
    // As the user gave it: http(s)://host[:port][/path]
    .addColumn('url', 'varchar(512)', (c) => c.notNull())
    // The registry part of image references (host[:port]).
    .addColumn('host', 'varchar(256)', (c) => c.notNull())
    // Only repositories under this prefix are synced ('' = all).
    .addColumn('namespace', 'varchar(256)', (c) => c.notNull())
    .addColumn('username', 'varchar(256)', (c) => c.notNull())
    // SecretBox ciphertext of the password; never returned.
    .addColumn('secret_ciphertext', 'text')
    // Plain HTTP instead of HTTPS.
    .addColumn('plain_http', 'integer', (c) => c.notNull())
    // HTTPS without certificate verification.
    .addColumn('skip_tls_verify', 'integer', (c) => c.notNull())
    // connected | unreachable | unauthorized
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_reason', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'bigint')
    // idle | syncing | failed
    .addColumn('sync_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('sync_reason', 'text', (c) => c.notNull())
    .addColumn('last_sync_at', 'bigint')
    // A sync claims its registry (sync_status = 'syncing') and beats this clock while it works, so a
    // claim whose worker died is taken over once the beats stop instead of blocking syncs for good.
    .addColumn('sync_heartbeat_at', 'bigint')
    // When a sync was last started, whatever its outcome: periodic syncs are due from it.
    .addColumn('sync_attempted_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('registries_name', ['project_id', 'name'])
    .execute();

  // One row per image as a user sees it (a registry tag, a local image, a CI/CD report).
  // Rows of images gone from their source are kept with removed_at set: the history.
  await db.schema
    .createTable('image_assets')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    // registry | local | cicd
    .addColumn('image_type', 'varchar(16)', (c) => c.notNull())
    // What makes the asset unique in its project and type, e.g. registry id + repository + tag.
    .addColumn('natural_key', 'varchar(1024)', (c) => c.notNull())
    .addColumn('registry_id', 'varchar(64)')
    .addColumn('registry_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('registry_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('namespace', 'varchar(256)', (c) => c.notNull())
    .addColumn('image_name', 'varchar(512)', (c) => c.notNull())
    .addColumn('image_version', 'varchar(256)', (c) => c.notNull())
    // The manifest digest (registry, or a local image's repo digest); the key of its scan results.
    .addColumn('image_digest', 'varchar(128)')
    // The config digest (what `docker images` calls the image id).
    .addColumn('image_id', 'varchar(128)')
    .addColumn('image_size', 'bigint')
    .addColumn('latest_update_time', 'bigint', (c) => c.notNull())
    // local images: other_image | swr_image
    .addColumn('local_image_type', 'varchar(16)')
    // ImageScanStatus
    .addColumn('scan_status', 'varchar(32)', (c) => c.notNull())
    .addColumn('scan_failed_reason', 'text', (c) => c.notNull())
    .addColumn('latest_scan_time', 'bigint')
    .addColumn('removed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('image_assets_key', ['project_id', 'image_type', 'natural_key'])
    .execute();
  await db.schema.createIndex('image_assets_list').on('image_assets').columns(['project_id', 'image_type', 'removed_at', 'latest_update_time']).execute();
  await db.schema.createIndex('image_assets_digest').on('image_assets').columns(['project_id', 'image_digest']).execute();
  await db.schema.createIndex('image_assets_registry').on('image_assets').columns(['registry_id', 'removed_at']).execute();

  // Where a local image is: each host that has it, and each container (with its pod) running it.
  await db.schema
    .createTable('image_local_refs')
    .addColumn('image_asset_id', 'varchar(64)', (c) => c.notNull().references('image_assets.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('host_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('host_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('host_ip', 'varchar(64)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(64)', (c) => c.notNull())
    // '' for the image itself (no container).
    .addColumn('container_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('container_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('pod_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('pod_name', 'varchar(512)', (c) => c.notNull())
    .addColumn('cluster_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_local_refs_pk', ['image_asset_id', 'host_id', 'container_id'])
    .execute();
  await db.schema.createIndex('image_local_refs_host').on('image_local_refs').columns(['project_id', 'host_id']).execute();

  // What one image digest contains, per project: the inventory it was matched from and its totals.
  // Scanned once however many assets (tags, registries, hosts) share the digest.
  await db.schema
    .createTable('image_contents')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(128)', (c) => c.notNull())
    .addColumn('image_id', 'varchar(128)')
    .addColumn('os_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('os_version', 'varchar(128)', (c) => c.notNull())
    .addColumn('package_count', 'integer', (c) => c.notNull())
    // gzip of the JSON inventory document, for re-matching when the vulnerability DB changes.
    .addColumn('document', blob, (c) => c.notNull())
    // registry | agent | cicd
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('inventory_at', 'bigint', (c) => c.notNull())
    .addColumn('matched_at', 'bigint', (c) => c.notNull())
    // Vulnerability DB generation the stored vulnerabilities come from.
    .addColumn('matched_generation', 'varchar(128)', (c) => c.notNull())
    .addColumn('critical_num', 'integer', (c) => c.notNull())
    .addColumn('high_num', 'integer', (c) => c.notNull())
    .addColumn('medium_num', 'integer', (c) => c.notNull())
    .addColumn('low_num', 'integer', (c) => c.notNull())
    .addColumn('unknown_num', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_contents_pk', ['project_id', 'image_digest'])
    .execute();

  // One row per image digest, vulnerability and affected package. Handling survives re-scans
  // while the row's key is unchanged.
  await db.schema
    .createTable('image_vuls')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(128)', (c) => c.notNull())
    .addColumn('vul_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('package_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('package_version', 'varchar(256)', (c) => c.notNull())
    .addColumn('package_path', 'varchar(1024)', (c) => c.notNull())
    // linux_vul | app_vul
    .addColumn('vul_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('package_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('fixed_version', 'varchar(256)', (c) => c.notNull())
    // critical | high | medium | low | unknown (the finding's severity)
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('cvss_score', double)
    .addColumn('cve_ids', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    // unhandled | handled (ignored or fixed by the user)
    .addColumn('handle_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('handled_at', 'bigint')
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_vuls_pk', ['project_id', 'image_digest', 'vul_id', 'package_name', 'package_version', 'package_path'])
    .execute();
  await db.schema.createIndex('image_vuls_by_vul').on('image_vuls').columns(['project_id', 'vul_id']).execute();

  await db.schema
    .createTable('image_scan_tasks')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('task_name', 'varchar(256)', (c) => c.notNull())
    // manual | cycle
    .addColumn('task_type', 'varchar(16)', (c) => c.notNull())
    // registry | local | cicd
    .addColumn('image_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('scan_scope', 'integer', (c) => c.notNull())
    .addColumn('rate_limit', 'integer', (c) => c.notNull())
    .addColumn('is_all', 'integer', (c) => c.notNull())
    // The request's query_info or image_info, as JSON, for the record.
    .addColumn('selection', 'text', (c) => c.notNull())
    // running | finished | stopped | timeout | error
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failed_reason', 'text', (c) => c.notNull())
    .addColumn('begin_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addColumn('total_num', 'integer', (c) => c.notNull())
    // The schedule and slot a cycle task was created for: one task per slot, however many schedulers race.
    .addColumn('schedule_key', 'varchar(128)', (c) => c.unique())
    .execute();
  await db.schema.createIndex('image_scan_tasks_list').on('image_scan_tasks').columns(['project_id', 'begin_time']).execute();
  await db.schema.createIndex('image_scan_tasks_running').on('image_scan_tasks').columns(['status', 'deadline']).execute();

  await db.schema
    .createTable('image_scan_task_items')
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull().references('image_scan_tasks.id').onDelete('cascade'))
    .addColumn('image_asset_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    // Items with the same digest are scanned once, by whichever claims the digest first.
    .addColumn('image_digest', 'varchar(128)')
    .addColumn('position', 'integer', (c) => c.notNull())
    // ImageScanStatus: waiting_for_scan → scanning → success | failed | download_failed | image_oversized | image_scan_stop
    .addColumn('scan_status', 'varchar(32)', (c) => c.notNull())
    .addColumn('failed_reason', 'text', (c) => c.notNull())
    .addColumn('risky', 'integer', (c) => c.notNull())
    // When a dispatcher handed the item to the job queue (its rate-limit token taken).
    .addColumn('dispatched_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('image_scan_task_items_pk', ['task_id', 'image_asset_id'])
    .execute();
  await db.schema.createIndex('image_scan_task_items_status').on('image_scan_task_items').columns(['task_id', 'scan_status', 'position']).execute();

  // Token buckets shared by every worker: `tokens` as of `refilled_at`.
  await db.schema
    .createTable('rate_buckets')
    .addColumn('key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('tokens', double, (c) => c.notNull())
    .addColumn('refilled_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('export_tasks')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    // local_image_vuls | registry_image_vuls | host_vuls
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('task_name', 'varchar(256)', (c) => c.notNull())
    // xlsx | csv
    .addColumn('format', 'varchar(8)', (c) => c.notNull())
    // The request's filters as JSON.
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('export_size', 'integer', (c) => c.notNull())
    .addColumn('record_total_num', 'integer', (c) => c.notNull())
    // running | success | failure
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failed_reason', 'text', (c) => c.notNull())
    .addColumn('file_id', 'varchar(64)', (c) => c.unique())
    .addColumn('file_name', 'varchar(256)', (c) => c.notNull())
    // Under <dataDir>/exports; set only once the complete file is in place.
    .addColumn('file_path', 'varchar(512)')
    .addColumn('file_size', 'bigint')
    .addColumn('rows_written', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('export_tasks_project').on('export_tasks').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('export_tasks_expiry').on('export_tasks').columns(['expires_at']).execute();
}
