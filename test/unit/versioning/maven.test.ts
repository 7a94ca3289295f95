import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

const maven = comparators.maven;

// The orderings Maven's ComparableVersionTest pins down (qualifiers, numbers, MNG-5568, -6572, -6964, -7644), as our own tables.
const QUALIFIERS = ascending([
  '1-alpha2snapshot',
  '1-alpha2',
  '1-alpha-123',
  '1-beta-2',
  '1-beta123',
  '1-m2',
  '1-m11',
  '1-rc',
  '1-cr2',
  '1-rc123',
  '1-SNAPSHOT',
  '1',
  '1-sp',
  '1-sp2',
  '1-sp123',
  '1-abc',
  '1-def',
  '1-pom-1',
  '1-1-snapshot',
  '1-1',
  '1-2',
  '1-123',
]);

const NUMBERS = ascending([
  '2.0',
  '2.0.a',
  '2-1',
  '2.0.2',
  '2.0.123',
  '2.1.0',
  '2.1-a',
  '2.1b',
  '2.1-c',
  '2.1-1',
  '2.1.0.1',
  '2.2',
  '2.123',
  '11.a2',
  '11.a11',
  '11.b2',
  '11.b11',
  '11.m2',
  '11.m11',
  '11',
  '11.a',
  '11b',
  '11c',
  '11m',
]);

const EQUAL = ascending([
  ['1', '1.0', '1.0.0', '1-0', '1.0-0', '1ga', '1release', '1final', '1GA', '1RELeaSE', '1FinaL', '1.0.0.Final'],
  ['1a', '1-a', '1.0-a', '1.0.0-a', '1.0a', '1.0.0a'],
  ['1a1', '1-alpha-1', '1.0-ALPHA-1', '1alpha1'],
  ['1b2', '1-beta-2', '1-BETA2'],
  ['1m3', '1-milestone-3', '1Milestone3', '1MILESTONE3'],
  ['1cr', '1rc', '1Cr', '1rC'],
  ['1x', '1-x', '1.0-x', '1.0.0-x', '1X'],
]).filter(([, op]) => op === '=');

const COMPARING: readonly Pair[] = [
  ['1', '<', '2'],
  ['1.5', '<', '2'],
  ['1', '<', '2.5'],
  ['1.0', '<', '1.1'],
  ['1.1', '<', '1.2'],
  ['1.0.0', '<', '1.1'],
  ['1.0.1', '<', '1.1'],
  ['1.1', '<', '1.2.0'],
  ['1.0-alpha-1', '<', '1.0'],
  ['1.0-alpha-1', '<', '1.0-alpha-2'],
  ['1.0-alpha-1', '<', '1.0-beta-1'],
  ['1.0-beta-1', '<', '1.0-SNAPSHOT'],
  ['1.0-SNAPSHOT', '<', '1.0'],
  ['1.0-alpha-1-SNAPSHOT', '<', '1.0-alpha-1'],
  ['1.0', '<', '1.0-1'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0.0', '<', '1.0-1'],
  ['2.0-1', '<', '2.0.1'],
  ['2.0.1-klm', '<', '2.0.1-lmn'],
  ['2.0.1', '<', '2.0.1-xyz'],
  ['2.0.1', '<', '2.0.1-123'],
  ['2.0.1-xyz', '<', '2.0.1-123'],
  // MNG-5568: an unusual letter in the middle.
  ['6.1.0rc3', '<', '6.1.0'],
  ['6.1.0rc3', '<', '6.1H.5-beta'],
  ['6.1.0', '<', '6.1H.5-beta'],
  // MNG-6572: numbers past int and long.
  ['20190126.230843', '<', '1234567890.12345'],
  ['1234567890.12345', '<', '123456789012345.1H.5-beta'],
  ['123456789012345.1H.5-beta', '<', '12345678901234567890.1H.5-beta'],
  ['0000000000000000001', '=', '1'],
  ['000000000000000000000000001', '=', '01'],
  ['0000000000000000000', '=', '0'],
  // MNG-6964: a list is compared with "nothing" item by item.
  ['1-0.alpha', '<', '1'],
  ['1-0.beta', '<', '1'],
  ['1-0.alpha', '<', '1-0.beta'],
  // Versions as published.
  ['5.3.20.RELEASE', '=', '5.3.20'],
  ['5.3.20.RELEASE', '<', '5.3.21'],
  ['2.13.4', '<', '2.13.4.1'],
  ['2.13.4.1', '<', '2.13.4.2'],
  ['2.13.4.2', '<', '2.13.5'],
  ['9.4.48.v20220622', '>', '9.4.48'],
  ['9.4.48.v20220622', '<', '9.4.49.v20220914'],
  ['3.0.0-M5', '<', '3.0.0'],
  ['3.0.0-M5', '>', '3.0.0-M4'],
  ['3.0.0-RC1', '>', '3.0.0-M5'],
  ['2.17.0', '>', '2.17.0-rc1'],
  ['2.15.0', '<', '2.17.1'],
  ['1.2.17', '<', '2.0-beta9'],
  ['31.1-jre', '>', '31.1-android'],
  ['31.1-jre', '<', '32.0.0-jre'],
  ['1.0.0.Final', '=', '1.0.0'],
  ['5.4.2.Final', '<', '5.4.3.Final'],
  ['1.8.0_292', '>', '1.8.0'],
  ['r05', '<', 'r09'],
];

const MNG_7644: Pair[] = ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC'].flatMap((x): Pair[] => [
  [`1.0.0.${x}1`, '<', `1.0.0-${x}2`],
  [`2-${x}`, '=', `2.0.${x}`],
  [`2-${x}`, '=', `2.0.0.${x}`],
  [`2.0.${x}`, '=', `2.0.0.${x}`],
]);

const INVALID = ['', ' ', '1.0 ', '[1.0,2.0)', '(,1.0]', '${project.version}', '${revision}', '1.0,2.0', '1.0é', '...', '---', '1.0\n'];

describe('Maven versions (ComparableVersion)', () => {
  it(`orders ${QUALIFIERS.length + NUMBERS.length + EQUAL.length + COMPARING.length + MNG_7644.length} pairs`, () => {
    assertPairs('maven', QUALIFIERS);
    assertPairs('maven', NUMBERS);
    assertPairs('maven', EQUAL);
    assertPairs('maven', COMPARING);
    assertPairs('maven', MNG_7644);
  });

  it('gives Maven\'s canonical form, which parses back to itself', () => {
    const cases: [string, string][] = [
      ['1.0.0', '1'],
      ['1.0-alpha-1', '1-alpha-1'],
      ['1.0.0-ALPHA1', '1-alpha-1'],
      ['2.0.1-xyz', '2.0.1-xyz'],
      ['1.0-SNAPSHOT', '1-snapshot'],
    ];
    for (const [v, canonical] of cases) {
      assert.equal(maven.parse(v)?.canonical, canonical, v);
      assert.equal(maven.parse(canonical)?.canonical, canonical);
      assert.equal(maven.compare(v, canonical), 0);
    }
  });

  it('rejects ranges, unresolved properties and junk, and compare() throws UnparsableVersionError', () => assertInvalid('maven', INVALID));
});
