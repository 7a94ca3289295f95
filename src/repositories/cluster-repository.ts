import type { Kysely } from 'kysely';
import type { ClustersTable, DB } from '../db/schema.js';

/** Registered clusters: a sealed kubeconfig or an offline snapshot each. */
export class ClusterRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: ClustersTable): Promise<void> {
    await this.db.insertInto('clusters').values(row).execute();
  }

  async nameTaken(projectId: string, name: string): Promise<boolean> {
    return (await this.db.selectFrom('clusters').select('id').where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst()) !== undefined;
  }

  async get(projectId: string, id: string): Promise<ClustersTable | null> {
    return (await this.db.selectFrom('clusters').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** Without the secret and snapshot columns: what lists show. */
  async list(projectId: string, enterpriseProjectIds: string[] | null, page: { offset: number; limit: number }) {
    let q = this.db.selectFrom('clusters').where('project_id', '=', projectId);
    if (enterpriseProjectIds) q = q.where('enterprise_project_id', 'in', enterpriseProjectIds.length > 0 ? enterpriseProjectIds : ['']);
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.select(['id', 'project_id', 'enterprise_project_id', 'name', 'source', 'created_at', 'updated_at']).orderBy('name').offset(page.offset).limit(page.limit).execute();
    return { total: Number(n), clusters: rows };
  }

  async ids(projectId: string, enterpriseProjectIds: string[] | null): Promise<Array<{ id: string; name: string }>> {
    let q = this.db.selectFrom('clusters').select(['id', 'name']).where('project_id', '=', projectId);
    if (enterpriseProjectIds) q = q.where('enterprise_project_id', 'in', enterpriseProjectIds.length > 0 ? enterpriseProjectIds : ['']);
    return q.orderBy('name').execute();
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('clusters').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}
