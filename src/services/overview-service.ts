import { DAY_MS } from '../repositories/host-vul-counts.js';
import type { HostTotals, ImageRow, ImageTotals, OverviewRepository } from '../repositories/overview-repository.js';
import type { Principal } from './auth-service.js';
import { resolveEnterpriseScope } from './enterprise-scope.js';
import type { ScanPolicyService } from './scan-policy-service.js';
import type { VulnDbFreshness, VulnDbUpdater } from './vulndb-updater.js';

export const TREND_DAYS = 30;
export const TOP_LIMIT = 10;
/** How often the scheduler refreshes today's snapshot. */
export const SNAPSHOT_REFRESH_MS = 5 * 60_000;

const SEVERITY_RANK: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };
const rankOf = (severity: string) => SEVERITY_RANK[severity.toLowerCase()] ?? 0;

export interface KevEntry {
  vulId: string;
  title: string;
  severity: string;
  cvssScore: number | null;
  cveIds: string[];
  hostNum: number;
  imageNum: number;
}

export interface TrendPoint {
  day: number;
  hostOpen: { critical: number; high: number; medium: number; low: number };
  imageOpen: { critical: number; high: number; medium: number; low: number };
  /** The day is today: live totals rather than a stored snapshot. */
  live: boolean;
}

export interface Overview {
  generatedAt: number;
  enterpriseProjectIds: string[];
  hosts: HostTotals;
  images: ImageTotals;
  clusters: { total: number; scanned: number; critical: number; high: number; medium: number; low: number };
  changed: {
    comparedWith: number | null;
    hostNew: number;
    hostFixed: number;
    hostOpenDelta: number | null;
    imageOpenDelta: number | null;
  };
  trend: TrendPoint[];
  topHosts: Awaited<ReturnType<OverviewRepository['topHosts']>>;
  topImages: ImageRow[];
  kev: { vulNum: number; hostFindingNum: number; top: KevEntry[] };
  scans: {
    policyStatus: string;
    nextScanTime: number | null;
    lastScan: NonNullable<Awaited<ReturnType<OverviewRepository['lastScanTask']>>> | null;
    lastScheduledScan: NonNullable<Awaited<ReturnType<OverviewRepository['lastScanTask']>>> | null;
  };
  vulnDb: VulnDbFreshness;
}

const hostOpen = (t: { critical: number; high: number; medium: number; low: number }) => t.critical + t.high + t.medium + t.low;

/**
 * The dashboard's aggregates for a project and enterprise-project scope.
 * Everything is read from counts kept when findings are written or handled
 * (one row per host, image, KEV vulnerability and day), so a page view
 * costs the same whatever the number of findings; the daily rows are the
 * trend, written by `recordSnapshots` (the scheduler's tick).
 */
export class OverviewService {
  constructor(
    private readonly repo: OverviewRepository,
    private readonly policies: ScanPolicyService,
    private readonly vulnDb: VulnDbUpdater,
    private readonly now: () => number = Date.now,
  ) {}

  async overview(principal: Principal, projectId: string, enterpriseProjectId: string | undefined): Promise<Overview> {
    const eps = resolveEnterpriseScope(principal, enterpriseProjectId);
    const now = this.now();
    const today = Math.floor(now / DAY_MS);
    const [hosts, images, topImages, imageKev, clusters, days, topHosts, scans, vulnDb] = await Promise.all([
      this.repo.hostTotals(projectId, eps),
      this.repo.imageTotals(projectId, eps),
      this.repo.topImages(projectId, eps, TOP_LIMIT),
      this.repo.imageKev(projectId, eps),
      this.clusters(projectId, eps),
      this.repo.days(projectId, eps, today - (TREND_DAYS - 1)),
      this.repo.topHosts(projectId, eps, TOP_LIMIT),
      this.scans(projectId),
      this.vulnDb.freshness(),
    ]);
    const kev = await this.kev(projectId, eps, imageKev);
    const trend: TrendPoint[] = days
      .filter((d) => d.snapshotAt !== null && d.day < today)
      .map((d) => ({ day: d.day, hostOpen: d.host, imageOpen: d.image, live: false }));
    const imageLive = { critical: images.critical, high: images.high, medium: images.medium, low: images.low + images.unknown };
    trend.push({ day: today, hostOpen: hosts, imageOpen: imageLive, live: true });
    const todayRow = days.find((d) => d.day === today);
    const yesterday = days.find((d) => d.day === today - 1 && d.snapshotAt !== null);
    return {
      generatedAt: now,
      enterpriseProjectIds: eps,
      hosts,
      images,
      clusters,
      changed: {
        comparedWith: yesterday ? yesterday.day : null,
        hostNew: todayRow?.hostNew ?? 0,
        hostFixed: todayRow?.hostFixed ?? 0,
        hostOpenDelta: yesterday ? hostOpen(hosts) - hostOpen(yesterday.host) : null,
        imageOpenDelta: yesterday ? hostOpen(imageLive) - hostOpen(yesterday.image) : null,
      },
      trend,
      topHosts,
      topImages,
      kev,
      scans,
      vulnDb,
    };
  }

