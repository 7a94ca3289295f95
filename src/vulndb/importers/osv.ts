/**
 * OSV JSON (https://ossf.github.io/osv-schema/): one record per file, a directory of them, a JSON
 * array of records, or the per-ecosystem `all.zip` of the OSV bucket (streamed entry by entry).
 *
 * - `affected[].ranges`: SEMVER and ECOSYSTEM events are stored as given; GIT ranges are skipped
 *   with a counted warning (`git-range-skipped`), as they need the upstream commit graph.
 * - `affected[].versions` are stored as explicit versions.
 * - `withdrawn` records are skipped, and delete a stored record with the same id.
 * - Severity: CVSS vectors in `severity[]` are scored (v3.1 preferred, then v3.0, v4.0, v2);
 *   without a usable vector, `database_specific.severity` (GHSA's `MODERATE` …) gives the label.
 *   Per-package severity comes from `ecosystem_specific`/`database_specific` `severity` or `urgency`.
 * - `aliases`, `upstream` and `related` ids are kept as aliases of their kind.
 * - Distro ecosystems are normalised to the same keys the distro feeds use (`Debian:12`, `Alpine:v3.19`).
 * - OSV ids are unique across ecosystems: a record found in several ecosystems' zips is stored once
 *   (with all its affected entries), owned by the feed that wrote it last; writing it again replaces it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CvssError, scoreCvss } from '../cvss.js';
import { normalizeEcosystem, normalizePackageName } from '../ecosystems.js';
import { severityFromLabel, severityFromScore } from '../severity.js';
import type { VulnDbWriter } from '../store.js';
import type { AdvisoryInput, AffectedInput, AffectedRange, AliasKind, CvssInfo, CvssVersion, RangeEvent, RangeEventKind } from '../types.js';
import { forEachZipEntry } from '../zip.js';
import { FeedFormatError, ImportLog, isObject, str } from './log.js';

export const OSV_SOURCE = 'osv';

const EVENT_KINDS: readonly RangeEventKind[] = ['introduced', 'fixed', 'last_affected', 'limit'];
const CVSS_PREFERENCE: readonly CvssVersion[] = ['3.1', '3.0', '4.0', '2.0'];
const SUMMARY_MAX = 300;

export type OsvConversion =
  | { kind: 'advisory'; advisory: AdvisoryInput; affected: AffectedInput[] }
  | { kind: 'withdrawn'; id: string }
  | { kind: 'invalid'; reason: string };

/** Scores CVSS vectors once each (feeds repeat the same vectors thousands of times). */
export class CvssCache {
  private readonly cache = new Map<string, CvssInfo | CvssError>();

  score(vector: string): CvssInfo | CvssError {
    let hit = this.cache.get(vector);
    if (!hit) {
      try {
        const s = scoreCvss(vector);
        hit = { version: s.version, vector: s.vector, score: s.score };
      } catch (err) {
        if (!(err instanceof CvssError)) throw err;
        hit = err;
      }
      if (this.cache.size < 100_000) this.cache.set(vector, hit);
    }
    return hit;
  }
}

const DECLARED: Record<string, CvssVersion> = { CVSS_V2: '2.0', CVSS_V3: '3.1', CVSS_V4: '4.0' };

