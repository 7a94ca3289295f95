import { sql, type Kysely } from 'kysely';

/**
 * Images keep the outcome of their latest completed scan apart from their
 * current status, so stopping a task puts back what the last real scan
 * found instead of overwriting it; export tasks record how many rows
 * matched, so a file cut at `export_size` says it was truncated.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('image_assets').addColumn('completed_scan_status', 'varchar(32)').execute();
  await db.schema.alterTable('image_assets').addColumn('completed_scan_reason', 'text').execute();
  await sql`update image_assets set completed_scan_status = scan_status, completed_scan_reason = scan_failed_reason
    where latest_scan_time is not null and scan_status not in ('unscan', 'waiting_for_scan', 'scanning')`.execute(db);
  await db.schema.alterTable('export_tasks').addColumn('matched_num', 'bigint').execute();
}
