import { apkComparator } from './apk.js';
import { composerComparator } from './composer.js';
import { debComparator } from './deb.js';
import { goComparator } from './go.js';
import { mavenComparator } from './maven.js';
import { npmComparator } from './npm.js';
import { nugetComparator } from './nuget.js';
import { pep440Comparator } from './pep440.js';
import { inRangeWith, type RangeEvent } from './range.js';
import { rpmComparator } from './rpm.js';
import { rubygemsComparator } from './rubygems.js';
import type { Comparator, Ordering, ParsedVersion, VersionScheme } from './types.js';

/** Every scheme's comparator, keyed by scheme; adding a scheme to VersionScheme fails to compile until it is listed here. */
export const comparators = {
  deb: debComparator,
  rpm: rpmComparator,
  apk: apkComparator,
  npm: npmComparator,
  pep440: pep440Comparator,
  maven: mavenComparator,
  go: goComparator,
  rubygems: rubygemsComparator,
  nuget: nugetComparator,
  composer: composerComparator,
} as const satisfies { readonly [S in VersionScheme]: Comparator<ParsedVersion & { readonly scheme: S }> };

export function comparatorFor(scheme: VersionScheme): Comparator {
  return comparators[scheme];
}

/** Throws UnparsableVersionError when either version is not valid for the scheme. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): Ordering {
  return comparators[scheme].compare(a, b);
}

/** Whether `version` lies in an OSV-style range (events: introduced / fixed / last_affected / limit) under `scheme`'s ordering. */
export function inRange(scheme: VersionScheme, version: string, events: readonly RangeEvent[]): boolean {
  return inRangeWith(comparators[scheme], version, events);
}

export type { RangeEvent } from './range.js';
export { satisfiesNpmRange, type NpmRangeOptions, type NpmVersion } from './npm.js';
export type { ApkVersion } from './apk.js';
export type { ComposerVersion } from './composer.js';
export type { DebVersion } from './deb.js';
export type { GoVersion } from './go.js';
export type { MavenVersion } from './maven.js';
export type { NuGetVersion } from './nuget.js';
export type { Pep440Version } from './pep440.js';
export type { RpmVersion } from './rpm.js';
export type { RubyGemsVersion } from './rubygems.js';
export { InvalidRangeError, UnparsableVersionError, VERSION_SCHEMES } from './types.js';
export type { Comparator, Ordering, ParsedVersion, VersionScheme } from './types.js';
