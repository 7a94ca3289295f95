import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { HANDLED_STATUSES, statusCode, type AffectedApp } from '../domain/host-vul.js';
import { notFound } from '../domain/errors.js';
import { key52 } from '../domain/keys.js';
import type { HostInventoryRepository } from '../repositories/host-inventory-repository.js';
import { VulHostPostings } from '../repositories/vul-host-postings.js';
import type { AdvisoryRecord } from '../vulndb/reader.js';
import type { VulnDbProvider } from '../vulndb/provider.js';

const HANDLED_CODES = HANDLED_STATUSES.map(statusCode);
const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

/** What the list of vulnerabilities does not say about one: KEV, a fix, the images it is in. */
export interface VulnerabilityFacts {
  vulId: string;
  kev: boolean;
  fixAvailable: boolean;
  imageNum: number;
}

export interface AffectedPackage {
  name: string;
  type: string;
  installedVersion: string;
  fixedVersion: string;
  hostNum: number;
  imageNum: number;
}

export interface VulnerabilityDetail {
  vulId: string;
  title: string;
  description: string;
  severity: string;
  cvss: { score: number | null; vector: string | null; version: string | null; source: string | null };
  kev: { dateAdded: string } | null;
  aliases: string[];
  references: string[];
  published: string | null;
  modified: string | null;
  hostNum: number;
  imageNum: number;
  packages: AffectedPackage[];
}

export interface HostFacts {
  hostId: string;
  lastScanTime: number;
  inventoryTime: number;
  packageNum: number;
  matchGap: string | null;
  open: Record<(typeof SEVERITIES)[number], number>;
  handled: number;
}

export interface InstalledApp {
  name: string;
  version: string;
  type: string;
  path: string;
}

/**
 * Facts the web console shows beside the HSS lists, read in one query per
 * page of rows (never per row): KEV and fix availability of vulnerabilities,
 * where they are, hosts' open counts by severity, and a host's installed
 * packages. Enterprise-project scope as the HSS lists apply it.
 */
