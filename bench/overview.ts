/**
 * Overview benchmark: GET /v5/{project_id}/openhss/overview at a 20,000-host fleet with millions
 * of stored host vulnerabilities, against a bare Fastify route and a trivial authenticated route
 * (…/openhss/whoami) in the same server process; target p99 ≤ 20 ms under 16 connections (issue 13). SQLite and PostgreSQL
 * (127.0.0.1:5432, trust auth, database `test`, a throwaway schema).
 *
 *   node --import tsx bench/overview.ts [--backend sqlite|postgres|both] [--hosts 20000] [--vuls-per-host 250]
 *     [--images 2000] [--duration 10] [--connections 16] [--samples 400]
 *
 * Set-up (not timed) goes through the real write paths, so the per-host and per-image counts the
 * overview reads are kept exactly as in production: host vulnerabilities in batches through
 * HostVulRepository.write (the scan's bulk writer: SQLite writer thread, PostgreSQL unnest), image
 * findings through ImageContentRepository.save, 29 past daily snapshots through the snapshot writer.
 * The figures the route returns are checked against the generator's own counts before measuring.
 *
 * Latency: `--samples` sequential requests (one client: each request's own time, p50/p95 exact), then
 * autocannon with `--connections` for `--duration` s per route (p50/p97.5/p99 under load).
 * Prints progress on stderr and a Markdown block on stdout (for docs/benchmarks.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { validateConfig } from '../src/config/load.js';
import type { DialectName } from '../src/db/connect.js';
import { arg, backendsArg, dropSchemas, startServerChild } from './support/fleet-bench.js';
import { key52 } from '../src/domain/keys.js';
import { KIND_LINUX, KIND_URGENT, statusCode } from '../src/domain/host-vul.js';
import { HostVulRepository, type NewHostVul } from '../src/repositories/host-vul-repository.js';
import { ImageContentRepository } from '../src/repositories/image-content-repository.js';
import { OverviewRepository } from '../src/repositories/overview-repository.js';
import { DAY_MS } from '../src/repositories/host-vul-counts.js';
import { encodeInventory } from '../src/repositories/inventory-codec.js';
import { openRuntime } from '../src/runtime/runtime.js';
import { TEST_POSTGRES_URL } from '../test/support/databases.js';
import { prng } from './hosts/fleet.js';
import { BENCH_OS, insertHosts, uuidFrom, type StoredInventory } from './hosts/hosts.js';

const backends = backendsArg();
const hostCount = arg('hosts', 20_000);
const vulsPerHost = arg('vuls-per-host', 250);
const imageCount = arg('images', 2_000);
const duration = arg('duration', 10);
const connections = arg('connections', 16);
const samples = arg('samples', 400);

const CATALOGUE = 4_000;
const KEV_EVERY = 100;
const VULS_PER_IMAGE = 40;
const IGNORED_SHARE = 0.05;
const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);
const timed = async <T>(what: string, f: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const value = await f();
  const ms = performance.now() - start;
  log(`${what}: ${secs(ms)} s`);
  return [value, ms];
};

/** The vulnerability catalogue: severities 10 % critical, 30 % high, 40 % medium, 20 % low; every 100th in the KEV catalog. */
const catalogue = Array.from({ length: CATALOGUE }, (_, i) => {
  const vulId = `CVE-2099-${String(10_000 + i)}`;
  const r = (i * 7919) % 10;
  const severity = r === 0 ? 'Critical' : r <= 3 ? 'High' : r <= 7 ? 'Medium' : 'Low';
  return { vulId, seq: key52(vulId), affectSeq: key52(`${vulId}:affect`), severity, kev: i % KEV_EVERY === 0 };
});

const byId = new Map(catalogue.map((v) => [v.vulId, v]));

interface Expected {
  hosts: Record<(typeof SEVERITIES)[number], number> & { handled: number; kev: number; vulnerable: number };
  images: { critical: number; high: number; medium: number; low: number; handled: number };
  rows: number;
}