function summaryOf(record: Record<string, unknown>): string | null {
  const summary = str(record.summary);
  if (summary) return summary.length > SUMMARY_MAX ? `${summary.slice(0, SUMMARY_MAX - 1)}…` : summary;
  const details = str(record.details);
  if (!details) return null;
  const line = details.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1)}…` : line;
}

function urlOf(id: string, record: Record<string, unknown>): string {
  if (Array.isArray(record.references)) {
    for (const ref of record.references) if (isObject(ref) && ref.type === 'ADVISORY' && str(ref.url)) return str(ref.url) as string;
  }
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

function collectCvss(severity: unknown, cache: CvssCache, log: ImportLog, where: string): { cvss: CvssInfo | null; label: string | null } {
  if (!Array.isArray(severity)) return { cvss: null, label: null };
  const scored: CvssInfo[] = [];
  let label: string | null = null;
  for (const s of severity) {
    if (!isObject(s)) continue;
    const type = str(s.type);
    const vector = str(s.score);
    if (!type || !vector) continue;
    const declared = DECLARED[type];
    if (declared) {
      const result = cache.score(vector);
      if (result instanceof CvssError) {
        log.warn('cvss-invalid', `${where}: ${result.message}`);
        scored.push({ version: declared, vector, score: null });
      } else {
        scored.push(result);
      }
    } else if (type === 'Ubuntu') {
      label = vector;
    }
  }
  const rank = (c: CvssInfo) => (c.score === null ? 10 : 0) + CVSS_PREFERENCE.indexOf(c.version);
  scored.sort((a, b) => rank(a) - rank(b));
  return { cvss: scored[0] ?? null, label };
}

function aliasesOf(record: Record<string, unknown>): Array<{ alias: string; kind: AliasKind }> {
  const out: Array<{ alias: string; kind: AliasKind }> = [];
  const seen = new Set<string>();
  for (const [field, kind] of [
    ['aliases', 'alias'],
    ['upstream', 'upstream'],
    ['related', 'related'],
  ] as const) {
    const list = record[field];
    if (!Array.isArray(list)) continue;
    for (const a of list) {
      const alias = str(a);
      if (alias && !seen.has(alias)) {
        seen.add(alias);
        out.push({ alias, kind });
      }
    }
  }
  return out;
}

function packageSeverity(entry: Record<string, unknown>, cache: CvssCache, log: ImportLog, where: string) {
  for (const field of ['ecosystem_specific', 'database_specific'] as const) {
    const bag = entry[field];
    if (!isObject(bag)) continue;
    for (const key of ['severity', 'urgency'] as const) {
      const raw = str(bag[key]);
      if (raw) return { severity: severityFromLabel(raw), severityRaw: raw };
    }
  }
  const { cvss } = collectCvss(entry.severity, cache, log, where);
  if (cvss?.score != null) return { severity: severityFromScore(cvss.score, cvss.version), severityRaw: cvss.vector };
  return { severity: null, severityRaw: null };
}

function rangesOf(entry: Record<string, unknown>, log: ImportLog, where: string): AffectedRange[] {
  const out: AffectedRange[] = [];
  if (!Array.isArray(entry.ranges)) return out;
  for (const r of entry.ranges) {
    if (!isObject(r)) continue;
    const type = r.type;
    if (type === 'GIT') {
      log.warn('git-range-skipped', where);
      continue;
    }
    if (type !== 'SEMVER' && type !== 'ECOSYSTEM') {
      log.warn('unknown-range-type', `${where}: ${String(type)}`);
      continue;
    }
    const events: RangeEvent[] = [];
    for (const e of Array.isArray(r.events) ? r.events : []) {
      if (!isObject(e)) continue;
      const kind = EVENT_KINDS.find((k) => typeof e[k] === 'string');
      if (!kind) {
        log.warn('unknown-range-event', `${where}: ${JSON.stringify(e)}`);
        continue;
      }
      events.push({ kind, version: (e[kind] as string).trim() });
    }
    if (events.length > 0) out.push({ type, events });
  }
  return out;
}

/** Converts one OSV record into store inputs (pure apart from warnings). */
export function convertOsvRecord(raw: unknown, cache: CvssCache, log: ImportLog, origin: string): OsvConversion {
  if (!isObject(raw)) return { kind: 'invalid', reason: 'not a JSON object' };
  const id = str(raw.id);
  if (!id) return { kind: 'invalid', reason: 'no id' };
  if (str(raw.withdrawn)) return { kind: 'withdrawn', id };
  const where = `${id} (${origin})`;

  const { cvss, label: ubuntu } = collectCvss(raw.severity, cache, log, where);
  let severity = cvss?.score != null ? severityFromScore(cvss.score, cvss.version) : null;
  let severitySource: string | null = severity ? 'cvss' : null;
  if (!severity && isObject(raw.database_specific)) {
    severity = severityFromLabel(raw.database_specific.severity);
    if (severity) severitySource = 'database_specific';
  }
  if (!severity && ubuntu) {
    severity = severityFromLabel(ubuntu);
    if (severity) severitySource = 'ubuntu';
  }

  const advisory: AdvisoryInput = {
    id,
    source: OSV_SOURCE,
    published: str(raw.published),
    modified: str(raw.modified),
    summary: summaryOf(raw),
    url: urlOf(id, raw),
    severity,
    severitySource,
    cvss,
    aliases: aliasesOf(raw),
  };

  const affected: AffectedInput[] = [];
  for (const entry of Array.isArray(raw.affected) ? raw.affected : []) {
    if (!isObject(entry)) continue;
    const pkg = isObject(entry.package) ? entry.package : null;
    const ecosystemRaw = pkg ? str(pkg.ecosystem) : null;
    const nameRaw = pkg ? str(pkg.name) : null;
    if (!ecosystemRaw || !nameRaw) {
      log.warn('affected-without-package', where);
      continue;
    }
    const ecosystem = normalizeEcosystem(ecosystemRaw);
    const name = normalizePackageName(ecosystem, nameRaw);
    const pkgWhere = `${where} ${ecosystem}/${name}`;
    const ranges = rangesOf(entry, log, pkgWhere);
    const versions = Array.isArray(entry.versions) ? entry.versions.filter((v): v is string => typeof v === 'string' && v !== '') : [];
    if (ranges.length === 0 && versions.length === 0) {
      log.warn('affected-without-ranges', pkgWhere);
      continue;
    }
    affected.push({
      ecosystem,
      package: name,
      purl: pkg ? str(pkg.purl) : null,
      status: 'affected',
      ...packageSeverity(entry, cache, log, pkgWhere),
      ranges,
      versions,
    });
  }
  return { kind: 'advisory', advisory, affected };
}

/** Imports OSV records into one feed; used for single files, directories and zips alike. */
export class OsvImporter {
  readonly log: ImportLog;
  private readonly cache = new CvssCache();

  constructor(
    private readonly writer: VulnDbWriter,
    readonly feed: string,
  ) {
    this.log = new ImportLog(feed, 'osv');
  }

  /** Imports one record, or a JSON array / `{"vulns": [...]}` list of them. */
  importValue(value: unknown, origin: string): void {
    if (Array.isArray(value)) {
      for (const v of value) this.importValue(v, origin);
      return;
    }
    if (isObject(value) && Array.isArray(value.vulns) && !('id' in value)) {
      for (const v of value.vulns) this.importValue(v, origin);
      return;
    }
    const converted = convertOsvRecord(value, this.cache, this.log, origin);
    switch (converted.kind) {
      case 'invalid':
        this.log.skipped++;
        this.log.warn('invalid-record', `${origin}: ${converted.reason}`);
        return;
      case 'withdrawn':
        this.log.skipped++;
        this.log.warn('withdrawn', converted.id);
        this.writer.deleteAdvisory(OSV_SOURCE, converted.id);
        return;
      case 'advisory': {
        const uid = this.writer.putAdvisory(this.feed, converted.advisory);
        for (const a of converted.affected) this.writer.addAffected(uid, a);
        this.log.records++;
        this.log.affected += converted.affected.length;
      }
    }
  }

  /** Imports a JSON document given as text; a parse failure is a counted warning, not an abort. */
  importText(text: string, origin: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.log.skipped++;
      this.log.warn('invalid-json', `${origin}: ${(err as Error).message}`);
      return;
    }
    this.importValue(value, origin);
  }
}

/** Imports every `*.json` entry of an OSV `all.zip`, streaming entry by entry. */
export async function importOsvZip(writer: VulnDbWriter, file: string, feed: string): Promise<ImportLog> {
  const importer = new OsvImporter(writer, feed);
  try {
    await forEachZipEntry(file, (name, data) => {
      if (!name.endsWith('.json')) return;
      importer.importText(data.toString('utf8'), name);
    });
  } catch (err) {
    throw new FeedFormatError(feed, `${file} is not a readable zip: ${(err as Error).message}`);
  }
  return importer.log;
}

/** Lists the `*.json` files under a path (itself when it is a file), sorted, skipping hidden entries. */
export async function listJsonFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (info.isFile()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await listJsonFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out;
}

/** Imports OSV JSON files (records or arrays of records). */
export async function importOsvFiles(writer: VulnDbWriter, files: string[], feed: string): Promise<ImportLog> {
  const importer = new OsvImporter(writer, feed);
  for (const file of files) importer.importText(await readFile(file, 'utf8'), file);
  return importer.log;
}
