/**
 * Host-fleet benchmark (HSS limits): 20,000 online hosts with 400–1,500 real Debian packages each
 * and a fresh stored inventory, a ≥ 50,000-record Debian tracker DB whose records' effect on each
 * installed version the generator decides itself (hosts/vulndb.ts: the expected answer is its
 * ground truth, not openhss's matcher), then
 * - a full scheduled scan (createTask + runTask of runtime.services.vulScans), in a child process
 *   of its own for its peak RSS, and a repeat scan with nothing changed; target ≤ 60 s;
 * - a feed update touching 1 % of the records (new fixes, new records, withdrawn ones), imported
 *   as `openhss db import` does, then a scheduled scan; target ≤ 15 s;
 * - after each of the full scan and the update scan, what the product stored, read through its
 *   services, against the generator's answer: the run exits non-zero when they differ;
 * - list latency at that fleet, 16 connections: the HSS aggregated vulnerability list (every filter,
 *   first page and offset 10,000), the hosts of the most widespread vulnerability, one host's
 *   vulnerabilities, the console overview, and the scan-task list at 1,000,000 stored tasks, each
 *   against a bare Fastify route in the same server process;
 * on SQLite and PostgreSQL (127.0.0.1:5432, trust auth, database `test`, a throwaway schema).
 * Everything runs with the product's defaults (log level info, default poll intervals).
 *
 *   node --import tsx bench/hosts.ts [--backend sqlite|postgres|both] [--hosts 20000] [--tasks 1000000]
 *     [--records 60000] [--update-percent 1] [--duration 10] [--connections 16]
 *     [--probe-limit-ms 1000] [--skip-scan] [--skip-update] [--skip-lists] [--skip-tasks] [--cross-check] [--cpu-prof]
 *
 * A route one request of which takes over --probe-limit-ms is not loaded: its row gives that request's time.
 * --cross-check also counts with openhss's own evaluate() over the imported DB (a diagnostic only).
 * --cpu-prof profiles the scan child and prints the functions with the most self time.
 *
 * Prints progress on stderr and a Markdown block on stdout (for docs/benchmarks.md).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
import { buildFleet, distinctTriples, firstSourceVersions, prng } from './hosts/fleet.js';
import { cacheKey, loadInventories, saveInventories } from './hosts/inventory-cache.js';
import { insertHosts, insertTasks, prepareInventories } from './hosts/hosts.js';
import { topSelfTime } from './hosts/profile-summary.js';
import type { ScanPlan } from './hosts/scan-child.js';
import { differences, type StoredCounts } from './hosts/stored-count.js';
import { buildVulnDb, generateFeed, groundTruth, updateFeed, writeTrackerJson } from './hosts/vulndb.js';
import { evaluateFleet } from './hosts/cross-check.js';

const backends = backendsArg();
const hostCount = arg('hosts', 20_000);
const taskCount = arg('tasks', 1_000_000);
const recordCount = arg('records', 60_000);
const updatePercent = arg('update-percent', 1);
const duration = arg('duration', 10);
const connections = arg('connections', 16);
const probeLimitMs = arg('probe-limit-ms', 1000);
const skipScan = process.argv.includes('--skip-scan');
const skipUpdate = skipScan || process.argv.includes('--skip-update');
const skipLists = process.argv.includes('--skip-lists');
const skipTasks = process.argv.includes('--skip-tasks');
const crossCheck = process.argv.includes('--cross-check');
const cpuProf = process.argv.includes('--cpu-prof');

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);
const load1 = () => loadavg().map((l) => l.toFixed(1)).join(' ');
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
}
interface Row {
  group: string;
  name: string;
  completed: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Target p99 in ms; none for the floor. */
  target?: number;
  /** Not loaded: one request took longer than --probe-limit-ms; p50 and p99 are that request's time. */
  probeOnly?: boolean;
}
interface ScanPhase extends PhaseResult {
  first: ScanRun & { stored: StoredCounts };
  second: ScanRun;
  update: { importMs: number; scan: ScanRun; stored: StoredCounts } | null;
  firstPeak: number;
  floorMs: number;
  floorPackages: number;
}
interface BackendResult {
  backend: DialectName;
  insertHostsMs: number;
  scan?: ScanPhase;
  scanError?: string;
  /** Where the stored answer differs from the generator's (empty: equal). */
  firstDiff?: string[];
  updateDiff?: string[];
  insertTasksMs?: number;
  profile?: Array<{ fn: string; ms: number; share: number }>;
  rows?: Row[];
  load: string[];
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
const allSources = firstSourceVersions(index);
const feed = generateFeed(fleet, allSources, recordCount);
const trackerFile = join(work, 'debian-tracker.json');
const [written] = await timed(`write the tracker JSON`, () => writeTrackerJson(trackerFile, feed));
const vulndbFile = join(work, 'vulndb.sqlite');
const [built] = await timed(`import ${written.records} records (${written.sources} source packages, ${mb(written.bytes)} MB)`, () => buildVulnDb(vulndbFile, trackerFile));
const [truth] = await timed('ground truth (the generator: record kinds × installed rungs)', () => groundTruth(feed, fleet));
log(`expected: ${truth.matchingRecords} of ${written.records} records affect a host (${truth.matchingVulIds} vulnerability ids); ${truth.hostVulRows} host vulnerabilities; most widespread ${truth.widest.id} on ${truth.widest.hosts} hosts`);
const updated = updateFeed(feed, updatePercent / 100);
const updateFile = join(work, 'debian-tracker-update.json');
const updateWritten = writeTrackerJson(updateFile, updated.feed);
const [updatedTruth] = await timed('ground truth after the update', () => groundTruth(updated.feed, fleet));
log(`update: ${updated.touched} records touched (${JSON.stringify(updated.actions)}); expected ${updatedTruth.hostVulRows} host vulnerabilities (${updatedTruth.matchingVulIds} ids)`);
let crossed: { first: number; update: number } | undefined;
if (crossCheck) {
  const updatedDb = join(work, 'vulndb-updated.sqlite');
  copyFileSync(vulndbFile, updatedDb);
  await buildVulnDb(updatedDb, updateFile);
  crossed = { first: evaluateFleet(vulndbFile, fleet), update: evaluateFleet(updatedDb, fleet) };
  rmSync(updatedDb, { force: true });
  log(`cross-check with openhss's evaluate(): ${crossed.first} (generator ${truth.hostVulRows}), after the update ${crossed.update} (generator ${updatedTruth.hostVulRows})`);
}
// Hosts whose totals are read back one by one: a spread over the fleet.
const sampleRand = prng(5150);
const sampleIndexes = [...new Set(Array.from({ length: Math.min(50, hostCount) }, () => Math.floor(sampleRand() * hostCount)))];

/** Waits until the server has answered every request it began (a slow route's backlog drains). */
async function drained(bareUrl: string): Promise<void> {
  for (;;) {
    const { inflight } = (await (await fetch(`${bareUrl}/inflight`)).json()) as { inflight: number };
    if (inflight === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function load(bareUrl: string, group: string, name: string, url: string, headers: Record<string, string>, target?: number): Promise<Row> {
  await drained(bareUrl);
  // One request first: a route far beyond its target is reported from it, not loaded (16 requests
  // of many seconds each would hold the server for minutes after the run and skew the next rows).
  const probeStart = performance.now();
  const probe = await fetch(url, { headers });
  await probe.arrayBuffer();
  const probeMs = performance.now() - probeStart;
  if (target && probeMs > probeLimitMs) {
    const row: Row = { group, name, completed: 0, rps: 0, p50: probeMs, p99: probeMs, errors: probe.ok ? 0 : 1, target, probeOnly: true };
    log(`  ${name}: one request ${probeMs.toFixed(0)} ms (${probe.status}), over ${probeLimitMs} ms: not loaded`);
    return row;
  }
  const options = { url, headers, connections };
  await autocannon({ ...options, duration: 2 });
  await drained(bareUrl);
  const r = await autocannon({ ...options, duration });
  await drained(bareUrl);
  // A route slower than the run completes no request: its latency is unknown, not zero.
  const row: Row = { group, name, completed: r.requests.total, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + r.timeouts + (probe.ok ? 0 : 1), ...(target ? { target } : {}) };
  log(`  ${name}: ${row.completed} requests, ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${row.errors ? `, ${row.errors} non-2xx/errors/timeouts` : ''}`);
  return row;
}

async function runBackend(backend: DialectName): Promise<BackendResult> {
  const dataDir = mkdtempSync(join(work, `${backend}-`));
  copyFileSync(vulndbFile, join(dataDir, 'vulndb.sqlite'));
  const schema = `bench_hosts_${process.pid}_${randomBytes(3).toString('hex')}`;
  // The product's defaults (log level info, dispatcher and queue poll intervals) but for where the data
  // lives and one setting of an offline site: the DB comes from `db import`, so no automatic download
  // (this machine has no Internet; a due update would be a failing job in the server's queue).
  const tree = {
    dataDir,
    database: backend === 'postgres' ? { url: TEST_POSTGRES_URL, schema, poolSize: 10 } : {},
    server: { port: 0 },
    vulndb: { updateIntervalHours: 0 },
  };
  const configJson = JSON.stringify(tree);
  const result: BackendResult = { backend, insertHostsMs: 0, load: [] };
  const mark = (what: string) => result.load.push(`${what}: ${load1()}`);
  try {
    let runtime = await openRuntime(validateConfig(tree));
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const projectId = account.project.id;
    // No scheduled scan may start by itself while the benchmark runs one or loads the API.
    await runtime.services.scanPolicies.change(projectId, { scanPeriod: 'one_day', scanRangeType: 'all_host', status: 'close' });
    const [hostIds, insertHostsMs] = await timed(`${backend}: insert ${hostCount} hosts and inventories`, () => insertHosts(runtime.database.db, projectId, inventories, Date.now()));
    result.insertHostsMs = insertHostsMs;
    await runtime.close();

    if (!skipScan) {
      log(`${backend}: scheduled scan of ${hostCount} hosts, a repeat scan${skipUpdate ? '' : `, then the ${updatePercent} % update and a scan`}`);
      mark('before the scans');
      try {
        const profDir = join(work, `prof-${backend}`);
        const planFile = join(work, `plan-${backend}.json`);
        const plan: ScanPlan = { sampleHostIds: sampleIndexes.map((i) => hostIds[i]!), updateJson: skipUpdate ? null : updateFile };
        writeFileSync(planFile, JSON.stringify(plan));
        const scan = (await runPhase('bench/hosts/scan-child.ts', [configJson, projectId, planFile], cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])) as ScanPhase & { error?: string };
        if (scan.error) throw new Error(scan.error);
        result.scan = scan;
        mark('after the scans');
        if (cpuProf) {
          const [file] = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
          if (file) result.profile = topSelfTime(join(profDir, file), 20);
        }
        result.firstDiff = differences(scan.first.stored, truth, sampleIndexes);
        log(`${backend}: floor (read and decode every stored inventory, ${scan.floorPackages} packages) ${secs(scan.floorMs)} s`);
        log(`${backend}: full scan: ${scan.first.success} hosts succeeded, ${scan.first.failed} failed of ${scan.first.hostNum}`);
        log(`${backend}: scan ${secs(scan.first.ms)} s = ${(scan.first.ms / scan.floorMs).toFixed(1)}× the floor (stored ${scan.first.stored.hostVulRows}, generator ${truth.hostVulRows}; read back in ${secs(scan.first.stored.ms)} s), repeat ${secs(scan.second.ms)} s, peak RSS ${mb(scan.firstPeak)} MB up to the end of the full scan (${mb(scan.maxRss)} MB for the whole child, read-backs and later scans included)`);
        for (const d of result.firstDiff) log(`${backend}: MISMATCH after the full scan: ${d}`);
        if (scan.update) {
          result.updateDiff = differences(scan.update.stored, updatedTruth, sampleIndexes);
          log(`${backend}: update imported in ${secs(scan.update.importMs)} s, scan ${secs(scan.update.scan.ms)} s (stored ${scan.update.stored.hostVulRows}, generator ${updatedTruth.hostVulRows})`);
          for (const d of result.updateDiff) log(`${backend}: MISMATCH after the update scan: ${d}`);
        }
      } catch (err) {
        result.scanError = (err as Error).message.split('\n')[0]!.slice(0, 300);
        log(`${backend}: scan failed: ${result.scanError}`);
      }
    }

    if (!skipTasks || !skipLists) {
      runtime = await openRuntime(validateConfig(tree));
      let tasks: Awaited<ReturnType<typeof insertTasks>> | undefined;
      if (!skipTasks) {
        const [t, insertTasksMs] = await timed(`${backend}: insert ${taskCount} scan tasks`, () => insertTasks(runtime.database.db, projectId, taskCount, hostCount, Date.now()));
        tasks = t;
        result.insertTasksMs = insertTasksMs;
      }
      const truthNow = skipUpdate ? truth : updatedTruth;
      if (!skipLists && !skipScan) {
        // Some handling, as a fleet has: the most widespread vulnerability ignored on up to 1,000
        // hosts, and another marked fixed on up to 500, so the status filters select something.
        const widestHosts = await runtime.services.hostVuls.vulnerabilityHosts(projectId, { type: 'linux_vul', enterpriseProjectIds: null, vulId: truthNow.widest.id }, { offset: 0, limit: 1000 });
        const ids = widestHosts.rows.map((r) => r.hostId);
        for (let i = 0; i < ids.length; i += 500) {
          await runtime.services.hostVuls.changeStatus(projectId, { operateType: 'ignore', type: 'linux_vul', dataList: [{ vulId: truthNow.widest.id, hostIds: ids.slice(i, i + 500) }], enterpriseProjectIds: null });
        }
        const second = [...truthNow.perVul].filter(([id]) => id !== truthNow.widest.id).sort((a, b) => b[1] - a[1])[0];
        if (second) {
          const h = await runtime.services.hostVuls.vulnerabilityHosts(projectId, { type: 'linux_vul', enterpriseProjectIds: null, vulId: second[0] }, { offset: 0, limit: 500 });
          await runtime.services.hostVuls.changeStatus(projectId, { operateType: 'manual_repair', type: 'linux_vul', dataList: [{ vulId: second[0], hostIds: h.rows.map((r) => r.hostId) }], enterpriseProjectIds: null });
        }
      }
      // As autovacuum leaves things after a year of tasks arriving one by one: planner statistics, and no
      // dead row versions from the bulk load (each insert's trigger updated a per-day total).
      if (backend === 'postgres') await sql`vacuum analyze`.execute(runtime.database.db);
      const { token } = await runtime.services.auth.issueFor(account.user.id, projectId, ['token']);
      await runtime.close();
      const server = await startServerChild(configJson);
      try {
        const auth = { 'x-auth-token': token };
        const base = `${server.url}/v5/${projectId}`;
        log(`${backend}: ${connections} connections, ${duration} s per row`);
        mark('before the list latency');
        const rows: Row[] = [await load(server.bareUrl, 'floor', 'bare Fastify route (floor, same process)', `${server.bareUrl}/bare`, {})];
        if (!skipLists && !skipScan) {
          const vuls = `${base}/vulnerability/vulnerabilities?type=linux_vul`;
          const widest = truthNow.widest.id;
          const filters: Array<[string, string, boolean]> = [
            ['no filter', '', true],
            ['vul_id=<most widespread>', `&vul_id=${widest}`, false],
            ['vul_name=CVE-2019', '&vul_name=CVE-2019', true],
            [`cve_id=${widest}`, `&cve_id=${widest}`, false],
            ['status=vul_status_ignored', '&status=vul_status_ignored', false],
            ['status=vul_status_unfix', '&status=vul_status_unfix', true],
            ['handle_status=unhandled', '&handle_status=unhandled', true],
            ['handle_status=handled', '&handle_status=handled', false],
            ['asset_value=important', '&asset_value=important', true],
            ['severity_level=Critical,High', '&severity_level=Critical,High', true],
            ['repair_priority=Medium', '&repair_priority=Medium', true],
            ['enterprise_project_id=all_granted_eps', '&enterprise_project_id=all_granted_eps', true],
          ];
          for (const [name, q, deep] of filters) {
            rows.push(await load(server.bareUrl, 'vulnerabilities', `vulnerabilities, ${name}`, `${vuls}${q}`, auth, 30));
            if (deep) rows.push(await load(server.bareUrl, 'vulnerabilities', `vulnerabilities, ${name}, offset=10000&limit=10`, `${vuls}${q}&offset=10000&limit=10`, auth, 30));
          }
          const hostsOf = `${base}/vulnerability/hosts?type=linux_vul&vul_id=${widest}`;
          rows.push(await load(server.bareUrl, 'vul-hosts', `hosts of ${widest} (${truthNow.widest.hosts} hosts)`, hostsOf, auth, 20));
          rows.push(await load(server.bareUrl, 'vul-hosts', `hosts of ${widest}, offset=10000&limit=10`, `${hostsOf}&offset=10000&limit=10`, auth, 20));
          let most = 0;
          truthNow.perHost.forEach((n, i) => {
            if (n > truthNow.perHost[most]!) most = i;
          });
          rows.push(await load(server.bareUrl, 'host', `host/{host_id}, the host with the most (${truthNow.perHost[most]})`, `${base}/vulnerability/host/${hostIds[most]}?type=linux_vul`, auth, 20));
          rows.push(await load(server.bareUrl, 'host', `host/{host_id}, same host, offset=400&limit=10`, `${base}/vulnerability/host/${hostIds[most]}?type=linux_vul&offset=400&limit=10`, auth, 20));
          rows.push(await load(server.bareUrl, 'overview', 'openhss/overview', `${base}/openhss/overview`, auth, 20));
        }
        if (tasks) {
          const path = `${base}/vulnerability/scan-tasks`;
          const monthAgo = tasks.maxStart - 30 * 24 * 3600 * 1000;
          const someId = tasks.ids[Math.floor(tasks.ids.length / 2)]!;
          rows.push(
            await load(server.bareUrl, 'scan-tasks', 'scan-tasks, no filter', path, auth, 20),
            await load(server.bareUrl, 'scan-tasks', 'scan-tasks, scan_type=manual', `${path}?scan_type=manual`, auth, 20),
            await load(server.bareUrl, 'scan-tasks', 'scan-tasks, min/max_start_time (last 30 days)', `${path}?min_start_time=${monthAgo}&max_start_time=${tasks.maxStart}`, auth, 20),
            await load(server.bareUrl, 'scan-tasks', 'scan-tasks, task_id=<existing>', `${path}?task_id=${someId}`, auth, 20),
            await load(server.bareUrl, 'scan-tasks', 'scan-tasks, offset=100000&limit=10', `${path}?offset=100000&limit=10`, auth, 20),
          );
        }
        result.rows = rows;
        mark('after the list latency');
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
console.log(`\n${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} × ${cpu}, Node ${process.version}, load average at the end ${load1()}`);
console.log(
  `\nFleet: ${hostCount} online hosts, ${packageRows} installed packages (${(packageRows / hostCount).toFixed(0)} per host, 400–1,500), ` +
    `${fleet.packages.length} distinct binary packages from the bookworm Packages index, ${triples} distinct (package, version, arch) triples, ` +
    `${truth.sourceVersions} distinct (source, version) pairs; inventories ${mb(inventories.reduce((a, i) => a + i.document.length, 0))} MB gzip (prepared or read from the cache in ${secs(prepareMs)} s).`,
);
console.log(
  `Vulnerability DB: ${written.records} bookworm (source package, CVE) records over ${written.sources} source packages (Debian tracker JSON, ${mb(written.bytes)} MB, imported in ${secs(built.ms)} s, ${built.affected} affected rows with sid); ` +
    `by the generator's construction ${truth.matchingRecords} records affect at least one host (${truth.matchingVulIds} vulnerability ids): a correct full scan stores **${truth.hostVulRows}** host vulnerabilities.`,
);
console.log(
  `Update: ${updated.touched} records touched (${Object.entries(updated.actions).map(([a, n]) => `${a} ${n}`).join(', ')}; ${updateWritten.records} records after it); ` +
    `a correct scan then stores **${updatedTruth.hostVulRows}** (${updatedTruth.matchingVulIds} ids).` +
    (crossed ? ` openhss's evaluate() over the same DBs counts ${crossed.first} and ${crossed.update}.` : ''),
);
const answer = (diff: string[] | undefined, stored: number | undefined, expected: number) =>
  diff === undefined ? '—' : diff.length === 0 ? `${stored} (= generator)` : `**${stored} ≠ ${expected}**`;
if (!skipScan) {
  console.log('\n| backend | hosts set-up s | floor s | full scheduled scan s | target ≤ 60 s | hosts success/failed | repeat scan s | peak RSS MB: floor + full scan (whole child) | stored (generator) | update import s | scan after update s | target ≤ 15 s | stored after update (generator) |');
  console.log('| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const r of results) {
    if (!r.scan) {
      console.log(`| ${r.backend} | ${secs(r.insertHostsMs)} | — (${r.scanError ?? 'skipped'}) | | | | | | | | | | |`);
      continue;
    }
    const f = r.scan.first;
    const u = r.scan.update;
    console.log(
      `| ${r.backend} | ${secs(r.insertHostsMs)} | ${secs(r.scan.floorMs)} | ${secs(f.ms)} | ${verdict(f.ms <= 60_000)} | ${f.success}/${f.failed} of ${f.hostNum} | ${secs(r.scan.second.ms)} | ${mb(r.scan.firstPeak)} (${mb(r.scan.maxRss)}; base ${mb(r.scan.baseRss)}) | ` +
        `${answer(r.firstDiff, f.stored.hostVulRows, truth.hostVulRows)} | ${u ? secs(u.importMs) : '—'} | ${u ? secs(u.scan.ms) : '—'} | ${u ? verdict(u.scan.ms <= 15_000) : ''} | ${u ? answer(r.updateDiff, u.stored.hostVulRows, updatedTruth.hostVulRows) : '—'} |`,
    );
  }
}
for (const r of results) {
  if (!r.profile) continue;
  console.log(`\n${r.backend} scan child, most self time (all scans, whole process):\n`);
  console.log('| function | self ms | share |');
  console.log('| --- | ---: | ---: |');
  for (const p of r.profile) console.log(`| ${p.fn.replaceAll('|', '\\|')} | ${p.ms.toFixed(0)} | ${(p.share * 100).toFixed(1)} % |`);
}
for (const r of results) {
  if (!r.rows) continue;
  const floor = r.rows[0]!;
  console.log(`\n${r.backend}: ${hostCount} hosts${skipTasks ? '' : `, ${taskCount} stored tasks (inserted in ${secs(r.insertTasksMs ?? 0)} s)`}, ${connections} connections, ${duration} s per row; load average (1, 5, 15 min) ${r.load.join('; ')}\n`);
  console.log('| route | req/s | vs floor | p50 ms | p99 ms | target p99 | requests | non-2xx, errors, timeouts |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
  for (const row of r.rows) {
    if (row.probeOnly) {
      console.log(`| ${row.name} | — | — | one request: ${row.p50.toFixed(0)} | — (not loaded: one request over ${probeLimitMs} ms) | ≤ ${row.target} ms: ${verdict(false)} | 1 | ${row.errors} |`);
      continue;
    }
    const none = row.completed === 0;
    const lat = (ms: number) => (none ? `> ${duration * 1000}` : String(ms));
    const ok = !none && row.errors === 0 && row.p99 <= (row.target ?? Infinity);
    console.log(`| ${row.name} | ${row.rps} | ${(row.rps / floor.rps).toFixed(2)}× | ${lat(row.p50)} | ${lat(row.p99)} | ${row.target ? `≤ ${row.target} ms: ${verdict(ok)}` : ''} | ${row.completed} | ${row.errors} |`);
  }
}
const wrong = results.filter((r) => r.scanError || (r.firstDiff?.length ?? 0) > 0 || (r.updateDiff?.length ?? 0) > 0);
if (wrong.length) {
  for (const r of wrong) {
    if (r.scanError) console.error(`${r.backend}: the scan failed: ${r.scanError}`);
    for (const d of r.firstDiff ?? []) console.error(`${r.backend}: after the full scan: ${d}`);
    for (const d of r.updateDiff ?? []) console.error(`${r.backend}: after the update scan: ${d}`);
  }
  process.exitCode = 1;
}
