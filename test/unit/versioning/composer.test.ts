import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeComposerVersion } from '../../../src/versioning/composer.js';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

// composer/semver's tests/VersionParserTest.php successfulNormalizedVersions (the non-branch ones), as our own table.
const NORMALIZED: ReadonlyArray<readonly [string, string]> = [
  ['1.0.0', '1.0.0.0'],
  ['1.2.3.4', '1.2.3.4'],
  ['1.0.0RC1dev', '1.0.0.0-RC1-dev'],
  ['1.0.0-rC15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0.RC.15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0-rc1', '1.0.0.0-RC1'],
  ['1.0.0.pl3-dev', '1.0.0.0-patch3-dev'],
  ['1.0-dev', '1.0.0.0-dev'],
  ['0', '0.0.0.0'],
  ['99999', '99999.0.0.0'],
  ['10.4.13-beta', '10.4.13.0-beta'],
  ['10.4.13beta2', '10.4.13.0-beta2'],
  ['10.4.13beta.2', '10.4.13.0-beta2'],
  ['v1.13.11-beta.0', '1.13.11.0-beta0'],
  ['1.13.11.0-beta0', '1.13.11.0-beta0'],
  ['10.4.13-b', '10.4.13.0-beta'],
  ['10.4.13-b5', '10.4.13.0-beta5'],
  ['v1.0.0', '1.0.0.0'],
  ['2010.01', '2010.01.0.0'],
  ['2010.01.02', '2010.01.02.0'],
  ['2010.1.555', '2010.1.555.0'],
  ['2010.10.200', '2010.10.200.0'],
  ['20230131.0.0', '20230131.0.0'],
  ['202301310000.0.0', '202301310000.0.0'],
  ['v20100102', '20100102'],
  ['20100102', '20100102'],
  ['20100102.0', '20100102.0'],
  ['20100102.1.0', '20100102.1.0'],
  ['20100102.0.3', '20100102.0.3'],
  ['100000', '100000'],
  ['2010-01-02-10-20-30.0.3', '2010.01.02.10.20.30.0.3'],
  ['2010-01-02-10-20-30.5', '2010.01.02.10.20.30.5'],
  ['2010-01-02', '2010.01.02'],
  ['2012.06.07', '2012.06.07.0'],
  ['2010-01-02.5', '2010.01.02.5'],
  ['20100102-203040', '20100102.203040'],
  ['20100102.x-dev', '20100102.9999999.9999999.9999999-dev'],
  ['20100102.203040.x-dev', '20100102.203040.9999999.9999999-dev'],
  ['20100102203040-10', '20100102203040.10'],
  ['20100102-203040-p1', '20100102.203040-patch1'],
  ['201903.0', '201903.0'],
  ['201903.x-dev', '201903.9999999.9999999.9999999-dev'],
  ['201903.0-p2', '201903.0-patch2'],
  ['1.x-dev', '1.9999999.9999999.9999999-dev'],
  ['1.0.0+foo@dev', '1.0.0.0'],
  ['1.0.0-beta.5+foo', '1.0.0.0-beta5'],
  ['1.0.0+foo', '1.0.0.0'],
  ['1.0.0-alpha.3.1+foo', '1.0.0.0-alpha3.1'],
  ['1.0.0-alpha2.1+foo', '1.0.0.0-alpha2.1'],
  ['1.0.0-alpha-2.1-3+foo', '1.0.0.0-alpha2.1-3'],
  ['1.0.0+foo as 2.0', '1.0.0.0'],
  ['00.01.03.04', '00.01.03.04'],
  ['000.001.003.004', '000.001.003.004'],
  ['0.000.103.204', '0.000.103.204'],
  ['0700', '0700.0.0.0'],
  ['041.x-dev', '041.9999999.9999999.9999999-dev'],
  [' 1.0.0', '1.0.0.0'],
  ['1.0.0 ', '1.0.0.0'],
];

