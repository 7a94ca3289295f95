/**
 * Host-fleet benchmark (HSS limits): 20,000 online hosts with 400–1,500 real Debian packages each
 * and a fresh stored inventory, a ≥ 50,000-record Debian tracker DB, then
 * - a full scheduled scan (createTask + runTask of runtime.services.vulScans), in a child process
 *   of its own for its peak RSS, and a repeat scan with nothing changed; target ≤ 60 s on SQLite;
 * - GET /v5/{project_id}/vulnerability/scan-tasks at 1,000,000 stored tasks, with and without
 *   filters, against a bare Fastify route in the same server process; target p99 ≤ 20 ms;
 * on SQLite and PostgreSQL (127.0.0.1:5432, trust auth, database `test`, a throwaway schema).
 *
 *   node --import tsx bench/hosts.ts [--backend sqlite|postgres|both] [--hosts 20000] [--tasks 1000000]
 *     [--records 60000] [--duration 10] [--connections 16] [--skip-scan] [--skip-tasks] [--cpu-prof]
 *
 * --cpu-prof profiles the scan child and prints the functions with the most self time.
 *
 * Prints progress on stderr and a Markdown block on stdout (for docs/benchmarks.md).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { validateConfig } from '../src/config/load.js';
import type { DialectName } from '../src/db/connect.js';
import { openRuntime } from '../src/runtime/runtime.js';
import { TEST_POSTGRES_URL } from '../test/support/databases.js';
import { mb, runPhase, type PhaseResult } from './support/child.js';
import { arg, backendsArg, dropSchemas, startServerChild } from './support/fleet-bench.js';
import { parsePackagesIndex, readBookwormIndex } from './hosts/debian-packages.js';
import { buildFleet, distinctTriples } from './hosts/fleet.js';
import { cacheKey, loadInventories, saveInventories } from './hosts/inventory-cache.js';
import { insertHosts, insertTasks, prepareInventories } from './hosts/hosts.js';
import { topSelfTime } from './hosts/profile-summary.js';
import { buildVulnDb, expectedMatches, writeTrackerJson } from './hosts/vulndb.js';

const backends = backendsArg();
const hostCount = arg('hosts', 20_000);
const taskCount = arg('tasks', 1_000_000);
const recordCount = arg('records', 60_000);
const duration = arg('duration', 10);
const connections = arg('connections', 16);
const skipScan = process.argv.includes('--skip-scan');
const skipTasks = process.argv.includes('--skip-tasks');
const cpuProf = process.argv.includes('--cpu-prof');

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);
const timed = async <T>(what: string, f: () => T | Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const value = await f();
  const ms = performance.now() - start;
  log(`${what}: ${secs(ms)} s`);
  return [value, ms];
};

interface ScanRun {
  ms: number;
  createMs: number;
  status: string;
  hostNum: number;
  success: number;
  failed: number;
  hostStates: Record<string, number>;
  hostVulRows: number;
  vulIds: number;
}
interface Row {
  name: string;
  completed: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
interface BackendResult {
  backend: DialectName;
  insertHostsMs: number;
  scan?: PhaseResult & { first: ScanRun; second: ScanRun; firstPeak: number; floorMs: number; floorPackages: number };
  scanError?: string;
  insertTasksMs?: number;
  profile?: Array<{ fn: string; ms: number; share: number }>;
  rows?: Row[];
}

// The fleet, its inventories and the vulnerability DB: built once, shared by every backend.
const work = mkdtempSync(join(tmpdir(), 'openhss-bench-hosts-'));
const FLEET_SEED = 20240601;
const indexText = readBookwormIndex();
const [index] = await timed('read the Packages index', () => parsePackagesIndex(indexText));
const [fleet] = await timed(`build a fleet of ${hostCount} hosts`, () => buildFleet(index, hostCount, FLEET_SEED));
const inventoryKey = cacheKey(indexText, hostCount, FLEET_SEED);
const [inventories, prepareMs] = await timed('inventories: gzip and hash (or read them from the cache)', () => {
  const cached = loadInventories(inventoryKey);
  if (cached) return cached;
  const built = prepareInventories(fleet, (n) => log(`  ${n} inventories`));
  saveInventories(inventoryKey, built);
  return built;
});
const packageRows = inventories.reduce((a, i) => a + i.packageCount, 0);
const triples = distinctTriples(fleet);
const allSources = new Map<string, string>();
for (const p of index) if (!allSources.has(p.sourceName)) allSources.set(p.sourceName, p.sourceVersion);
const trackerFile = join(work, 'debian-tracker.json');
const [feed] = await timed(`write the tracker JSON`, () => writeTrackerJson(trackerFile, fleet, allSources, recordCount));
const vulndbFile = join(work, 'vulndb.sqlite');
const [built] = await timed(`import ${feed.records} records (${feed.sources} source packages, ${mb(feed.bytes)} MB)`, () => buildVulnDb(vulndbFile, trackerFile));
const [expected] = await timed('expected matches (evaluate per source version)', () => expectedMatches(vulndbFile, fleet));
log(`expected: ${expected.matchingRecords} of ${feed.records} records affect a host (${expected.matchingVulIds} vulnerability ids); ${expected.hostVulRows} host_vuls rows`);

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Row> {
  const options = { url, headers, connections };
  await autocannon({ ...options, duration: 2 });
  const r = await autocannon({ ...options, duration });
  // A route slower than the run completes no request: its latency is unknown, not zero.
  const row = { name, completed: r.requests.total, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts };
  log(`  ${name}: ${row.completed} requests, ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${row.errors ? `, ${row.errors} non-2xx/errors/timeouts` : ''}`);
  return row;
}

async function runBackend(backend: DialectName): Promise<BackendResult> {
  const dataDir = mkdtempSync(join(work, `${backend}-`));
  copyFileSync(vulndbFile, join(dataDir, 'vulndb.sqlite'));
  const schema = `bench_hosts_${process.pid}_${randomBytes(3).toString('hex')}`;
  const tree = {
    dataDir,
    database: backend === 'postgres' ? { url: TEST_POSTGRES_URL, schema, poolSize: 10 } : {},
    log: { level: process.env.BENCH_LOG_LEVEL ?? 'warn' },
    server: { port: 0 },
  };
  const configJson = JSON.stringify(tree);
  try {
    let runtime = await openRuntime(validateConfig(tree));
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const projectId = account.project.id;
    // No scheduled scan may start by itself while the benchmark runs one or loads the API.
    await runtime.services.scanPolicies.change(projectId, { scanPeriod: 'one_day', scanRangeType: 'all_host', status: 'close' });
    const [, insertHostsMs] = await timed(`${backend}: insert ${hostCount} hosts and inventories`, () => insertHosts(runtime.database.db, projectId, inventories, Date.now()));
    const result: BackendResult = { backend, insertHostsMs };
    await runtime.close();

    if (!skipScan) {
      log(`${backend}: scheduled scan of ${hostCount} hosts, then a repeat scan`);
      try {
        const profDir = join(work, `prof-${backend}`);
        const scan = (await runPhase('bench/hosts/scan-child.ts', [configJson, projectId], cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])) as NonNullable<BackendResult['scan']> & { error?: string };
        if (scan.error) throw new Error(scan.error);
        result.scan = scan;
        if (cpuProf) {
          const [file] = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
          if (file) result.profile = topSelfTime(join(profDir, file), 20);
        }
        log(`${backend}: floor (read and decode every stored inventory, ${scan.floorPackages} packages) ${secs(scan.floorMs)} s`);
        log(`${backend}: scan ${secs(scan.first.ms)} s = ${(scan.first.ms / scan.floorMs).toFixed(1)}× the floor (${scan.first.hostVulRows} host_vuls rows), repeat ${secs(scan.second.ms)} s, peak RSS ${mb(scan.maxRss)} MB`);
      } catch (err) {
        result.scanError = (err as Error).message.split('\n')[0]!.slice(0, 300);
        log(`${backend}: scan failed: ${result.scanError}`);
      }
    }

    if (!skipTasks) {
      runtime = await openRuntime(validateConfig(tree));
      const [tasks, insertTasksMs] = await timed(`${backend}: insert ${taskCount} scan tasks`, () => insertTasks(runtime.database.db, projectId, taskCount, hostCount, Date.now()));
      result.insertTasksMs = insertTasksMs;
      // As autovacuum leaves things after a year of tasks arriving one by one: planner statistics, and no
      // dead row versions from the bulk load (each insert's trigger updated a per-day total).
      if (backend === 'postgres') await sql`vacuum analyze`.execute(runtime.database.db);
      const { token } = await runtime.services.auth.issueFor(account.user.id, projectId, ['token']);
      await runtime.close();
      const server = await startServerChild(configJson);
      try {
        const path = `${server.url}/v5/${projectId}/vulnerability/scan-tasks`;
        const auth = { 'x-auth-token': token };
        const monthAgo = tasks.maxStart - 30 * 24 * 3600 * 1000;
        const someId = tasks.ids[Math.floor(tasks.ids.length / 2)]!;
        log(`${backend}: GET scan-tasks at ${taskCount} tasks, ${connections} connections, ${duration} s per row`);
        result.rows = [
          await load('bare Fastify route (floor, same process)', `${server.bareUrl}/bare`),
          await load('scan-tasks, no filter', path, auth),
          await load('scan-tasks, scan_type=manual', `${path}?scan_type=manual`, auth),
          await load('scan-tasks, min/max_start_time (last 30 days)', `${path}?min_start_time=${monthAgo}&max_start_time=${tasks.maxStart}`, auth),
          await load('scan-tasks, task_id=<existing>', `${path}?task_id=${someId}`, auth),
          await load('scan-tasks, offset=100000&limit=10', `${path}?offset=100000&limit=10`, auth),
        ];
      } finally {
        await server.stop();
      }
    }
    return result;
  } finally {
    if (backend === 'postgres') await dropSchemas([schema, `${schema}_boss`]).catch((err: unknown) => log(`dropping ${schema}: ${(err as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: BackendResult[] = [];
try {
  for (const backend of backends) results.push(await runBackend(backend));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}`);
console.log(
  `\nFleet: ${hostCount} online hosts, ${packageRows} installed packages (${(packageRows / hostCount).toFixed(0)} per host, 400–1,500), ` +
    `${fleet.packages.length} distinct binary packages from the bookworm Packages index, ${triples} distinct (package, version, arch) triples, ` +
    `${expected.sourceVersions} distinct (source, version) pairs; inventories ${mb(inventories.reduce((a, i) => a + i.document.length, 0))} MB gzip (prepared or read from the cache in ${secs(prepareMs)} s).`,
);
console.log(
  `Vulnerability DB: ${feed.records} bookworm (source package, CVE) records over ${feed.sources} source packages (Debian tracker JSON, ${mb(feed.bytes)} MB, imported in ${secs(built.ms)} s, ${built.affected} affected rows with sid); ` +
    `${expected.matchingRecords} records affect at least one host (${expected.matchingVulIds} vulnerability ids); a correct full scan stores ${expected.hostVulRows} host_vuls rows.`,
);
if (!skipScan) {
  console.log('\n| backend | hosts set-up s | full scheduled scan s | target ≤ 60 s | repeat scan s | peak RSS MB | host_vuls rows (expected) | distinct vul ids | hosts success/failed |');
  console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    if (!r.scan) {
      console.log(`| ${r.backend} | ${secs(r.insertHostsMs)} | — (${r.scanError ?? 'skipped'}) | | | | | | |`);
      continue;
    }
    const f = r.scan.first;
    const s = r.scan.second;
    console.log(
      `| ${r.backend} | ${secs(r.insertHostsMs)} | ${secs(f.ms)} | ${r.backend === 'sqlite' ? verdict(f.ms <= 60_000) : ''} | ${secs(s.ms)} | ${mb(r.scan.maxRss)} (base ${mb(r.scan.baseRss)}) | ` +
        `${f.hostVulRows} (${expected.hostVulRows}) | ${f.vulIds} | ${f.success}/${f.failed} of ${f.hostNum} |`,
    );
  }
}
for (const r of results) {
  if (!r.profile) continue;
  console.log(`\n${r.backend} scan child, most self time (both scans, whole process):\n`);
  console.log('| function | self ms | share |');
  console.log('| --- | ---: | ---: |');
  for (const p of r.profile) console.log(`| ${p.fn.replaceAll('|', '\\|')} | ${p.ms.toFixed(0)} | ${(p.share * 100).toFixed(1)} % |`);
}
if (!skipTasks) {
  for (const r of results) {
    if (!r.rows) continue;
    const floor = r.rows[0]!;
    console.log(`\n${r.backend}: ${taskCount} stored tasks (inserted in ${secs(r.insertTasksMs ?? 0)} s), ${connections} connections, ${duration} s per row\n`);
    console.log('| route | req/s | vs floor | p50 ms | p99 ms | target p99 ≤ 20 ms | requests | non-2xx, errors, timeouts |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
    for (const row of r.rows) {
      const none = row.completed === 0;
      const lat = (ms: number) => (none ? `> ${duration * 1000}` : String(ms));
      const ok = !none && row.errors === 0 && row.p99 <= 20;
      console.log(`| ${row.name} | ${row.rps} | ${(row.rps / floor.rps).toFixed(2)}× | ${lat(row.p50)} | ${lat(row.p99)} | ${row === floor ? '' : verdict(ok)} | ${row.completed} | ${row.errors} |`);
    }
  }
}
