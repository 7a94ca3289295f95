/**
 * Child of bench/vulndb-full.ts: matches one generated host inventory (Debian 12 packages by source,
 * npm and PyPI packages; names found in both DBs) against the demo DB and the full-size DB,
 * alternately, each run with a fresh verdict cache; reports the median of each.
 */
import { performance } from 'node:perf_hooks';
import type { Package } from '../../src/domain/package.js';
import { matchInventory } from '../../src/findings/match-inventory.js';
import { matchers } from '../../src/matchers/index.js';
import { VulnDbReader } from '../../src/vulndb/index.js';
import { report } from './child.js';

const [demoFile, fullFile, runsArg] = process.argv.slice(2) as [string, string, string];
const runs = Number(runsArg);
const location = { path: '/var/lib/dpkg/status' };
const packages: Package[] = [];
const demoDeb = ['glibc', 'curl', 'openssl', 'xz-utils', 'tar'];
for (let i = 0; i < 600; i++) {
  const source = i < demoDeb.length ? demoDeb[i]! : `srcpkg${(i * 37) % 12_000}`;
  const version = `${1 + (i % 5)}.${i % 20}.${i % 10}-1`;
  packages.push({ type: 'deb', name: `${source}-bin${i}`, version, architecture: 'amd64', source: { name: source, version }, location });
}
const demoNpm = ['lodash', 'minimist', 'semver'];
for (let i = 0; i < 400; i++) packages.push({ type: 'npm', name: i < demoNpm.length ? demoNpm[i]! : `pkg-${(i * 53) % 12_000}`, version: `${1 + (i % 5)}.${i % 20}.${i % 10}`, location: { path: `/app/node_modules/p${i}/package.json` } });
for (let i = 0; i < 200; i++) packages.push({ type: 'pypi', name: `py-pkg-${(i * 71) % 12_000}`, version: `${1 + (i % 5)}.${i % 20}.${i % 10}`, location: { path: `/usr/lib/python3/dist-packages/p${i}` } });
const inventory = { os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' }, packages };

const demo = VulnDbReader.open(demoFile);
const full = VulnDbReader.open(fullFile);
const baseRss = process.memoryUsage().rss;
const time = (reader: VulnDbReader) => {
  const start = performance.now();
  const { findings } = matchInventory(inventory, reader, matchers, new Map());
  return { ms: performance.now() - start, findings: findings.length };
};
time(demo);
time(full); // warm-up: statements prepared, pages cached
const demoRuns: number[] = [];
const fullRuns: number[] = [];
let demoFindings = 0;
let fullFindings = 0;
for (let r = 0; r < runs; r++) {
  const d = time(demo);
  const f = time(full);
  demoRuns.push(d.ms);
  fullRuns.push(f.ms);
  demoFindings = d.findings;
  fullFindings = f.findings;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
report({ baseRss, packages: packages.length, demoMs: median(demoRuns), fullMs: median(fullRuns), demoFindings, fullFindings });
demo.close();
full.close();
