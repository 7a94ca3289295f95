/**
 * The 20,000-host fleet (bench/hosts' generator, inventories and tracker DB) scanned by 1, then 2
 * `openhss worker` processes on PostgreSQL (127.0.0.1:5432, database `test`, a throwaway schema
 * per run): the task is queued as a user's would be (its plan job queues one `vulscan.shard` job
 * per `hosts.scanShardSize` hosts) and timed from creation to `finished`, with default settings
 * (poll interval, concurrency 2 per process, shards of 500, log level info).
 *
 *   node --import tsx bench/hosts-workers.ts [--hosts 20000] [--records 60000] [--workers 1,2] [--shard-size 500]
 *
 * Needs the built CLI (dist/, `npx tsc -p tsconfig.build.json`; OPENHSS_CLI names another).
 * The floor, measured in the same run: reading and decoding every stored inventory in one process.
 * Prints progress on stderr and a Markdown block on stdout (for docs/benchmarks.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { validateConfig } from '../src/config/load.js';
import { createJobQueue } from '../src/jobs/create-queue.js';
import { HostInventoryRepository } from '../src/repositories/host-inventory-repository.js';
import { openRuntime } from '../src/runtime/runtime.js';
import { wireStarters } from '../src/runtime/starters.js';
import { TEST_POSTGRES_URL } from '../test/support/databases.js';
import { mb } from './support/child.js';
import { arg, dropSchemas } from './support/fleet-bench.js';
import { parsePackagesIndex, readBookwormIndex } from './hosts/debian-packages.js';
import { buildFleet, firstSourceVersions } from './hosts/fleet.js';
import { cacheKey, loadInventories, saveInventories } from './hosts/inventory-cache.js';
import { insertHosts, prepareInventories, refreshHosts } from './hosts/hosts.js';
import { storedCounts } from './hosts/stored-count.js';
import { buildVulnDb, generateFeed, groundTruth, writeTrackerJson } from './hosts/vulndb.js';

const hostCount = arg('hosts', 20_000);
const recordCount = arg('records', 60_000);
const shardSize = arg('shard-size', 500);
const workersAt = process.argv.indexOf('--workers');
const workerCounts = (workersAt >= 0 ? process.argv[workersAt + 1]! : '1,2').split(',').map(Number);
const CLI = process.env.OPENHSS_CLI ?? resolve('dist/cli/main.js');

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);
const load1 = () => loadavg()[0]!.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The fleet and its DB, as bench/hosts.ts builds them (same seeds, same inventory cache).
const work = mkdtempSync(join(tmpdir(), 'openhss-bench-workers-'));
const FLEET_SEED = 20240601;
const indexText = readBookwormIndex();
const index = parsePackagesIndex(indexText);
const fleet = buildFleet(index, hostCount, FLEET_SEED);
const inventoryKey = cacheKey(indexText, hostCount, FLEET_SEED);
const inventories =
  loadInventories(inventoryKey) ??
  (() => {
    const built = prepareInventories(fleet, (n) => log(`  ${n} inventories`));
    saveInventories(inventoryKey, built);
    return built;
  })();
const feed = generateFeed(fleet, firstSourceVersions(index), recordCount);
const trackerFile = join(work, 'debian-tracker.json');
writeTrackerJson(trackerFile, feed);
const vulndbFile = join(work, 'vulndb.sqlite');
await buildVulnDb(vulndbFile, trackerFile);
const truth = groundTruth(feed, fleet);
log(`fleet of ${hostCount} hosts; the generator expects ${truth.hostVulRows} host vulnerabilities`);

interface Run {
  workers: number;
  scanMs: number;
  floorMs: number;
  success: number;
  failed: number;
  stored: number;
  peakRssMb: number[];
  loadBefore: string;
  loadAfter: string;
}

function vmHwmOf(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

async function runWith(workers: number): Promise<Run> {
  const dataDir = mkdtempSync(join(work, `w${workers}-`));
  copyFileSync(vulndbFile, join(dataDir, 'vulndb.sqlite'));
  const schema = `bench_workers_${process.pid}_${randomBytes(3).toString('hex')}`;
  const tree = { dataDir, database: { url: TEST_POSTGRES_URL, schema, poolSize: 4 }, log: { level: 'warn' }, hosts: { scanShardSize: shardSize } };
  const children: ChildProcess[] = [];
  const runtime = await openRuntime(validateConfig(tree));
  const queue = createJobQueue(runtime.database, { concurrency: 1, leaseMs: 300_000, pollIntervalMs: 1000, logger: pino({ level: 'warn' }) });
  try {
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const projectId = account.project.id;
    await runtime.services.scanPolicies.change(projectId, { scanPeriod: 'one_day', scanRangeType: 'all_host', status: 'close' });
    const hostIds = await insertHosts(runtime.database.db, projectId, inventories, Date.now());
    // The floor: read and decode every stored inventory (batches of 200), no matching, no writes.
    const floorStart = performance.now();
    const repo = new HostInventoryRepository(runtime.database.db);
    for (let i = 0; i < hostIds.length; i += 200) await repo.load(hostIds.slice(i, i + 200));
    const floorMs = performance.now() - floorStart;

    let ready = 0;
    for (let i = 0; i < workers; i++) {
      const child = spawn(process.execPath, [CLI, 'worker'], {
        env: { PATH: process.env.PATH ?? '', HOME: dataDir, OPENHSS_DATA_DIR: dataDir, OPENHSS_DATABASE_URL: TEST_POSTGRES_URL, OPENHSS_DATABASE_SCHEMA: schema, OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0', OPENHSS_SCAN_SHARD_SIZE: String(shardSize) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        if (!out.includes('openhss worker started') && (out += c.toString()).includes('openhss worker started')) ready++;
      });
      children.push(child);
    }
    while (ready < workers) await sleep(100);
    wireStarters(runtime, queue);
    await refreshHosts(runtime.database.db, projectId, Date.now());
    const loadBefore = load1();
    log(`${workers} worker(s) started (load ${loadBefore}); scanning ${hostCount} hosts`);
    const start = performance.now();
    const taskId = await runtime.services.vulScans.createTask(projectId, { scanType: 'schedule', vulTypes: ['linux_vul'], rangeType: 'all_host' });
    if (!taskId) throw new Error('no task created');
    for (;;) {
      const task = await runtime.database.db.selectFrom('vul_scan_tasks').select(['status', 'success_host_num', 'failed_host_num']).where('id', '=', taskId).executeTakeFirstOrThrow();
      if (task.status === 'finished') {
        const scanMs = performance.now() - start;
        const loadAfter = load1();
        const peakRssMb = children.map((c) => Number(mb(vmHwmOf(c.pid!))));
        const stored = (await storedCounts(runtime, projectId, [])).hostVulRows;
        log(`${workers} worker(s): ${secs(scanMs)} s (floor ${secs(floorMs)} s), ${task.success_host_num} success, ${task.failed_host_num} failed, stored ${stored} (generator ${truth.hostVulRows}), peak RSS ${peakRssMb.join(' + ')} MB, load ${loadBefore} → ${loadAfter}`);
        return { workers, scanMs, floorMs, success: task.success_host_num, failed: task.failed_host_num, stored, peakRssMb, loadBefore, loadAfter };
      }
      await sleep(200);
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await queue.stop(1000);
    await runtime.close();
    await dropSchemas([schema, `${schema}_boss`]).catch((err: unknown) => log(`dropping ${schema}: ${(err as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const runs: Run[] = [];
try {
  for (const n of workerCounts) runs.push(await runWith(n));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const base = runs[0]!;
console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}; PostgreSQL; ${hostCount} hosts, shards of ${shardSize}, default queue settings`);
console.log('\n| worker processes | scan s | vs 1 process | floor s (decode every inventory) | hosts success/failed | stored (generator) | peak RSS per worker MB | load avg before → after |');
console.log('| ---: | ---: | ---: | ---: | --- | ---: | --- | --- |');
for (const r of runs) {
  console.log(
    `| ${r.workers} | ${secs(r.scanMs)} | ${(base.scanMs / r.scanMs).toFixed(2)}× | ${secs(r.floorMs)} | ${r.success}/${r.failed} | ${r.stored} (${truth.hostVulRows}) | ${r.peakRssMb.join(', ')} | ${r.loadBefore} → ${r.loadAfter} |`,
  );
}
if (runs.some((r) => r.stored !== truth.hostVulRows || r.failed > 0)) process.exit(1);
