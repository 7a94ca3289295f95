import { compareDigitStrings, compareStrings, defineComparator, type Ordering, type ParsedVersion } from './types.js';

/** [epoch:]version[-release], split as rpm's rpmverParse() does. */
export interface RpmVersion extends ParsedVersion {
  readonly scheme: 'rpm';
  /** null when absent; rpm then compares it as "0". */
  readonly epoch: string | null;
  readonly version: string;
  /** null when absent; rpm then sorts it below any release. */
  readonly release: string | null;
}

// rpmbuild accepts letters, digits and "._+~^" (plus macro characters, expanded before a package exists) in Version and Release.
const FIELD = /^[A-Za-z0-9._+~^]+$/;

function analyse(raw: string): RpmVersion | string {
  if (raw === '') return 'empty version';
  let epoch: string | null = null;
  let rest = raw;
  // Only a leading run of digits followed by ":" is an epoch, exactly as rpm reads it.
  const m = /^(\d*):/.exec(raw);
  if (m) {
    if (m[1] === '') return 'empty epoch';
    epoch = m[1]!;
    rest = raw.slice(m[0].length);
  }
  let version = rest;
  let release: string | null = null;
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    version = rest.slice(0, hyphen);
    release = rest.slice(hyphen + 1);
    if (release === '') return 'empty release';
    if (!FIELD.test(release)) return 'invalid character in release';
  }
  if (version === '') return 'empty version';
  if (!FIELD.test(version)) return 'invalid character in version';
  return { scheme: 'rpm', raw, epoch, version, release };
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const TILDE = 0x7e;
const CARET = 0x5e;

/**
 * rpmvercmp() from rpm ≥ 4.15: segments of digits or letters; "~" sorts before
 * anything, even the end of the string (pre-releases); "^" sorts after the end
 * of the string but before any other segment (post-release snapshots).
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);
  const isSeparator = (c: number): boolean => c !== 0 && !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;
  while (i < a.length || j < b.length) {
    while (isSeparator(at(a, i))) i++;
    while (isSeparator(at(b, j))) j++;

    if (at(a, i) === TILDE || at(b, j) === TILDE) {
      if (at(a, i) !== TILDE) return 1;
      if (at(b, j) !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (at(a, i) === CARET || at(b, j) === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (at(a, i) !== CARET) return 1;
      if (at(b, j) !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;

    const si = i;
    const sj = j;
    const numeric = isDigit(at(a, i));
    const inSegment = numeric ? isDigit : isAlpha;
    while (i < a.length && inSegment(at(a, i))) i++;
    while (j < b.length && inSegment(at(b, j))) j++;
    const one = a.slice(si, i);
    const two = b.slice(sj, j);
    // Segments of different types: the numeric one is newer.
    if (two === '') return numeric ? 1 : -1;
    const rc = numeric ? compareDigitStrings(one, two) : compareStrings(one, two);
    if (rc !== 0) return rc;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Like rpm's compare_values(): an absent part sorts below a present one. */
function compareOptional(a: string | null, b: string | null): Ordering {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return rpmvercmp(a, b);
}

export const rpmComparator = defineComparator<RpmVersion>(
  'rpm',
  analyse,
  (a, b) => rpmvercmp(a.epoch ?? '0', b.epoch ?? '0') || compareOptional(a.version, b.version) || compareOptional(a.release, b.release),
);