async function fill(backend: DialectName, tree: Record<string, unknown>): Promise<{ projectId: string; token: string; expected: Expected; setupMs: Record<string, number> }> {
  const runtime = await openRuntime(validateConfig(tree));
  try {
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const projectId = account.project.id;
    await runtime.services.scanPolicies.change(projectId, { scanPeriod: 'one_day', scanRangeType: 'all_host', status: 'close' });
    const db = runtime.database.db;
    const now = Date.now();
    const emptyInventory = encodeInventory({ os: BENCH_OS, packages: [] });
    const inventories: StoredInventory[] = Array.from({ length: hostCount }, (_, i) => ({ hash: `bench-${i}`, document: emptyInventory, packageCount: 0 }));
    const [hostIds, hostsMs] = await timed(`${backend}: insert ${hostCount} hosts`, () => insertHosts(db, projectId, inventories, now));

    const expected: Expected = { hosts: { Critical: 0, High: 0, Medium: 0, Low: 0, handled: 0, kev: 0, vulnerable: 0 }, images: { critical: 0, high: 0, medium: 0, low: 0, handled: 0 }, rows: 0 };
    const writer = new HostVulRepository(runtime.database);
    const rand = prng(4242);
    const ignored = statusCode('vul_status_ignored');
    const [, vulsMs] = await timed(`${backend}: ${hostCount * vulsPerHost} host vulnerabilities through the bulk writer`, async () => {
      const BATCH = 200;
      for (let b = 0; b < hostIds.length; b += BATCH) {
        const inserts: NewHostVul[] = [];
        const batchHosts = hostIds.slice(b, b + BATCH);
        for (const hostId of batchHosts) {
          const hostSeq = key52(hostId);
          const picked = new Set<number>();
          while (picked.size < vulsPerHost) picked.add(Math.floor(rand() * CATALOGUE));
          let open = 0;
          for (const index of picked) {
            const v = catalogue[index]!;
            const status = rand() < IGNORED_SHARE ? ignored : 0;
            inserts.push({ hostSeq, vulSeq: v.seq, affectSeq: v.affectSeq, kind: KIND_LINUX | (v.kev ? KIND_URGENT : 0), status, handledFingerprint: null, firstScanTime: now });
            if (status === ignored) expected.hosts.handled++;
            else {
              open++;
              expected.hosts[v.severity as (typeof SEVERITIES)[number]]++;
              if (v.kev) expected.hosts.kev++;
            }
          }
          if (open > 0) expected.hosts.vulnerable++;
        }
        expected.rows += inserts.length;
        await writer.write({
          inserts,
          updates: [],
          deletes: [],
          affects: b === 0 ? catalogue.map((v) => ({ seq: v.affectSeq, vulSeq: v.seq, vulType: 'linux_vul', severity: v.severity, packages: JSON.stringify([{ name: 'pkg', version: '1', fixed_version: '2', path: '', type: 'deb' }]), fingerprint: v.affectSeq % 1_000_000 })) : [],
          infos: b === 0 ? catalogue.map((v) => ({ vulId: v.vulId, seq: v.seq, title: `Benchmark ${v.vulId}`, description: '', url: '', severity: v.severity as (typeof SEVERITIES)[number], cvssScore: null, cveIds: [v.vulId], kev: v.kev, dataSource: 'bench' })) : [],
          scanned: batchHosts.map((id) => ({ hostSeq: key52(id), matchedState: 'bench', matchGap: null })),
          now,
          projectId,
          seen: [...new Set(inserts.map((r) => r.vulSeq))],
        });
        if ((b / BATCH) % 20 === 0) log(`  ${b + batchHosts.length} hosts written`);
      }
    });
    writer.close();

    const contents = new ImageContentRepository(db);
    const [, imagesMs] = await timed(`${backend}: ${imageCount} CI/CD images with ${VULS_PER_IMAGE} vulnerabilities each`, async () => {
      const images = Array.from({ length: imageCount }, (_, i) => {
        const digest = `sha256:${randomBytes(32).toString('hex')}`;
        return {
          id: uuidFrom(rand),
          project_id: projectId,
          enterprise_project_id: '0',
          image_type: 'cicd',
          natural_key: `bench/app-${i}:1`,
          registry_id: null,
          registry_name: '',
          registry_type: '',
          namespace: 'bench',
          image_name: `bench/app-${i}`,
          image_version: '1',
          image_digest: digest,
          image_id: null,
          image_size: null,
          latest_update_time: now,
          local_image_type: null,
          scan_status: 'success',
          scan_failed_reason: '',
          latest_scan_time: now,
          completed_scan_status: 'success',
          completed_scan_reason: '',
          removed_at: null,
          created_at: now,
          updated_at: now,
        };
      });
      for (let i = 0; i < images.length; i += 200) await db.insertInto('image_assets').values(images.slice(i, i + 200)).execute();
      for (const image of images) {
        const picked = new Set<number>();
        while (picked.size < VULS_PER_IMAGE) picked.add(Math.floor(rand() * CATALOGUE));
        const vuls = [...picked].map((index) => {
          const v = catalogue[index]!;
          return { vul_id: v.vulId, package_name: 'pkg', package_version: '1', package_path: '', vul_type: 'linux_vul', package_type: 'deb', fixed_version: '2', severity: v.severity.toLowerCase(), cvss_score: null, cve_ids: JSON.stringify([v.vulId]), title: '' };
        });
        const totals = { critical_num: 0, high_num: 0, medium_num: 0, low_num: 0, unknown_num: 0 };
        for (const v of vuls) {
          expected.images[v.severity as 'critical' | 'high' | 'medium' | 'low']++;
          totals[`${v.severity as 'critical' | 'high' | 'medium' | 'low'}_num`]++;
        }
        await contents.save(
          { project_id: projectId, image_digest: image.image_digest, image_id: null, os_name: 'debian', os_version: '12', package_count: 1, document: emptyInventory, source: 'cicd', inventory_at: now, matched_at: now, matched_generation: 'bench', ...totals },
          vuls,
          now,
          vuls.filter((v) => byId.get(v.vul_id)!.kev).map((v) => v.vul_id),
        );
      }
    });

    // Stored results matched against the DB file the server opens: its start-up re-match (of empty benchmark inventories) has nothing to do.
    const generation = runtime.vulnDb.generation();
    await db.updateTable('hosts').set({ matched_generation: generation }).where('project_id', '=', projectId).execute();
    await db.updateTable('image_contents').set({ matched_generation: generation }).where('project_id', '=', projectId).execute();
    const overviewRepo = new OverviewRepository(db);
    const today = Math.floor(now / DAY_MS);
    for (let k = 29; k >= 1; k--) await overviewRepo.writeSnapshots(today - k, now - k * DAY_MS);
    if (backend === 'postgres') await sql`vacuum analyze`.execute(db);
    const { token } = await runtime.services.auth.issueFor(account.user.id, projectId, ['token']);
    return { projectId, token, expected, setupMs: { hostsMs, vulsMs, imagesMs } };
  } finally {
    await runtime.close();
  }
}

