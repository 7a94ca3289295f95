import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { prepared, type PreparedQuery } from '../db/prepared.js';

export interface HostTotals {
  total: number;
  vulnerable: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  handled: number;
  kev: number;
}

export interface ImageTotals {
  total: number;
  vulnerable: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  handled: number;
}

export interface ImageRow {
  id: string;
  image_type: string;
  image_name: string;
  image_version: string;
  namespace: string;
  registry_name: string;
  image_digest: string | null;
  latest_scan_time: number | null;
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  handled: number;
  openKev: string[];
}

export interface DayRow {
  day: number;
  hostNew: number;
  hostFixed: number;
  snapshotAt: number | null;
  host: { critical: number; high: number; medium: number; low: number; handled: number };
  image: { critical: number; high: number; medium: number; low: number; handled: number };
}

const n = (v: unknown) => Number(v ?? 0);
const sum = (column: string) => sql<number>`coalesce(sum(${sql.ref(column)}), 0)`;

/** A fixed text per number of enterprise projects in scope (`$EPS` stands for their placeholders). */
function perScope<R>(text: string): (count: number) => PreparedQuery<R> {
  const byCount = new Map<number, PreparedQuery<R>>();
  return (count) => {
    let q = byCount.get(count);
    if (!q) byCount.set(count, (q = prepared<R>(text.replace('$EPS', Array.from({ length: count }, () => '?').join(', ')))));
    return q;
  };
}
const sums = (columns: readonly string[], as: readonly string[]) => columns.map((c, i) => `coalesce(sum(${c}), 0) as ${as[i]}`).join(', ');
const SEVERITY_AS = ['critical', 'high', 'medium', 'low'];
const HOST_TOTALS = perScope<Record<string, unknown>>(
  `select ${sums(['host_num', 'vulnerable_num', 'vul_critical_num', 'vul_high_num', 'vul_medium_num', 'vul_low_num', 'vul_handled_num', 'vul_kev_num'], ['total', 'vulnerable', ...SEVERITY_AS, 'handled', 'kev'])}
    from host_vul_totals where project_id = ? and enterprise_project_id in ($EPS)`,
);
const IMAGE_TOTALS = perScope<Record<string, unknown>>(
  `select ${sums(['image_num', 'vulnerable_num', 'open_critical_num', 'open_high_num', 'open_medium_num', 'open_low_num', 'open_unknown_num', 'handled_num'], ['total', 'vulnerable', ...SEVERITY_AS, 'unknown', 'handled'])}
    from image_vul_totals where project_id = ? and enterprise_project_id in ($EPS)`,
);
const TOP_IMAGES = prepared<{
  id: string; image_type: string; image_name: string; image_version: string; namespace: string; registry_name: string; image_digest: string | null; latest_scan_time: number | null;
  open_critical_num: number; open_high_num: number; open_medium_num: number; open_low_num: number; open_unknown_num: number; handled_num: number; open_kev_vul_ids: string;
}>(`select r.id, a.image_type, r.image_name, a.image_version, a.namespace, a.registry_name, a.image_digest, a.latest_scan_time,
    r.open_critical_num, r.open_high_num, r.open_medium_num, r.open_low_num, r.open_unknown_num, r.handled_num, r.open_kev_vul_ids
  from image_asset_vul_counts r join image_assets a on a.id = r.id where r.project_id = ? and r.enterprise_project_id = ?
  order by r.open_critical_num desc, r.open_high_num desc, r.open_medium_num desc, r.open_low_num desc, r.open_unknown_num desc, r.image_name, r.id limit ?`);
const IMAGE_KEV = perScope<{ vul_id: string; image_num: unknown }>(
  `select vul_id, sum(image_num) as image_num from image_kev_counts where project_id = ? and enterprise_project_id in ($EPS) and image_num > 0 group by vul_id`,
);
type RankedHost = { id: string; vul_critical_num: number; vul_high_num: number; vul_medium_num: number; vul_low_num: number };
const RANKED_HOSTS = prepared<RankedHost>(`select h.id, h.vul_critical_num, h.vul_high_num, h.vul_medium_num, h.vul_low_num from hosts h
  where h.project_id = ? and h.enterprise_project_id = ? and (h.vul_critical_num + h.vul_high_num + h.vul_medium_num + h.vul_low_num) > 0
  order by h.vul_critical_num desc, h.vul_high_num desc, h.vul_medium_num desc, h.vul_low_num desc, h.id limit ?`);
