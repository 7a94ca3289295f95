import type { Finding, Severity } from '../domain/finding.js';
import type { OsRelease, Package } from '../domain/package.js';
import type { Inventory } from '../inventory/layers.js';
import { evaluate } from '../matchers/evaluate.js';
import { targetKey, type Matcher, type MatchTarget } from '../matchers/matcher.js';
import { isIdleKernel } from '../matchers/kernel.js';
import { moduleApplies } from '../matchers/rpm.js';
import { UNMATCHED_OS_REASONS } from '../matchers/index.js';
import { ecosystemFamily } from '../vulndb/ecosystems.js';
import type { AffectedRecord } from '../vulndb/index.js';
import { severityFromScore } from '../vulndb/index.js';
import { dedupeFindings } from './dedupe.js';

/** What matching needs from the vulnerability database. */
export interface AdvisorySource {
  affectedFor(ecosystem: string, packageName: string): AffectedRecord[];
  /** Every ecosystem of a family the database holds data for (`Red Hat` → its streams); absent: only exact ecosystems are looked in. */
  ecosystemsOf?(family: string): readonly string[];
}

export interface MatchResult {
  findings: Finding[];
  warnings: string[];
}

function severityOf(record: AffectedRecord): Severity {
  return record.severity ?? record.advisory.severity ?? (record.advisory.cvss?.score != null ? severityFromScore(record.advisory.cvss.score) : 'unknown');
}

function packageSummary(pkg: Package): Finding['package'] {
  return { type: pkg.type, name: pkg.name, version: pkg.version, ...(pkg.type === 'deb' ? { source: pkg.source } : {}) };
}

type Hit = { record: AffectedRecord; verdict: Extract<ReturnType<typeof evaluate>, { affected: true }> };

/**
 * Verdicts by (ecosystem, name, version). Pass one cache to many
 * matchInventory calls against the same database (a fleet of hosts) and
 * each distinct triple is evaluated once across all of them.
 */
export type MatchCache = Map<string, CachedVerdicts>;

interface CachedVerdicts {
  hits: Hit[];
  warnings: string[];
  /** The target's ecosystem when the database holds nothing for it or its streams. */
  noData?: string;
}

/**
 * Every affected entry that applies to a target: those of its ecosystem and
 * streams under each of its names, then, for advisories none of those has an
 * entry for, those of its fallbacks. Module streams are kept apart.
 */
function evaluateTarget(target: MatchTarget, source: AdvisorySource): CachedVerdicts {
  const entry: CachedVerdicts = { hits: [], warnings: [] };
  const known = source.ecosystemsOf ? new Set(source.ecosystemsOf(ecosystemFamily(target.ecosystem))) : undefined;
  const streams = target.streams && known ? [...known].filter((e) => target.streams!.accept(e)) : [];
  const primary = [...new Set([target.ecosystem, ...streams])];
  const names = [...new Set([target.name, ...(target.altNames ?? [])])];
  const seen = new Set<string>();
  const lookIn = (ecosystems: readonly string[], skipSeen: boolean) => {
    const found = new Set<string>();
    for (const ecosystem of ecosystems) {
      for (const name of names) {
        for (const record of source.affectedFor(ecosystem, name)) {
          if (skipSeen && seen.has(record.advisory.id)) continue;
          found.add(record.advisory.id);
          if (target.module !== undefined && !moduleApplies(target.module, target.version, record)) continue;
          try {
            const verdict = evaluate(record, target);
            if (verdict.affected) entry.hits.push({ record, verdict });
          } catch (err) {
            entry.warnings.push(`${ecosystem} ${name} ${target.version}: ${record.advisory.id} not evaluated: ${(err as Error).message}`);
            // One unparsable installed version fails every advisory the same way; say it once.
            if ((err as { version?: string }).version === target.version) return found;
          }
        }
      }
    }
    return found;
  };
  for (const id of lookIn(primary, false)) seen.add(id);
  if (target.fallbacks) lookIn(target.fallbacks, true);
  // Several streams may carry the same advisory for the same package: report it once, with a fix where one says so.
  const byAdvisory = new Map<string, Hit>();
  for (const hit of entry.hits) {
    const kept = byAdvisory.get(hit.record.advisory.id);
    if (!kept || (kept.verdict.fixedVersion === null && hit.verdict.fixedVersion !== null)) byAdvisory.set(hit.record.advisory.id, hit);
  }
  entry.hits = [...byAdvisory.values()];
  if (known && ![...primary, ...(target.fallbacks ?? [])].some((e) => known.has(e))) entry.noData = target.ecosystem;
  return entry;
}

