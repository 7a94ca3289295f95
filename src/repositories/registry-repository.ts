import { sql, type Kysely, type Updateable } from 'kysely';
import type { DB, RegistriesTable } from '../db/schema.js';
import type { RegistryType } from '../domain/image.js';
import type { Registry, RegistryConnectionStatus, RegistrySyncStatus } from '../domain/registry.js';

export interface RegistryFilter {
  /** null: every enterprise project. */
  enterpriseProjectIds: string[] | null;
  /** Case-insensitive substring. */
  name?: string;
  id?: string;
  registryTypes?: string[];
  /** Case-insensitive substring of host[:port]. */
  host?: string;
  statuses?: RegistryConnectionStatus[];
}

/** The fields a user sets, as stored (the password already sealed). */
export type RegistrySettings = Pick<RegistriesTable, 'name' | 'registry_type' | 'url' | 'host' | 'namespace' | 'username' | 'secret_ciphertext' | 'plain_http' | 'skip_tls_verify'>;

const like = (value: string) => `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function toRegistry(r: RegistriesTable): Registry {
  return {
    id: r.id,
    projectId: r.project_id,
    enterpriseProjectId: r.enterprise_project_id,
    name: r.name,
    registryType: r.registry_type as RegistryType,
    url: r.url,
    host: r.host,
    namespace: r.namespace,
    username: r.username,
    hasPassword: r.secret_ciphertext !== null,
    plainHttp: Number(r.plain_http) === 1,
    skipTlsVerify: Number(r.skip_tls_verify) === 1,
    status: r.status as RegistryConnectionStatus,
    statusReason: r.status_reason,
    checkedAt: r.checked_at === null ? null : Number(r.checked_at),
    syncStatus: r.sync_status as RegistrySyncStatus,
    syncReason: r.sync_reason,
    lastSyncAt: r.last_sync_at === null ? null : Number(r.last_sync_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The `registries` table: settings, the sealed password, connection state and the one-sync-at-a-time claim. */
export class RegistryRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: RegistriesTable): Promise<Registry> {
    await this.db.insertInto('registries').values(row).execute();
    return toRegistry(row);
  }

  async get(projectId: string, id: string): Promise<Registry | null> {
    const row = await this.db.selectFrom('registries').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return row ? toRegistry(row) : null;
  }

  async nameTaken(projectId: string, name: string, exceptId?: string): Promise<boolean> {
    let q = this.db.selectFrom('registries').select('id').where('project_id', '=', projectId).where('name', '=', name);
    if (exceptId) q = q.where('id', '<>', exceptId);
    return (await q.executeTakeFirst()) !== undefined;
  }

  /** The sealed password, or null for anonymous access. */
  async sealedSecret(projectId: string, id: string): Promise<string | null> {
    const row = await this.db.selectFrom('registries').select('secret_ciphertext').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return row?.secret_ciphertext ?? null;
  }

  async list(projectId: string, f: RegistryFilter, page: { offset: number; limit: number }): Promise<{ total: number; registries: Registry[] }> {
    let q = this.db.selectFrom('registries').where('project_id', '=', projectId);
    if (f.enterpriseProjectIds) q = q.where('enterprise_project_id', 'in', f.enterpriseProjectIds.length > 0 ? f.enterpriseProjectIds : ['']);
    if (f.name) q = q.where(sql<string>`lower(name)`, 'like', sql<string>`${like(f.name)} escape '\\'`);
    if (f.host) q = q.where(sql<string>`lower(host)`, 'like', sql<string>`${like(f.host)} escape '\\'`);
    if (f.id !== undefined) q = q.where('id', '=', f.id);
    if (f.registryTypes) q = q.where('registry_type', 'in', f.registryTypes.length > 0 ? f.registryTypes : ['']);
    if (f.statuses) q = q.where('status', 'in', f.statuses.length > 0 ? f.statuses : ['']);
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id').offset(page.offset).limit(page.limit).execute();
    return { total: Number(n), registries: rows.map(toRegistry) };
  }

  /** Present (not removed) image assets per registry. */
  async imageCounts(projectId: string, registryIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (registryIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('image_assets')
      .select(['registry_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('project_id', '=', projectId)
      .where('image_type', '=', 'registry')
      .where('removed_at', 'is', null)
      .where('registry_id', 'in', [...registryIds])
      .groupBy('registry_id')
      .execute();
    for (const r of rows) if (r.registry_id) out.set(r.registry_id, Number(r.n));
    return out;
  }

  /** Finish times of the last sync of each registry. */
  async lastSyncTimes(projectId: string, registryIds: readonly string[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    if (registryIds.length === 0) return out;
    const rows = await this.db.selectFrom('registries').select(['id', 'last_sync_at']).where('project_id', '=', projectId).where('id', 'in', [...registryIds]).execute();
    for (const r of rows) out.set(r.id, r.last_sync_at === null ? null : Number(r.last_sync_at));
    return out;
  }

  async updateSettings(projectId: string, id: string, settings: RegistrySettings, now: number): Promise<void> {
    await this.db.updateTable('registries').set({ ...settings, updated_at: now }).where('project_id', '=', projectId).where('id', '=', id).execute();
  }

  async setConnection(id: string, status: RegistryConnectionStatus, reason: string, now: number): Promise<void> {
    await this.db.updateTable('registries').set({ status, status_reason: reason, checked_at: now }).where('id', '=', id).execute();
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('registries').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Takes the registry's sync claim in one conditional UPDATE: only when no
   * sync holds it, or the one that does stopped beating before `staleBefore`.
   */
  async claimSync(projectId: string, id: string, now: number, staleBefore: number): Promise<boolean> {
    const result = await this.db
      .updateTable('registries')
      .set({ sync_status: 'syncing', sync_reason: '', sync_heartbeat_at: now, sync_attempted_at: now })
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('sync_status', '<>', 'syncing'), eb('sync_heartbeat_at', 'is', null), eb('sync_heartbeat_at', '<', staleBefore)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Registries whose last sync started before `before` (or never): due for a periodic sync. */
  async dueForSync(before: number, limit: number): Promise<Array<{ projectId: string; id: string }>> {
    const rows = await this.db
      .selectFrom('registries')
      .select(['project_id', 'id'])
      .where('sync_status', '<>', 'syncing')
      .where((eb) => eb.or([eb('sync_attempted_at', 'is', null), eb('sync_attempted_at', '<', before)]))
      .orderBy('sync_attempted_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ projectId: r.project_id, id: r.id }));
  }

  async heartbeat(id: string, now: number): Promise<void> {
    await this.db.updateTable('registries').set({ sync_heartbeat_at: now }).where('id', '=', id).where('sync_status', '=', 'syncing').execute();
  }

  async finishSync(id: string, outcome: { status: Exclude<RegistrySyncStatus, 'syncing'>; reason: string; finishedAt: number | null }): Promise<void> {
    const set: Updateable<RegistriesTable> = { sync_status: outcome.status, sync_reason: outcome.reason, sync_heartbeat_at: null };
    if (outcome.finishedAt !== null) set.last_sync_at = outcome.finishedAt;
    await this.db.updateTable('registries').set(set).where('id', '=', id).execute();
  }
}
