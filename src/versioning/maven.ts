import { compareStrings, defineComparator, sign, type Ordering, type ParsedVersion } from './types.js';

/**
 * Maven's ComparableVersion (maven-artifact 3.9), which is what Maven itself,
 * Maven Central's metadata and GitHub's advisories use to order versions. Maven
 * 4 reworked some corner cases ("1-x1" vs "1x1"); 3.9 is what builds run today.
 */
type Item =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly items: Item[] };

export interface MavenVersion extends ParsedVersion {
  readonly scheme: 'maven';
  readonly items: Item & { readonly kind: 'list' };
  /** Maven's canonical form, e.g. "1-alpha-1" for "1.0.0-ALPHA1". */
  readonly canonical: string;
}

// Known qualifiers in ascending order; "" is the release itself. Unknown ones sort after all of these, alphabetically.
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

// Maven accepts any string; we accept what real artifacts use, and refuse range syntax ("[1.0,2.0)") and unresolved
// properties ("${revision}"), which turn up in jars' pom.properties and are not versions.
const VALID = /^[A-Za-z0-9._+~-]+$/;

function stringItem(raw: string, followedByDigit: boolean): Item {
  let value = raw;
  // "a1" is alpha-1, "b2" beta-2, "m3" milestone-3, but a lone "a" is just a string.
  if (followedByDigit && value.length === 1) value = ({ a: 'alpha', b: 'beta', m: 'milestone' } as Record<string, string>)[value] ?? value;
  return { kind: 'string', value: ALIASES[value] ?? value };
}

function parseItem(isDigit: boolean, buf: string): Item {
  return isDigit ? { kind: 'int', value: BigInt(buf) } : stringItem(buf, false);
}

const ZERO: Item = { kind: 'int', value: 0n };

function isNull(item: Item): boolean {
  if (item.kind === 'int') return item.value === 0n;
  if (item.kind === 'string') return item.value === '';
  return item.items.length === 0;
}

/** Drops trailing "nothing" items (0, "", empty lists), looking past sub-lists: 1.0-alpha == 1-alpha. */
function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i]!;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

function parseItems(input: string): Item & { kind: 'list' } {
  const version = input.toLowerCase();
  const root: Item & { kind: 'list' } = { kind: 'list', items: [] };
  let list = root.items;
  const stack: Item[][] = [list];
  const push = (): void => {
    const sub: Item[] = [];
    list.push({ kind: 'list', items: sub });
    stack.push(sub);
    list = sub;
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < version.length; i++) {
    const c = version[i]!;
    if (c === '.' || c === '-') {
      list.push(i === start ? ZERO : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
      // A hyphen opens a sub-list, which is what makes 1-1 sort below 1.1.
      if (c === '-') push();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        // Letters then digits ("rc1"): the letters become a qualifier in a sub-list, so 1.0.0.X1 < 1.0.0-X2.
        if (list.length > 0) push();
        list.push(stringItem(version.slice(start, i), true));
        start = i;
        push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, version.slice(start, i)));
        start = i;
        push();
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    // A trailing qualifier after a dot is treated as if after a hyphen: 2.0.x == 2-x.
    if (!isDigit && list.length > 0) push();
    list.push(parseItem(isDigit, version.slice(start)));
  }
  // Innermost lists first, so a parent sees its children's normalised emptiness.
  for (let s = stack.pop(); s !== undefined; s = stack.pop()) normalize(s);
  return root;
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

/** Item.compareTo(), where null means "the other version has ended here". */
function compareItem(a: Item, b: Item | null): Ordering {
  switch (a.kind) {
    case 'int':
      if (b === null) return a.value === 0n ? 0 : 1;
      if (b.kind === 'int') return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
      return 1; // 1.1 > 1-sp, 1.1 > 1-1
    case 'string':
      if (b === null) return compareStrings(comparableQualifier(a.value), RELEASE_INDEX); // 1-rc < 1, 1-sp > 1
      if (b.kind === 'string') return compareStrings(comparableQualifier(a.value), comparableQualifier(b.value));
      return -1; // 1.any < 1.1, 1.any < 1-1
    case 'list': {
      if (b === null) {
        for (const item of a.items) {
          const r = compareItem(item, null);
          if (r !== 0) return r;
        }
        return 0;
      }
      if (b.kind === 'int') return -1; // 1-1 < 1.0.x
      if (b.kind === 'string') return 1; // 1-1 > 1-sp
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i];
        const r = b.items[i];
        const result = l === undefined ? (r === undefined ? 0 : (-compareItem(r, null) as Ordering)) : compareItem(l, r ?? null);
        if (result !== 0) return result;
      }
      return 0;
    }
  }
}

function canonical(list: readonly Item[]): string {
  let out = '';
  for (const item of list) {
    if (out !== '') out += item.kind === 'list' ? '-' : '.';
    out += item.kind === 'list' ? canonical(item.items) : String(item.value);
  }
  return out;
}

function analyse(raw: string): MavenVersion | string {
  if (!VALID.test(raw)) return raw === '' ? 'empty version' : 'characters outside [A-Za-z0-9._+~-]';
  if (!/[A-Za-z0-9]/.test(raw)) return 'no digits or letters';
  const items = parseItems(raw);
  return { scheme: 'maven', raw, items, canonical: canonical(items.items) };
}

export const mavenComparator = defineComparator<MavenVersion>('maven', analyse, (a, b) => sign(compareItem(a.items, b.items)));
