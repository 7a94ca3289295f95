import type { RpmPackage } from '../../domain/package.js';
import { emptyResult, type AnalysisResult, type SyncAnalyzer } from '../analyzer.js';
import { parseRpmHeader, RpmHeaderError } from './rpm-header.js';
import { readBdbRpmdb, type RpmdbContents } from './rpmdb-bdb.js';
import { readNdbRpmdb } from './rpmdb-ndb.js';
import { readSqliteRpmdb } from './rpmdb-sqlite.js';

type Backend = (content: Buffer) => RpmdbContents;

/** Where each rpmdb backend keeps its package table. */
const DATABASES: ReadonlyMap<string, Backend> = new Map<string, Backend>([
  ['var/lib/rpm/rpmdb.sqlite', readSqliteRpmdb],
  ['usr/lib/sysimage/rpm/rpmdb.sqlite', readSqliteRpmdb],
  ['var/lib/rpm/Packages', readBdbRpmdb],
  ['usr/lib/sysimage/rpm/Packages', readBdbRpmdb],
  ['var/lib/rpm/Packages.db', readNdbRpmdb],
  ['usr/lib/sysimage/rpm/Packages.db', readNdbRpmdb],
]);

/** "[epoch:]version-release", as rpm compares it. */
export function rpmEvr(epoch: number | null, version: string, release: string): string {
  return `${epoch === null ? '' : `${epoch}:`}${version}-${release}`;
}

/**
 * Turns header blobs into packages. gpg-pubkey entries (imported signing keys,
 * not software) are skipped silently; a malformed header is skipped with a warning.
 */
export function rpmPackagesFromBlobs(contents: RpmdbContents, location: RpmPackage['location']): AnalysisResult {
  const result = emptyResult();
  const warnings = [...contents.warnings];
  for (const { key, blob } of contents.blobs) {
    let fields;
    try {
      fields = parseRpmHeader(blob);
    } catch (err) {
      // RpmHeaderError is expected; anything else is reported the same way rather than failing the scan
      warnings.push(`header ${key}: ${err instanceof RpmHeaderError ? err.message : `unexpected ${String(err)}`}, skipped`);
      continue;
    }
    const { name, version, release } = fields;
    if (name === 'gpg-pubkey') continue;
    if (!name || version === undefined || release === undefined) {
      warnings.push(`header ${key}: no NAME, VERSION or RELEASE, skipped`);
      continue;
    }
    const epoch = fields.epoch ?? null;
    result.packages.push({
      type: 'rpm',
      name,
      version: rpmEvr(epoch, version, release),
      epoch,
      release,
      architecture: fields.arch ?? 'unknown',
      sourceRpm: fields.sourceRpm ?? '',
      ...(fields.modularityLabel ? { modularityLabel: fields.modularityLabel } : {}),
      location,
    });
  }
  result.warnings = warnings.map((w) => `${location.path}: ${w}`);
  return result;
}

/** The rpm database of RPM-based images: SQLite (rpm ≥ 4.16), BerkeleyDB hash (older) or NDB (SUSE). */
export const rpmAnalyzer: SyncAnalyzer = {
  name: 'rpm',
  version: 2,
  pathHint: { paths: [...DATABASES.keys()] },
  required: (path) => DATABASES.has(path),
  analyze(file): AnalysisResult {
    const backend = DATABASES.get(file.path);
    if (!backend) return emptyResult();
    const location = { path: file.path, ...(file.layerDigest ? { layerDigest: file.layerDigest } : {}) };
    let contents: RpmdbContents;
    try {
      contents = backend(file.content);
    } catch (err) {
      return { packages: [], warnings: [`${file.path}: unreadable rpm database (${(err as Error).message})`] };
    }
    return rpmPackagesFromBlobs(contents, location);
  },
};