  private lastSnapshotAt = 0;

  /** Today's snapshot for every project and enterprise project (idempotent: the day's row is overwritten). */
  async recordSnapshots(): Promise<number> {
    const now = this.now();
    this.lastSnapshotAt = now;
    return this.repo.writeSnapshots(Math.floor(now / DAY_MS), now);
  }

  /**
   * The scheduler's daily job: a snapshot on a UTC day's first tick, then
   * again every SNAPSHOT_REFRESH_MS, so each past day keeps its last figures.
   * Today's trend point is read live, not from here.
   */
  async snapshotIfDue(): Promise<boolean> {
    const now = this.now();
    const sameDay = Math.floor(now / DAY_MS) === Math.floor(this.lastSnapshotAt / DAY_MS);
    if (sameDay && now - this.lastSnapshotAt < SNAPSHOT_REFRESH_MS) return false;
    await this.recordSnapshots();
    return true;
  }

  private async clusters(projectId: string, eps: string[]) {
    const { total, latest } = await this.repo.clusterSummaries(projectId, eps);
    const out = { total, scanned: latest.length, critical: 0, high: 0, medium: 0, low: 0 };
    for (const summary of latest) {
      for (const [severity, count] of Object.entries(summary.cluster_vul ?? {})) {
        const key = severity.toLowerCase();
        if (key === 'critical' || key === 'high' || key === 'medium' || key === 'low') out[key] += count;
      }
    }
    return out;
  }

  /** KEV vulnerabilities open in scope, on the most hosts and images first, then the most severe. */
  private async kev(projectId: string, eps: string[], imageCounts: Map<string, number>) {
    const onHosts = await this.repo.hostKev(projectId, eps);
    const entries = new Map<string, KevEntry>();
    let hostFindingNum = 0;
    for (const r of onHosts) {
      hostFindingNum += r.open_num;
      if (r.open_num === 0 && !imageCounts.has(r.vul_id)) continue;
      entries.set(r.vul_id, {
        vulId: r.vul_id,
        title: r.title,
        severity: r.severity,
        cvssScore: r.cvss_score,
        cveIds: JSON.parse(r.cve_ids) as string[],
        hostNum: r.open_num,
        imageNum: imageCounts.get(r.vul_id) ?? 0,
      });
    }
    const imageOnly = [...imageCounts.keys()].filter((id) => !entries.has(id));
    for (const r of await this.repo.imageVulFacts(projectId, imageOnly)) {
      entries.set(r.vul_id, {
        vulId: r.vul_id,
        title: r.title,
        severity: r.severity,
        cvssScore: r.cvss_score === null ? null : Number(r.cvss_score),
        cveIds: JSON.parse(r.cve_ids) as string[],
        hostNum: 0,
        imageNum: imageCounts.get(r.vul_id) ?? 0,
      });
    }
    const all = [...entries.values()].sort(
      (a, b) => b.hostNum + b.imageNum - (a.hostNum + a.imageNum) || rankOf(b.severity) - rankOf(a.severity) || a.vulId.localeCompare(b.vulId),
    );
    return { vulNum: all.length, hostFindingNum, top: all.slice(0, TOP_LIMIT) };
  }

  private async scans(projectId: string) {
    const [policy, lastScan, lastScheduledScan] = await Promise.all([
      this.policies.effective(projectId),
      this.repo.lastScanTask(projectId),
      this.repo.lastScanTask(projectId, 'schedule'),
    ]);
    return { policyStatus: policy.status, nextScanTime: this.policies.nextScanOf(policy), lastScan: lastScan ?? null, lastScheduledScan: lastScheduledScan ?? null };
  }
}