const HOST_KEV = perScope<{ vul_id: string; title: string; severity: string; cvss_score: number | null; cve_ids: string; open_num: unknown; handled_num: unknown }>(
  `select i.vul_id, i.title, i.severity, i.cvss_score, i.cve_ids, sum(k.open_num) as open_num, sum(k.handled_num) as handled_num
    from kev_vul_counts k join vul_info i on i.seq = k.vul_seq where k.project_id = ? and k.enterprise_project_id in ($EPS)
    group by i.vul_id, i.title, i.severity, i.cvss_score, i.cve_ids`,
);
const DAY_KINDS = (['host', 'image'] as const).flatMap((kind) => (['critical', 'high', 'medium', 'low', 'handled'] as const).map((s) => `${kind}_${s}`));
const DAYS = perScope<Record<string, unknown>>(
  `select day, ${sums(['host_new_num', 'host_fixed_num'], ['host_new', 'host_fixed'])}, max(snapshot_at) as snapshot_at, ${sums(DAY_KINDS.map((k) => `${k}_num`), DAY_KINDS)}
    from overview_days where project_id = ? and enterprise_project_id in ($EPS) and day >= ? group by day order by day`,
);
const LAST_SCAN_COLUMNS = 'id, scan_type, status, start_time, end_time, host_num, success_host_num, failed_host_num, scanning_host_num';
type LastScan = { id: string; scan_type: string; status: string; start_time: number; end_time: number | null; host_num: number; success_host_num: number; failed_host_num: number; scanning_host_num: number };
const LAST_SCAN = prepared<LastScan>(`select ${LAST_SCAN_COLUMNS} from vul_scan_tasks where project_id = ? order by start_time desc, id desc limit 1`);
const LAST_SCAN_OF_TYPE = prepared<LastScan>(`select ${LAST_SCAN_COLUMNS} from vul_scan_tasks where project_id = ? and scan_type = ? order by start_time desc, id desc limit 1`);

/**
 * The overview's reads: totals per project and enterprise project, the first
 * entries of the ranking indexes of hosts and images (their kept counts, see
 * host-vul-counts.ts, image-content-repository.ts and migration 0013), the KEV
 * counts the triggers keep, and the daily rows. Nothing here reads findings.
 */
