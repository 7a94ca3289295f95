import type { OsRelease, Package } from '../domain/package.js';
import type { VersionScheme } from '../versioning/index.js';

/** Where and how to look a package up in the vulnerability database. */
export interface MatchTarget {
  /** The database key: `Debian:12`, `Alpine:v3.19`, `npm`, `PyPI`. */
  ecosystem: string;
  /** The name advisories use: the source package for Debian, the origin for Alpine. */
  name: string;
  /** The version the advisories' ranges are written against. */
  version: string;
  scheme: VersionScheme;
}

/**
 * One matcher per distro family or language ecosystem. A matcher only says
 * where its packages are looked up; the shared evaluation decides. OS
 * packages are only ever looked up in their vendor's data for that exact
 * release, which is what keeps backported fixes from being reported.
 */
export interface Matcher {
  name: string;
  target(pkg: Package, os: OsRelease | undefined): MatchTarget | null;
}