// failingNormalizedVersions, plus branches, which have no version order.
const INVALID = [
  '',
  'a',
  '1.0.0-meh',
  '1.0.0.0.0',
  'feature-foo',
  '1.0.0+foo bar',
  '1.0.1-SNAPSHOT',
  '1.0.0<1.0.5-dev',
  '1.0.0-dev<1.0.5-dev',
  'foo bar-dev',
  '1.0 .2',
  ' as ',
  ' as 1.2',
  '^',
  '^8 || ^',
  '~',
  '~1 ~',
  '~1',
  '^1',
  '1.*',
  '20100102.0.3.4',
  '100000.0.0.0',
  '2023013.0.0',
  '202301311.0.0',
  '20230131000.0.0',
  '2023013100000.0.0',
  'dev-master',
  'master',
  'dev-feature/foo',
  'DEV-FOOBAR',
  'dev-master as 1.0.0',
  '(garbage)',
];

// tests/ComparatorTest.php compareProvider (the version pairs).
const COMPARATOR: readonly Pair[] = [
  ['1.25.0', '>', '1.24.0'],
  ['1.25.0', '=', '1.25.0'],
  ['1.25.0', '<', '1.26.0'],
  ['1.0.0', '<', '1.2-dev'],
  ['1.25.0-beta2.1', '<', '1.25.0-b.3'],
  ['1.25.0-b2.1', '<', '1.25.0beta.3'],
  ['1.25.0-b-2.1', '<', '1.25.0-rc'],
  ['1.25.0-beta2.1', '=', '1.25.0-b.2.1'],
  ['1.25.0beta2.1', '=', '1.25.0-b2.1'],
];

// Stabilities: dev < alpha < beta < RC < stable < patch, each with its number.
const STABILITIES = ascending([
  '2.0.0-dev',
  ['2.0.0-alpha', '2.0.0-a', '2.0.0.alpha'],
  '2.0.0-alpha1',
  '2.0.0-alpha2',
  ['2.0.0-beta', '2.0.0-b'],
  '2.0.0-beta1',
  ['2.0.0-RC1', '2.0.0-rc1', '2.0.0RC1'],
  '2.0.0-RC2',
  ['2.0.0', 'v2.0.0', '2.0', '2', '2.0.0.0', '2.0.0+build.7', '2.0.0@stable'],
  ['2.0.0-p1', '2.0.0-pl1', '2.0.0-patch1'],
  '2.0.0.1',
  '2.0.1-dev',
  '2.0.1',
  '2.1.x-dev',
  '2.2.0',
]);

// Versions as published on Packagist and in the FriendsOfPHP / GitHub advisories.
const PUBLISHED: readonly Pair[] = [
  ['v5.4.21', '<', '5.4.22'],
  ['v6.2.7', '>', 'v6.2.6'],
  ['10.48.4', '<', '10.48.29'],
  ['9.5.1', '<', '9.52.16'],
  ['v1.3.0-RC1', '<', 'v1.3.0'],
  ['2.4.4', '>', '2.4.4-beta1'],
  ['3.0.0-alpha.4', '<', '3.0.0-beta.1'],
];

describe('composer (Packagist) comparator', () => {
  it("normalises as VersionParser::normalize's test vectors say", () => {
    const wrong = NORMALIZED.filter(([input, want]) => normalizeComposerVersion(input) !== want).map(([input, want]) => `${input}: want ${want}, got ${JSON.stringify(normalizeComposerVersion(input))}`);
    assert.deepEqual(wrong, []);
  });
  it("orders ComparatorTest's pairs", () => assertPairs('composer', COMPARATOR));
  it('orders stabilities dev < alpha < beta < RC < stable < patch', () => assertPairs('composer', STABILITIES));
  it('orders versions published on Packagist', () => assertPairs('composer', PUBLISHED));
  it('refuses what normalize refuses, and branches', () => assertInvalid('composer', INVALID));
});
