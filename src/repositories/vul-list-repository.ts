import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { HANDLED_STATUSES, type AffectedApp, type HostVulStatus, type HssSeverity, type VulInfo } from '../domain/host-vul.js';
import type { AssetValue } from '../domain/host.js';
import type { VulType } from '../domain/vulnerability.js';

export interface VulListFilter {
  type: VulType;
  vulId?: string;
  vulName?: string;
  cveId?: string;
  status?: HostVulStatus;
  handleStatus?: 'unhandled' | 'handled';
  severities?: HssSeverity[];
  assetValue?: AssetValue;
  hostName?: string;
  hostIp?: string;
  enterpriseProjectIds: string[] | null;
}

export interface VulSummaryRow extends Omit<VulInfo, 'kev' | 'dataSource'> {
  vulType: string;
  hostNum: number;
  unhandledHostNum: number;
  ignoredNum: number;
  fixedNum: number;
  verifyNum: number;
  important: number;
  common: number;
  test: number;
  scanTime: number;
  hostIds: string[];
}

export interface HostVulRow extends Omit<VulInfo, 'kev' | 'dataSource'> {
  hostId: string;
  agentId: string;
  hostName: string;
  privateIp: string;
  assetValue: AssetValue;
  osType: string;
  osName: string;
  osVersion: string;
  kernel: string;
  lastSeenAt: number;
  vulType: string;
  urgent: boolean;
  packages: AffectedApp[];
  status: HostVulStatus;
  remark: string | null;
  firstScanTime: number;
  scanTime: number;
}

const like = (text: string) => `%${text.replace(/[%_\\]/g, '')}%`;
const count = (expr: ReturnType<typeof sql>) => sql<number>`sum(case when ${expr} then 1 else 0 end)`;

