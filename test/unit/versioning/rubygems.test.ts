import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

const gem = comparators.rubygems;

// rubygems' test/rubygems/test_gem_version.rb, as our own tables.
const SPACESHIP: readonly Pair[] = [
  ['1.0', '=', '1.0.0'],
  ['1.0', '>', '1.0.a'],
  ['1.8.2', '>', '0.0.0'],
  ['1.8.2', '>', '1.8.2.a'],
  ['1.8.2.b', '>', '1.8.2.a'],
  ['1.8.2.a', '<', '1.8.2'],
  ['1.8.2.a10', '>', '1.8.2.a9'],
  ['', '=', '0'],
  ['0.beta.1', '=', '0.0.beta.1'],
  ['0.0.beta', '<', '0.0.beta.1'],
  ['0.0.beta', '<', '0.beta.1'],
  ['5.a', '<', '5.0.0.rc2'],
  ['5.x', '>', '5.0.0.rc2'],
  ['1.9.3', '=', '1.9.3'],
  ['1.9.3', '>', '1.9.2.99'],
  ['1.9.3', '<', '1.9.3.1'],
];

const EQUALS: readonly Pair[] = [
  ['1.2', '=', '1.2'],
  ['1.2', '<', '1.3'],
  ['1.2.b1', '=', '1.2.b.1'],
  ['1.2', '=', '1.2.0'],
  ['1.2.pre.1', '=', '1.2.0.pre.1.0'],
  // test_initialize: surrounding whitespace is stripped.
  ['1.0', '=', '1.0 '],
  ['1.0', '=', ' 1.0 '],
  ['1.0', '=', '1.0\n'],
  ['1.0', '=', '\n1.0\n'],
  // test_frozen_version
  ['1.freeze.test', '<', '1'],
];

// test_semver: SemVer-style prereleases ("-" reads as ".pre.").
const SEMVER = ascending(['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']).concat([
  ['1.0.0-rc1', '<', '1.0.0'],
  ['1.0.0-1', '<', '1'],
  ['1.2.3-1', '=', '1.2.3.pre.1'],
]);

// Versions as published on rubygems.org and in ruby-advisory-db.
const PUBLISHED: readonly Pair[] = [
  ['7.0.8', '<', '7.0.8.1'],
  ['7.0.8.1', '<', '7.0.8.4'],
  ['7.1.0.beta1', '<', '7.1.0.rc1'],
  ['7.1.0.rc2', '<', '7.1.0'],
  ['6.1.7.6', '<', '6.1.7.7'],
  ['1.15.4', '<', '1.16.0.rc1'],
  ['1.16.0.rc1', '<', '1.16.0'],
  ['2.0.0.pre.alpha.1', '<', '2.0.0'],
  ['13.0.6', '>', '13.0.1'],
  ['10', '>', '9.99.99'],
  ['1.0.0.1234567890123456789012345', '>', '1.0.0.1234567890123456789012344'],
];

describe('rubygems (Gem::Version) comparator', () => {
  it("orders test_gem_version.rb's pairs as Gem::Version does", () => assertPairs('rubygems', SPACESHIP));
  it('treats equal canonical segments as equal, whatever the spelling', () => assertPairs('rubygems', EQUALS));
  it('orders SemVer prereleases below the release', () => assertPairs('rubygems', SEMVER));
  it('orders versions published on rubygems.org', () => assertPairs('rubygems', PUBLISHED));

  it('says which versions are prereleases (test_prerelease)', () => {
    for (const v of ['1.2.0.a', '2.9.b', '22.1.50.0.d', '1.2.d.42', '1.A', '1-1', '1-a']) assert.equal(gem.parseOrThrow(v).prerelease, true, v);
    for (const v of ['1.2.0', '2.9', '22.1.50.0']) assert.equal(gem.parseOrThrow(v).prerelease, false, v);
  });

  it('refuses malformed versions (test_initialize_invalid, CVE-2013-4287)', () => {
    assertInvalid('rubygems', ['junk', '1.0\n2.0', '1..2', '1.2 3.4', '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.', 'an incorrect version', '(garbage)', 'v1.0', '1.0+build']);
  });

  it('rejects a long malformed version quickly (no catastrophic backtracking)', () => {
    const started = process.hrtime.bigint();
    assert.equal(gem.parse(`${'1.'.repeat(50_000)}!`), null);
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
  });
});
