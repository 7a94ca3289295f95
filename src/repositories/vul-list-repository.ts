import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { HANDLED_STATUSES, KIND_URGENT, statusCode, statusOf, type AffectedApp, type HostVulStatus, type HssSeverity, type VulInfo } from '../domain/host-vul.js';
import { key52 } from '../domain/keys.js';
import type { AssetValue } from '../domain/host.js';
import type { VulType } from '../domain/vulnerability.js';
import { VulHostPostings } from './vul-host-postings.js';
import { KIND_BIT, like, VersionedCache, VulSummaries, type VulSummaryCounts } from './vul-summaries.js';
import { rowsOfPairs } from './vul-totals.js';

/** Hosts listed in an aggregated list row's host_id_list at most (its host_num counts them all). */
export const HOST_ID_LIST_LIMIT = 100;

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

export interface VulSummaryRow extends Omit<VulInfo, 'kev' | 'dataSource'>, Omit<VulSummaryCounts, 'vulSeq' | 'vulId' | 'linux'> {
  vulType: string;
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

const count = (expr: ReturnType<typeof sql>) => sql<number>`sum(case when ${expr} then 1 else 0 end)`;
const HANDLED_CODES = HANDLED_STATUSES.map(statusCode);

/** The vulnerability's own fields of a list row, as selected from vul_info (and the affect's type and severity). */
function vulOf(r: { vul_id: string; title: string; description: string; url: string; severity: string; cvss_score: number | null; cve_ids: string; vul_type: string }) {
  return {
    vulId: r.vul_id,
    title: r.title,
    description: r.description,
    url: r.url,
    severity: r.severity as HssSeverity,
    cvssScore: r.cvss_score === null ? null : Number(r.cvss_score),
    cveIds: JSON.parse(r.cve_ids) as string[],
    vulType: r.vul_type,
  };
}

/** The columns a host × vulnerability row is selected with. */
const HOST_VUL_COLUMNS = [
  'h.id as host_id', 'h.agent_id', 'h.host_name', 'h.private_ip', 'h.asset_value', 'h.os_type', 'h.os_name', 'h.os_version', 'h.kernel', 'h.last_seen_at', 'h.last_scan_at',
  'i.vul_id', 'i.title', 'i.description', 'i.url', 'a.severity', 'i.cvss_score', 'i.cve_ids', 'a.vul_type', 'v.kind', 'a.packages', 'v.status', 'v.remark',
  'v.first_scan_time',
] as const;

interface HostVulSelected {
  host_id: string;
  agent_id: string;
  host_name: string;
  private_ip: string;
  asset_value: string;
  os_type: string;
  os_name: string;
  os_version: string;
  kernel: string;
  last_seen_at: number;
  last_scan_at: number | null;
  vul_id: string;
  title: string;
  description: string;
  url: string;
  severity: string;
  cvss_score: number | null;
  cve_ids: string;
  vul_type: string;
  kind: number;
  packages: string;
  status: number;
  remark: string | null;
  first_scan_time: number;
}

function hostVulRowOf(r: HostVulSelected): HostVulRow {
  return {
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
    ...vulOf(r),
    urgent: (r.kind & KIND_URGENT) !== 0,
    packages: JSON.parse(r.packages) as AffectedApp[],
    status: statusOf(r.status),
    remark: r.remark,
    firstScanTime: Number(r.first_scan_time),
    scanTime: Number(r.last_scan_at ?? r.first_scan_time),
  };
}

/** The read side of host vulnerabilities: the HSS vulnerability lists. */
export class VulListRepository {
  private readonly postings: VulHostPostings;

  private readonly summaries: VulSummaries;
  /** Per filter, the (host, vulnerability) keys of hostVuls in list order, packed in pairs. */
  private readonly orderedKeys: VersionedCache<Float64Array>;
  /** Per filter and vulnerability, an aggregated row's host_id_list. */
  private readonly hostIdLists: VersionedCache<string[]>;
  /** Per filter and page, an aggregated list answer. */
  private readonly pages: VersionedCache<{ total: number; rows: VulSummaryRow[] }>;

