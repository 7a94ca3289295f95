import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { comparators, UnparsableVersionError, type Ordering, type VersionScheme } from '../../../src/versioning/index.js';

export type Op = '<' | '=' | '>';
export type Pair = readonly [string, Op, string];

const ORDER: Record<Op, Ordering> = { '<': -1, '=': 0, '>': 1 };
export const opOf = (o: Ordering): Op => (o < 0 ? '<' : o > 0 ? '>' : '=');

/** Checks each pair in both directions, and collects every failure so one run shows them all. */
export function assertPairs(scheme: VersionScheme, pairs: readonly Pair[]): void {
  const { compare } = comparators[scheme];
  const failures: string[] = [];
  for (const [a, op, b] of pairs) {
    const want = ORDER[op];
    const got = compare(a, b);
    const back = compare(b, a);
    if (got !== want || back !== -want) failures.push(`${a} ${op} ${b}: got ${opOf(got)} (reverse ${opOf(back)})`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${pairs.length} ${scheme} pairs are wrong`);
}

/** Every pair (i < j) of a list written in ascending order, with "=" for entries grouped in the same inner array. */
export function ascending(list: readonly (string | readonly string[])[]): Pair[] {
  const groups = list.map((g) => (typeof g === 'string' ? [g] : g));
  const pairs: Pair[] = [];
  groups.forEach((group, i) => {
    for (let x = 0; x < group.length; x++) for (let y = x + 1; y < group.length; y++) pairs.push([group[x]!, '=', group[y]!]);
    for (const later of groups.slice(i + 1)) for (const a of group) for (const b of later) pairs.push([a, '<', b]);
  });
  return pairs;
}

export function assertInvalid(scheme: VersionScheme, versions: readonly string[]): void {
  const c = comparators[scheme];
  for (const v of versions) {
    assert.equal(c.parse(v), null, `${scheme} should reject ${JSON.stringify(v)}`);
    assert.throws(
      () => c.compare(v, v),
      (e: unknown) => e instanceof UnparsableVersionError && e.scheme === scheme && e.version === v && e.reason.length > 0,
      `${scheme} compare should throw UnparsableVersionError for ${JSON.stringify(v)}`,
    );
    // Whichever side is bad, the error names it.
    const good = { deb: '1.0', rpm: '1.0', apk: '1.0', npm: '1.0.0', pep440: '1.0', maven: '1.0', go: 'v1.0.0', rubygems: '1.0', nuget: '1.0.0', composer: '1.0.0' }[scheme];
    assert.throws(() => c.compare(good, v), (e: unknown) => e instanceof UnparsableVersionError && e.version === v);
  }
}

/** Deterministic PRNG (mulberry32), so a failing generated pair shows up again on the next run. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => next() < p };
}

/** Runs a command with stdin, resolving with its output; the test must fail, not skip, when the tool is missing. */
export function run(cmd: string, args: readonly string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A tool that exits without reading its input is judged by its exit code, not by the broken pipe.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export async function requireTool(name: string, installHint: string): Promise<void> {
  const { code } = await run('sh', ['-c', `command -v ${name}`], '');
  assert.equal(code, 0, `\`${name}\` is not installed; the ${name} oracle test needs it (${installHint}). This test fails rather than skips on purpose.`);
}