export class ConsoleFactsService {
  private readonly postings: VulHostPostings;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly vulnDb: VulnDbProvider,
    private readonly inventories: HostInventoryRepository,
  ) {
    this.postings = new VulHostPostings(db);
  }

  private advisories(vulId: string): AdvisoryRecord[] {
    try {
      return this.vulnDb.reader().findAdvisories(vulId);
    } catch {
      return [];
    }
  }

  /** Findings of the vulnerabilities in image assets (not removed, in scope), over every image source. */
  private imageFindings(projectId: string, scope: string[] | null, vulIds: string[]) {
    const q = this.db
      .selectFrom('image_vuls')
      .innerJoin('image_assets', (j) => j.onRef('image_assets.project_id', '=', 'image_vuls.project_id').onRef('image_assets.image_digest', '=', 'image_vuls.image_digest'))
      .where('image_vuls.project_id', '=', projectId)
      .where('image_vuls.vul_id', 'in', vulIds)
      .where('image_assets.removed_at', 'is', null);
    return scope ? q.where('image_assets.enterprise_project_id', 'in', scope.length > 0 ? scope : ['']) : q;
  }

  /** Image assets per vulnerability. */
  private async imageCounts(projectId: string, scope: string[] | null, vulIds: string[]): Promise<Map<string, number>> {
    const rows = await this.imageFindings(projectId, scope, vulIds).select(['image_vuls.vul_id', sql<number>`count(distinct image_assets.id)`.as('n')]).groupBy('image_vuls.vul_id').execute();
    return new Map(rows.map((r) => [r.vul_id, Number(r.n)]));
  }

  /** The distinct affects (package sets) a vulnerability has on the project's hosts in scope, with their host counts. */
  private async hostAffects(projectId: string, scope: string[] | null, vulSeqs: number[]) {
    let q = this.db
      .selectFrom('host_vuls as v')
      .innerJoin('hosts as h', 'h.seq', 'v.host_seq')
      .innerJoin('vul_affects as a', 'a.seq', 'v.affect_seq')
      .where('h.project_id', '=', projectId)
      .where('v.vul_seq', 'in', vulSeqs)
      .where(this.postings.pairsOf('v', vulSeqs));
    if (scope) q = q.where('h.enterprise_project_id', 'in', scope.length > 0 ? scope : ['']);
    const rows = await q.select(['v.vul_seq', 'v.affect_seq', sql<string>`max(a.packages)`.as('packages'), sql<number>`count(*)`.as('n')]).groupBy(['v.vul_seq', 'v.affect_seq']).execute();
    return rows.map((r) => ({ vulSeq: Number(r.vul_seq), packages: JSON.parse(r.packages) as AffectedApp[], hostNum: Number(r.n) }));
  }

  async vulnerabilityFacts(projectId: string, scope: string[] | null, vulIds: string[]): Promise<VulnerabilityFacts[]> {
    const ids = [...new Set(vulIds)];
    if (ids.length === 0) return [];
    const seqOf = new Map(ids.map((id) => [key52(id), id]));
    const images = await this.imageCounts(projectId, scope, ids);
    const fixed = new Set<string>();
    for (const affect of await this.hostAffects(projectId, scope, [...seqOf.keys()])) {
      if (affect.packages.some((p) => p.fixed_version)) fixed.add(seqOf.get(affect.vulSeq)!);
    }
    let imageFixes = this.db.selectFrom('image_vuls').select('vul_id').distinct().where('project_id', '=', projectId).where('vul_id', 'in', ids).where('fixed_version', '<>', '');
    if (scope) imageFixes = imageFixes.where('image_digest', 'in', this.db.selectFrom('image_assets').select('image_digest').where('project_id', '=', projectId).where('enterprise_project_id', 'in', scope.length > 0 ? scope : ['']));
    for (const r of await imageFixes.execute()) fixed.add(r.vul_id);
    const kevStored = new Set((await this.db.selectFrom('vul_info').select('vul_id').where('vul_id', 'in', ids).where('kev', '=', 1).execute()).map((r) => r.vul_id));
    return ids.map((vulId) => ({
      vulId,
      kev: kevStored.has(vulId) || this.advisories(vulId).some((a) => a.kev !== null),
      fixAvailable: fixed.has(vulId),
      imageNum: images.get(vulId) ?? 0,
    }));
  }

  /** One vulnerability as the project sees it: the DB's facts and every affected package with where it was found. */
  async vulnerabilityDetail(projectId: string, scope: string[] | null, vulId: string): Promise<VulnerabilityDetail> {
    const seq = key52(vulId);
    const info = await this.db.selectFrom('vul_info').selectAll().where('seq', '=', seq).executeTakeFirst();
    const packages = new Map<string, AffectedPackage>();
    const add = (p: Omit<AffectedPackage, 'hostNum' | 'imageNum'>, hosts: number, images: number) => {
      const key = JSON.stringify([p.name, p.type, p.installedVersion, p.fixedVersion]);
      const known = packages.get(key) ?? { ...p, hostNum: 0, imageNum: 0 };
      known.hostNum += hosts;
      known.imageNum += images;
      packages.set(key, known);
    };
    let hostNum = 0;
    for (const affect of await this.hostAffects(projectId, scope, [seq])) {
      hostNum += affect.hostNum;
      for (const p of affect.packages) add({ name: p.name, type: p.type, installedVersion: p.version, fixedVersion: p.fixed_version ?? '' }, affect.hostNum, 0);
    }
    const imageRows = await this.imageFindings(projectId, scope, [vulId])
      .select(['image_vuls.package_name', 'image_vuls.package_type', 'image_vuls.package_version', 'image_vuls.fixed_version', sql<number>`count(distinct image_assets.id)`.as('n')])
      .groupBy(['image_vuls.package_name', 'image_vuls.package_type', 'image_vuls.package_version', 'image_vuls.fixed_version'])
      .execute();
    for (const r of imageRows) add({ name: r.package_name, type: r.package_type, installedVersion: r.package_version, fixedVersion: r.fixed_version }, 0, Number(r.n));
    const imageNum = (await this.imageCounts(projectId, scope, [vulId])).get(vulId) ?? 0;
    const firstImage = imageRows.length > 0 ? await this.db.selectFrom('image_vuls').select(['title', 'severity', 'cvss_score']).where('project_id', '=', projectId).where('vul_id', '=', vulId).executeTakeFirst() : undefined;
    if (hostNum === 0 && imageNum === 0) throw notFound(`Requested resource not found: no host or image of the project has vulnerability ${vulId}`);

    const advisories = this.advisories(vulId);
    const scored = advisories.filter((a) => a.cvss).sort((a, b) => (b.cvss!.score ?? 0) - (a.cvss!.score ?? 0))[0];
    const references = [...new Set([info?.url, ...advisories.map((a) => a.url)].filter((u): u is string => !!u))];
    const aliases = [...new Set([...advisories.flatMap((a) => [a.id, ...a.aliases]), ...(info ? (JSON.parse(info.cve_ids) as string[]) : [])])].filter((a) => a !== vulId).sort();
    const kev = advisories.find((a) => a.kev)?.kev ?? (info?.kev ? { dateAdded: '' } : null);
    const dates = (pick: (a: AdvisoryRecord) => string | null) => advisories.map(pick).filter((d): d is string => !!d).sort();
    const severity = info?.severity ?? capitalise(firstImage?.severity ?? '');
    return {
      vulId,
      title: info?.title ?? firstImage?.title ?? advisories[0]?.summary ?? vulId,
      description: info?.description || advisories.find((a) => a.summary)?.summary || '',
      severity,
      cvss: {
        score: scored?.cvss?.score ?? (info?.cvss_score === null || info?.cvss_score === undefined ? (firstImage?.cvss_score ?? null) : Number(info.cvss_score)),
        vector: scored?.cvss?.vector ?? null,
        version: scored?.cvss?.version ?? null,
        source: scored?.source ?? null,
      },
      kev,
      aliases,
      references,
      published: dates((a) => a.published)[0] ?? null,
      modified: dates((a) => a.modified).at(-1) ?? null,
      hostNum,
      imageNum,
      packages: [...packages.values()].sort((a, b) => b.hostNum + b.imageNum - (a.hostNum + a.imageNum) || a.name.localeCompare(b.name)),
    };
  }

  /** Hosts' open vulnerabilities by severity, handled count, last scan and inventory size. Hosts not in the project (or scope) are left out. */
  async hostFacts(projectId: string, scope: string[] | null, hostIds: string[]): Promise<HostFacts[]> {
    const ids = [...new Set(hostIds)];
    if (ids.length === 0) return [];
    let hosts = this.db
      .selectFrom('hosts as h')
      .leftJoin('host_inventories as i', 'i.host_id', 'h.id')
      .select(['h.id', 'h.seq', 'h.last_scan_at', 'h.inventory_at', 'h.match_gap', 'i.package_count'])
      .where('h.project_id', '=', projectId)
      .where('h.id', 'in', ids);
    if (scope) hosts = hosts.where('h.enterprise_project_id', 'in', scope.length > 0 ? scope : ['']);
    const rows = await hosts.execute();
    if (rows.length === 0) return [];
    const handled = sql.join(HANDLED_CODES.map((c) => sql.lit(c)));
    const counts = await this.db
      .selectFrom('host_vuls as v')
      .innerJoin('vul_affects as a', 'a.seq', 'v.affect_seq')
      .select(['v.host_seq', 'a.severity', sql<number>`sum(case when v.status in (${handled}) then 0 else 1 end)`.as('open'), sql<number>`sum(case when v.status in (${handled}) then 1 else 0 end)`.as('handled')])
      .where('v.host_seq', 'in', rows.map((r) => Number(r.seq)))
      .groupBy(['v.host_seq', 'a.severity'])
      .execute();
    const bySeq = new Map<number, HostFacts>();
    const out = rows.map((r) => {
      const facts: HostFacts = {
        hostId: r.id,
        lastScanTime: Number(r.last_scan_at ?? 0),
        inventoryTime: Number(r.inventory_at ?? 0),
        packageNum: Number(r.package_count ?? 0),
        matchGap: r.match_gap,
        open: { Critical: 0, High: 0, Medium: 0, Low: 0 },
        handled: 0,
      };
      bySeq.set(Number(r.seq), facts);
      return facts;
    });
    for (const c of counts) {
      const facts = bySeq.get(Number(c.host_seq))!;
      const severity = SEVERITIES.find((s) => s.toLowerCase() === String(c.severity).toLowerCase());
      if (severity) facts.open[severity] += Number(c.open);
      facts.handled += Number(c.handled);
    }
    const order = new Map(ids.map((id, i) => [id, i]));
    return out.sort((a, b) => order.get(a.hostId)! - order.get(b.hostId)!);
  }

  /** A host's installed packages from its last inventory, filtered and paged (HSS ListApps). */
  async hostApps(
    projectId: string,
    scope: string[] | null,
    hostId: string,
    filter: { appName?: string; version?: string; installDir?: string; partMatch: boolean },
    page: { offset: number; limit: number },
  ): Promise<{ total: number; host: { id: string; agentId: string; name: string; ip: string; inventoryTime: number; lastScanTime: number }; apps: InstalledApp[] }> {
    const host = await this.db.selectFrom('hosts').select(['id', 'agent_id', 'host_name', 'private_ip', 'enterprise_project_id', 'inventory_at', 'last_scan_at']).where('project_id', '=', projectId).where('id', '=', hostId).executeTakeFirst();
    if (!host || (scope && !scope.includes(host.enterprise_project_id))) throw notFound(`Requested resource not found: no host ${hostId}`);
    const [inventory] = await this.inventories.load([hostId]);
    const matches = (value: string, wanted: string | undefined) => wanted === undefined || (filter.partMatch ? value.toLowerCase().includes(wanted.toLowerCase()) : value === wanted);
    const all = (inventory?.packages ?? [])
      .map((p) => ({ name: p.name, version: p.version, type: p.type, path: p.location.path }))
      .filter((p) => matches(p.name, filter.appName) && matches(p.version, filter.version) && matches(p.path, filter.installDir))
      .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version) || a.path.localeCompare(b.path));
    return {
      total: all.length,
      host: { id: host.id, agentId: host.agent_id, name: host.host_name, ip: host.private_ip, inventoryTime: Number(host.inventory_at ?? 0), lastScanTime: Number(host.last_scan_at ?? 0) },
      apps: all.slice(page.offset, page.offset + page.limit),
    };
  }
}

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);