export class OverviewRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** From the per-project totals the hosts' triggers keep (one row per enterprise project). */
  async hostTotals(projectId: string, eps: readonly string[]): Promise<HostTotals> {
    const [r] = await HOST_TOTALS(eps.length).run(this.db, [projectId, ...eps]);
    return { total: n(r?.total), vulnerable: n(r?.vulnerable), critical: n(r?.critical), high: n(r?.high), medium: n(r?.medium), low: n(r?.low), handled: n(r?.handled), kev: n(r?.kev) };
  }

  /** From the per-project totals the image triggers keep (one row per enterprise project). */
  async imageTotals(projectId: string, eps: readonly string[]): Promise<ImageTotals> {
    const [r] = await IMAGE_TOTALS(eps.length).run(this.db, [projectId, ...eps]);
    return { total: n(r?.total), vulnerable: n(r?.vulnerable), critical: n(r?.critical), high: n(r?.high), medium: n(r?.medium), low: n(r?.low), unknown: n(r?.unknown), handled: n(r?.handled) };
  }

  /**
   * The most vulnerable images: by open critical, then high, medium, low,
   * unknown vulnerabilities, then name and id (byte order). Each enterprise
   * project's first entries of the image_asset_vul_counts_rank index, merged;
   * images with nothing open rank last and are dropped.
   */
  async topImages(projectId: string, eps: readonly string[], limit: number): Promise<ImageRow[]> {
    const perEp = await Promise.all([...new Set(eps)].map((ep) => TOP_IMAGES.run(this.db, [projectId, ep, limit])));
    const rows: ImageRow[] = perEp.flat().map((r) => ({
      id: r.id,
      image_type: r.image_type,
      image_name: r.image_name,
      image_version: r.image_version,
      namespace: r.namespace,
      registry_name: r.registry_name,
      image_digest: r.image_digest,
      latest_scan_time: r.latest_scan_time === null ? null : n(r.latest_scan_time),
      critical: n(r.open_critical_num),
      high: n(r.open_high_num),
      medium: n(r.open_medium_num),
      low: n(r.open_low_num),
      unknown: n(r.open_unknown_num),
      handled: n(r.handled_num),
      openKev: r.open_kev_vul_ids && r.open_kev_vul_ids !== '[]' ? (JSON.parse(r.open_kev_vul_ids) as string[]) : [],
    }));
    const key = (r: ImageRow) => [r.critical, r.high, r.medium, r.low, r.unknown];
    const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    return rows
      .filter((r) => r.critical + r.high + r.medium + r.low + r.unknown > 0)
      .sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i]! - x[i]!;
        return bytes(a.image_name, b.image_name) || bytes(a.id, b.id);
      })
      .slice(0, limit);
  }

  /** Images in scope with each KEV vulnerability open (kept by triggers). */
  async imageKev(projectId: string, eps: readonly string[]): Promise<Map<string, number>> {
    const rows = await IMAGE_KEV(eps.length).run(this.db, [projectId, ...eps]);
    return new Map(rows.map((r) => [r.vul_id, n(r.image_num)]));
  }

  /**
   * The most vulnerable hosts: by open critical, then high, medium, low
   * findings, then host id. Ranked on the hosts_vul_counts index alone; only
   * the hosts found are read whole.
   */
  async topHosts(projectId: string, eps: readonly string[], limit: number) {
    type Ranked = RankedHost;
    // Each enterprise project's first entries of the hosts_vul_counts index, merged.
    const perEp = await Promise.all([...new Set(eps)].map((ep) => RANKED_HOSTS.run(this.db, [projectId, ep, limit])));
    const key = (r: Ranked) => [r.vul_critical_num, r.vul_high_num, r.vul_medium_num, r.vul_low_num].map(Number);
    const ranked = perEp
      .flat()
      .sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return y[i]! - x[i]!;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      })
      .slice(0, limit);
    if (ranked.length === 0) return [];
    const rows = await this.db
      .selectFrom('hosts as h')
      .select([
        'h.id', 'h.host_name', 'h.private_ip', 'h.os_type', 'h.os_name', 'h.os_version', 'h.asset_value', 'h.last_scan_at',
        'h.vul_critical_num', 'h.vul_high_num', 'h.vul_medium_num', 'h.vul_low_num', 'h.vul_kev_num',
      ])
      .where('h.id', 'in', ranked.map((r) => r.id))
      .execute();
    const byId = new Map(rows.map((r) => [r.id, { ...r, last_scan_at: r.last_scan_at === null ? null : n(r.last_scan_at) }]));
    return ranked.map((r) => byId.get(r.id)!);
  }

  /** KEV vulnerabilities open on hosts in scope, most hosts first. */
  async hostKev(projectId: string, eps: readonly string[]) {
    const rows = await HOST_KEV(eps.length).run(this.db, [projectId, ...eps]);
    return rows.map((r) => ({ ...r, cvss_score: r.cvss_score === null ? null : Number(r.cvss_score), open_num: n(r.open_num), handled_num: n(r.handled_num) }));
  }

  /** What image findings say of vulnerabilities (title, severity), for KEV ids found only in images. */
  async imageVulFacts(projectId: string, vulIds: readonly string[]) {
    if (vulIds.length === 0) return [];
    return this.db
      .selectFrom('image_vuls')
      .select(['vul_id', sql<string>`max(title)`.as('title'), sql<string>`max(severity)`.as('severity'), sql<number | null>`max(cvss_score)`.as('cvss_score'), sql<string>`max(cve_ids)`.as('cve_ids')])
      .where('project_id', '=', projectId)
      .where('vul_id', 'in', [...vulIds])
      .groupBy('vul_id')
      .execute();
  }

  /** The clusters in scope and the summary of each one's latest finished cluster scan. */
  async clusterSummaries(projectId: string, eps: readonly string[]) {
    const clusters = await this.db.selectFrom('clusters').select(['id']).where('project_id', '=', projectId).where('enterprise_project_id', 'in', [...eps]).execute();
    if (clusters.length === 0) return { total: 0, latest: [] as Array<Record<string, Record<string, number>>> };
    const rows = await this.db
      .selectFrom('common_task_resources as r')
      .innerJoin('common_tasks as t', 't.id', 'r.task_id')
      .select(['r.resource_id', 'r.summary', 'r.finished_at'])
      .where('t.project_id', '=', projectId)
      .where('t.task_type', '=', 'cluster_scan')
      .where('r.resource_id', 'in', clusters.map((c) => c.id))
      .where('r.scan_status', '=', 'success')
      .orderBy('r.finished_at', 'desc')
      .execute();
    const latest = new Map<string, Record<string, Record<string, number>>>();
    for (const r of rows) if (!latest.has(r.resource_id)) latest.set(r.resource_id, JSON.parse(r.summary) as Record<string, Record<string, number>>);
    return { total: clusters.length, latest: [...latest.values()] };
  }

  /** Daily rows of the scope from `fromDay` on, summed over its enterprise projects. */
  async days(projectId: string, eps: readonly string[], fromDay: number): Promise<DayRow[]> {
    const rows = await DAYS(eps.length).run(this.db, [projectId, ...eps, fromDay]);
    return rows.map((r) => {
      const x = r as unknown as Record<string, unknown>;
      const pick = (kind: string) => ({ critical: n(x[`${kind}_critical`]), high: n(x[`${kind}_high`]), medium: n(x[`${kind}_medium`]), low: n(x[`${kind}_low`]), handled: n(x[`${kind}_handled`]) });
      return { day: n(r.day), hostNew: n(r.host_new), hostFixed: n(r.host_fixed), snapshotAt: r.snapshot_at === null ? null : n(r.snapshot_at), host: pick('host'), image: pick('image') };
    });
  }

  /** The latest vulnerability scan task of a project, of a type or any. */
  async lastScanTask(projectId: string, scanType?: 'manual' | 'schedule'): Promise<LastScan | undefined> {
    const [row] = await (scanType ? LAST_SCAN_OF_TYPE.run(this.db, [projectId, scanType]) : LAST_SCAN.run(this.db, [projectId]));
    return row;
  }

  /**
   * Writes today's snapshot of every project and enterprise project that has
   * hosts or images: their open findings by severity and handled ones, from
   * the kept per-asset counts (a few thousand rows summed, no findings read).
   */
  async writeSnapshots(day: number, now: number): Promise<number> {
    const hosts = await this.db
      .selectFrom('hosts')
      .select(['project_id', 'enterprise_project_id', sum('vul_critical_num').as('critical'), sum('vul_high_num').as('high'), sum('vul_medium_num').as('medium'), sum('vul_low_num').as('low'), sum('vul_handled_num').as('handled')])
      .groupBy(['project_id', 'enterprise_project_id'])
      .execute();
    const images = await this.db
      .selectFrom('image_assets as a')
      .innerJoin('image_contents as c', (j) => j.onRef('c.project_id', '=', 'a.project_id').onRef('c.image_digest', '=', 'a.image_digest'))
      .where('a.removed_at', 'is', null)
      .select([
        'a.project_id',
        'a.enterprise_project_id',
        sum('c.open_critical_num').as('critical'),
        sum('c.open_high_num').as('high'),
        sum('c.open_medium_num').as('medium'),
        sql<number>`coalesce(sum(c.open_low_num + c.open_unknown_num), 0)`.as('low'),
        sum('c.handled_num').as('handled'),
      ])
      .groupBy(['a.project_id', 'a.enterprise_project_id'])
      .execute();
    type Row = { project_id: string; enterprise_project_id: string; day: number; snapshot_at: number } & Record<string, number | string>;
    const rows = new Map<string, Row>();
    const zero = { host_critical_num: 0, host_high_num: 0, host_medium_num: 0, host_low_num: 0, host_handled_num: 0, image_critical_num: 0, image_high_num: 0, image_medium_num: 0, image_low_num: 0, image_handled_num: 0 };
    const put = (kind: 'host' | 'image', r: { project_id: string; enterprise_project_id: string; critical: number; high: number; medium: number; low: number; handled: number }) => {
      const key = `${r.project_id}\u0000${r.enterprise_project_id}`;
      const row = rows.get(key) ?? rows.set(key, { project_id: r.project_id, enterprise_project_id: r.enterprise_project_id, day, snapshot_at: now, ...zero }).get(key)!;
      for (const s of ['critical', 'high', 'medium', 'low', 'handled'] as const) row[`${kind}_${s}_num`] = n(r[s]);
    };
    for (const r of hosts) put('host', r);
    for (const r of images) put('image', r);
    const values = [...rows.values()];
    for (let i = 0; i < values.length; i += 200) {
      await this.db
        .insertInto('overview_days')
        .values(values.slice(i, i + 200) as never)
        .onConflict((oc) =>
          oc.columns(['project_id', 'enterprise_project_id', 'day']).doUpdateSet((eb) => ({
            snapshot_at: eb.ref('excluded.snapshot_at'),
            ...Object.fromEntries(Object.keys(zero).map((c) => [c, eb.ref(`excluded.${c}` as never)])),
          })),
        )
        .execute();
    }
    return values.length;
  }
}
