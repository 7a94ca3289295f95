import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

const go = comparators.go;

// In the spirit of golang.org/x/mod/semver's tests: one ascending list, where each inner group is equal.
const ORDERED = ascending([
  'v0.0.0-20180101000000-aaaaaaaaaaaa',
  'v0.0.0-20191109021931-daa7c04131f5',
  ['v0.0.0', 'v0', 'v0.0', '0.0.0'],
  'v0.0.1',
  'v0.1.0-alpha',
  'v0.1.0',
  'v1.0.0-alpha',
  'v1.0.0-alpha.1',
  'v1.0.0-alpha.beta',
  'v1.0.0-beta',
  'v1.0.0-beta.2',
  'v1.0.0-beta.11',
  'v1.0.0-rc.1',
  ['v1', 'v1.0', 'v1.0.0', '1.0.0', 'v1.0.0+meta'],
  ['v1.2', 'v1.2.0'],
  'v1.2.3-456',
  'v1.2.3-456.789',
  'v1.2.3-456-789',
  'v1.2.3-456a',
  'v1.2.3-pre',
  ['v1.2.3-pre.0.20200101000000-abcdefabcdef', 'v1.2.3-pre.0.20200101000000-abcdefabcdef+incompatible'],
  'v1.2.3-pre.1',
  'v1.2.3-zzz',
  ['v1.2.3', 'v1.2.3+meta', 'v1.2.3+meta-pre', 'v1.2.3+meta-pre.sha.256a', '1.2.3'],
  'v1.2.4-0.20191109021931-daa7c04131f5',
  'v1.2.4-0.20200101000000-000000000000',
  'v1.2.4-alpha',
  'v1.2.4',
  'v1.10.0',
  ['v2.0.0+incompatible', 'v2.0.0'],
  'v2.0.1+incompatible',
  'v10.0.0',
  'v18446744073709551616.0.0',
]);

const INVALID = [
  '',
  'bad',
  'v',
  'v1-alpha.beta.gamma',
  'v1-pre',
  'v1+meta',
  'v1-pre+meta',
  'v1.2-pre',
  'v1.2+meta',
  'v1.2-pre+meta',
  'v01.2.3',
  'v1.02.3',
  'v1.2.03',
  'v1.2.3-01',
  'v1.2.3-',
  'v1.2.3+',
  'v1.2.3-a..b',
  'v1.2.3.4',
  'V1.2.3',
  'vv1.2.3',
  ' v1.2.3',
  'go1.21.0',
  'v1.2.3-é',
];

const PSEUDO: readonly [string, boolean][] = [
  ['v0.0.0-20191109021931-daa7c04131f5', true],
  ['v1.2.3-pre.0.20200101000000-abcdefabcdef', true],
  ['v1.2.4-0.20191109021931-daa7c04131f5', true],
  ['v2.0.0-20191109021931-daa7c04131f5+incompatible', true],
  ['v2.1.0-20191109021931-daa7c04131f5', false], // the bare timestamp form needs vX.0.0
  ['v0.0.0-20191109021931-daa7c04131f5+incompatible', true],
  ['v1.2.3', false],
  ['v1.2.3-20191109021931', false],
  ['v1.2.3-pre', false],
];

describe('Go module versions', () => {
  it(`orders ${ORDERED.length} pairs, pseudo-versions and +incompatible included`, () => assertPairs('go', ORDERED));

  it('recognises pseudo-versions and canonicalises shorthands', () => {
    for (const [v, pseudo] of PSEUDO) assert.equal(go.parse(v)?.pseudo, pseudo, v);
    assert.equal(go.parse('v1.2')?.canonical, 'v1.2.0');
    assert.equal(go.parse('1.2.3-rc.1+incompatible')?.canonical, 'v1.2.3-rc.1');
    assert.deepEqual(go.parse('v2.0.0+incompatible')?.build, ['incompatible']);
  });

  it('rejects what golang.org/x/mod/semver rejects, and compare() throws UnparsableVersionError', () => assertInvalid('go', INVALID));

  it('compares pairs Go tooling meets in practice', () => {
    const pairs: Pair[] = [
      ['v0.17.0', '>', 'v0.0.0-20230101000000-abcdef123456'],
      ['v0.0.0-20230101000000-abcdef123456', '<', 'v0.0.0-20230102000000-000000000000'],
      ['v1.9.1', '<', 'v1.10.0'],
      ['v1.21.0', '>', 'v1.20.14'],
      ['v3.0.0+incompatible', '>', 'v2.9.9+incompatible'],
      ['1.20.5', '=', 'v1.20.5'],
    ];
    assertPairs('go', pairs);
  });
});
