import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators } from '../../../src/versioning/index.js';
import { rpmvercmp } from '../../../src/versioning/rpm.js';
import { ascending, assertInvalid, assertPairs, opOf, prng, requireTool, run, type Pair } from './support.js';

const rpm = comparators.rpm;

// The segment comparisons rpm's own test suite (tests/rpmvercmp.at) is built around, written out as a table.
const SEGMENTS: readonly Pair[] = [
  ['1.0', '=', '1.0'],
  ['1.0', '<', '2.0'],
  ['2.0.1', '=', '2.0.1'],
  ['2.0', '<', '2.0.1'],
  ['2.0.1a', '=', '2.0.1a'],
  ['2.0.1a', '>', '2.0.1'],
  ['5.5p1', '=', '5.5p1'],
  ['5.5p1', '<', '5.5p2'],
  ['5.5p10', '=', '5.5p10'],
  ['5.5p1', '<', '5.5p10'],
  ['10xyz', '<', '10.1xyz'],
  ['xyz10', '=', 'xyz10'],
  ['xyz10', '<', 'xyz10.1'],
  ['xyz.4', '=', 'xyz.4'],
  ['xyz.4', '<', '8'],
  ['xyz.4', '<', '2'],
  ['5.5p2', '<', '5.6p1'],
  ['5.6p1', '<', '6.5p1'],
  ['6.0.rc1', '>', '6.0'],
  ['10b2', '>', '10a1'],
  ['10a2', '<', '10b2'],
  ['1.0aa', '=', '1.0aa'],
  ['1.0a', '<', '1.0aa'],
  ['10.0001', '=', '10.0001'],
  ['10.0001', '=', '10.1'],
  ['10.0001', '<', '10.0039'],
  ['4.999.9', '<', '5.0'],
  ['20101121', '=', '20101121'],
  ['20101121', '<', '20101122'],
  ['2_0', '=', '2_0'],
  ['2.0', '=', '2_0'],
  ['a', '=', 'a'],
  ['a+', '=', 'a+'],
  ['a+', '=', 'a_'],
  ['+a', '=', '+a'],
  ['+a', '=', '_a'],
  ['+_', '=', '+_'],
  ['_+', '=', '+_'],
  ['_+', '=', '_'],
  ['+', '=', '_'],
  ['1.0~rc1', '=', '1.0~rc1'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0~rc1', '<', '1.0~rc2'],
  ['1.0~rc1~git123', '=', '1.0~rc1~git123'],
  ['1.0~rc1~git123', '<', '1.0~rc1'],
  ['1.0^', '=', '1.0^'],
  ['1.0^', '>', '1.0'],
  ['1.0^git1', '=', '1.0^git1'],
  ['1.0^git1', '>', '1.0'],
  ['1.0^git1', '<', '1.0^git2'],
  ['1.0^git1', '<', '1.01'],
  ['1.0^20160101', '=', '1.0^20160101'],
  ['1.0^20160101', '<', '1.0.1'],
  ['1.0^20160101^git1', '=', '1.0^20160101^git1'],
  ['1.0^20160102', '>', '1.0^20160101^git1'],
  ['1.0~rc1^git1', '=', '1.0~rc1^git1'],
  ['1.0~rc1^git1', '>', '1.0~rc1'],
  ['1.0^git1~pre', '=', '1.0^git1~pre'],
  ['1.0^git1', '>', '1.0^git1~pre'],
  ['1.0.', '=', '1.0'],
  ['1.0', '<', '1.0.0'],
  ['1.0a', '<', '1.0.1'],
  ['a', '<', '1'],
  ['1.a', '<', '1.1'],
  ['1.0A', '<', '1.0a'],
  ['1.0', '<', '1.0a'],
];

// Whole epoch:version-release strings, the way rpm databases and advisories carry them.
const EVR: readonly Pair[] = [
  ['1:1.0-1', '>', '1.0-1'],
  ['0:1.0-1', '=', '1.0-1'],
  ['01:1.0', '=', '1:1.0'],
  ['2:1.0', '>', '1:9.9-9'],
  ['10:1', '>', '9:1'],
  ['1:0.1', '>', '99.9'],
  // rpm.vercmp() sorts a missing release below any release.
  ['1.0-1', '>', '1.0'],
  ['1.0-0', '>', '1.0'],
  ['1.0', '=', '1.0'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0-1.el9', '<', '1.0-1.el9_1'],
  ['1.0-1.el9_1', '<', '1.0-2.el9'],
  ['1.0-1.fc38', '<', '1.0-1.fc39'],
  ['3.0.7-27.el9', '<', '3.0.7-28.el9'],
  ['1:3.0.7-27.el9', '>', '3.0.7-28.el9'],
  ['5.14.0-362.8.1.el9_3', '<', '5.14.0-362.13.1.el9_3'],
  ['2.34-83.el9_3.7', '<', '2.34-83.el9_3.12'],
  ['1.0~rc1-1', '<', '1.0-1'],
  ['1.0^git1-1', '>', '1.0-1'],
  ['1.0^git1-1', '<', '1.0.1-1'],
  ['1.0-1~beta', '<', '1.0-1'],
  ['1.0-1^post', '>', '1.0-1'],
  ['7.76.1-26.el9_3.2', '<', '7.76.1-26.el9_3.3'],
  ['2.9.13-5.el9_3', '>', '2.9.13-5.el9'],
  ['4.18.0-513.5.1.el8_9', '>', '4.18.0-513.el8'],
  ['1.1.1k-9.el8_7', '<', '1.1.1k-12.el8_9'],
  ['1:1.1.1k-9.el8_7', '>', '1.1.1w-1.el8'],
  ['2.2.5-150000.3.3.1', '<', '2.2.5-150000.3.8.1'],
  ['15.1+20221123-150500.3.1', '>', '15.1-150500.3.1'],
  ...ascending(['1.0~~', '1.0~', ['1.0', '0:1.0'], '1.0-1~rc', '1.0-1', '1.0-1^1', '1.0-1.1', '1.0-2', '1.0^', '1.0^a', '1.0a', '1.0.0', '1.0.1', '1:0']),
];

const INVALID = ['', '-', '1.0-', '-1', ':1.0', '1:', '1:-1', '1.0 1', '1.0/1', '1.0-1-1', 'a:1.0', '1.0-a:b', '1.0%{dist}', '${version}', '1.0é', '1.0\t'];

describe('rpm versions (rpmvercmp)', () => {
  it(`orders ${SEGMENTS.length} segment pairs and ${EVR.length} epoch:version-release pairs`, () => {
    assertPairs('rpm', SEGMENTS);
    assertPairs('rpm', EVR);
  });

  it('splits epoch, version and release as rpm does', () => {
    assert.deepEqual(rpm.parse('2:1.0-3.el9'), { scheme: 'rpm', raw: '2:1.0-3.el9', epoch: '2', version: '1.0', release: '3.el9' });
    assert.deepEqual(rpm.parse('1.0'), { scheme: 'rpm', raw: '1.0', epoch: null, version: '1.0', release: null });
  });

  it('rejects invalid versions, and compare() throws UnparsableVersionError', () => assertInvalid('rpm', INVALID));
});

const PIECES = ['0', '1', '2', '9', '10', '01', '001', '123', '20230101', '99999999999999999999', 'a', 'b', 'rc', 'alpha', 'beta', 'git', 'el', 'fc', 'p', 'Z', 'A', '.', '.', '.', '_', '+', '~', '^', '~rc1', '^20230101git', '.el9', '_1'];
const RELEASE = ['0', '1', '2', '10', '01', '.', '.', '_', '+', '~', '^', 'el', '9', 'fc', '38', 'git', 'post', 'beta', '.el9_3', '.fc39', '~beta', '^post'];
type Rng = ReturnType<typeof prng>;

function evr(r: Rng): string {
  let v = r.chance(0.25) ? `${r.pick(['0', '1', '2', '10', '01', '00'])}:` : '';
  v += r.pick(['0', '1', '2', '3', '10', '01', 'a', '1.0', '2.4']);
  for (let n = r.int(6); n > 0; n--) v += r.pick(PIECES);
  if (r.chance(0.7)) {
    v += `-${r.pick(['0', '1', '2', '10', '1.el9', '0.1', 'a', '~'])}`;
    for (let n = r.int(4); n > 0; n--) v += r.pick(RELEASE);
  }
  return v;
}

function mutate(r: Rng, v: string): string {
  switch (r.int(7)) {
    case 0:
      return v;
    case 1:
      return v.replace(/\d+/g, (d: string) => (r.chance(0.3) ? (r.chance(0.5) ? `0${d}` : String(BigInt(d) + BigInt(r.int(2)))) : d));
    case 2: {
      const at = r.int(v.length + 1);
      return v.slice(0, at) + r.pick(['~', '^', '.', '_', 'a', '0', '~a', '^1', '+']) + v.slice(at);
    }
    case 3:
      return v.includes(':') ? v.replace(/^\d+:/, r.pick(['', '0:', '1:', '2:'])) : `${r.pick(['0', '00', '1'])}:${v}`;
    case 4:
      return v.includes('-') ? v.replace(/-[^-]*$/, r.pick(['', '-0', '-1', '-1~rc', '-1^1', '-2.el9'])) : `${v}-${r.pick(['0', '1', '1.el9'])}`;
    case 5:
      return `${v}${r.pick(['~', '^', '.0', 'a', '.', '~~', '^~'])}`;
    default:
      return v.replace(/[.~^][^.~^]*$/, '');
  }
}

// Arbitrary ASCII (no "-" or ":", which rpm.vercmp would read as release and epoch), to test rpmvercmp's segmenting itself.
const RAW_ALPHABET = '0123456789000abcAZ..~~^^_+%{}/!@ #';
function rawString(r: Rng): string {
  let s = '';
  for (let n = 1 + r.int(10); n > 0; n--) s += RAW_ALPHABET[r.int(RAW_ALPHABET.length)];
  return s;
}

/** Runs every pair through rpm.vercmp() in one rpm process, reading the pairs from stdin. */
async function askRpm(pairs: readonly (readonly [string, string])[]): Promise<number[]> {
  const lua = '%{lua: for line in io.lines() do local a, b = line:match("^(.-)\\t(.*)$"); print(tostring(rpm.vercmp(a, b)) .. "\\n") end}';
  const { code, stdout, stderr } = await run('rpm', ['--eval', lua], pairs.map(([a, b]) => `${a}\t${b}`).join('\n') + '\n');
  assert.equal(code, 0, `rpm --eval failed: ${stderr.slice(0, 500)}`);
  const answers = stdout.split('\n').filter((l) => l !== '').map(Number);
  assert.equal(answers.length, pairs.length, 'rpm answered every pair');
  return answers;
}

describe('rpm comparator against rpm.vercmp()', () => {
  it('agrees with rpm on every table and generated epoch:version-release pair', async (t) => {
    await requireTool('rpm', 'apt-get install rpm');
    const r = prng(0x4b1d);
    const pairs: [string, string][] = [...SEGMENTS, ...EVR].map(([a, , b]) => [a, b]);
    while (pairs.length < 10000) {
      const a = evr(r);
      pairs.push([a, r.chance(0.3) ? evr(r) : mutate(r, a)]);
    }
    const valid = pairs.filter(([a, b]) => rpm.parse(a) !== null && rpm.parse(b) !== null);
    assert.ok(valid.length > 9000, `the generator makes valid versions (${valid.length})`);
    const answers = await askRpm(valid);
    const failures = valid.flatMap(([a, b], i) => {
      const ours = rpm.compare(a, b);
      return ours === answers[i] ? [] : [`${a} vs ${b}: rpm says ${opOf(Math.sign(answers[i]!) as -1 | 0 | 1)}, we say ${opOf(ours)}`];
    });
    const count = (o: number): number => answers.filter((x) => x === o).length;
    t.diagnostic(`rpm EVR oracle: ${valid.length} pairs (-1: ${count(-1)}, 0: ${count(0)}, 1: ${count(1)})`);
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} disagreements with rpm`);
  });

  it('agrees with rpm on rpmvercmp() over arbitrary ASCII strings', async (t) => {
    await requireTool('rpm', 'apt-get install rpm');
    const r = prng(0x5e9);
    const pairs: [string, string][] = [];
    while (pairs.length < 8000) {
      const a = rawString(r);
      const b = r.chance(0.5) ? rawString(r) : a.slice(0, r.int(a.length + 1)) + rawString(r).slice(0, r.int(3));
      if (b !== '') pairs.push([a, b]);
    }
    const answers = await askRpm(pairs);
    const failures = pairs.flatMap(([a, b], i) => (rpmvercmp(a, b) === answers[i] ? [] : [`${JSON.stringify(a)} vs ${JSON.stringify(b)}: rpm says ${answers[i]}, we say ${rpmvercmp(a, b)}`]));
    t.diagnostic(`rpm rpmvercmp oracle: ${pairs.length} pairs`);
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} disagreements with rpm`);
  });
});