/**
 * Matches every package of an inventory. Each distinct (ecosystem, name,
 * version) is evaluated once, however many packages share it (a source
 * package builds many binaries; hosts share most packages).
 */
export function matchInventory(inventory: Pick<Inventory, 'os' | 'packages'>, source: AdvisorySource, matchers: readonly Matcher[], cache: MatchCache = new Map()): MatchResult {
  const warnings: string[] = [];
  const warned = new Set<string>();
  const findings: Finding[] = [];
  const unmatchedOs = new Set<string>();
  const noData = new Set<string>();
  const notes = new Set<string>();
  const idleKernels = new Set<string>();
  for (const pkg of inventory.packages) {
    if (isIdleKernel(pkg, inventory.os?.kernel)) {
      idleKernels.add(`${pkg.name} ${pkg.version}`);
      continue;
    }
    const target = targetFor(pkg, inventory.os, matchers);
    if (!target) {
      if (isOsPackage(pkg)) unmatchedOs.add(osLabel(inventory.os, pkg));
      continue;
    }
    if (target.dataNote) notes.add(target.dataNote);
    const key = targetKey(target);
    let entry = cache.get(key);
    if (!entry) {
      entry = evaluateTarget(target, source);
      cache.set(key, entry);
    }
    if (entry.noData) noData.add(entry.noData);
    if (entry.warnings.length > 0 && !warned.has(key)) {
      warned.add(key);
      warnings.push(...entry.warnings);
    }
    for (const { record, verdict } of entry.hits) findings.push(toFinding(pkg, target, record, verdict));
  }
  for (const os of unmatchedOs) warnings.push(unmatchedOsMessage(os));
  for (const ecosystem of noData) warnings.push(`the vulnerability database has no data for ${ecosystem}: packages looked up there were not matched`);
  warnings.push(...notes);
  if (idleKernels.size > 0) warnings.push(`installed kernels that are not running (${inventory.os!.kernel} is) were not matched: ${[...idleKernels].sort().join(', ')}`);
  return { findings: dedupeFindings(findings), warnings };
}

const isOsPackage = (pkg: Package): boolean => pkg.type === 'deb' || pkg.type === 'apk' || pkg.type === 'rpm';
const osLabel = (os: OsRelease | undefined, pkg: Package): string => (os ? `${os.id} ${os.versionId}` : `${pkg.type} packages on an unknown OS`);

function unmatchedOsMessage(os: string): string {
  const reason = UNMATCHED_OS_REASONS[os.split(' ')[0]!];
  return reason ? `${os}: ${reason}` : `no vulnerability data source for ${os} OS packages; they were not matched`;
}

/**
 * Why an inventory's OS packages cannot be matched at all (an OS no matcher
 * covers, or a release the database holds no data for), or null when they
 * can. Hosts and images report it instead of passing as clean.
 */
export function osMatchGap(inventory: Pick<Inventory, 'os' | 'packages'>, source: AdvisorySource, matchers: readonly Matcher[]): string | null {
  const pkg = inventory.packages.find(isOsPackage);
  if (!pkg) return null;
  const target = targetFor(pkg, inventory.os, matchers);
  if (!target) return unmatchedOsMessage(osLabel(inventory.os, pkg));
  if (!source.ecosystemsOf) return null;
  const known = source.ecosystemsOf(ecosystemFamily(target.ecosystem));
  const covered = known.some((e) => e === target.ecosystem || target.fallbacks?.includes(e) || target.streams?.accept(e));
  return covered ? null : `the vulnerability database has no data for ${target.ecosystem}: OS packages were not matched`;
}

/** What the package is looked up and compared as (ecosystem, name, version), or null when no matcher covers it. */
export function targetFor(pkg: Package, os: OsRelease | undefined, matchers: readonly Matcher[]): MatchTarget | null {
  for (const matcher of matchers) {
    const target = matcher.target(pkg, os);
    if (target) return target;
  }
  return null;
}

function toFinding(pkg: Package, target: MatchTarget, record: AffectedRecord, verdict: Hit['verdict']): Finding {
  const advisory = record.advisory;
  return {
    id: advisory.id,
    aliases: advisory.aliases,
    title: advisory.summary,
    url: advisory.url,
    package: packageSummary(pkg),
    installedVersion: target.version,
    fixedVersion: verdict.fixedVersion,
    matchedRange: verdict.matchedRange,
    status: verdict.status,
    severity: severityOf(record),
    cvss: advisory.cvss ? { version: advisory.cvss.version, vector: advisory.cvss.vector, score: advisory.cvss.score } : null,
    knownExploited: advisory.kev !== null,
    dataSource: advisory.feed,
    ecosystem: record.ecosystem,
    location: pkg.location,
    locations: [pkg.location],
  };
}
