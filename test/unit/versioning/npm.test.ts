import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators, InvalidRangeError, satisfiesNpmRange, UnparsableVersionError } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

// The orderings node-semver's comparison fixtures and SemVer 2.0 §11 spell out, as our own table.
const PAIRS: readonly Pair[] = [
  ['0.0.0', '>', '0.0.0-foo'],
  ['0.0.1', '>', '0.0.0'],
  ['1.0.0', '>', '0.9.9'],
  ['0.10.0', '>', '0.9.0'],
  ['0.99.0', '>', '0.10.0'],
  ['2.0.0', '>', '1.2.3'],
  ['v0.0.0', '>', '0.0.0-foo'],
  ['v1.0.0', '>', '0.9.9'],
  ['0.0.0', '>', 'v0.0.0-foo'],
  ['1.2.3', '>', '1.2.3-asdf'],
  ['1.2.3', '>', '1.2.3-4'],
  ['1.2.3', '>', '1.2.3-4-foo'],
  ['1.2.3-5-foo', '>', '1.2.3-5'],
  ['1.2.3-5', '>', '1.2.3-4'],
  ['1.2.3-5-foo', '>', '1.2.3-5-Foo'],
  ['3.0.0', '>', '2.7.2+asdf'],
  ['1.2.3-a.10', '>', '1.2.3-a.5'],
  ['1.2.3-a.b', '>', '1.2.3-a.5'],
  ['1.2.3-a.b', '>', '1.2.3-a'],
  ['1.2.3-a.b.c.10.d.5', '>', '1.2.3-a.b.c.5.d.100'],
  // Pre-release identifiers with letters compare as text: r2 > r100.
  ['1.2.3-r2', '>', '1.2.3-r100'],
  ['1.2.3-r100', '>', '1.2.3-R2'],
  ['1.2.3', '=', 'v1.2.3'],
  ['1.2.3', '=', ' 1.2.3 '],
  ['1.2.3', '=', '1.2.3+build.5'],
  ['1.2.3+a', '=', '1.2.3+b'],
  ['1.2.3-beta', '=', '1.2.3-beta+exp.sha.5114f85'],
  ['10.0.0', '>', '9.99.99'],
  ['1.0.0-0', '<', '1.0.0-0.0'],
  ['1.0.0-0a', '>', '1.0.0-1'],
  ['1.0.0-alpha', '<', '1.0.0-alpha.0'],
  ...ascending(['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1-0', '1.0.1', '1.1.0', '2.0.0-rc.1', '2.0.0']),
];

const INVALID = ['', '1', '1.2', '=1.2.3', 'V1.2.3', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3.4', 'v 1.2.3', '9007199254740992.0.0', 'latest', '^1.2.3', '1.2.3 - 2.0.0'];

describe('npm versions (node-semver, strict)', () => {
  it(`orders ${PAIRS.length} pairs`, () => assertPairs('npm', PAIRS));

  it('rejects what strict SemVer rejects, and compare() throws UnparsableVersionError', () => assertInvalid('npm', INVALID));

  it('evaluates npm ranges', () => {
    const yes: [string, string][] = [
      ['1.2.3', '^1.0.0'],
      ['1.2.3', '~1.2.0'],
      ['1.2.3', '1.x || >=2.5.0'],
      ['2.5.0', '1.x || >=2.5.0'],
      ['1.2.3', '>=1.0.0 <1.2.4'],
      ['1.2.3', '1.2.3 - 2.0.0'],
      ['1.2.3', '*'],
      ['0.2.5', '^0.2.3'],
      ['v1.2.3', '=1.2.3'],
    ];
    const no: [string, string][] = [
      ['2.0.0', '^1.0.0'],
      ['1.3.0', '~1.2.0'],
      ['2.0.0', '1.x || >=2.5.0'],
      ['1.2.4', '>=1.0.0 <1.2.4'],
      ['0.3.0', '^0.2.3'],
    ];
    for (const [v, r] of yes) assert.equal(satisfiesNpmRange(v, r), true, `${v} in ${r}`);
    for (const [v, r] of no) assert.equal(satisfiesNpmRange(v, r), false, `${v} not in ${r}`);
  });

  it('counts pre-releases inside vulnerability ranges unless told not to', () => {
    assert.equal(satisfiesNpmRange('2.0.0-rc.1', '<2.0.0'), true);
    assert.equal(satisfiesNpmRange('2.0.0-rc.1', '<2.0.0', { includePrerelease: false }), false);
    assert.equal(satisfiesNpmRange('1.5.0-beta', '>=1.0.0 <2.0.0'), true);
  });

  it('throws on a bad version or a bad range instead of answering', () => {
    assert.throws(() => satisfiesNpmRange('1.2', '^1.0.0'), UnparsableVersionError);
    assert.throws(() => satisfiesNpmRange('1.2.3', 'not a range!!'), InvalidRangeError);
    // GitHub's advisory syntax is not an npm range.
    assert.throws(() => satisfiesNpmRange('1.2.3', '>= 1.0.0, < 2.0.0'), InvalidRangeError);
  });
});
