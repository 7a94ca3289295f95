import type { Kysely } from 'kysely';

/**
 * k8s_node_reports: the CIS node controls the agent on a Kubernetes node
 * decided there, one report per host (the latest replaces the previous).
 * Cluster benchmark jobs read them by node name: `results` is the JSON
 * array [{id, status, message}], read and written whole.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('k8s_node_reports')
    .addColumn('host_id', 'varchar(64)', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('node_name', 'varchar(253)', (c) => c.notNull())
    .addColumn('roles', 'varchar(64)', (c) => c.notNull())
    .addColumn('benchmark', 'varchar(128)', (c) => c.notNull())
    .addColumn('results', 'text', (c) => c.notNull())
    .addColumn('warnings', 'text', (c) => c.notNull())
    .addColumn('collected_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('k8s_node_reports_node').on('k8s_node_reports').columns(['project_id', 'node_name']).execute();
}
