import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

// The rules apk-tools' version tests exercise (digits, one letter, suffixes, ~hash, -rN, leading zeros), as our own table.
const PAIRS: readonly Pair[] = [
  ['1.0', '=', '1.0'],
  ['1.0', '<', '1.1'],
  ['1.0', '<', '1.0.1'],
  ['1.2', '<', '1.10'],
  ['1.9', '<', '1.10'],
  ['2.34', '>', '0.1.0_alpha'],
  ['0.1.0_alpha', '=', '0.1.0_alpha'],
  ['0.1.0_alpha', '<', '0.1.3_alpha'],
  ['0.1.0_alpha2', '>', '0.1.0_alpha'],
  ['0.1.0_alpha', '<', '2.2.39-r1'],
  ['2.2.39-r1', '>', '1.0.4-r3'],
  ['1.0.4-r3', '<', '1.0.4-r4'],
  ['1.0.4-r4', '<', '1.6'],
  ['1.0.2', '>', '0.7-r1'],
  ['1.1', '>', '1.1_alpha1'],
  ['1.2.1', '>', '1.2'],
  ['1.3_alpha', '<', '1.3_alpha2'],
  ['1.3_alpha2', '<', '1.3_alpha3'],
  ['0.8_beta1', '<', '0.8_beta2'],
  ['2.3.0b-r1', '<', '2.3.0b-r2'],
  ['3.10.18-r1', '>', '2.3.0b-r1'],
  ['2.3.0b', '>', '2.3.0'],
  ['2.3.0b', '<', '2.3.1'],
  ['2.3.0a', '<', '2.3.0b'],
  ['2.3a', '<', '2.3.1'],
  ['1.2.12.1', '<', '1.2.13'],
  ['1.2.11', '<', '1.2.12.1'],
  ['3.1_p16', '<', '3.1_p17'],
  ['3.1_p17', '>', '3.1'],
  ['3.1_p1', '>', '3.1_rc9'],
  ['1.06-r6', '<', '006'],
  ['006', '=', '6'],
  ['006', '>', '1.0.0'],
  ['20050718-r1', '<', '20050718-r2'],
  ['2.59', '<', '20050718-r1'],
  ['2.01.01_alpha10', '>', '0.94'],
  ['0.99.3.20040818', '<', '1.0'],
  ['1.00_beta2', '>', '0.9.2'],
  ['1.3-r0', '<', '1.3.1-r0'],
  ['1.3_pre1-r1', '<', '1.3.2'],
  ['1.0_p10-r0', '>', '1.0_p9-r0'],
  ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
  ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
  ['6.0_pre1', '<', '6.0'],
  ['6.0_p1', '>', '6.0'],
  // A component with a leading zero compares as text (Gentoo's decimal-fraction rule).
  ['8.2.0', '<', '8.2.001'],
  ['8.2.0015', '<', '8.2.002'],
  ['1.01', '<', '1.1'],
  ['1.01', '>', '1.001'],
  ['1.010', '>', '1.01'],
  ['9.1.0707', '<', '9.1.0999'],
  ['9.1.0999', '<', '9.1.1000'],
  // The initial component is always a number.
  ['01.0', '=', '1.0'],
  ['0010', '>', '9'],
  // Commit hashes after "~".
  ['1.0~1234', '<', '1.0~2345'],
  ['1.0~1234-r1', '<', '1.0~2345-r0'],
  ['1.0~1234-r1', '>', '1.0~1234-r0'],
  ['1.0~abc', '>', '1.0~1234'],
  ['1.0~abc', '>', '1.0'],
  ['1.0_rc1~abc', '>', '1.0_rc1'],
  // Revisions.
  ['1.0', '<', '1.0-r0'],
  ['1.0-r0', '<', '1.0-r1'],
  ['1.0-r9', '<', '1.0-r10'],
  ['1.0-r10', '<', '1.0.1-r0'],
  ['1.0_p1', '>', '1.0-r5'],
  // Real Alpine packages.
  ['3.1.4-r1', '<', '3.1.4-r5'],
  ['3.1.4-r5', '<', '3.1.5-r0'],
  ['1.36.1-r15', '<', '1.36.1-r19'],
  ['2.40.1-r0', '>', '2.39.3-r1'],
  ['8.5.0-r0', '>', '8.4.0-r10'],
  ['1.2.4_git20230717-r4', '>', '1.2.4-r9'],
  ['1.2.4_git20230717-r4', '<', '1.2.5_rc1-r0'],
  ['3.0.12_p1-r0', '>', '3.0.12-r3'],
  ['9.4_p1-r5', '<', '9.5_p1-r0'],
  ['6.4_p20231125-r0', '>', '6.4-r2'],
  ['6.4_p20231125-r0', '<', '6.4_p20240113-r0'],
  ...ascending([
    '1.0_alpha',
    '1.0_alpha1',
    '1.0_alpha2',
    '1.0_alpha2_p1',
    '1.0_beta',
    '1.0_pre',
    '1.0_rc',
    '1.0_rc1',
    '1.0',
    ['1.0-r0', '1.0-r00'],
    '1.0-r1',
    '1.0_cvs',
    '1.0_svn',
    '1.0_git',
    '1.0_hg',
    '1.0_p',
    '1.0_p1',
    '1.0a',
    '1.0z',
    '1.0.0',
    '1.0.1',
    '1.1',
  ]),
];

