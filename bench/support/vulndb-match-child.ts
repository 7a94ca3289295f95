/**
 * Child of bench/vulndb-full.ts: matches inventories against the today-sized DB (the demo DB plus
 * the hit set) and the full-size DB (the 650,000-record corpus plus the same hit set), alternately,
 * each run with a fresh verdict cache, and reports the median (and quartiles) of each, wall-clock,
 * and the median CPU time of the process (steadier than wall-clock on a shared machine); then the
 * same with a reader opened for each match (a CLI scan: open, match, close), median wall-clock.
 *
 * - image, host: like for like (bench/support/osv-hit-set.ts). Their findings must equal the
 *   generator's expected count on both DBs; the result says when they do not.
 * - corpus host (the earlier measurement): a host named as in the generated corpus, so it hits
 *   thousands of corpus records on the full DB and a handful of demo records on the small one.
 *   Not like for like: kept to show what evaluating ~7,750 findings costs.
 *
 *   node --import tsx bench/support/vulndb-match-child.ts SMALL.sqlite FULL.sqlite RUNS
 */
import { performance } from 'node:perf_hooks';
import type { OsRelease, Package } from '../../src/domain/package.js';
import { matchInventory } from '../../src/findings/match-inventory.js';
import { matchers } from '../../src/matchers/index.js';
import { VulnDbReader } from '../../src/vulndb/index.js';
import { report } from './child.js';
import { hitSet } from './osv-hit-set.js';

const [smallFile, fullFile, runsArg] = process.argv.slice(2) as [string, string, string];
const runs = Number(runsArg);

function corpusHost(): { os: OsRelease; packages: Package[] } {
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
  return { os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' }, packages };
}

const hits = hitSet();
const cases = [
  { key: 'image', label: hits.image.label, inventory: hits.image, expected: hits.image.expected as number | null },
  { key: 'host', label: hits.host.label, inventory: hits.host, expected: hits.host.expected as number | null },
  { key: 'corpus', label: 'corpus host (600 Debian 12, 400 npm, 200 PyPI named as in the corpus)', inventory: corpusHost(), expected: null },
];

const small = VulnDbReader.open(smallFile);
const full = VulnDbReader.open(fullFile);
const baseRss = process.memoryUsage().rss;
const time = (reader: VulnDbReader, inventory: { os: OsRelease; packages: Package[] }) => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const { findings } = matchInventory(inventory, reader, matchers, new Map());
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, findings: findings.length };
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const results: Record<string, unknown>[] = [];
for (const c of cases) {
  // warm-up: statements prepared, pages cached, families listed
  time(small, c.inventory);
  time(full, c.inventory);
  const smallRuns: number[] = [];
  const fullRuns: number[] = [];
  const smallCpu: number[] = [];
  const fullCpu: number[] = [];
  const smallFindings = new Set<number>();
  const fullFindings = new Set<number>();
  for (let r = 0; r < runs; r++) {
    // alternate which DB goes first, so neither always runs right after the other's GC
    const order = r % 2 === 0 ? ([small, full] as const) : ([full, small] as const);
    for (const reader of order) {
      const t = time(reader, c.inventory);
      (reader === small ? smallRuns : fullRuns).push(t.ms);
      (reader === small ? smallCpu : fullCpu).push(t.cpuMs);
      (reader === small ? smallFindings : fullFindings).add(t.findings);
    }
  }
  // A CLI scan's match: a reader opened for it (the DB's pages in the OS cache, nothing in the reader's).
  const coldSmall: number[] = [];
  const coldFull: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const file of r % 2 === 0 ? [smallFile, fullFile] : [fullFile, smallFile]) {
      const start = performance.now();
      const reader = VulnDbReader.open(file);
      matchInventory(c.inventory, reader, matchers, new Map());
      reader.close();
      (file === smallFile ? coldSmall : coldFull).push(performance.now() - start);
    }
  }
  results.push({
    coldSmallMs: quantile(coldSmall, 0.5),
    coldFullMs: quantile(coldFull, 0.5),
    key: c.key,
    label: c.label,
    packages: c.inventory.packages.length,
    expected: c.expected,
    smallMs: quantile(smallRuns, 0.5),
    smallQ: [quantile(smallRuns, 0.25), quantile(smallRuns, 0.75)],
    fullMs: quantile(fullRuns, 0.5),
    fullQ: [quantile(fullRuns, 0.25), quantile(fullRuns, 0.75)],
    smallCpuMs: quantile(smallCpu, 0.5),
    fullCpuMs: quantile(fullCpu, 0.5),
    smallFindings: [...smallFindings],
    fullFindings: [...fullFindings],
  });
}
report({ baseRss, runs, cases: results });
small.close();
full.close();