  constructor(private readonly db: Kysely<DB>) {
    this.postings = new VulHostPostings(db);
    this.summaries = new VulSummaries(db);
    this.orderedKeys = new VersionedCache(db, 64);
    this.hostIdLists = new VersionedCache(db, 512);
    this.pages = new VersionedCache(db, 256);
  }

  private filtered(projectId: string, filter: VulListFilter) {
    let q = this.db
      .selectFrom('host_vuls as v')
      .innerJoin('hosts as h', 'h.seq', 'v.host_seq')
      .innerJoin('vul_affects as a', 'a.seq', 'v.affect_seq')
      .innerJoin('vul_info as i', 'i.seq', 'v.vul_seq')
      .where('h.project_id', '=', projectId)
      .where(sql<boolean>`(v.kind & ${KIND_BIT[filter.type]}) <> 0`);
    if (filter.vulId) {
      const seq = key52(filter.vulId);
      // The vulnerability's hosts come from its postings, each checked against its row (primary key).
      q = q.where('v.vul_seq', '=', seq).where(this.postings.hostsOf('v', seq));
    }
    if (filter.vulName) q = q.where('i.title', 'like', like(filter.vulName));
    if (filter.cveId) q = q.where('i.cve_ids', 'like', like(`"${filter.cveId}"`));
    if (filter.status) q = q.where('v.status', '=', statusCode(filter.status));
    if (filter.handleStatus) q = q.where('v.status', filter.handleStatus === 'handled' ? 'in' : 'not in', HANDLED_CODES);
    if (filter.severities?.length) q = q.where('a.severity', 'in', filter.severities);
    if (filter.assetValue) q = q.where('h.asset_value', '=', filter.assetValue);
    if (filter.hostName) q = q.where('h.host_name', 'like', like(filter.hostName));
    if (filter.hostIp) q = q.where('h.ips', 'like', like(filter.hostIp));
    if (filter.enterpriseProjectIds) q = q.where('h.enterprise_project_id', 'in', filter.enterpriseProjectIds);
    return q;
  }

  /**
   * The HSS aggregated list: from the kept totals (vul-summaries.ts) for
   * every filter the route has; a host name or IP filter (which no total
   * is kept by) groups the rows. `host_id_list` holds the first
   * HOST_ID_LIST_LIMIT hosts of each vulnerability in host key order;
   * `host_num` counts them all, and ListVulHosts pages through them all.
   */
  async vulnerabilities(
    projectId: string,
    filter: VulListFilter,
    page: { offset: number; limit: number },
    options: { hostIds: boolean } = { hostIds: true },
  ): Promise<{ total: number; rows: VulSummaryRow[] }> {
    if (filter.hostName || filter.hostIp) return this.vulnerabilitiesFromRows(projectId, filter, page);
    // A page is kept whole for the project's version too: a console polling its list costs one look-up of that version.
    return this.pages.get(projectId, JSON.stringify([filter, page, options]), () => this.summaryPage(projectId, filter, page, options));
  }

  private async summaryPage(projectId: string, filter: VulListFilter, page: { offset: number; limit: number }, options: { hostIds: boolean }): Promise<{ total: number; rows: VulSummaryRow[] }> {
    const all = await this.summaries.list(projectId, filter);
    const pageRows = all.slice(page.offset, page.offset + page.limit);
    const seqs = pageRows.map((r) => r.vulSeq);
    const infos = new Map<number, ReturnType<typeof vulOf>>();
    if (seqs.length > 0) {
      const rows = await this.db
        .selectFrom('vul_info as i')
        .select(['i.seq', 'i.vul_id', 'i.title', 'i.description', 'i.url', 'i.severity', 'i.cvss_score', 'i.cve_ids', sql.lit('').as('vul_type')])
        .where('i.seq', 'in', seqs)
        .execute();
      for (const r of rows) infos.set(Number(r.seq), vulOf(r));
    }
    const scanTimes = await this.summaries.scanTimes(projectId, seqs);
    const out: VulSummaryRow[] = [];
    for (const r of pageRows) {
      const hostIds = options.hostIds ? await this.hostIdLists.get(projectId, JSON.stringify([filter, r.vulSeq]), () => this.firstHostIds(projectId, filter, r.vulSeq)) : [];
      out.push({
        ...infos.get(r.vulSeq)!,
        vulType: r.linux ? 'linux_vul' : 'app_vul',
        hostNum: r.hostNum,
        unhandledHostNum: r.unhandledHostNum,
        ignoredNum: r.ignoredNum,
        fixedNum: r.fixedNum,
        verifyNum: r.verifyNum,
        important: r.important,
        common: r.common,
        test: r.test,
        scanTime: scanTimes.get(r.vulSeq) ?? 0,
        hostIds,
      });
    }
    return { total: all.length, rows: out };
  }

