/**
 * Ecosystem and package naming shared by importers and matchers.
 *
 * OS packages are keyed by exact release (`Debian:12`, `Alpine:v3.19`) and, for Debian and
 * Alpine, by source package (apk origin). Language packages use the OSV ecosystem names.
 */

/** Debian codenames the tracker uses, mapped to the release numbers OSV uses. */
export const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  sid: 'unstable',
};

export function debianEcosystem(release: string): string {
  return `Debian:${release}`;
}

/** `v3.19`, `3.19`, `v3.19.1` → `Alpine:v3.19`; `edge` stays `edge`. */
export function alpineEcosystem(distroversion: string): string {
  const v = distroversion.trim();
  if (v === 'edge') return 'Alpine:edge';
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return m ? `Alpine:v${m[1]}.${m[2]}` : `Alpine:${v}`;
}

/**
 * Canonical ecosystem key: OSV names kept as they are, with distro releases normalised
 * (`Debian:bookworm` → `Debian:12`, `Alpine:3.19` → `Alpine:v3.19`).
 */
export function normalizeEcosystem(ecosystem: string): string {
  const e = ecosystem.trim();
  const colon = e.indexOf(':');
  if (colon < 0) return e;
  const family = e.slice(0, colon);
  const release = e.slice(colon + 1);
  if (family === 'Debian') return debianEcosystem(DEBIAN_CODENAMES[release] ?? release);
  if (family === 'Alpine') return alpineEcosystem(release);
  return e;
}

/** The part before the first `:` (`Debian:12` → `Debian`). */
export function ecosystemFamily(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/**
 * Package names as stored and looked up: PyPI per PEP 503 (lower case, runs of `-_.` → `-`);
 * NuGet ids and Packagist names in lower case (both registries ignore case); others unchanged.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  const n = name.trim();
  const family = ecosystemFamily(ecosystem);
  if (family === 'PyPI') return n.toLowerCase().replace(/[-_.]+/g, '-');
  if (family === 'NuGet' || family === 'Packagist') return n.toLowerCase();
  return n;
}
