import { compareStrings, defineComparator, sign, type Ordering, type ParsedVersion } from './types.js';

// Token kinds in the order apk-tools numbers them: when two versions agree up
// to the point where one has a different kind of token, the kind decides.
const enum Tok {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  CommitHash = 5,
  RevisionNo = 6,
  End = 7,
  /** What apk-tools reads where the grammar breaks; comparison stops there. */
  Invalid = 8,
}

// Pre-release suffixes sort below "no suffix", post-release ones above.
const SUFFIXES = ['alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p'] as const;
const SUFFIX_NONE = SUFFIXES.indexOf('');

interface Token {
  readonly kind: Tok;
  /** The token's text (digits without the dot, suffix name, hash, letter). */
  readonly text: string;
  /** Numeric value for digit kinds, suffix rank for suffixes. */
  readonly value: bigint;
}

/**
 * digit{.digit}...{letter}{_suffix{N}}...{~hash}{-rN}, as apk-tools 3 reads it.
 * A version whose tail breaks that grammar ("6.6.2p1-r0", found in real Alpine
 * data) is not refused: apk-tools still orders it by the tokens before the break
 * and treats the break itself as a token (apk_version_compare), and so do we.
 * Only a version that does not start with a number is refused.
 */
export interface ApkVersion extends ParsedVersion {
  readonly scheme: 'apk';
  readonly tokens: readonly Token[];
  /** False when apk-tools' apk_version_validate() would reject it (an Invalid token ends `tokens`). */
  readonly valid: boolean;
}

// apk reads numbers into a uint64 without overflow checks; keep its wrap-around so ordering stays identical.
const toUint64 = (digits: string): bigint => BigInt.asUintN(64, BigInt(digits));

function analyse(raw: string): ApkVersion | string {
  const tokens: Token[] = [];
  let pos = 0;
  const digitsAt = (): string => {
    const m = /^[0-9]*/.exec(raw.slice(pos))![0];
    pos += m.length;
    return m;
  };
  const first = digitsAt();
  if (first === '') return 'must start with a digit';
  tokens.push({ kind: Tok.InitialDigit, text: first, value: toUint64(first) });
  let prev: Tok = Tok.InitialDigit;
  const invalid = (): ApkVersion => {
    tokens.push({ kind: Tok.Invalid, text: raw.slice(pos), value: 0n });
    return { scheme: 'apk', raw, tokens, valid: false };
  };

  while (pos < raw.length) {
    const c = raw[pos]!;
    if (c >= 'a' && c <= 'z') {
      if (prev > Tok.Digit) return invalid();
      tokens.push({ kind: Tok.Letter, text: c, value: BigInt(c.charCodeAt(0)) });
      prev = Tok.Letter;
      pos++;
    } else if (c === '.') {
      if (prev > Tok.Digit) return invalid();
      pos++;
      const digits = digitsAt();
      if (digits === '') return invalid();
      tokens.push({ kind: Tok.Digit, text: digits, value: toUint64(digits) });
      prev = Tok.Digit;
    } else if (c >= '0' && c <= '9') {
      // Only a suffix may be followed directly by digits (its number): digit runs are read whole and a letter is single.
      if (prev !== Tok.Suffix) return invalid();
      const digits = digitsAt();
      tokens.push({ kind: Tok.SuffixNo, text: digits, value: toUint64(digits) });
      prev = Tok.SuffixNo;
    } else if (c === '_') {
      if (prev > Tok.SuffixNo) return invalid();
      pos++;
      const name = /^[a-z]*/.exec(raw.slice(pos))![0];
      pos += name.length;
      const rank = name === '' ? -1 : SUFFIXES.indexOf(name as (typeof SUFFIXES)[number]);
      if (rank < 0) return invalid();
      tokens.push({ kind: Tok.Suffix, text: name, value: BigInt(rank) });
      prev = Tok.Suffix;
    } else if (c === '~') {
      if (prev >= Tok.CommitHash) return invalid();
      pos++;
      const hash = /^[0-9a-f]*/.exec(raw.slice(pos))![0];
      pos += hash.length;
      if (hash === '') return invalid();
      tokens.push({ kind: Tok.CommitHash, text: hash, value: 0n });
      prev = Tok.CommitHash;
    } else if (c === '-') {
      if (prev >= Tok.RevisionNo || raw[pos + 1] !== 'r') return invalid();
      pos += 2;
      const digits = digitsAt();
      if (digits === '') return invalid();
      tokens.push({ kind: Tok.RevisionNo, text: digits, value: toUint64(digits) });
      prev = Tok.RevisionNo;
    } else {
      return invalid();
    }
  }
  return { scheme: 'apk', raw, tokens, valid: true };
}

function compareTokens(a: Token, b: Token): Ordering {
  switch (a.kind) {
    case Tok.Digit:
      // A component with a leading zero is a decimal fraction in Gentoo's rules, so "1.01" < "1.1": compare the text.
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareStrings(a.text, b.text);
      return sign(a.value - b.value);
    case Tok.CommitHash:
      return compareStrings(a.text, b.text);
    default:
      return sign(a.value - b.value);
  }
}

const END: Token = { kind: Tok.End, text: '', value: 0n };

function order(a: ApkVersion, b: ApkVersion): Ordering {
  let i = 0;
  for (;;) {
    const ta = a.tokens[i] ?? END;
    const tb = b.tokens[i] ?? END;
    if (ta.kind !== tb.kind) {
      // Equal so far: the longer one is newer, unless what it has next is a pre-release suffix.
      if (ta.kind === Tok.Suffix && ta.value < SUFFIX_NONE) return -1;
      if (tb.kind === Tok.Suffix && tb.value < SUFFIX_NONE) return 1;
      return ta.kind > tb.kind ? -1 : 1;
    }
    // Both end, or both break the grammar at the same token: apk-tools calls them equal.
    if (ta.kind === Tok.End || ta.kind === Tok.Invalid) return 0;
    const r = compareTokens(ta, tb);
    if (r !== 0) return r;
    i++;
  }
}

export const apkComparator = defineComparator<ApkVersion>('apk', analyse, order);