  /**
   * The first HOST_ID_LIST_LIMIT hosts (in key order) that have the
   * vulnerability under the filter: its postings' hosts, sorted, checked a
   * chunk at a time by primary key until enough are found (a vulnerability on
   * 20,000 hosts costs a few look-ups, not a join over all of them).
   */
  private async firstHostIds(projectId: string, filter: VulListFilter, vulSeq: number): Promise<string[]> {
    const postings = await this.db.selectFrom('vul_host_postings').select('host_seqs').where('vul_seq', '=', vulSeq).execute();
    const seqs = new Set<number>();
    for (const p of postings) for (const h of typeof p.host_seqs === 'string' ? (JSON.parse(p.host_seqs) as number[]) : p.host_seqs) seqs.add(Number(h));
    const sorted = [...seqs].sort((a, b) => a - b);
    const { vulId: _vulId, ...rest } = filter;
    const out: string[] = [];
    for (let i = 0; i < sorted.length && out.length < HOST_ID_LIST_LIMIT; i += 256) {
      const rows = await this.filtered(projectId, rest)
        .where('v.vul_seq', '=', vulSeq)
        .where('v.host_seq', 'in', sorted.slice(i, i + 256))
        .select('h.id')
        .orderBy('v.host_seq')
        .execute();
      out.push(...rows.map((r) => r.id));
    }
    return out.slice(0, HOST_ID_LIST_LIMIT);
  }

