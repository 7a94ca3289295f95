import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface EnrolmentTokenRow {
  id: string;
  projectId: string;
  enterpriseProjectId: string;
  description: string;
  expiresAt: number;
  usedAt: number | null;
  createdAt: number;
}

/** One-time agent enrolment tokens; only their SHA-256 is stored. */
export class EnrolmentTokenRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: EnrolmentTokenRow, tokenHash: string): Promise<void> {
    await this.db
      .insertInto('agent_enrolment_tokens')
      .values({
        id: row.id,
        project_id: row.projectId,
        enterprise_project_id: row.enterpriseProjectId,
        token_hash: tokenHash,
        description: row.description,
        expires_at: row.expiresAt,
        used_at: null,
        used_by_host: null,
        created_at: row.createdAt,
      })
      .execute();
  }

  /**
   * Marks the token used and returns it, in one conditional update, so two
   * agents racing with the same token cannot both enrol.
   */
  async consume(tokenHash: string, hostId: string, now: number): Promise<EnrolmentTokenRow | undefined> {
    const row = await this.db
      .updateTable('agent_enrolment_tokens')
      .set({ used_at: now, used_by_host: hostId })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['id', 'project_id', 'enterprise_project_id', 'description', 'expires_at', 'used_at', 'created_at'])
      .executeTakeFirst();
    return row && toRow(row);
  }

  async list(projectId: string): Promise<EnrolmentTokenRow[]> {
    const rows = await this.db
      .selectFrom('agent_enrolment_tokens')
      .select(['id', 'project_id', 'enterprise_project_id', 'description', 'expires_at', 'used_at', 'created_at'])
      .where('project_id', '=', projectId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toRow);
  }
}

function toRow(r: { id: string; project_id: string; enterprise_project_id: string; description: string; expires_at: number; used_at: number | null; created_at: number }): EnrolmentTokenRow {
  return {
    id: r.id,
    projectId: r.project_id,
    enterpriseProjectId: r.enterprise_project_id,
    description: r.description,
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    createdAt: Number(r.created_at),
  };
}
