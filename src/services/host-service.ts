import type { AgentStatus, AssetValue, Host } from '../domain/host.js';
import { notFound } from '../domain/errors.js';
import type { HostFilter, HostRepository } from '../repositories/host-repository.js';

export interface HostView extends Host {
  agentStatus: AgentStatus;
}

/** The host list (HSS ListHostStatus) and host attributes users set. */
export class HostService {
  constructor(
    private readonly hosts: HostRepository,
    private readonly offlineAfterMs: number,
    private readonly now: () => number,
  ) {}

  agentStatus(host: Host): AgentStatus {
    return this.now() - host.lastSeenAt <= this.offlineAfterMs ? 'online' : 'offline';
  }

  async list(projectId: string, filter: Omit<HostFilter, 'onlineSince'>, page: { offset: number; limit: number }): Promise<{ total: number; hosts: HostView[] }> {
    const { total, hosts } = await this.hosts.list(projectId, { ...filter, onlineSince: this.now() - this.offlineAfterMs }, page);
    return { total, hosts: hosts.map((h) => ({ ...h, agentStatus: this.agentStatus(h) })) };
  }

  count(projectId: string): Promise<number> {
    return this.hosts.count(projectId);
  }

  async setAssetValue(projectId: string, hostIds: string[], assetValue: AssetValue): Promise<void> {
    const found = await this.hosts.findMany(projectId, { hostIds });
    const missing = hostIds.filter((id) => !found.some((h) => h.id === id));
    if (missing.length > 0) throw notFound(`Requested resource not found: no host ${missing[0]}`);
    await this.hosts.setAssetValue(projectId, hostIds, assetValue);
  }
}
