import type { Kysely } from 'kysely';
import type { DB, IacFilesTable } from '../db/schema.js';

/** Uploaded IaC files, scanned by iac_scan tasks. */
export class IacFileRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(rows: readonly IacFilesTable[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) await trx.insertInto('iac_files').values(row).execute();
    });
  }

  /** The files of a project among `ids` (missing ids are simply absent), without their content. */
  async find(projectId: string, ids: readonly string[]): Promise<Array<Omit<IacFilesTable, 'content'>>> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('iac_files')
      .select(['id', 'project_id', 'enterprise_project_id', 'file_name', 'file_type', 'size', 'sha256', 'uploaded_at'])
      .where('project_id', '=', projectId)
      .where('id', 'in', [...ids])
      .execute();
  }

  async content(projectId: string, id: string): Promise<{ file_name: string; file_type: string; content: Buffer } | null> {
    const row = await this.db.selectFrom('iac_files').select(['file_name', 'file_type', 'content']).where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return row ? { ...row, content: Buffer.from(row.content) } : null;
  }

  async list(projectId: string, page: { offset: number; limit: number }) {
    const base = this.db.selectFrom('iac_files').where('project_id', '=', projectId);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const files = await base.select(['id', 'file_name', 'file_type', 'size', 'sha256', 'uploaded_at']).orderBy('uploaded_at', 'desc').orderBy('id').offset(page.offset).limit(page.limit).execute();
    return { total: Number(n), files };
  }
}