  /** The aggregated list grouped from the rows, for filters no total is kept by. */
  private async vulnerabilitiesFromRows(projectId: string, filter: VulListFilter, page: { offset: number; limit: number }): Promise<{ total: number; rows: VulSummaryRow[] }> {
    const base = this.filtered(projectId, filter);
    const total = await this.db
      .selectFrom(base.select('v.vul_seq').distinct().as('d'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const handled = sql.join(HANDLED_CODES.map((c) => sql.lit(c)));
    const rows = await base
      .select([
        'v.vul_seq',
        sql<string>`max(i.vul_id)`.as('vul_id'),
        sql<string>`max(i.title)`.as('title'),
        sql<string>`max(i.description)`.as('description'),
        sql<string>`max(i.url)`.as('url'),
        sql<string>`max(i.severity)`.as('severity'),
        sql<number | null>`max(i.cvss_score)`.as('cvss_score'),
        sql<string>`max(i.cve_ids)`.as('cve_ids'),
        sql<string>`max(a.vul_type)`.as('vul_type'),
        sql<number>`count(*)`.as('host_num'),
        count(sql`v.status not in (${handled})`).as('unhandled'),
        count(sql`v.status = ${sql.lit(statusCode('vul_status_ignored'))}`).as('ignored'),
        count(sql`v.status = ${sql.lit(statusCode('vul_status_fixed'))}`).as('fixed'),
        count(sql`v.status = ${sql.lit(statusCode('vul_status_verified'))}`).as('verify'),
        count(sql`h.asset_value = 'important'`).as('important'),
        count(sql`h.asset_value = 'common'`).as('common'),
        count(sql`h.asset_value = 'test'`).as('test'),
        sql<number>`max(h.last_scan_at)`.as('scan_time'),
      ])
      .groupBy('v.vul_seq')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy(sql`max(i.vul_id)`)
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    const seqs = rows.map((r) => Number(r.vul_seq));
    const hostIds = new Map<number, string[]>();
    if (seqs.length > 0) {
      const pairs = await this.filtered(projectId, filter).select(['v.vul_seq', 'h.id']).where('v.vul_seq', 'in', seqs).where(this.postings.pairsOf('v', seqs)).orderBy('v.vul_seq').orderBy('v.host_seq').execute();
      for (const p of pairs) {
        const list = hostIds.get(Number(p.vul_seq)) ?? [];
        list.push(p.id);
        hostIds.set(Number(p.vul_seq), list);
      }
    }
    return {
      total: Number(total.n),
      rows: rows.map((r) => ({
        ...vulOf(r),
        hostNum: Number(r.host_num),
        unhandledHostNum: Number(r.unhandled),
        ignoredNum: Number(r.ignored),
        fixedNum: Number(r.fixed),
        verifyNum: Number(r.verify),
        important: Number(r.important),
        common: Number(r.common),
        test: Number(r.test),
        scanTime: Number(r.scan_time ?? 0),
        hostIds: hostIds.get(Number(r.vul_seq)) ?? [],
      })),
    };
  }

  /**
   * Host × vulnerability rows: one host's vulnerabilities, or one
   * vulnerability's hosts, by vulnerability id, then host name and id. The
   * ordered keys of a filter are kept for the project's totals version
   * (vul-summaries.ts), so a page reads its own rows only; a host name or IP
   * filter is read from the rows each time. The order follows host names as
   * of the last change to the project's findings, asset values or
   * enterprise projects.
   */
  async hostVuls(projectId: string, filter: VulListFilter & { hostId?: string }, page: { offset: number; limit: number }): Promise<{ total: number; rows: HostVulRow[] }> {
    let base = this.filtered(projectId, filter);
    if (filter.hostId) base = base.where('v.host_seq', '=', key52(filter.hostId));
    if (filter.hostName || filter.hostIp) {
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base.select(HOST_VUL_COLUMNS).orderBy('i.vul_id').orderBy('h.host_name').orderBy('h.id').offset(page.offset).limit(page.limit).execute();
      return { total: Number(total.n), rows: rows.map(hostVulRowOf) };
    }
    const keys = await this.orderedKeys.get(projectId, JSON.stringify(filter), async () => {
      const rows = await base.select(['v.host_seq', 'v.vul_seq']).orderBy('i.vul_id').orderBy('h.host_name').orderBy('h.id').execute();
      const out = new Float64Array(rows.length * 2);
      rows.forEach((r, i) => {
        out[2 * i] = Number(r.host_seq);
        out[2 * i + 1] = Number(r.vul_seq);
      });
      return out;
    });
    const total = keys.length / 2;
    const pairs: Array<{ hostSeq: number; vulSeq: number }> = [];
    for (let i = page.offset; i < Math.min(total, page.offset + page.limit); i++) pairs.push({ hostSeq: keys[2 * i]!, vulSeq: keys[2 * i + 1]! });
    if (pairs.length === 0) return { total, rows: [] };
    // The page's rows by key (the filter chose the keys): primary-key look-ups, no postings. The project is
    // checked here, not in SQL, where it would tempt the planner to walk the project's hosts first.
    const rows = await this.db
      .selectFrom('host_vuls as v')
      .innerJoin('hosts as h', 'h.seq', 'v.host_seq')
      .innerJoin('vul_affects as a', 'a.seq', 'v.affect_seq')
      .innerJoin('vul_info as i', 'i.seq', 'v.vul_seq')
      .where(rowsOfPairs(pairs))
      .select(['v.host_seq', 'v.vul_seq', 'h.project_id', ...HOST_VUL_COLUMNS])
      .execute();
    const byKey = new Map(rows.filter((r) => r.project_id === projectId).map((r) => [`${Number(r.host_seq)}:${Number(r.vul_seq)}`, r]));
    return {
      total,
      rows: pairs.flatMap((p) => {
        const r = byKey.get(`${p.hostSeq}:${p.vulSeq}`);
        return r ? [hostVulRowOf(r)] : [];
      }),
    };
  }

  /** How many host × vulnerability rows match: what ListVulHosts / ListHostVuls count, for exports. */
  async countHostVuls(projectId: string, filter: VulListFilter & { hostId?: string }): Promise<number> {
    let base = this.filtered(projectId, filter);
    if (filter.hostId) base = base.where('v.host_seq', '=', key52(filter.hostId));
    const row = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The rows `hostVuls` selects, a keyset page at a time in key order: by host
   * then vulnerability (`host`) or by vulnerability then host (`vul`). Keys
   * are the stored 52-bit ones, so each page is an index range, not a sort
   * of every match: exports of any size read in bounded memory.
   */
  async hostVulKeysetPage(
    projectId: string,
    filter: VulListFilter & { hostId?: string },
    order: 'host' | 'vul',
    after: { hostSeq: number; vulSeq: number } | null,
    limit: number,
  ): Promise<Array<HostVulRow & { hostSeq: number; vulSeq: number }>> {
    if (order === 'vul' && !filter.vulId && !filter.hostId) return this.keysetPageByVul(projectId, filter, after, limit);
    let q = this.filtered(projectId, filter);
    if (filter.hostId) q = q.where('v.host_seq', '=', key52(filter.hostId));
    const [first, second] = order === 'host' ? (['v.host_seq', 'v.vul_seq'] as const) : (['v.vul_seq', 'v.host_seq'] as const);
    if (after) {
      const a = order === 'host' ? [after.hostSeq, after.vulSeq] : [after.vulSeq, after.hostSeq];
      q = q.where((eb) => eb(eb.refTuple(first, second), '>', eb.tuple(a[0]!, a[1]!)));
    }
    const rows = await q
      .select(['v.host_seq', 'v.vul_seq', ...HOST_VUL_COLUMNS])
      .orderBy(first)
      .orderBy(second)
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      hostSeq: Number(r.host_seq),
      vulSeq: Number(r.vul_seq),
      ...hostVulRowOf(r),
    }));
  }

