import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, type Pair } from './support.js';

const pep440 = comparators.pep440;

// Built on the ordering example in PEP 440 ("Summary of permitted suffixes and relative ordering") and its normalisation rules.
const ORDERED = ascending([
  '0.9.9',
  '1.0.dev1',
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0c1.dev456',
  ['1.0c1', '1.0rc1', '1.0-pre1', '1.0.preview1', '1.0RC1'],
  '1.0rc2',
  '1.0c3',
  ['1.0', '1.0.0', '1', 'v1.0', '0!1.0'],
  '1.0+abc.5',
  '1.0+abc.7',
  '1.0+5',
  '1.0.post456.dev34',
  ['1.0.post456', '1.0-456', '1.0-r456', '1.0.rev456', '1.0post456'],
  '1.0.15',
  '1.1.dev1',
  '1.2',
  '1.2+123abc',
  '1.2+123abc456',
  '1.2+abc',
  '1.2+abc123',
  '1.2+abc123def',
  '1.2+1234.abc',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
  '2.0',
  '10.0',
  '1!0.1',
  '1!1.0',
  '2!0.0.1',
]);

const NORMALISATION: readonly Pair[] = [
  ['1.0.0a1', '=', '1.0.0-alpha1'],
  ['1.0a.1', '=', '1.0a1'],
  ['1.0alpha-1', '=', '1.0a1'],
  ['1.0-beta.2', '=', '1.0b2'],
  ['1.0a', '=', '1.0a0'],
  ['1.0.dev', '=', '1.0.dev0'],
  ['1.0-dev', '=', '1.0.dev0'],
  ['1.0_dev_3', '=', '1.0.dev3'],
  ['1.0POST', '=', '1.0.post0'],
  ['1.0-post', '=', '1.0.post0'],
  ['1.0rev', '=', '1.0.post0'],
  ['1.0+ubuntu-1', '=', '1.0+ubuntu.1'],
  ['1.0+Ubuntu_1', '=', '1.0+ubuntu.1'],
  ['1.0+01', '=', '1.0+1'],
  [' 1.0 ', '=', '1.0'],
  ['1.0.0.0.0', '=', '1'],
  ['01.02', '=', '1.2'],
  ['V1.0', '=', '1.0'],
  ['1.0.0-ALPHA1', '<', '1.0.0'],
  ['1.0.0.post1', '>', '1.0.0+local'],
  ['1.0.dev1', '<', '1.0a1.dev1'],
  ['1.0a1.post1.dev1', '<', '1.0a1.post1'],
  ['1.0a1.post1', '<', '1.0a2.dev0'],
  ['2.0.0b1', '<', '2.0.0'],
  ['3.10', '>', '3.9'],
  ['2023.10.1', '>', '2023.9.30'],
  ['99999999999999999999.1', '>', '99999999999999999999'],
  ['1.0+abc', '<', '1.0+abc.1'],
  ['1.0+1.a', '>', '1.0+a.1'],
];

const INVALID = [
  '',
  'french toast',
  '1.0+',
  '1.0+.1',
  '1.0-',
  '1.0.',
  '1..0',
  '+1.0',
  '1.0+abc_',
  '1.0 a1',
  'a1.0',
  '1.0-alpha-beta',
  '1.0.x',
  '1!',
  '!1.0',
  '1.0~1',
  '1.0+ubuntu 1',
  '1.0.dev1.post1',
  '1.0a1a2',
];

describe('PEP 440 versions', () => {
  it(`orders ${ORDERED.length + NORMALISATION.length} pairs, including every spelling the normalisation rules allow`, () => {
    assertPairs('pep440', ORDERED);
    assertPairs('pep440', NORMALISATION);
  });

  it('normalises as PEP 440 says', () => {
    assert.equal(pep440.parse('1.0.0-ALPHA1')?.normalized, '1.0.0a1');
    assert.equal(pep440.parse('v1!2.0-pre3-4.DEV5+Ubuntu-1')?.normalized, '1!2.0rc3.post4.dev5+ubuntu.1');
    assert.equal(pep440.parse('1.0-r')?.normalized, '1.0.post0');
    assert.equal(pep440.parse('2.0c1')?.normalized, '2.0rc1');
  });

  it('rejects what PEP 440 rejects, and compare() throws UnparsableVersionError', () => assertInvalid('pep440', INVALID));
});
