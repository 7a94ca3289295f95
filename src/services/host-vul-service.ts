import { invalidParameter, notFound } from '../domain/errors.js';
import { statusCode, type HostVulStatus } from '../domain/host-vul.js';
import { key52 } from '../domain/keys.js';
import type { VulType } from '../domain/vulnerability.js';
import type { HostRepository } from '../repositories/host-repository.js';
import type { HostVulRepository } from '../repositories/host-vul-repository.js';
import type { VulListFilter, VulListRepository } from '../repositories/vul-list-repository.js';
import type { VulScanService } from './vul-scan-service.js';

export const OPERATE_TYPES = ['ignore', 'not_ignore', 'immediate_repair', 'manual_repair', 'verify', 'add_to_whitelist'] as const;
export type OperateType = (typeof OPERATE_TYPES)[number];

export interface StatusChange {
  operateType: OperateType;
  type: VulType;
  remark?: string;
  selectType?: 'all_vul' | 'all_host';
  /** Vulnerability-centred selection. */
  dataList?: Array<{ vulId: string; hostIds: string[] }>;
  /** Host-centred selection. */
  hostDataList?: Array<{ hostId: string; vulIds: string[] }>;
  enterpriseProjectIds: string[] | null;
}

/** What each handling operation sets, and whether the decision is tied to the packages it was made for. */
const OPERATIONS: Record<Exclude<OperateType, 'immediate_repair'>, { status: HostVulStatus; tied: boolean }> = {
  ignore: { status: 'vul_status_ignored', tied: true },
  add_to_whitelist: { status: 'vul_status_ignored', tied: true },
  not_ignore: { status: 'vul_status_unfix', tied: false },
  manual_repair: { status: 'vul_status_fixed', tied: true },
  verify: { status: 'vul_status_verified', tied: false },
};

/** The HSS vulnerability lists and their handling (ListVulnerabilities, ListHostVuls, ListVulHosts, ChangeVulStatus). */
export class HostVulService {
  constructor(
    private readonly lists: VulListRepository,
    private readonly hostVuls: HostVulRepository,
    private readonly hosts: HostRepository,
    private readonly scans: VulScanService,
  ) {}

  /** The aggregated list; without `hostIds`, each row's host_id_list is left empty (for callers that need the counts only). */
  vulnerabilities(projectId: string, filter: VulListFilter, page: { offset: number; limit: number }, options: { hostIds: boolean } = { hostIds: true }) {
    return this.lists.vulnerabilities(projectId, filter, page, options);
  }

  async hostVulnerabilities(projectId: string, hostId: string, filter: VulListFilter, page: { offset: number; limit: number }) {
    const host = await this.hosts.find(projectId, hostId);
    if (!host || (filter.enterpriseProjectIds && !filter.enterpriseProjectIds.includes(host.enterpriseProjectId))) throw notFound(`Requested resource not found: no host ${hostId}`);
    return this.lists.hostVuls(projectId, { ...filter, hostId }, page);
  }

  vulnerabilityHosts(projectId: string, filter: VulListFilter, page: { offset: number; limit: number }) {
    return this.lists.hostVuls(projectId, filter, page);
  }

  /**
   * Applies a handling operation. Every named pair must exist in the
   * project, or nothing changes. `verify` also starts a scan of the hosts
   * concerned, whose result confirms or reopens each vulnerability.
   */
  async changeStatus(projectId: string, change: StatusChange): Promise<void> {
    if (change.operateType === 'immediate_repair') throw invalidParameter('operate_type', 'operate_type immediate_repair is not supported: openhss does not change hosts; fix the package and use verify');
    const pairs = await this.selectedPairs(projectId, change);
    if (pairs.length === 0) throw invalidParameter('data_list', 'name at least one vulnerability and host in data_list or host_data_list, or use select_type');
    const keyed = pairs.map((p) => ({ ...p, hostSeq: key52(p.hostId), vulSeq: key52(p.vulId) }));
    for (const pair of keyed) {
      if (!(await this.hostVuls.exists(projectId, pair.hostSeq, pair.vulSeq))) throw notFound(`Requested resource not found: host ${pair.hostId} has no vulnerability ${pair.vulId}`);
    }
    const op = OPERATIONS[change.operateType];
    await this.hostVuls.setStatus(projectId, keyed, statusCode(op.status), change.remark ?? null, op.tied);
    if (change.operateType === 'verify') {
      const hostIds = [...new Set(pairs.map((p) => p.hostId))];
      await this.hosts.forgetMatches(projectId, hostIds);
      await this.scans.createTask(projectId, { scanType: 'manual', vulTypes: [change.type], rangeType: 'specific_host', hostIds });
    }
  }

  private async selectedPairs(projectId: string, change: StatusChange): Promise<Array<{ hostId: string; vulId: string }>> {
    if (change.selectType) return this.lists.pairs(projectId, change.type, change.enterpriseProjectIds);
    const pairs = new Map<string, { hostId: string; vulId: string }>();
    for (const item of change.dataList ?? []) for (const hostId of item.hostIds) pairs.set(`${hostId}\u0000${item.vulId}`, { hostId, vulId: item.vulId });
    for (const item of change.hostDataList ?? []) for (const vulId of item.vulIds) pairs.set(`${item.hostId}\u0000${vulId}`, { hostId: item.hostId, vulId });
    return [...pairs.values()];
  }
}
