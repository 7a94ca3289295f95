/** Qualitative severity, as CVSS defines it. `null` elsewhere means "unknown". */
export const SEVERITY_LABELS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

/**
 * What an affected entry says about its package.
 * - `affected`: OSV data; the ranges and versions decide (language ecosystems and OSV distro records).
 * - `fixed`: a distro fixed it; the range ends at the fixed version.
 * - `unfixed`: affected, no fix published yet.
 * - `not_affected`: the distro says this package in this release was never affected.
 * - `will_not_fix`: affected, and the distro does not intend to fix it in this release.
 */
export const AFFECTED_STATUSES = ['affected', 'fixed', 'unfixed', 'not_affected', 'will_not_fix'] as const;
export type AffectedStatus = (typeof AFFECTED_STATUSES)[number];

/** OSV range types that are stored. GIT ranges are skipped at import (they need commit graphs). */
export type RangeType = 'SEMVER' | 'ECOSYSTEM';
export type RangeEventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';
export interface RangeEvent {
  kind: RangeEventKind;
  version: string;
}
export interface AffectedRange {
  type: RangeType;
  /** In the order the feed listed them (OSV semantics: evaluate after sorting by the ecosystem's comparator). */
  events: RangeEvent[];
}

/** How an alias relates to its advisory: OSV `aliases`, OSV `upstream`, or OSV `related`. */
export type AliasKind = 'alias' | 'upstream' | 'related';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';
export interface CvssInfo {
  version: CvssVersion;
  vector: string;
  /** Base score; null when the vector could not be scored. */
  score: number | null;
}

/** The feed formats the importers read. */
export const FEED_KINDS = ['osv', 'alpine-secdb', 'debian-tracker', 'kev', 'k8s-cve-feed'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

/** One advisory as an importer hands it to the store. */
export interface AdvisoryInput {
  id: string;
  /** Namespace of `id`: `osv`, `debian-tracker`, or the Alpine secdb file (`alpine-secdb/v3.19/main`). */
  source: string;
  published?: string | null;
  modified?: string | null;
  summary?: string | null;
  url?: string | null;
  severity?: SeverityLabel | null;
  /** Where `severity` came from: `cvss`, `database_specific`, `ubuntu`. */
  severitySource?: string | null;
  cvss?: CvssInfo | null;
  aliases?: Array<{ alias: string; kind: AliasKind }>;
}

/** One (ecosystem or distro release, package) entry of an advisory. */
export interface AffectedInput {
  /** `npm`, `PyPI`, `Go`, `Maven`, `crates.io`, `Debian:12`, `Alpine:v3.19`, … */
  ecosystem: string;
  /** Source package for Debian and Alpine; PyPI names are PEP 503-normalised. */
  package: string;
  purl?: string | null;
  status: AffectedStatus;
  /** Why the status is what it is, in the feed's words (`postponed`, `undetermined`, `nodsa: Minor issue`). */
  statusNote?: string | null;
  /** Per-package severity (Debian urgency, OSV ecosystem_specific severity). */
  severity?: SeverityLabel | null;
  severityRaw?: string | null;
  ranges: AffectedRange[];
  versions: string[];
}

/** What one importer run did. */
export interface FeedImportResult {
  feed: string;
  kind: FeedKind;
  /** Advisories (or KEV entries) written. */
  records: number;
  /** Affected rows written. */
  affected: number;
  /** Records skipped entirely (withdrawn, unusable). */
  skipped: number;
  /** Counted warnings by code, for example `git-range-skipped`. */
  warnings: Record<string, number>;
  /** The first few warnings in full. */
  samples: string[];
}
