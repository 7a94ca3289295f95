import { compareDigitStrings, compareStrings, defineComparator, type Ordering, type ParsedVersion } from './types.js';

/**
 * A Go module version, ordered as golang.org/x/mod/semver orders it.
 * Pseudo-versions (v0.0.0-20191109021931-daa7c04131f5) are ordinary SemVer
 * pre-releases and need no special case: their timestamps sort as numbers.
 */
export interface GoVersion extends ParsedVersion {
  readonly scheme: 'go';
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  /** Dot-separated identifiers after "-", empty for a release. */
  readonly prerelease: readonly string[];
  /** Build metadata such as "incompatible"; ignored when ordering, as Go ignores it. */
  readonly build: readonly string[];
  /** Canonical form with the "v", e.g. "v1.2.0" for "v1.2", without build metadata. */
  readonly canonical: string;
  readonly pseudo: boolean;
}

const NUM = '(0|[1-9][0-9]*)';
const PRE_ID = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
// "v1" and "v1.2" are valid shorthands for v1.0.0 and v1.2.0, but cannot carry a pre-release or build.
const SHORT = new RegExp(`^v?${NUM}(?:\\.${NUM})?$`);
const FULL = new RegExp(`^v?${NUM}\\.${NUM}\\.${NUM}(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`);
// golang.org/x/mod/module's test for the three pseudo-version forms: vX.0.0-yyyymmddhhmmss-hash,
// vX.Y.Z-pre.0.yyyymmddhhmmss-hash and vX.Y.(Z+1)-0.yyyymmddhhmmss-hash.
const PSEUDO = /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

function analyse(raw: string): GoVersion | string {
  // Go itself requires the "v"; OSV's Go records drop it, so either spelling is accepted.
  const short = SHORT.exec(raw);
  if (short) {
    const [, major, minor = '0'] = short;
    return { scheme: 'go', raw, major: major!, minor, patch: '0', prerelease: [], build: [], canonical: `v${major}.${minor}.0`, pseudo: false };
  }
  const m = FULL.exec(raw);
  if (!m) return 'not a Go module version (vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]])';
  const [, major, minor, patch, pre, build] = m;
  const prerelease = pre === undefined ? [] : pre.split('.');
  return {
    scheme: 'go',
    raw,
    major: major!,
    minor: minor!,
    patch: patch!,
    prerelease,
    build: build === undefined ? [] : build.split('.'),
    canonical: `v${major}.${minor}.${patch}${pre === undefined ? '' : `-${pre}`}`,
    pseudo: pre !== undefined && pre.includes('-') && PSEUDO.test(raw.startsWith('v') ? raw : `v${raw}`),
  };
}

const isNumeric = (s: string): boolean => /^[0-9]+$/.test(s);

function comparePrerelease(a: readonly string[], b: readonly string[]): Ordering {
  // A release sorts after all of its pre-releases.
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const xn = isNumeric(x);
    const yn = isNumeric(y);
    // Numeric identifiers compare as numbers and sort below alphanumeric ones.
    if (xn && yn) return compareDigitStrings(x, y);
    if (xn !== yn) return xn ? -1 : 1;
    return compareStrings(x, y);
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export const goComparator = defineComparator<GoVersion>(
  'go',
  analyse,
  (a, b) =>
    compareDigitStrings(a.major, b.major) ||
    compareDigitStrings(a.minor, b.minor) ||
    compareDigitStrings(a.patch, b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease),
);
