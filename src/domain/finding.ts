import type { Location, OsRelease, Package, PackageType } from './package.js';

export const SEVERITIES = ['unknown', 'none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How the vendor or feed classifies the package's exposure. */
export type FindingStatus = 'fixed' | 'unfixed' | 'will_not_fix' | 'affected';

/**
 * One vulnerability in one package, explained: what was installed, which
 * rule matched, what fixes it, and where the data and the package came from.
 */
export interface Finding {
  /** The advisory's id in its source (CVE-2023-0286, GHSA-…, DSA-…). */
  id: string;
  aliases: string[];
  title: string | null;
  url: string | null;
  package: { type: PackageType; name: string; version: string; source?: { name: string; version: string } };
  /** The version the rule was evaluated against (the source version for Debian). */
  installedVersion: string;
  fixedVersion: string | null;
  /** The rule that matched, in words: "fixed in 3.0.11-1~deb12u2", "introduced 0, fixed 4.17.21", "no fix yet". */
  matchedRange: string;
  status: FindingStatus;
  severity: Severity;
  cvss: { version: string; vector: string; score: number | null } | null;
  knownExploited: boolean;
  /** The feed the advisory came from (debian-tracker, osv, alpine-secdb/v3.19/main). */
  dataSource: string;
  /** The vulnerability database key the package was looked up by: Debian:12, npm, PyPI. */
  ecosystem: string;
  /** Where the package was found; the first of `locations`. */
  location: Location;
  /** Every place the same package (ecosystem, name, version) was found: a lock file and the installed copy are one finding. */
  locations: Location[];
}

/** Everything one scan produced: the inventory, the findings and what was skipped. */
export interface ScanReport {
  artifact: { kind: 'image' | 'rootfs' | 'sbom'; name: string; digest?: string };
  os?: OsRelease;
  packages: Package[];
  findings: Finding[];
  warnings: string[];
  /** Epoch ms. */
  scannedAt: number;
  /** The vulnerability DB matched against; `demo` when it is the built-in demo DB (sample advisories only). */
  database?: { builtAt: string | null; demo?: boolean };
}

const RANK: Record<Severity, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };
export const severityRank = (s: Severity): number => RANK[s];
