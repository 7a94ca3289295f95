import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vul_scan_policies')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey().references('projects.id'))
    .addColumn('scan_period', 'varchar(16)', (c) => c.notNull())
    .addColumn('scan_range_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('scan_vul_types', 'text', (c) => c.notNull())
    .addColumn('host_ids', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(8)', (c) => c.notNull())
    .addColumn('day_part', 'text', (c) => c.notNull())
    .addColumn('hour_part', 'integer', (c) => c.notNull())
    .addColumn('minute_part', 'integer', (c) => c.notNull())
    .addColumn('timezone_offset', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
