import { compareDigitStrings, defineComparator, type ParsedVersion } from './types.js';

/** [epoch:]upstream[-revision], as dpkg's parseversion() splits it. */
export interface DebVersion extends ParsedVersion {
  readonly scheme: 'deb';
  readonly epoch: number;
  readonly upstream: string;
  /** "" when there is no revision (a native package); dpkg compares it as such. */
  readonly revision: string;
}

const INT_MAX = 2 ** 31 - 1;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

// The reasons are dpkg's own messages, checked in dpkg's order, so a finding reads like dpkg's complaint.
function analyse(raw: string): DebVersion | string {
  // dpkg trims blanks (space and tab only) and rejects them inside.
  const string = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  if (string === '') return 'version string is empty';
  if (/[ \t]/.test(string)) return 'version string has embedded spaces';
  // dpkg would let strtol() skip other whitespace before an epoch; no real version has control characters, so refuse them.
  if (/[\x00-\x1f\x7f]/.test(string)) return 'version string has control characters';

  let epoch = 0;
  let rest = string;
  const colon = string.indexOf(':');
  if (colon >= 0) {
    // dpkg reads the epoch with strtol(), which takes an optional sign.
    const epochText = string.slice(0, colon);
    if (epochText === '') return 'epoch in version is empty';
    if (!/^[+-]?\d+$/.test(epochText)) return /^[+-]?\d/.test(epochText) ? 'epoch in version is not number' : 'epoch in version is empty';
    const value = Number(epochText);
    if (value < 0) return 'epoch in version is negative';
    if (value > INT_MAX) return 'epoch in version is too big';
    if (colon === string.length - 1) return 'nothing after colon in version number';
    epoch = Math.abs(value); // "-0" is 0
    rest = string.slice(colon + 1);
  }

  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
    if (revision === '') return 'revision number is empty';
  }
  if (upstream === '') return 'version number is empty';
  // dpkg only warns about the next two, and then compares anyway; a package database never holds such versions, so we refuse them.
  if (!isDigit(upstream.charCodeAt(0))) return 'version number does not start with digit';
  for (let i = 1; i < upstream.length; i++) {
    const c = upstream.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && !'.-+~:'.includes(upstream[i]!)) return 'invalid character in version number';
  }
  for (let i = 0; i < revision.length; i++) {
    const c = revision.charCodeAt(i);
    if (!isDigit(c) && !isAlpha(c) && !'.+~'.includes(revision[i]!)) return 'invalid character in revision number';
  }
  return { scheme: 'deb', raw, epoch, upstream, revision };
}

/** dpkg's order(): "~" before the end of the string, the end before letters, letters before other characters. */
function order(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e) return -1;
  return c + 256;
}

/** dpkg's verrevcmp(): alternate non-digit runs (by order()) and digit runs (as integers). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a, i);
      const bc = order(b, j);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    const si = i;
    const sj = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const diff = compareDigitStrings(a.slice(si, i), b.slice(sj, j));
    if (diff !== 0) return diff;
  }
  return 0;
}

export const debComparator = defineComparator<DebVersion>('deb', analyse, (a, b) => {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
});