interface Row {
  name: string;
  seqP50: number;
  seqP95: number;
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  errors: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Row> {
  // One client, one request at a time: each request's own latency.
  const times: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const start = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${name}: ${res.status}`);
    if (i >= 20) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const options = { url, headers, connections };
  await autocannon({ ...options, duration: 2 });
  const r = await autocannon({ ...options, duration });
  const row = {
    name,
    seqP50: percentile(times, 50),
    seqP95: percentile(times, 95),
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
  };
  log(`  ${name}: one client p50 ${row.seqP50.toFixed(1)} ms p95 ${row.seqP95.toFixed(1)} ms; ${connections} connections ${row.rps} req/s p50 ${row.p50} p97.5 ${row.p97_5} p99 ${row.p99} ms${row.errors ? `, ${row.errors} errors` : ''}`);
  return row;
}

interface Result {
  backend: DialectName;
  setupMs: Record<string, number>;
  rows: Row[];
  rowsStored: number;
  check: string;
}

const work = mkdtempSync(join(tmpdir(), 'openhss-bench-overview-'));
async function runBackend(backend: DialectName): Promise<Result> {
  const dataDir = mkdtempSync(join(work, `${backend}-`));
  const schema = `bench_overview_${process.pid}_${randomBytes(3).toString('hex')}`;
  const tree = {
    dataDir,
    database: backend === 'postgres' ? { url: TEST_POSTGRES_URL, schema, poolSize: 10 } : {},
    log: { level: process.env.BENCH_LOG_LEVEL ?? 'warn' },
    server: { port: 0 },
    vulndb: { updateIntervalHours: 0 },
  };
  try {
    const { projectId, token, expected, setupMs } = await fill(backend, tree);
    const server = await startServerChild(JSON.stringify(tree));
    try {
      const auth = { 'x-auth-token': token };
      const overviewUrl = `${server.url}/v5/${projectId}/openhss/overview`;
      const body = (await (await fetch(overviewUrl, { headers: auth })).json()) as { hosts: Record<string, number>; images: Record<string, number>; trend: unknown[]; kev: { host_finding_num: number } };
      const got = [body.hosts.total_num, body.hosts.critical_num, body.hosts.high_num, body.hosts.medium_num, body.hosts.low_num, body.hosts.handled_num, body.hosts.kev_num, body.hosts.vulnerable_num, body.kev.host_finding_num, body.images.total_num, body.images.open_num, body.trend.length];
      const want = [hostCount, expected.hosts.Critical, expected.hosts.High, expected.hosts.Medium, expected.hosts.Low, expected.hosts.handled, expected.hosts.kev, expected.hosts.vulnerable, expected.hosts.kev, imageCount, imageCount * VULS_PER_IMAGE, 30];
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`overview figures differ from the generator's: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      log(`${backend}: overview figures equal the generator's (${expected.rows} host vulnerabilities, ${imageCount * VULS_PER_IMAGE} image vulnerabilities)`);
      const rows = [
        await measure('bare Fastify route (floor, same process)', `${server.bareUrl}/bare`),
        await measure('GET …/openhss/whoami (trivial authenticated route)', `${server.url}/v5/${projectId}/openhss/whoami`, auth),
        await measure('GET …/openhss/overview', overviewUrl, auth),
        await measure('GET …/openhss/overview?enterprise_project_id=all_granted_eps', `${overviewUrl}?enterprise_project_id=all_granted_eps`, auth),
      ];
      return { backend, setupMs, rows, rowsStored: expected.rows, check: 'equal' };
    } finally {
      await server.stop();
    }
  } finally {
    if (backend === 'postgres') await dropSchemas([schema, `${schema}_boss`]).catch((err: unknown) => log(`dropping ${schema}: ${(err as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
try {
  for (const backend of backends) results.push(await runBackend(backend));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
console.log(
  `\nFleet: ${hostCount} hosts with ${vulsPerHost} vulnerabilities each (${hostCount * vulsPerHost} host_vuls rows, ${IGNORED_SHARE * 100} % ignored, 1 % KEV) over a catalogue of ${CATALOGUE}; ` +
    `${imageCount} CI/CD images with ${VULS_PER_IMAGE} each; 29 past daily snapshots.`,
);
console.log(`\n| backend | route | one client p50 / p95 ms | ${connections} connections req/s | vs floor | p50 / p97.5 / p99 ms under load | target p99 ≤ 20 ms |`);
console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
for (const r of results) {
  const floor = r.rows[0]!;
  for (const row of r.rows) {
    const isOverview = row.name.includes('overview');
    const verdict = isOverview ? (row.errors === 0 && row.p99 <= 20 ? 'met' : '**missed**') : '';
    console.log(
      `| ${r.backend} | ${row.name} | ${row.seqP50.toFixed(1)} / ${row.seqP95.toFixed(1)} | ${row.rps} | ${(row.rps / floor.rps).toFixed(2)}× | ${row.p50} / ${row.p97_5} / ${row.p99} | ${verdict} |`,
    );
  }
}
for (const r of results) console.log(`\n${r.backend}: set-up hosts ${secs(r.setupMs.hostsMs!)} s, host vulnerabilities ${secs(r.setupMs.vulsMs!)} s, images ${secs(r.setupMs.imagesMs!)} s.`);
