import type { Finding, Severity } from '../domain/finding.js';
import type { OsRelease, Package } from '../domain/package.js';
import type { Inventory } from '../inventory/layers.js';
import { evaluate } from '../matchers/evaluate.js';
import type { Matcher, MatchTarget } from '../matchers/matcher.js';
import type { AffectedRecord } from '../vulndb/index.js';
import { severityFromScore } from '../vulndb/index.js';
import { dedupeFindings } from './dedupe.js';

/** What matching needs from the vulnerability database. */
export interface AdvisorySource {
  affectedFor(ecosystem: string, packageName: string): AffectedRecord[];
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
export type MatchCache = Map<string, { hits: Hit[]; warnings: string[] }>;

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
  for (const pkg of inventory.packages) {
    const target = targetFor(pkg, inventory.os, matchers);
    if (!target) {
      if (pkg.type === 'deb' || pkg.type === 'apk' || pkg.type === 'rpm') unmatchedOs.add(inventory.os ? `${inventory.os.id} ${inventory.os.versionId}` : `${pkg.type} packages on an unknown OS`);
      continue;
    }
    const key = `${target.ecosystem}\u0000${target.name}\u0000${target.version}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = { hits: [], warnings: [] };
      for (const record of source.affectedFor(target.ecosystem, target.name)) {
        try {
          const verdict = evaluate(record, target);
          if (verdict.affected) entry.hits.push({ record, verdict });
        } catch (err) {
          entry.warnings.push(`${target.ecosystem} ${target.name} ${target.version}: ${record.advisory.id} not evaluated: ${(err as Error).message}`);
          // One unparsable installed version fails every advisory the same way; say it once.
          if ((err as { version?: string }).version === target.version) break;
        }
      }
      cache.set(key, entry);
    }
    if (entry.warnings.length > 0 && !warned.has(key)) {
      warned.add(key);
      warnings.push(...entry.warnings);
    }
    for (const { record, verdict } of entry.hits) findings.push(toFinding(pkg, target, record, verdict));
  }
  for (const os of unmatchedOs) warnings.push(`no vulnerability data source for ${os} OS packages; they were not matched`);
  return { findings: dedupeFindings(findings), warnings };
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
    ecosystem: target.ecosystem,
    location: pkg.location,
    locations: [pkg.location],
  };
}
