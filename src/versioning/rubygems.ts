import { compareDigitStrings, compareStrings, defineComparator, type Ordering, type ParsedVersion } from './types.js';

/**
 * RubyGems' Gem::Version, which Bundler, rubygems.org and the RubyGems
 * advisories (ruby-advisory-db, GHSA, OSV `RubyGems`) order versions by.
 * A version is dot-separated; segments split further at letter/digit
 * boundaries ("1.2.b1" is 1, 2, "b", 1). Any letter makes it a prerelease,
 * which sorts before the release ("1.0.a" < "1.0"). "-" stands for ".pre."
 * (SemVer-style "1.0.0-rc1" is 1, 0, 0, "pre", "rc", 1). Trailing zeros of
 * the release part and of the prerelease part do not count: "1.0.0" == "1".
 */
export interface RubyGemsVersion extends ParsedVersion {
  readonly scheme: 'rubygems';
  /** Canonical segments: digit runs (kept as strings, compared as unbounded integers) and letter runs. */
  readonly segments: readonly Segment[];
  readonly prerelease: boolean;
}

type Segment = { readonly num: string } | { readonly str: string };

// Gem::Version::ANCHORED_VERSION_PATTERN, without the surrounding whitespace; each repetition starts with its
// own separator, so the pattern cannot backtrack badly on long input (CVE-2013-4287).
const VALID = /^[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
// Ruby's String#strip and the pattern's \s.
const RUBY_SPACE = /^[\s\0]+|[\s\0]+$/g;

const isZero = (s: Segment): boolean => 'num' in s && /^0+$/.test(s.num);

function dropTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1]!)) end--;
  return segments.slice(0, end);
}

function analyse(raw: string): RubyGemsVersion | string {
  // A blank version is "0" to RubyGems.
  const trimmed = raw.replace(RUBY_SPACE, '') || '0';
  if (!VALID.test(trimmed)) return 'not a RubyGems version (digits, then dot-separated letters and digits, optionally -prerelease)';
  const version = trimmed.replaceAll('-', '.pre.');
  const all: Segment[] = (version.match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^[0-9]/.test(s) ? { num: s } : { str: s }));
  // Gem::Version#canonical_segments: the numeric release part and the rest, each without trailing zeros.
  const firstString = all.findIndex((s) => 'str' in s);
  const release = firstString < 0 ? all : all.slice(0, firstString);
  const rest = firstString < 0 ? [] : all.slice(firstString);
  return { scheme: 'rubygems', raw, segments: [...dropTrailingZeros(release), ...dropTrailingZeros(rest)], prerelease: /[a-zA-Z]/.test(version) };
}

const ZERO: Segment = { num: '0' };

function order(a: RubyGemsVersion, b: RubyGemsVersion): Ordering {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const l = a.segments[i] ?? ZERO;
    const r = b.segments[i] ?? ZERO;
    if ('num' in l && 'num' in r) {
      const c = compareDigitStrings(l.num, r.num);
      if (c !== 0) return c;
    } else if ('str' in l && 'str' in r) {
      const c = compareStrings(l.str, r.str);
      if (c !== 0) return c;
    } else {
      // A letter segment (a prerelease) sorts before a number at the same place.
      return 'str' in l ? -1 : 1;
    }
  }
  return 0;
}

export const rubygemsComparator = defineComparator<RubyGemsVersion>('rubygems', analyse, order);
