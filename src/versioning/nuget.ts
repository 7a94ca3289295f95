import { compareDigitStrings, defineComparator, type Ordering, type ParsedVersion } from './types.js';

/**
 * NuGet's NuGetVersion with its default VersionComparer, which nuget.org,
 * `dotnet restore` and the NuGet advisories (GHSA, OSV `NuGet`) use: SemVer 2
 * with an optional fourth (revision) number, one to four numeric parts
 * ("1.0" == "1.0.0.0"), leading zeros ignored ("1.01" == "1.1"), prerelease
 * labels compared case-insensitively, build metadata ignored.
 */
export interface NuGetVersion extends ParsedVersion {
  readonly scheme: 'nuget';
  /** major, minor, patch, revision. */
  readonly numbers: readonly [number, number, number, number];
  /** Prerelease labels, as written; empty for a release. */
  readonly release: readonly string[];
}

const INT32_MAX = 2147483647;
const LABEL = /^[0-9A-Za-z-]+$/;

function analyse(raw: string): NuGetVersion | string {
  const value = raw.trim();
  if (value === '') return 'empty version';
  const plus = value.indexOf('+');
  const withoutMetadata = plus < 0 ? value : value.slice(0, plus);
  if (plus >= 0 && !value.slice(plus + 1).split('.').every((l) => LABEL.test(l))) return 'build metadata must be dot-separated [0-9A-Za-z-] identifiers';
  const dash = withoutMetadata.indexOf('-');
  const core = dash < 0 ? withoutMetadata : withoutMetadata.slice(0, dash);
  const release = dash < 0 ? [] : withoutMetadata.slice(dash + 1).split('.');
  if (!release.every((l) => LABEL.test(l))) return 'prerelease labels must be dot-separated [0-9A-Za-z-] identifiers';
  // System.Version's parsing, which NuGet uses for the numbers: 1 to 4 parts, spaces around each allowed.
  const parts = core.split('.').map((p) => p.trim());
  if (parts.length > 4) return 'more than four numeric parts';
  const numbers = [0, 0, 0, 0] as [number, number, number, number];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^[0-9]+$/.test(p)) return `numeric part ${i + 1} is not a number`;
    const n = Number(p);
    if (n > INT32_MAX) return `numeric part ${i + 1} is larger than ${INT32_MAX}`;
    numbers[i] = n;
  }
  return { scheme: 'nuget', raw, numbers, release };
}

const isNumeric = (label: string) => /^[0-9]+$/.test(label);

/** VersionComparer.CompareReleaseLabels: numbers numerically and below words; words ignoring case; a longer list wins a tie. */
function compareLabels(a: readonly string[], b: readonly string[]): Ordering {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i];
    const r = b[i];
    if (l === undefined) return -1;
    if (r === undefined) return 1;
    let c: Ordering;
    if (isNumeric(l) && isNumeric(r)) c = compareDigitStrings(l, r);
    else if (isNumeric(l) !== isNumeric(r)) c = isNumeric(l) ? -1 : 1;
    else {
      // StringComparer.OrdinalIgnoreCase: upper-cases both, then compares code units.
      const x = l.toUpperCase();
      const y = r.toUpperCase();
      c = x < y ? -1 : x > y ? 1 : 0;
    }
    if (c !== 0) return c;
  }
  return 0;
}

function order(a: NuGetVersion, b: NuGetVersion): Ordering {
  for (let i = 0; i < 4; i++) {
    const d = a.numbers[i]! - b.numbers[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // A release sorts after its prereleases.
  if (a.release.length === 0 || b.release.length === 0) return a.release.length === b.release.length ? 0 : a.release.length === 0 ? 1 : -1;
  return compareLabels(a.release, b.release);
}

export const nugetComparator = defineComparator<NuGetVersion>('nuget', analyse, order);
