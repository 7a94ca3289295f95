import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparators, UnparsableVersionError } from '../../../src/versioning/index.js';
import { ascending, assertInvalid, assertPairs, opOf, prng, requireTool, run, type Pair } from './support.js';

const deb = comparators.deb;

// Hand-written from dpkg's documented rules (deb-version(7), Debian Policy 5.6.12) and its test suite's themes.
const PAIRS: readonly Pair[] = [
  ['1.0', '=', '1.0'],
  ['1.0', '<', '1.1'],
  ['1.0', '<', '1.0.1'],
  ['1.2', '<', '1.10'],
  ['1.9', '<', '1.10'],
  ['1.010', '=', '1.10'],
  ['7.4.052', '=', '7.4.52'],
  ['0', '=', '00'],
  ['1.0', '=', '1.0-0'],
  ['1.0', '=', '0:1.0'],
  ['1.0', '=', '0:1.0-0'],
  ['000:1.0', '=', '1.0'],
  ['+1:2.0', '=', '1:2.0'],
  [' 1.0 ', '=', '1.0'],
  ['1.0', '<', '1:0.1'],
  ['1:1.0', '>', '2.0'],
  ['2:1.0', '>', '1:9.9'],
  ['10:1', '>', '9:1'],
  ['2147483647:1', '>', '2147483646:9'],
  ['1:0', '>', '0:999'],
  ['1:1.0~rc1', '>', '1.1'],
  // "~" sorts before everything, even the end of the string.
  ['1.0~rc1', '<', '1.0'],
  ['1.0~rc1', '<', '1.0~rc2'],
  ['1.0~~', '<', '1.0~~a'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1', '>', '1~a'],
  ['1', '<', '1a'],
  ['1.0~beta', '<', '1.0'],
  ['1.18.1~rc1', '<', '1.18.1'],
  ['2.2.3~git20240101', '<', '2.2.3'],
  ['1.0.0~beta1', '<', '1.0.0~beta1+b1'],
  ['1.0~a+', '>', '1.0~a'],
  ['1.0+~', '<', '1.0+'],
  // Letters sort before non-letters; uppercase before lowercase (ASCII).
  ['1.0a', '<', '1.0+'],
  ['1.0a', '<', '1.0.'],
  ['1.0+', '<', '1.0.'],
  ['1.0a', '<', '1.0b'],
  ['1.0A', '<', '1.0a'],
  ['1.0Z', '<', '1.0a'],
  ['0.9.8zh-1', '>', '0.9.8zg-1'],
  ['1.0-a', '>', '1.0-9'],
  // An empty digit run counts as zero.
  ['1.0.', '=', '1.0.0'],
  ['1.0.0', '<', '1.0.0.0'],
  ['1.2.3', '<', '1.2.3-0.1'],
  ['0.0.0.0.1', '>', '0'],
  // Revisions.
  ['1.0+b1', '>', '1.0'],
  ['1.0-1', '<', '1.0-1+b1'],
  ['1.0-1~bpo1', '<', '1.0-1'],
  ['1.0-1', '<', '1.0-1ubuntu1'],
  ['1.0-1ubuntu1', '<', '1.0-2'],
  ['1.0-1ubuntu0.1', '<', '1.0-1ubuntu1'],
  ['1.0+dfsg-1', '>', '1.0-1'],
  ['1.0+dfsg1-1', '>', '1.0+dfsg-1'],
  ['1.0-0', '<', '1.0-0.1'],
  ['1.0-0.1', '<', '1.0-1'],
  ['2.0-1', '<', '2.0-10'],
  ['2.0-2', '<', '2.0-10'],
  ['1.0-1.2', '<', '1.0-1.10'],
  ['1:2', '<', '1:2-0.1'],
  ['4.19.0-25-amd64', '>', '4.19.0-24-amd64'],
  ['4.19.0-25-amd64', '<', '4.19.0-25-cloud'],
  // Versions as Debian ships them.
  ['3.0.11-1~deb12u2', '<', '3.0.11-1~deb12u2+b1'],
  ['3.0.11-1~deb12u2+b1', '<', '3.0.11-1'],
  ['3.0.11-1~deb12u2', '>', '3.0.11-1~deb11u1'],
  ['2.36-9+deb12u4', '<', '2.36-9+deb12u10'],
  ['1:2.39.2-1.1', '>', '2.40-1'],
  ['9.18.24-1', '>', '9.18.19-1~deb12u1'],
  ['2.0.0+really1.9.0-1', '>', '2.0.0-1'],
  ['1:9.2.12-1+deb12u1', '>', '1:9.2.12-1'],
  ['7.88.1-10+deb12u5', '<', '7.88.1-10+deb12u12'],
  ['252.22-1~deb12u1', '<', '252.30-1~deb12u2'],
  ['2.7.4-1ubuntu0.22.04.1', '<', '2.7.4-1ubuntu0.22.04.2'],
  ['2.7.4-1ubuntu0.20.04.1', '<', '2.7.4-1ubuntu0.22.04.1'],
  ['5.10.0-28', '<', '5.10.0-28+b1'],
  ['1.2.13.dfsg-1', '>', '1.2.13-1'],
  ['1:1.2.13.dfsg-1', '>', '1.2.14-1'],
  // Colons are allowed in the upstream part once there is an epoch.
  ['1:1.0:1', '>', '1:1.0'],
  ['1:1.0:1', '>', '1:1.0.1'],
  ['1:2:3', '>', '1:2'],
  // Numbers of any length.
  ['18446744073709551616', '>', '18446744073709551615'],
  ['1.00000000000000000000000000001', '=', '1.1'],
  ['9999999999999999999999', '<', '10000000000000000000000'],
  // Debian Policy's example: ~~, ~~a, ~, the empty part, a.
  ...ascending(['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a']),
  ...ascending(['0.1', '0.9', '0.10', '1.0~rc1', '1.0', '1.0+b1', '1.0.0', '1.0.1', '1:0.1', '1:1.0', '2:0']),
  ...ascending(['2.1-1~bpo11+1', ['2.1-1', '2.1-01', '0:2.1-1'], '2.1-1a', '2.1-1ubuntu1', '2.1-1+b1', '2.1-1+deb12u1', '2.1-1.1', '2.1-2']),
];

const INVALID = [
  '',
  ' ',
  'a',
  'a1.0',
  '.1',
  '~1',
  '1.0-',
  ':1.0',
  '1:',
  'a:1.0',
  '1a:1.0',
  '-1:1.0',
  '2147483648:1',
  '1:-1',
  '1.0 1',
  '1.0_1',
  '1.0-1_1',
  '1.0-1-',
  '1.0!',
  '1.0/1',
  '1.0é',
  '1.0:1',
  '1:1.0-a:b',
  '1.0\n',
  '\x001.0',
];

describe('deb versions (dpkg)', () => {
  it(`orders ${PAIRS.length} hand-written pairs`, () => assertPairs('deb', PAIRS));

  it('splits epoch, upstream version and revision as dpkg does', () => {
    assert.deepEqual(deb.parse('1:2.3-4-5'), { scheme: 'deb', raw: '1:2.3-4-5', epoch: 1, upstream: '2.3-4', revision: '5' });
    assert.deepEqual(deb.parse('2.3'), { scheme: 'deb', raw: '2.3', epoch: 0, upstream: '2.3', revision: '' });
  });

  it('rejects invalid versions with dpkg\'s reason, and compare() throws UnparsableVersionError', () => {
    assertInvalid('deb', INVALID);
    assert.throws(() => deb.compare('1.0', 'a1'), (e: unknown) => e instanceof UnparsableVersionError && e.reason === 'version number does not start with digit');
  });
});

// Realistic fragments of Debian versions, and the edits that make near-equal pairs (where comparators go wrong).
const EPOCHS = ['0', '1', '2', '10', '00', '01', '+1', '99'];
const UPSTREAM = ['.', '.', '.', '+', '~', '-', 'a', 'b', 'z', 'A', 'Z', 'rc', 'alpha', 'dfsg', 'git', 'really', 'ds', '0', '1', '2', '9', '10', '01', '001', '123', '20240101', '18446744073709551617'];
const REVISION = ['0', '1', '2', '10', '01', '.', '.', '+', '~', 'ubuntu', 'deb', '12u', 'bpo', 'build', 'b', 'a', 'Z', '+b1', '~deb12u1'];
const JUNK = ['_', '!', '@', '/', 'é', ' ', '-', ':', '#'];

type Rng = ReturnType<typeof prng>;

function debVersion(r: Rng): string {
  let v = '';
  const epoch = r.chance(0.25);
  if (epoch) v += `${r.pick(EPOCHS)}:`;
  v += r.pick(['0', '1', '2', '3', '9', '10', '01', '2024']);
  for (let n = r.int(6); n > 0; n--) v += epoch && r.chance(0.03) ? ':' : r.pick(UPSTREAM);
  if (r.chance(0.6)) {
    v += `-${r.pick(['0', '1', '2', '10', 'a', '~', '0ubuntu', '1+'])}`;
    for (let n = r.int(4); n > 0; n--) v += r.pick(REVISION);
  }
  return v;
}

function mutate(r: Rng, v: string): string {
  switch (r.int(9)) {
    case 0:
      return v;
    case 1: // bump or pad one digit run
      return v.replace(/\d+/g, (d: string) => (r.chance(0.3) ? (r.chance(0.5) ? `0${d}` : String(BigInt(d) + BigInt(r.int(2)))) : d));
    case 2:
      return `${v}${r.pick(['~', '~rc1', '+b1', '.0', 'a', '+', '.', '~~', '0'])}`;
    case 3: {
      const at = r.int(v.length + 1);
      return v.slice(0, at) + r.pick(['~', '+', '.', 'a', '0', '~a']) + v.slice(at);
    }
    case 4:
      return v.includes(':') ? v.replace(/^[^:]*:/, r.pick(['', '0:', '1:', '2:'])) : `${r.pick(['0', '00', '1'])}:${v}`;
    case 5:
      return v.includes('-') ? v.replace(/-[^-]*$/, r.pick(['', '-0', '-1', '-1~bpo1', '-1+b1', '-2'])) : `${v}-${r.pick(['0', '1', '0.1'])}`;
    case 6: // corrupt: these should be refused by us and complained about by dpkg
      if (r.chance(0.5)) {
        const at = 1 + r.int(v.length);
        return v.slice(0, at) + r.pick(JUNK) + v.slice(at);
      }
      return r.pick([`${v}-`, `:${v}`, `a${v}`, `${v}:`, `1a:${v}`, `${v.replace(/^\d+/, 'x')}`, `9999999999:${v}`]);
    case 7:
      return v.toUpperCase();
    default:
      return v.replace(/\.\d+$|~[^~]*$/, '');
  }
}

/** Asks dpkg about many pairs in one shell loop per batch; a marker on stderr ties each complaint to its line. */
async function askDpkg(lines: readonly (readonly [string, string, string])[]): Promise<{ status: number[]; complaints: string[] }> {
  const script = `i=0; while IFS=$'\\t' read -r a op b; do echo "@@$i" >&2; dpkg --compare-versions "$a" "$op" "$b"; echo $?; i=$((i+1)); done`;
  const { code, stdout, stderr } = await run('bash', ['-c', script], lines.map((l) => l.join('\t')).join('\n') + '\n');
  assert.equal(code, 0, `the dpkg batch failed: ${stderr.slice(0, 500)}`);
  const status = stdout.trim().split('\n').map(Number);
  assert.equal(status.length, lines.length, 'dpkg answered every line');
  const complaints: string[] = Array.from({ length: lines.length }, () => '');
  for (const chunk of stderr.split(/^@@/m).slice(1)) {
    const nl = chunk.indexOf('\n');
    complaints[Number(chunk.slice(0, nl))] = chunk.slice(nl + 1).trim();
  }
  return { status, complaints };
}

const DPKG_OP = { '<': 'lt', '=': 'eq', '>': 'gt' } as const;

describe('deb comparator against dpkg --compare-versions', () => {
  it('agrees with dpkg on every table and generated pair, and on which versions are bad', async (t) => {
    await requireTool('dpkg', 'apt-get install dpkg');
    const r = prng(0x0d9c);
    const pairs: [string, string][] = PAIRS.map(([a, , b]) => [a, b]);
    for (const v of INVALID) if (v !== '' && !v.startsWith('-') && !/[\t\n\x00]/.test(v)) pairs.push([v, '1.0']);
    while (pairs.length < 6000) {
      const a = debVersion(r);
      pairs.push([a, r.chance(0.3) ? debVersion(r) : mutate(r, a)]);
    }
    // dpkg would read a leading "-" as an option; such strings are covered by the table tests instead.
    const usable = pairs.filter(([a, b]) => !a.startsWith('-') && !b.startsWith('-'));

    // One dpkg call per pair: ask exactly the relation we computed; exit 0 proves dpkg agrees.
    const lines = usable.map(([a, b]): readonly [string, string, string] => {
      const pa = deb.parse(a);
      const pb = deb.parse(b);
      return [a, pa && pb ? DPKG_OP[opOf(deb.compare(a, b))] : 'eq', b];
    });
    const batches = 4;
    const size = Math.ceil(lines.length / batches);
    const answers = await Promise.all(Array.from({ length: batches }, (_, i) => askDpkg(lines.slice(i * size, (i + 1) * size))));
    const status = answers.flatMap((a) => a.status);
    const complaints = answers.flatMap((a) => a.complaints);

    const failures: string[] = [];
    let compared = 0;
    let rejected = 0;
    lines.forEach(([a, op, b], i) => {
      const bad = [a, b].filter((v) => deb.parse(v) === null);
      if (bad.length === 0) {
        compared++;
        if (status[i] !== 0 || complaints[i] !== '') failures.push(`dpkg does not say ${JSON.stringify(a)} ${op} ${JSON.stringify(b)} (exit ${status[i]}) ${complaints[i]}`);
        return;
      }
      rejected++;
      // dpkg must complain about each version we refuse, for the same reason (it stops at the first error, not at a warning).
      for (const v of bad) {
        const reason = (() => {
          try {
            deb.compare(v, v);
          } catch (e) {
            if (e instanceof UnparsableVersionError) return e.reason;
          }
          return '';
        })();
        const expected = `version '${v}' has bad syntax: ${reason}`;
        if (!complaints[i]!.includes(expected)) failures.push(`we reject ${JSON.stringify(v)} (${reason}) but dpkg said: ${complaints[i] || '(nothing)'}`);
        if (complaints[i]!.includes(`error: ${expected}`)) break;
      }
    });
    const ops = lines.filter(([a, , b]) => deb.parse(a) && deb.parse(b)).map(([, op]) => op);
    const count = (op: string): number => ops.filter((o) => o === op).length;
    t.diagnostic(`dpkg oracle: ${usable.length} pairs: ${compared} compared (lt ${count('lt')}, eq ${count('eq')}, gt ${count('gt')}), ${rejected} with a version both refuse`);
    assert.ok(compared > 4000 && rejected > 200, `the generator covers both valid and invalid versions (${compared}/${rejected})`);
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} disagreements with dpkg`);
  });
});