  /**
   * hostVulKeysetPage in vulnerability order over every vulnerability: rows
   * have no index in that order (migration 0012), so the page walks the
   * vulnerabilities listed in postings in key order and reads each one's
   * rows through its postings, in host order.
   */
  private async keysetPageByVul(
    projectId: string,
    filter: VulListFilter,
    after: { hostSeq: number; vulSeq: number } | null,
    limit: number,
  ): Promise<Array<HostVulRow & { hostSeq: number; vulSeq: number }>> {
    const out: Array<HostVulRow & { hostSeq: number; vulSeq: number }> = [];
    // The rest of the vulnerability the last page ended in, then the vulnerabilities after it.
    const readVul = async (vulSeq: number, afterHost: number | null) => {
      let q = this.filtered(projectId, filter).where('v.vul_seq', '=', vulSeq).where(this.postings.hostsOf('v', vulSeq));
      if (afterHost !== null) q = q.where('v.host_seq', '>', afterHost);
      const rows = await q
        .select(['v.host_seq', 'v.vul_seq', ...HOST_VUL_COLUMNS])
        .orderBy('v.host_seq')
        .limit(limit - out.length)
        .execute();
      for (const r of rows) out.push({ hostSeq: Number(r.host_seq), vulSeq: Number(r.vul_seq), ...hostVulRowOf(r) });
    };
    if (after) await readVul(after.vulSeq, after.hostSeq);
    let past = after?.vulSeq ?? null;
    while (out.length < limit) {
      let next = this.db.selectFrom('vul_host_postings').select('vul_seq').distinct().orderBy('vul_seq').limit(64);
      if (past !== null) next = next.where('vul_seq', '>', past);
      const vulSeqs = (await next.execute()).map((r) => Number(r.vul_seq));
      if (vulSeqs.length === 0) break;
      for (const vulSeq of vulSeqs) {
        await readVul(vulSeq, null);
        if (out.length >= limit) break;
      }
      past = vulSeqs[vulSeqs.length - 1]!;
    }
    return out;
  }

  /** (host, vulnerability) pairs of a type, for "handle all" requests. */
  async pairs(projectId: string, type: VulType, enterpriseProjectIds: string[] | null): Promise<Array<{ hostId: string; vulId: string }>> {
    const rows = await this.filtered(projectId, { type, enterpriseProjectIds }).select(['h.id', 'i.vul_id']).execute();
    return rows.map((r) => ({ hostId: r.id, vulId: r.vul_id }));
  }
}
