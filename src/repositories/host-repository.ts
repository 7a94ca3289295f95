import type { Kysely, Selectable } from 'kysely';
import { withHostsMoved } from './vul-totals.js';
import type { DB, HostsTable } from '../db/schema.js';
import type { AssetValue, Host } from '../domain/host.js';
import { key52 } from '../domain/keys.js';

/** What an agent reports about its host. */
export type HostIdentityUpdate = Pick<Host, 'machineId' | 'hostName' | 'osType' | 'osName' | 'osVersion' | 'kernel' | 'ips' | 'privateIp' | 'agentVersion'>;

export interface HostFilter {
  enterpriseProjectIds?: string[] | null;
  hostName?: string;
  hostIp?: string;
  hostId?: string;
  assetValue?: AssetValue;
  /** Hosts seen at or after this instant count as online. */
  onlineSince?: number;
  agentStatus?: 'online' | 'offline';
}

const ID_CHUNK = 1000;

/** Hosts and their agents' credentials. */
export class HostRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(host: Host, agentSecretHash: string): Promise<void> {
    await this.db.insertInto('hosts').values({ ...toColumns(host), agent_secret_hash: agentSecretHash }).execute();
  }

  async findByAgentId(agentId: string): Promise<(Host & { agentSecretHash: string }) | undefined> {
    const row = await this.db.selectFrom('hosts').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
    return row && { ...toHost(row), agentSecretHash: row.agent_secret_hash };
  }

  async findByMachineId(projectId: string, machineId: string): Promise<Host | undefined> {
    const row = await this.db.selectFrom('hosts').selectAll().where('project_id', '=', projectId).where('machine_id', '=', machineId).executeTakeFirst();
    return row && toHost(row);
  }

  async find(projectId: string, hostId: string): Promise<Host | undefined> {
    const row = await this.db.selectFrom('hosts').selectAll().where('project_id', '=', projectId).where('id', '=', hostId).executeTakeFirst();
    return row && toHost(row);
  }

  /** The project's hosts, or those named by host or agent id (any number: looked up in chunks, under SQLite's parameter limit). */
  async findMany(projectId: string, ids: { hostIds?: string[]; agentIds?: string[] }): Promise<Host[]> {
    const base = this.db.selectFrom('hosts').selectAll().where('project_id', '=', projectId);
    const named = ids.hostIds ? { column: 'id' as const, values: ids.hostIds } : ids.agentIds ? { column: 'agent_id' as const, values: ids.agentIds } : undefined;
    if (!named) return (await base.orderBy('created_at').execute()).map(toHost);
    const rows = [];
    for (let i = 0; i < named.values.length; i += ID_CHUNK) rows.push(...(await base.where(named.column, 'in', named.values.slice(i, i + ID_CHUNK)).execute()));
    return rows.sort((a, b) => Number(a.created_at) - Number(b.created_at)).map(toHost);
  }

  /** Re-enrolment of a known machine: new agent id and secret, same host and history. */
  async replaceAgent(hostId: string, agentId: string, agentSecretHash: string, enterpriseProjectId: string, now: number): Promise<void> {
    const host = await this.db.selectFrom('hosts').select(['project_id', 'seq', 'enterprise_project_id']).where('id', '=', hostId).executeTakeFirst();
    if (!host) return;
    const update = (db: Kysely<DB>) =>
      db.updateTable('hosts').set({ agent_id: agentId, agent_secret_hash: agentSecretHash, enterprise_project_id: enterpriseProjectId, last_seen_at: now }).where('id', '=', hostId).execute();
    // A move to another enterprise project takes the host's vulnerability totals with it.
    if (host.enterprise_project_id === enterpriseProjectId) await update(this.db);
    else await withHostsMoved(this.db, host.project_id, [Number(host.seq)], update);
  }

  async updateIdentity(hostId: string, identity: HostIdentityUpdate, now: number): Promise<void> {
    await this.db
      .updateTable('hosts')
      .set({
        machine_id: identity.machineId,
        host_name: identity.hostName,
        os_type: identity.osType,
        os_name: identity.osName,
        os_version: identity.osVersion,
        kernel: identity.kernel,
        ips: JSON.stringify(identity.ips),
        private_ip: identity.privateIp,
        agent_version: identity.agentVersion,
        last_seen_at: now,
      })
      .where('id', '=', hostId)
      .execute();
  }

  async touch(hostId: string, now: number): Promise<void> {
    await this.db.updateTable('hosts').set({ last_seen_at: now }).where('id', '=', hostId).execute();
  }

  async setAssetValue(projectId: string, hostIds: string[], assetValue: AssetValue): Promise<number> {
    // The hosts' vulnerability totals move to the new asset value with them.
    const result = await withHostsMoved(this.db, projectId, hostIds.map(key52), (db: Kysely<DB>) =>
      db.updateTable('hosts').set({ asset_value: assetValue }).where('project_id', '=', projectId).where('id', 'in', hostIds).executeTakeFirst(),
    );
    return Number(result.numUpdatedRows);
  }

  /** The next scan of these hosts matches them again, even if nothing changed (a verification). */
  async forgetMatches(projectId: string, hostIds: string[]): Promise<void> {
    for (let i = 0; i < hostIds.length; i += ID_CHUNK) {
      await this.db.updateTable('hosts').set({ matched_state: null }).where('project_id', '=', projectId).where('id', 'in', hostIds.slice(i, i + ID_CHUNK)).execute();
    }
  }

  async matchedStates(hostIds: string[]): Promise<Map<string, { inventoryHash: string | null; matchedState: string | null; matchGap: string | null }>> {
    const out = new Map<string, { inventoryHash: string | null; matchedState: string | null; matchGap: string | null }>();
    for (let i = 0; i < hostIds.length; i += ID_CHUNK) {
      const rows = await this.db.selectFrom('hosts').select(['id', 'inventory_hash', 'matched_state', 'match_gap']).where('id', 'in', hostIds.slice(i, i + ID_CHUNK)).execute();
      for (const r of rows) out.set(r.id, { inventoryHash: r.inventory_hash, matchedState: r.matched_state, matchGap: r.match_gap });
    }
    return out;
  }

  async list(projectId: string, filter: HostFilter, page: { offset: number; limit: number }): Promise<{ total: number; hosts: Host[] }> {
    let query = this.db.selectFrom('hosts').where('project_id', '=', projectId);
    if (filter.enterpriseProjectIds) query = query.where('enterprise_project_id', 'in', filter.enterpriseProjectIds);
    if (filter.hostName) query = query.where('host_name', 'like', `%${escapeLike(filter.hostName)}%`);
    if (filter.hostIp) query = query.where('ips', 'like', `%${escapeLike(filter.hostIp)}%`);
    if (filter.hostId) query = query.where('id', '=', filter.hostId);
    if (filter.assetValue) query = query.where('asset_value', '=', filter.assetValue);
    if (filter.agentStatus && filter.onlineSince !== undefined) query = query.where('last_seen_at', filter.agentStatus === 'online' ? '>=' : '<', filter.onlineSince);
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('id').offset(page.offset).limit(page.limit).execute();
    return { total: Number(total.n), hosts: rows.map(toHost) };
  }

  async count(projectId: string): Promise<number> {
    const row = await this.db.selectFrom('hosts').where('project_id', '=', projectId).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async allIds(projectId: string): Promise<string[]> {
    return (await this.db.selectFrom('hosts').select('id').where('project_id', '=', projectId).orderBy('created_at').execute()).map((r) => r.id);
  }

  /** Records the vulnerability DB generation these hosts' stored vulnerabilities were just matched against. */
  async setMatchedGeneration(hostIds: string[], generation: string): Promise<void> {
    for (let i = 0; i < hostIds.length; i += ID_CHUNK) {
      await this.db.updateTable('hosts').set({ matched_generation: generation }).where('id', 'in', hostIds.slice(i, i + ID_CHUNK)).execute();
    }
  }

  /** Whether any host holds vulnerabilities matched against another vulnerability DB generation than `generation` (or an unrecorded one). */
  async anyMatchedAgainstOther(generation: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('hosts')
      .select('id')
      .where('inventory_hash', 'is not', null)
      .where('matched_state', 'is not', null)
      .where((eb) => eb.or([eb('matched_generation', 'is', null), eb('matched_generation', '<>', generation)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Every host with an inventory, for re-matching after a vulnerability DB update. */
  async idsWithInventory(): Promise<Array<{ id: string; projectId: string }>> {
    const rows = await this.db.selectFrom('hosts').select(['id', 'project_id']).where('inventory_hash', 'is not', null).orderBy('project_id').execute();
    return rows.map((r) => ({ id: r.id, projectId: r.project_id }));
  }
}

/** Substring filters match the user's text, not patterns: LIKE wildcards in it are dropped (escaping differs between SQLite and PostgreSQL). */
const escapeLike = (text: string): string => text.replace(/[%_\\]/g, '');

function toColumns(host: Host): Omit<HostsTable, 'agent_secret_hash'> {
  return {
    id: host.id,
    seq: key52(host.id),
    project_id: host.projectId,
    enterprise_project_id: host.enterpriseProjectId,
    agent_id: host.agentId,
    machine_id: host.machineId,
    host_name: host.hostName,
    os_type: host.osType,
    os_name: host.osName,
    os_version: host.osVersion,
    kernel: host.kernel,
    ips: JSON.stringify(host.ips),
    private_ip: host.privateIp,
    public_ip: host.publicIp,
    asset_value: host.assetValue,
    agent_version: host.agentVersion,
    last_seen_at: host.lastSeenAt,
    inventory_hash: host.inventoryHash,
    inventory_at: host.inventoryAt,
    last_scan_at: host.lastScanAt,
    matched_state: null,
    match_gap: null,
    matched_generation: null,
    created_at: host.createdAt,
  };
}

export function toHost(r: Selectable<HostsTable>): Host {
  return {
    id: r.id,
    projectId: r.project_id,
    enterpriseProjectId: r.enterprise_project_id,
    agentId: r.agent_id,
    machineId: r.machine_id,
    hostName: r.host_name,
    osType: r.os_type,
    osName: r.os_name,
    osVersion: r.os_version,
    kernel: r.kernel,
    ips: JSON.parse(r.ips) as string[],
    privateIp: r.private_ip,
    publicIp: r.public_ip,
    assetValue: r.asset_value as AssetValue,
    agentVersion: r.agent_version,
    lastSeenAt: Number(r.last_seen_at),
    inventoryHash: r.inventory_hash,
    inventoryAt: r.inventory_at === null ? null : Number(r.inventory_at),
    lastScanAt: r.last_scan_at === null ? null : Number(r.last_scan_at),
    createdAt: Number(r.created_at),
  };
}
