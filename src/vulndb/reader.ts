/**
 * Read side for matchers: everything stored for one (ecosystem or release, package), already
 * parsed into ranges and versions. Uses synchronous prepared statements, not Kysely: a scan asks
 * once per installed package (thousands per image), and a warm re-scan should cost milliseconds.
 */
import { normalizeEcosystem, normalizePackageName } from './ecosystems.js';
import type { AdvisoriesTable } from './schema.js';
import { openVulnDbReadonly, type SqliteDb } from './store.js';
import type { AffectedRange, AffectedStatus, CvssInfo, CvssVersion, RangeEventKind, RangeType, SeverityLabel } from './types.js';

export interface AdvisoryRecord {
  id: string;
  source: string;
  feed: string;
  published: string | null;
  modified: string | null;
  summary: string | null;
  url: string | null;
  severity: SeverityLabel | null;
  severitySource: string | null;
  cvss: CvssInfo | null;
  /** In the CISA KEV catalog (itself or through an alias), with the date it was added. */
  kev: { dateAdded: string } | null;
  /** Same vulnerability under other ids (OSV `aliases` and `upstream`). */
  aliases: string[];
  /** OSV `related` ids. */
  related: string[];
}

export interface AffectedRecord {
  advisory: AdvisoryRecord;
  ecosystem: string;
  package: string;
  purl: string | null;
  status: AffectedStatus;
  statusNote: string | null;
  /** Per-package severity (Debian urgency, OSV ecosystem_specific); falls back to the advisory's in findings. */
  severity: SeverityLabel | null;
  severityRaw: string | null;
  ranges: AffectedRange[];
  versions: string[];
  /** The `fixed` events of all ranges, in range order. */
  fixedVersions: string[];
}

/** An advisories row, as selected with ADVISORY_COLUMNS. */
type AdvisoryRow = AdvisoriesTable;

interface AffectedRow extends AdvisoryRow {
  affected_id: number;
  ecosystem: string;
  package: string;
  purl: string | null;
  status: string;
  status_note: string | null;
  pkg_severity: string | null;
  severity_raw: string | null;
}

const ADVISORY_COLUMNS = `a.uid, a.id, a.source, a.feed, a.published, a.modified, a.summary, a.url, a.severity, a.severity_source,
  a.cvss_version, a.cvss_vector, a.cvss_score, a.kev, a.kev_date_added`;

export class VulnDbReader {
  private readonly s;

  private constructor(private readonly db: SqliteDb) {
    const pkg = 'select id from affected where ecosystem = ? and package = ?';
    this.s = {
      affected: db.prepare(
        `select af.id as affected_id, af.ecosystem, af.package, af.purl, af.status, af.status_note, af.severity as pkg_severity,
           af.severity_raw, ${ADVISORY_COLUMNS}
         from affected af join advisories a on a.uid = af.advisory_uid
         where af.ecosystem = ? and af.package = ?
         order by a.id, af.id`,
      ),
      events: db.prepare(
        `select affected_id, range_no, range_type, event, version from range_events
         where affected_id in (${pkg}) order by affected_id, range_no, seq`,
      ),
      versions: db.prepare(`select affected_id, version from affected_versions where affected_id in (${pkg})`),
      aliasesForPackage: db.prepare(
        `select advisory_uid, alias, kind from aliases
         where advisory_uid in (select advisory_uid from affected where ecosystem = ? and package = ?)`,
      ),
      aliasesOf: db.prepare('select advisory_uid, alias, kind from aliases where advisory_uid = ?'),
      // Seeks on the (ecosystem, package) index, one per distinct ecosystem: a `select distinct` over the
      // range reads every entry of the family (238,000 for npm at the real size, 150 ms a reader).
      ecosystemExists: db.prepare('select 1 from affected where ecosystem = ? limit 1').pluck(),
      ecosystemFirst: db.prepare('select ecosystem from affected where ecosystem >= ? and ecosystem < ? order by ecosystem limit 1').pluck(),
      ecosystemAfter: db.prepare('select ecosystem from affected where ecosystem > ? and ecosystem < ? order by ecosystem limit 1').pluck(),
      byIdOrAlias: db.prepare(
        `select ${ADVISORY_COLUMNS} from advisories a where a.id = ?
         union
         select ${ADVISORY_COLUMNS} from advisories a join aliases al on al.advisory_uid = a.uid where al.alias = ?
         order by 2, 3`,
      ),
    };
  }

  /** Opens a DB read-only; throws VulnDbSchemaError when it was built by another schema version. */
  static open(file: string): VulnDbReader {
    return new VulnDbReader(openVulnDbReadonly(file));
  }

  private readonly families = new Map<string, readonly string[]>();

