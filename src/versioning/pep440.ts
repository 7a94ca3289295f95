import { compareStrings, defineComparator, sign, type Ordering, type ParsedVersion } from './types.js';

/** A PEP 440 version, normalised: "1.0.0-ALPHA1" and "1.0.0a1" parse to the same value. */
export interface Pep440Version extends ParsedVersion {
  readonly scheme: 'pep440';
  readonly epoch: bigint;
  readonly release: readonly bigint[];
  readonly pre: { readonly label: 'a' | 'b' | 'rc'; readonly number: bigint } | null;
  readonly post: bigint | null;
  readonly dev: bigint | null;
  /** Lower-cased segments of the local label; numbers as bigint so they sort numerically. */
  readonly local: readonly (string | bigint)[] | null;
  /** The canonical spelling, e.g. "1!2.0rc1.post2.dev3+ubuntu.1". */
  readonly normalized: string;
}

// The grammar PEP 440 gives in its appendix, which also accepts every spelling the normalisation rules allow.
const PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

const PRE_LABELS: Readonly<Record<string, 'a' | 'b' | 'rc'>> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
  rc: 'rc',
};
const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;

function analyse(raw: string): Pep440Version | string {
  const m = PATTERN.exec(raw);
  if (!m?.groups) return 'does not match the PEP 440 grammar';
  const g = m.groups;
  const epoch = BigInt(g.epoch ?? '0');
  const release = g.release!.split('.').map((n) => BigInt(n));
  const pre = g.pre_l !== undefined ? { label: PRE_LABELS[g.pre_l.toLowerCase()]!, number: BigInt(g.pre_n ?? '0') } : null;
  const post = g.post === undefined ? null : BigInt(g.post_n1 ?? g.post_n2 ?? '0');
  const dev = g.dev === undefined ? null : BigInt(g.dev_n ?? '0');
  const local = g.local === undefined ? null : g.local.toLowerCase().split(/[-_.]/).map((s) => (/^[0-9]+$/.test(s) ? BigInt(s) : s));

  let normalized = epoch === 0n ? '' : `${epoch}!`;
  normalized += release.join('.');
  if (pre) normalized += `${pre.label}${pre.number}`;
  if (post !== null) normalized += `.post${post}`;
  if (dev !== null) normalized += `.dev${dev}`;
  if (local) normalized += `+${local.join('.')}`;
  return { scheme: 'pep440', raw, epoch, release, pre, post, dev, local, normalized };
}

function compareRelease(a: readonly bigint[], b: readonly bigint[]): Ordering {
  // Trailing zeros do not count: 1.0 == 1.0.0.
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = sign((a[i] ?? 0n) - (b[i] ?? 0n));
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Where the pre-release part sorts: a dev release of the final ("1.0.dev1")
 * goes before any pre-release of it, and no pre-release after all of them.
 */
function preKey(v: Pep440Version): [number, bigint] {
  if (v.pre === null && v.post === null && v.dev !== null) return [-1, 0n];
  if (v.pre === null) return [3, 0n];
  return [PRE_RANK[v.pre.label], v.pre.number];
}

function compareLocal(a: Pep440Version['local'], b: Pep440Version['local']): Ordering {
  // No local label sorts before any; within a label numbers beat strings, and a longer label wins a tie.
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      if (x !== y) return x < y ? -1 : 1;
    } else if (typeof x === 'bigint') {
      return 1;
    } else if (typeof y === 'bigint') {
      return -1;
    } else if (x !== y) {
      return compareStrings(x, y);
    }
  }
  return sign(a.length - b.length);
}

function order(a: Pep440Version, b: Pep440Version): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const release = compareRelease(a.release, b.release);
  if (release !== 0) return release;
  const [ar, an] = preKey(a);
  const [br, bn] = preKey(b);
  if (ar !== br) return sign(ar - br);
  if (an !== bn) return an < bn ? -1 : 1;
  // No post release sorts before any; no dev release sorts after any.
  if (a.post !== b.post) return a.post === null ? -1 : b.post === null ? 1 : a.post < b.post ? -1 : 1;
  if (a.dev !== b.dev) return a.dev === null ? 1 : b.dev === null ? -1 : a.dev < b.dev ? -1 : 1;
  return compareLocal(a.local, b.local);
}

export const pep440Comparator = defineComparator<Pep440Version>('pep440', analyse, order);
