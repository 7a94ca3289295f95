import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

const nuget = comparators.nuget;

// NuGet.Client's test/NuGet.Core.Tests/NuGet.Versioning.Test (VersionComparerTests, NuGetVersionTest), as our own tables.
const DEFAULT_EQUAL: readonly Pair[] = [
  ['1.0.0', '=', '1.0.0'],
  ['1.0.0-BETA', '=', '1.0.0-beta'],
  ['1.0.0-BETA+AA', '=', '1.0.0-beta+aa'],
  ['1.0.0-BETA.X.y.5.77.0+AA', '=', '1.0.0-beta.x.y.5.77.0+aa'],
  ['1.0.0', '=', '1.0.0+beta'],
  ['1.0', '=', '1.0.0.0'],
  ['1.0+test', '=', '1.0.0.0'],
  ['1.0.0.1-1.2.A', '=', '1.0.0.1-1.2.a+A'],
  ['1.0.01', '=', '1.0.1.0'],
  ['22.3.07     ', '=', '22.3.07'],
  ['1.0', '=', '1.0.0.0+beta'],
  ['1.0.0.0+beta.2', '=', '1.0.0.0+beta.1'],
  ['1.022', '=', '1.22.0.0'],
  ['  1.022-Beta', '=', '1.22.0.0-Beta'],
  ['01.1.1.1', '=', '1.1.1.1'],
  ['   19   .   19   .   19   .   19   ', '=', '19.19.19.19'],
  ['1.0.0009.01-1.1+A', '=', '1.0.9.1-1.1'],
];

const DEFAULT_NOT_EQUAL: readonly Pair[] = [
  ['1.0', '<', '1.0.0.1'],
  ['1.0+test', '<', '1.0.0.1'],
  ['1.0.0.1-1.2.A', '<', '1.0.0.1-1.2.a.A+A'],
  ['1.0.01', '<', '1.0.1.2'],
];

const DEFAULT_LESS: readonly Pair[] = [
  ['0.0.0', '<', '1.0.0'],
  ['1.0.0', '<', '1.1.0'],
  ['1.0.0', '<', '1.0.1'],
  ['1.999.9999', '<', '2.1.1'],
  ['1.0.0-BETA', '<', '1.0.0-beta2'],
  ['1.0.0-beta+AA', '<', '1.0.0+aa'],
  ['1.0.0-BETA', '<', '1.0.0-beta.1+AA'],
  ['1.0.0-BETA.X.y.5.77.0+AA', '<', '1.0.0-beta.x.y.5.79.0+aa'],
  ['1.0.0-BETA.X.y.5.79.0+AA', '<', '1.0.0-beta.x.y.5.790.0+abc'],
  // SemVerLessThanAndGreaterThanOperatorsWorks
  ['1.0', '<', '1.0.1'],
  ['1.23', '<', '1.231'],
  ['1.4.5.6', '<', '1.45.6'],
  ['1.4.5.6', '<', '1.4.5.60'],
  ['1.01', '<', '1.10'],
  ['1.01-alpha', '<', '1.10-beta'],
  ['1.01.0-RC-1', '<', '1.10.0-rc-2'],
  ['1.01-RC-1', '<', '1.01'],
  ['1.01', '<', '1.2-preview'],
];

// SemVer 2.0.0 §11's example chain, which NuGet follows; numeric labels sort below words.
const SEMVER_SPEC = ascending(['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']);

// Versions as published on nuget.org and in the GitHub advisories.
const PUBLISHED: readonly Pair[] = [
  ['12.0.3', '<', '13.0.1'],
  ['4.3.0', '<', '4.3.1'],
  ['6.0.0-preview.7.21377.19', '<', '6.0.0-rc.1.21451.13'],
  ['6.0.0-rc.2.21480.5', '<', '6.0.0'],
  ['5.0.0', '<', '5.0.0.1'],
  ['2.2.0.0', '=', '2.2'],
  ['7.0.0-Preview1', '<', '7.0.0-preview2'],
];

describe('nuget (NuGetVersion) comparator', () => {
  it("treats VersionComparer.Default's equal pairs as equal", () => assertPairs('nuget', DEFAULT_EQUAL));
  it("keeps VersionComparer.Default's unequal pairs apart", () => assertPairs('nuget', DEFAULT_NOT_EQUAL));
  it("orders VersionComparer.Default's less-than pairs", () => assertPairs('nuget', DEFAULT_LESS));
  it('orders the SemVer 2 precedence example', () => assertPairs('nuget', SEMVER_SPEC));
  it('orders versions published on nuget.org', () => assertPairs('nuget', PUBLISHED));

  it('reads the four numbers and the labels (ParseReadsLegacyStyleVersionNumbers, ReleaseLabelParsing)', () => {
    assert.deepEqual(nuget.parseOrThrow('1.3.42.10133').numbers, [1, 3, 42, 10133]);
    assert.deepEqual(nuget.parseOrThrow('2147483647.1.1.1').numbers, [2147483647, 1, 1, 1]);
    assert.deepEqual(nuget.parseOrThrow('1.0.0-RC.X.35.A.3455+Meta').release, ['RC', 'X', '35', 'A', '3455']);
    assert.deepEqual(nuget.parseOrThrow('1.0.0+Metadata').release, []);
  });

  it('refuses what NuGetVersion.Parse refuses (ParseThrowsIfStringIsNotAValidSemVer)', () => {
    assertInvalid('nuget', [
      '',
      'NotAVersion',
      '1.1.1     1.1',
      '1.1.1.1     1',
      ' .1.1.1',
      '1. .1.1',
      '1.1.1. ',
      '1 .',
      '2147483648.2.3.4',
      '1.2.3.2147483648',
      '..1.2',
      '-1.2.3.4',
      '1.-2.3.4',
      '   1 9',
      '19   .   19   .   19   .   1 9   ',
      '1.2.3.4.5',
      '1.0.0-',
      '1.0.0-beta..1',
      '1.0.0+',
      'v1.0.0',
    ]);
  });
});
