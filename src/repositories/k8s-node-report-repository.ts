import type { Kysely } from 'kysely';
import type { NodeReport } from '../cluster/index.js';
import type { DB, K8sNodeReportsTable } from '../db/schema.js';

/** The latest CIS node report of each host that is a Kubernetes node. */
export class K8sNodeReportRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async upsert(row: K8sNodeReportsTable): Promise<void> {
    const { host_id: _id, ...values } = row;
    await this.db
      .insertInto('k8s_node_reports')
      .values(row)
      .onConflict((oc) => oc.column('host_id').doUpdateSet(values))
      .execute();
  }

  /**
   * The reports of a project's hosts named like the given nodes. When two
   * hosts claim one node name (a re-installed node), the latest report wins.
   */
  async forNodes(projectId: string, nodeNames: readonly string[]): Promise<NodeReport[]> {
    if (nodeNames.length === 0) return [];
    const byNode = new Map<string, NodeReport>();
    for (let i = 0; i < nodeNames.length; i += 500) {
      const rows = await this.db
        .selectFrom('k8s_node_reports')
        .select(['node_name', 'results'])
        .where('project_id', '=', projectId)
        .where('node_name', 'in', nodeNames.slice(i, i + 500))
        .orderBy('collected_at', 'asc')
        .execute();
      for (const row of rows) byNode.set(row.node_name, { node: row.node_name, results: JSON.parse(row.results) as NodeReport['results'] });
    }
    return [...byNode.values()];
  }
}