/** The read side of host vulnerabilities: the HSS vulnerability lists. */
export class VulListRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private filtered(projectId: string, filter: VulListFilter) {
    let q = this.db
      .selectFrom('host_vuls as v')
      .innerJoin('hosts as h', 'h.id', 'v.host_id')
      .innerJoin('vul_info as i', 'i.vul_id', 'v.vul_id')
      .where('v.project_id', '=', projectId);
    q = filter.type === 'urgent_vul' ? q.where('v.urgent', '=', 1) : q.where('v.vul_type', '=', filter.type);
    if (filter.vulId) q = q.where('v.vul_id', '=', filter.vulId);
    if (filter.vulName) q = q.where('i.title', 'like', like(filter.vulName));
    if (filter.cveId) q = q.where('i.cve_ids', 'like', like(`"${filter.cveId}"`));
    if (filter.status) q = q.where('v.status', '=', filter.status);
    if (filter.handleStatus) q = q.where('v.status', filter.handleStatus === 'handled' ? 'in' : 'not in', [...HANDLED_STATUSES]);
    if (filter.severities?.length) q = q.where('v.severity', 'in', filter.severities);
    if (filter.assetValue) q = q.where('h.asset_value', '=', filter.assetValue);
    if (filter.hostName) q = q.where('h.host_name', 'like', like(filter.hostName));
    if (filter.hostIp) q = q.where('h.ips', 'like', like(filter.hostIp));
    if (filter.enterpriseProjectIds) q = q.where('h.enterprise_project_id', 'in', filter.enterpriseProjectIds);
    return q;
  }

  async vulnerabilities(projectId: string, filter: VulListFilter, page: { offset: number; limit: number }): Promise<{ total: number; rows: VulSummaryRow[] }> {
    const base = this.filtered(projectId, filter);
    const total = await this.db
      .selectFrom(base.select('v.vul_id').distinct().as('d'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const handled = sql.join(HANDLED_STATUSES.map((s) => sql.lit(s)));
    const rows = await base
      .select([
        'v.vul_id',
        sql<string>`max(i.title)`.as('title'),
        sql<string>`max(i.description)`.as('description'),
        sql<string>`max(i.url)`.as('url'),
        sql<string>`max(i.severity)`.as('severity'),
        sql<number | null>`max(i.cvss_score)`.as('cvss_score'),
        sql<string>`max(i.cve_ids)`.as('cve_ids'),
        sql<string>`max(v.vul_type)`.as('vul_type'),
        sql<number>`count(*)`.as('host_num'),
        count(sql`v.status not in (${handled})`).as('unhandled'),
        count(sql`v.status = 'vul_status_ignored'`).as('ignored'),
        count(sql`v.status = 'vul_status_fixed'`).as('fixed'),
        count(sql`v.status = 'vul_status_verified'`).as('verify'),
        count(sql`h.asset_value = 'important'`).as('important'),
        count(sql`h.asset_value = 'common'`).as('common'),
        count(sql`h.asset_value = 'test'`).as('test'),
        sql<number>`max(v.scan_time)`.as('scan_time'),
      ])
      .groupBy('v.vul_id')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('v.vul_id')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    const ids = rows.map((r) => r.vul_id);
    const hostIds = new Map<string, string[]>();
    if (ids.length > 0) {
      const pairs = await this.filtered(projectId, filter).select(['v.vul_id', 'v.host_id']).where('v.vul_id', 'in', ids).execute();
      for (const p of pairs) hostIds.set(p.vul_id, [...(hostIds.get(p.vul_id) ?? []), p.host_id]);
    }
    return {
      total: Number(total.n),
      rows: rows.map((r) => ({
        vulId: r.vul_id,
        title: r.title,
        description: r.description,
        url: r.url,
        severity: r.severity as HssSeverity,
        cvssScore: r.cvss_score === null ? null : Number(r.cvss_score),
        cveIds: JSON.parse(r.cve_ids) as string[],
        vulType: r.vul_type,
        hostNum: Number(r.host_num),
        unhandledHostNum: Number(r.unhandled),
        ignoredNum: Number(r.ignored),
        fixedNum: Number(r.fixed),
        verifyNum: Number(r.verify),
        important: Number(r.important),
        common: Number(r.common),
        test: Number(r.test),
        scanTime: Number(r.scan_time),
        hostIds: hostIds.get(r.vul_id) ?? [],
      })),
    };
  }

  /** Host × vulnerability rows: one host's vulnerabilities, or one vulnerability's hosts. */
  async hostVuls(projectId: string, filter: VulListFilter & { hostId?: string }, page: { offset: number; limit: number }): Promise<{ total: number; rows: HostVulRow[] }> {
    let base = this.filtered(projectId, filter);
    if (filter.hostId) base = base.where('v.host_id', '=', filter.hostId);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select([
        'v.host_id', 'h.agent_id', 'h.host_name', 'h.private_ip', 'h.asset_value', 'h.os_type', 'h.os_name', 'h.os_version', 'h.kernel', 'h.last_seen_at',
        'v.vul_id', 'i.title', 'i.description', 'i.url', 'v.severity', 'i.cvss_score', 'i.cve_ids', 'v.vul_type', 'v.urgent', 'v.packages', 'v.status', 'v.remark',
        'v.first_scan_time', 'v.scan_time',
      ])
      .orderBy('v.vul_id')
      .orderBy('h.host_name')
      .orderBy('v.host_id')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return {
      total: Number(total.n),
      rows: rows.map((r) => ({
        hostId: r.host_id,
        agentId: r.agent_id,
        hostName: r.host_name,
        privateIp: r.private_ip,
        assetValue: r.asset_value as AssetValue,
        osType: r.os_type,
        osName: r.os_name,
        osVersion: r.os_version,
        kernel: r.kernel,
        lastSeenAt: Number(r.last_seen_at),
        vulId: r.vul_id,
        title: r.title,
        description: r.description,
        url: r.url,
        severity: r.severity as HssSeverity,
        cvssScore: r.cvss_score === null ? null : Number(r.cvss_score),
        cveIds: JSON.parse(r.cve_ids) as string[],
        vulType: r.vul_type,
        urgent: r.urgent === 1,
        packages: JSON.parse(r.packages) as AffectedApp[],
        status: r.status as HostVulStatus,
        remark: r.remark,
        firstScanTime: Number(r.first_scan_time),
        scanTime: Number(r.scan_time),
      })),
    };
  }

  /** (host, vulnerability) pairs of a type, for "handle all" requests. */
  async pairs(projectId: string, type: VulType, enterpriseProjectIds: string[] | null): Promise<Array<{ hostId: string; vulId: string }>> {
    const rows = await this.filtered(projectId, { type, enterpriseProjectIds }).select(['v.host_id', 'v.vul_id']).execute();
    return rows.map((r) => ({ hostId: r.host_id, vulId: r.vul_id }));
  }
}