// Versions that do not start with a number: apk-tools has nothing to order them by.
const REFUSED = ['', 'a', '.1', '_pre1', '-r1', 'v1.0'];

// Versions apk_version_validate() rejects (test/unit/version.data's "!" lines and more) but
// apk_version_compare() still orders: by the tokens before the break, the break counting as a
// token of its own. Real Alpine data has them ("6.6.2p1-r0"), so they must not be refused.
const INVALID_BUT_ORDERED = [
  '0.1bc',
  '0.1bc1',
  '0.1a1',
  '0.1a.1',
  '0.1_pre2~',
  '0.1_pre2~1234xbcd',
  '0.1_pre2~1234abcd_pre1',
  '0.1_pre2-r1~1234abcd',
  '0.1_foobar',
  '0.1_post1',
  '0.1-pre1.1',
  '0.1-r',
  '0.1-r2_pre1',
  '0.1-r2-r3',
  '0.1-r2.1',
  '0.1_',
  '0.1_-r0',
  '0.1__alpha',
  '0.1_1_alpha',
  '1.0A',
  '1.0 ',
  '1..0',
  '1.0.',
  '6.6.2p1-r0',
];

// Orderings of such versions, from apk-tools' version.data and worked through apk_version_compare().
const INVALID_PAIRS: Pair[] = [
  ['1.0', '<', '1.0bc'],
  ['23_foo', '>', '4_beta'],
  // openssh's old Alpine versions: ordered by 6.6.2 and the letter, then equal at the break.
  ['6.6.2p1-r0', '>', '6.6.2-r1'],
  ['6.6.2p1-r0', '<', '6.6.3-r0'],
  ['6.6.2p1-r0', '<', '6.7_p1-r0'],
  ['6.6.2p1-r0', '>', '6.6.1p1-r0'],
  ['6.6.2p1-r0', '=', '6.6.2p2-r0'],
  ['6.6.2p1-r0', '<', '6.6.2q-r0'],
];

describe('apk versions (apk-tools)', () => {
  it(`orders ${PAIRS.length} pairs`, () => assertPairs('apk', PAIRS));

  it('accepts the documented shapes', () => {
    for (const v of ['1.2', '0.1_pre2', '0.1_pre2~1234abcd', '0.1_p1_pre2', '0.1_alpha1_pre2', '0.1_git20240101_pre1', '1.2.3a_rc1~deadbeef-r12']) {
      assert.notEqual(comparators.apk.parse(v), null, v);
    }
  });

  it('refuses versions that do not start with a number, and compare() throws UnparsableVersionError', () => assertInvalid('apk', REFUSED));

  it('orders versions apk-tools calls invalid the way apk_version_compare() does, and says they are invalid', () => {
    for (const v of INVALID_BUT_ORDERED) {
      const parsed = comparators.apk.parse(v) as { valid: boolean } | null;
      assert.notEqual(parsed, null, v);
      assert.equal(parsed!.valid, false, v);
    }
    assertPairs('apk', INVALID_PAIRS);
  });
});
