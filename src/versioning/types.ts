export type VersionScheme = 'deb' | 'rpm' | 'apk' | 'npm' | 'pep440' | 'maven' | 'go' | 'rubygems' | 'nuget' | 'composer';

export const VERSION_SCHEMES: readonly VersionScheme[] = ['deb', 'rpm', 'apk', 'npm', 'pep440', 'maven', 'go', 'rubygems', 'nuget', 'composer'];

export type Ordering = -1 | 0 | 1;

/** What every scheme's parse result carries; each scheme adds its own fields. */
export interface ParsedVersion {
  readonly scheme: VersionScheme;
  /** The string as given, so a finding can quote exactly what the package said. */
  readonly raw: string;
}

export interface Comparator<P extends ParsedVersion = ParsedVersion> {
  readonly scheme: VersionScheme;
  /** null when the string is not a valid version of this scheme */
  parse(version: string): P | null;
  /** parse(), but throws UnparsableVersionError (with the reason) instead of returning null. */
  parseOrThrow(version: string): P;
  /** Throws UnparsableVersionError when either side is invalid. */
  compare(a: string, b: string): Ordering;
}

/**
 * Thrown instead of guessing: comparing garbage as plain strings would turn a
 * version we do not understand into a silent false negative or false positive,
 * so the matcher records these in the finding instead.
 */
export class UnparsableVersionError extends Error {
  override name = 'UnparsableVersionError';
  constructor(
    readonly scheme: VersionScheme,
    readonly version: string,
    readonly reason: string,
  ) {
    super(`not a valid ${scheme} version: ${JSON.stringify(version)} (${reason})`);
  }
}

/** A malformed range: an npm range that does not parse, or an OSV event that is not exactly one of its four kinds. */
export class InvalidRangeError extends Error {
  override name = 'InvalidRangeError';
  constructor(
    readonly scheme: VersionScheme,
    readonly range: string,
    readonly reason: string,
  ) {
    super(`not a valid ${scheme} range: ${range} (${reason})`);
  }
}

/**
 * Each scheme writes one analyser that returns the parsed value or, on failure,
 * why; parse() and compare() are derived from it so the two can never disagree
 * about what is valid.
 */
export function defineComparator<P extends ParsedVersion>(
  scheme: VersionScheme,
  analyse: (version: string) => P | string,
  order: (a: P, b: P) => number,
): Comparator<P> {
  const analyseChecked = (version: unknown): P | string =>
    typeof version === 'string' ? analyse(version) : `expected a string, got ${typeof version}`;
  const need = (version: string): P => {
    const parsed = analyseChecked(version);
    if (typeof parsed === 'string') throw new UnparsableVersionError(scheme, String(version), parsed);
    return parsed;
  };
  return {
    scheme,
    parse(version) {
      const parsed = analyseChecked(version);
      return typeof parsed === 'string' ? null : parsed;
    },
    parseOrThrow: need,
    compare(a, b) {
      return sign(order(need(a), need(b)));
    },
  };
}

export function sign(n: number | bigint): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares runs of ASCII digits as unbounded integers, without the overflow a Number would bring. */
export function compareDigitStrings(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte-wise (for ASCII, code-unit) ordering, as C's strcmp and memcmp give. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}
