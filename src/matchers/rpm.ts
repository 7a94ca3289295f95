import type { RpmPackage } from '../domain/package.js';
import type { AffectedRecord } from '../vulndb/index.js';
import type { MatchTarget } from './matcher.js';

/**
 * What every rpm family shares: the source package a binary came from, and
 * the RHEL 8+ module streams that decide which advisory entries may apply.
 */

/** "openssl-3.0.7-27.el9.src.rpm" → "openssl"; the binary's own name when the rpmdb names no source rpm. */
export function sourceName(pkg: RpmPackage): string {
  const file = pkg.sourceRpm.replace(/\.(?:no)?src\.rpm$/, '');
  const parts = file.split('-');
  return parts.length >= 3 && parts.slice(0, -2).join('-') !== '' ? parts.slice(0, -2).join('-') : pkg.name;
}

/** Names advisories may file an rpm under besides its source package: the binary itself. */
export function binaryAltNames(pkg: RpmPackage, primary: string): string[] {
  return pkg.name === primary ? [] : [pkg.name];
}

const MODULE_RELEASE = /\.module[+_]el\d/;

/**
 * The module stream an installed rpm was built in: "name:stream" from the
 * rpmdb's MODULARITYLABEL, 'unknown' for a modular release without a label,
 * null outside modules.
 */
export function installedModule(pkg: RpmPackage): string | null {
  if (pkg.modularityLabel) return pkg.modularityLabel.split(':').slice(0, 2).join(':');
  return MODULE_RELEASE.test(pkg.release) ? 'unknown' : null;
}

/** The module stream an advisory entry is for: Red Hat's purl `rpmmod` qualifier, else 'unknown' when its versions are modular builds, else null. */
export function recordModule(record: AffectedRecord): string | null {
  const mod = record.purl ? /[?&]rpmmod=([^&#]+)/.exec(record.purl)?.[1] : undefined;
  if (mod) return decodeURIComponent(mod).split(':').slice(0, 2).join(':');
  const versions = [...record.fixedVersions, ...record.versions, ...record.ranges.flatMap((r) => r.events.map((e) => e.version))];
  return versions.some((v) => MODULE_RELEASE.test(v)) ? 'unknown' : null;
}

/** The upstream version's first number ("1:18.19.0-1.module+el8…" → "18"), to tell streams apart when the data names none. */
function upstreamMajor(evr: string): string | undefined {
  return /^(?:\d+:)?(\d+)/.exec(evr)?.[1];
}

/**
 * Whether an advisory entry may be compared with an installed package at all:
 * a non-module package only with non-module entries, a module package only
 * with entries for its own stream. Where either side's stream is not named,
 * entries of the same upstream major version stand in for the stream.
 */
export function moduleApplies(installed: string | null, installedVersion: string, record: AffectedRecord): boolean {
  const entry = recordModule(record);
  if (installed === null || entry === null) return installed === entry;
  if (installed !== 'unknown' && entry !== 'unknown') return installed === entry;
  const major = upstreamMajor(installedVersion);
  return record.fixedVersions.length === 0 || record.fixedVersions.some((v) => upstreamMajor(v) === major);
}

/**
 * The usual rpm target: looked up by source rpm (and the binary's own name,
 * for data that uses it), compared by rpm's rules, module streams apart on
 * families that have them.
 */
export function rpmTarget(pkg: RpmPackage, ecosystem: string, options: { modules: boolean }): MatchTarget {
  const name = sourceName(pkg);
  return { ecosystem, name, altNames: binaryAltNames(pkg, name), version: pkg.version, scheme: 'rpm', ...(options.modules ? { module: installedModule(pkg) } : {}) };
}
