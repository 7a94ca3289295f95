import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface CredentialRow {
  accessKey: string;
  userId: string;
  projectId: string;
  secretCiphertext: string;
  description: string;
  enabled: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

/** AK/SK credentials. The secret is stored sealed; this layer never sees it in clear. */
export class CredentialRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: CredentialRow): Promise<void> {
    await this.db
      .insertInto('credentials')
      .values({
        access_key: row.accessKey,
        user_id: row.userId,
        project_id: row.projectId,
        secret_ciphertext: row.secretCiphertext,
        description: row.description,
        enabled: row.enabled ? 1 : 0,
        created_at: row.createdAt,
        last_used_at: row.lastUsedAt,
      })
      .execute();
  }

  /** The credential with the user it belongs to, in one query: the per-request AK/SK lookup. */
  async findWithOwner(accessKey: string): Promise<(CredentialRow & { owner: { name: string; domainId: string; enabled: boolean } }) | undefined> {
    const row = await this.db
      .selectFrom('credentials')
      .innerJoin('users', 'users.id', 'credentials.user_id')
      .select([
        'credentials.access_key as accessKey',
        'credentials.user_id as userId',
        'credentials.project_id as projectId',
        'credentials.secret_ciphertext as secretCiphertext',
        'credentials.description as description',
        'credentials.enabled as enabled',
        'credentials.created_at as createdAt',
        'credentials.last_used_at as lastUsedAt',
        'users.name as ownerName',
        'users.domain_id as ownerDomainId',
        'users.enabled as ownerEnabled',
      ])
      .where('credentials.access_key', '=', accessKey)
      .executeTakeFirst();
    if (!row) return undefined;
    const { ownerName, ownerDomainId, ownerEnabled, ...credential } = row;
    return { ...credential, enabled: credential.enabled === 1, owner: { name: ownerName, domainId: ownerDomainId, enabled: ownerEnabled === 1 } };
  }

  async listByUser(userId: string): Promise<CredentialRow[]> {
    const rows = await this.baseQuery().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map((row) => ({ ...row, enabled: row.enabled === 1 }));
  }

  async setEnabled(accessKey: string, enabled: boolean): Promise<boolean> {
    const result = await this.db.updateTable('credentials').set({ enabled: enabled ? 1 : 0 }).where('access_key', '=', accessKey).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async update(accessKey: string, change: { enabled?: boolean; description?: string }): Promise<boolean> {
    const set: { enabled?: number; description?: string } = {};
    if (change.enabled !== undefined) set.enabled = change.enabled ? 1 : 0;
    if (change.description !== undefined) set.description = change.description;
    if (Object.keys(set).length === 0) return (await this.db.selectFrom('credentials').select('access_key').where('access_key', '=', accessKey).executeTakeFirst()) !== undefined;
    const result = await this.db.updateTable('credentials').set(set).where('access_key', '=', accessKey).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(accessKey: string): Promise<boolean> {
    const result = await this.db.deleteFrom('credentials').where('access_key', '=', accessKey).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async touch(accessKey: string, now: number): Promise<void> {
    await this.db.updateTable('credentials').set({ last_used_at: now }).where('access_key', '=', accessKey).execute();
  }

  private baseQuery() {
    return this.db
      .selectFrom('credentials')
      .select([
        'access_key as accessKey',
        'user_id as userId',
        'project_id as projectId',
        'secret_ciphertext as secretCiphertext',
        'description',
        'enabled',
        'created_at as createdAt',
        'last_used_at as lastUsedAt',
      ]);
  }
}
