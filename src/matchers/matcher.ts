import type { OsRelease, Package } from '../domain/package.js';
import type { VersionScheme } from '../versioning/index.js';

/** Where and how to look a package up in the vulnerability database. */
export interface MatchTarget {
  /** The database key: `Debian:12`, `Alpine:v3.19`, `npm`, `PyPI`; for families with several streams, the OS's own one. */
  ecosystem: string;
  /** The name advisories use: the source package for Debian, the origin for Alpine. */
  name: string;
  /** The version the advisories' ranges are written against. */
  version: string;
  scheme: VersionScheme;
  /**
   * Further ecosystems whose entries apply as much as `ecosystem`'s, picked
   * from those the database holds: every repository stream of a RHEL major
   * release (baseos, appstream, crb…), every SUSE product and module of the
   * host's service pack. `id` names the selection (for caches).
   */
  streams?: { id: string; family: string; accept(ecosystem: string): boolean };
  /**
   * Ecosystems consulted only for advisories that `ecosystem` and `streams`
   * have no entry for at all (Ubuntu Pro/ESM fixes of a release).
   */
  fallbacks?: readonly string[];
  /** Further names advisories may file the package under (Red Hat names binary or source rpms). */
  altNames?: readonly string[];
  /**
   * The rpm module stream the package was built in ("nodejs:18"), `null` for
   * a package outside any module, `'unknown'` for a modular package whose
   * stream the rpmdb does not say; absent where the family has no modules.
   * Module and non-module entries never apply to each other.
   */
  module?: string | null;
  /** Said with the findings: where the data comes from when it is not the OS's own vendor's (CentOS → RHEL). */
  dataNote?: string;
}

/** A key naming everything a target's verdicts depend on, for caches shared across packages and hosts. */
export function targetKey(t: MatchTarget): string {
  return [t.ecosystem, t.streams?.id ?? '', (t.fallbacks ?? []).join(','), t.name, (t.altNames ?? []).join(','), t.version, t.module === undefined ? '' : `m:${t.module}`].join('\u0000');
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