  /** Every ecosystem of a family this DB holds entries for (`Red Hat` → `Red Hat:enterprise_linux:9::baseos`, …). */
  ecosystemsOf(family: string): readonly string[] {
    let list = this.families.get(family);
    if (!list) {
      // `Red Hat` itself, then every `Red Hat:…` stream in index order (`;` sorts right after `:`).
      const found: string[] = this.s.ecosystemExists.get(family) === undefined ? [] : [family];
      const end = `${family};`;
      for (let e = this.s.ecosystemFirst.get(`${family}:`, end) as string | undefined; e !== undefined; e = this.s.ecosystemAfter.get(e, end) as string | undefined) found.push(e);
      list = found;
      this.families.set(family, list);
    }
    return list;
  }

  /** Every affected entry for a package in an ecosystem or distro release (`Debian:12` + source package). */
  affectedFor(ecosystem: string, packageName: string): AffectedRecord[] {
    const eco = normalizeEcosystem(ecosystem);
    const name = normalizePackageName(eco, packageName);
    const rows = this.s.affected.all(eco, name) as AffectedRow[];
    if (rows.length === 0) return [];
    const ranges = new Map<number, AffectedRange[]>();
    for (const e of this.s.events.all(eco, name) as Array<{ affected_id: number; range_no: number; range_type: string; event: string; version: string }>) {
      const list = ranges.get(e.affected_id) ?? [];
      ranges.set(e.affected_id, list);
      let range = list[e.range_no];
      if (!range) {
        range = { type: e.range_type as RangeType, events: [] };
        list[e.range_no] = range;
      }
      range.events.push({ kind: e.event as RangeEventKind, version: e.version });
    }
    const versions = new Map<number, string[]>();
    for (const v of this.s.versions.all(eco, name) as Array<{ affected_id: number; version: string }>) {
      const list = versions.get(v.affected_id) ?? [];
      list.push(v.version);
      versions.set(v.affected_id, list);
    }
    const aliases = groupAliases(this.s.aliasesForPackage.all(eco, name) as AliasRow[]);
    return rows.map((r) => {
      const rs = (ranges.get(r.affected_id) ?? []).filter(Boolean);
      return {
        advisory: toAdvisory(r, aliases.get(r.uid)),
        ecosystem: r.ecosystem,
        package: r.package,
        purl: r.purl,
        status: r.status as AffectedStatus,
        statusNote: r.status_note,
        severity: r.pkg_severity as SeverityLabel | null,
        severityRaw: r.severity_raw,
        ranges: rs,
        versions: versions.get(r.affected_id) ?? [],
        fixedVersions: rs.flatMap((range) => range.events.filter((e) => e.kind === 'fixed').map((e) => e.version)),
      };
    });
  }

  /** Advisories whose id is `idOrAlias` or that list it as an alias (CVE → GHSA, DSA, … and back). */
  findAdvisories(idOrAlias: string): AdvisoryRecord[] {
    const rows = this.s.byIdOrAlias.all(idOrAlias, idOrAlias) as AdvisoryRow[];
    return rows.map((r) => toAdvisory(r, groupAliases(this.s.aliasesOf.all(r.uid) as AliasRow[]).get(r.uid)));
  }

  /** The DB's meta entries (built_at, demo, schema_version…): a few rows, cheap to read on every request. */
  meta(): Record<string, string> {
    const rows = this.db.prepare('select key, value from meta').all() as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  close(): void {
    this.db.close();
  }
}

interface AliasRow {
  advisory_uid: number;
  alias: string;
  kind: string;
}

function groupAliases(rows: AliasRow[]): Map<number, AliasRow[]> {
  const out = new Map<number, AliasRow[]>();
  for (const row of rows) {
    const list = out.get(row.advisory_uid) ?? [];
    list.push(row);
    out.set(row.advisory_uid, list);
  }
  return out;
}

function toAdvisory(r: AdvisoryRow, aliases: AliasRow[] = []): AdvisoryRecord {
  return {
    id: r.id,
    source: r.source,
    feed: r.feed,
    published: r.published,
    modified: r.modified,
    summary: r.summary,
    url: r.url,
    severity: r.severity as SeverityLabel | null,
    severitySource: r.severity_source,
    cvss: r.cvss_vector ? { version: r.cvss_version as CvssVersion, vector: r.cvss_vector, score: r.cvss_score } : null,
    kev: r.kev ? { dateAdded: r.kev_date_added as string } : null,
    aliases: aliases
      .filter((a) => a.kind !== 'related')
      .map((a) => a.alias)
      .sort(),
    related: aliases
      .filter((a) => a.kind === 'related')
      .map((a) => a.alias)
      .sort(),
  };
}
