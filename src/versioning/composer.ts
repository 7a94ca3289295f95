import { defineComparator, type Ordering, type ParsedVersion } from './types.js';

/**
 * Composer's versions (composer/semver), which Packagist and the Packagist
 * advisories (FriendsOfPHP security-advisories, GHSA, OSV `Packagist`) use.
 * A version is first normalised as VersionParser::normalize does: an
 * optional `v`, up to four numbers padded to four ("1.2" → "1.2.0.0"), a
 * stability suffix spelled out ("1.0.0-b2" → "1.0.0.0-beta2", "pl3" →
 * "patch3"), build metadata and `@stability` flags dropped, date versions
 * kept. Normalised versions are then ordered by PHP's version_compare:
 * dev < alpha = a < beta = b < RC = rc < (a number) < patch = pl = p.
 *
 * Branches (`dev-main`, `dev-feature/x`) have no place in that order;
 * Composer never matches them against version constraints, so they are refused.
 */
export interface ComposerVersion extends ParsedVersion {
  readonly scheme: 'composer';
  /** VersionParser::normalize's output: "1.2.0.0", "1.0.0.0-RC1-dev", "1.9999999.9999999.9999999-dev". */
  readonly normalized: string;
}

const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\\d+)*)?)?([.-]?dev)?';
// Composer's patterns use possessive quantifiers; "\d+(?!\d)" is what they amount to here.
const CLASSICAL = new RegExp(`^v?(\\d{1,5}(?!\\d))(\\.\\d+(?!\\d))?(\\.\\d+(?!\\d))?(\\.\\d+(?!\\d))?${MODIFIER}$`, 'i');
const DATE = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3}){0,2})${MODIFIER}$`, 'i');
const BRANCH_NUMBERS = /^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$/i;

function expandStability(stability: string): string {
  const s = stability.toLowerCase();
  return ({ a: 'alpha', b: 'beta', p: 'patch', pl: 'patch', rc: 'RC' } as Record<string, string>)[s] ?? s;
}

/** VersionParser::normalize; a string naming why when the version is not one. */
export function normalizeComposerVersion(input: string): string | { error: string } {
  let version = input.trim();
  const alias = /^([^,\s]+) +as +([^,\s]+)$/.exec(version);
  if (alias) version = alias[1]!;
  version = version.replace(/@(?:stable|RC|beta|alpha|dev)$/i, '');
  if (version === 'master' || version === 'trunk' || version === 'default') version = `dev-${version}`;
  if (version.toLowerCase().startsWith('dev-')) return { error: `${version} is a branch, which has no version order` };
  const metadata = /^([^,\s+]+)\+\S+$/.exec(version);
  if (metadata) version = metadata[1]!;
  let m = CLASSICAL.exec(version);
  let normalized: string | undefined;
  let index = 0;
  if (m) {
    normalized = `${m[1]}${m[2] || '.0'}${m[3] || '.0'}${m[4] || '.0'}`;
    index = 5;
  } else if ((m = DATE.exec(version))) {
    normalized = m[1]!.replace(/\D/g, '.');
    index = 2;
  }
  if (m && normalized !== undefined) {
    const stability = m[index];
    if (stability) {
      if (stability === 'stable') return normalized;
      normalized += `-${expandStability(stability)}${(m[index + 1] ?? '').replace(/^[.-]+/, '')}`;
    }
    if (m[index + 2]) normalized += '-dev';
    return normalized;
  }
  // "1.x-dev", "2.1.*-dev": numbered branches, which sort as the highest version of their line.
  const dev = /^(.*?)[.-]?dev$/i.exec(version);
  const branch = dev ? BRANCH_NUMBERS.exec(dev[1]!.trim()) : null;
  if (branch) {
    let out = '';
    for (let i = 1; i < 5; i++) out += branch[i] !== undefined ? branch[i]!.replace(/[*X]/g, 'x') : '.x';
    return `${out.replaceAll('x', '9999999')}-dev`;
  }
  return { error: 'not a Composer version (up to four numbers or a date, then an optional stability such as -beta2, -RC1, -p1, -dev)' };
}

// PHP's version_compare (ext/standard/versioning.c).

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** php_canonicalize_version: "-", "_", "+" and any other non-alphanumeric become ".", and "." goes between digits and letters. */
function canonicalize(version: string): string {
  if (version === '') return '';
  let out = version[0]!;
  let last = version[0]!;
  for (let i = 1; i < version.length; i++) {
    const c = version[i]!;
    const prevOut = out[out.length - 1];
    const dot = () => {
      if (prevOut !== '.') out += '.';
    };
    if (c === '-' || c === '_' || c === '+') dot();
    else if ((last !== '.' && !isDigit(last) && isDigit(c)) || (isDigit(last) && c !== '.' && !isDigit(c))) {
      dot();
      out += c;
    } else if (!/[0-9A-Za-z]/.test(c)) dot();
    else out += c;
    last = c;
  }
  return out;
}

const SPECIAL_FORMS: ReadonlyArray<readonly [string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

/** compare_special_version_forms: forms match by prefix, as strncmp does; anything else ranks below dev. */
function compareForms(a: string, b: string): Ordering {
  const rank = (form: string) => SPECIAL_FORMS.find(([name]) => form.startsWith(name))?.[1] ?? -1;
  return Math.sign(rank(a) - rank(b)) as Ordering;
}

function compareNumbers(a: string, b: string): Ordering {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function phpVersionCompare(a: string, b: string): Ordering {
  const x = canonicalize(a).split('.');
  const y = canonicalize(b).split('.');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i]!;
    const q = y[i]!;
    // strtol reads the leading digits of a part that starts with one.
    const c = isDigit(p[0]) && isDigit(q[0]) ? compareNumbers(/^\d+/.exec(p)![0], /^\d+/.exec(q)![0]) : compareForms(isDigit(p[0]) ? '#N#' : p, isDigit(q[0]) ? '#N#' : q);
    if (c !== 0) return c;
  }
  // The longer one wins if its next part is a number; a trailing word is compared with a number.
  if (x.length > n) return isDigit(x[n]![0]) ? 1 : phpVersionCompare(x.slice(n).join('.'), '#N#');
  if (y.length > n) return isDigit(y[n]![0]) ? -1 : phpVersionCompare('#N#', y.slice(n).join('.'));
  return 0;
}

function analyse(raw: string): ComposerVersion | string {
  const normalized = normalizeComposerVersion(raw);
  if (typeof normalized !== 'string') return normalized.error;
  return { scheme: 'composer', raw, normalized };
}

export const composerComparator = defineComparator<ComposerVersion>('composer', analyse, (a, b) => phpVersionCompare(a.normalized, b.normalized));
