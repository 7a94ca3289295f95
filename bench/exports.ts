/**
 * Export benchmark: 100,000 local-image vulnerability rows (200 images × 500
 * rows, each image on 3 hosts) exported to XLSX and to CSV through the real
 * export job (ExportService.runTask), each in a child process of its own for
 * its peak RSS; target ≤ 10 s and ≤ 250 MB for XLSX. The floor, measured the
 * same way: reading every row through the export's row source, writing nothing.
 *
 *   node --import tsx bench/exports.ts [--backend sqlite|postgres] [--images 200] [--rows-per-image 500]
 *
 * Prints progress on stderr and a Markdown block on stdout (for docs/benchmarks.md).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import type { DialectName } from '../src/db/connect.js';
import { imageVulRows } from '../src/exports/image-vul-rows.js';
import { ExportTaskRepository } from '../src/repositories/export-task-repository.js';
import { openRuntime } from '../src/runtime/runtime.js';
import { TEST_POSTGRES_URL } from '../test/support/databases.js';
import { mb, report, runPhase, type PhaseResult } from './support/child.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};
const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

function configOf(dataDir: string, backend: DialectName, schema: string): Config {
  return validateConfig({
    dataDir,
    database: backend === 'postgres' ? { url: TEST_POSTGRES_URL, schema, poolSize: 4 } : { url: `sqlite:${join(dataDir, 'openhss.db')}` },
    log: { level: 'silent' },
  });
}

/** Fills the store with images, their host refs and vulnerability rows (written directly: seeding is not what is measured). */
async function seed(config: Config, images: number, perImage: number): Promise<string> {
  const runtime = await openRuntime(config);
  try {
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const projectId = account.project.id;
    const db = runtime.database.db;
    const now = Date.now();
    for (let i = 0; i < images; i++) {
      const id = String(1_000_000 + i);
      const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
      await db
        .insertInto('image_assets')
        .values({
          id, project_id: projectId, enterprise_project_id: '0', image_type: 'local', natural_key: `img-${i}`, registry_id: null, registry_name: '', registry_type: '', namespace: '',
          image_name: `team/service-${i}`, image_version: `1.${i}.0`, image_digest: digest, image_id: digest.replace('sha256:0', 'sha256:f'), image_size: 100_000_000,
          latest_update_time: now - i * 1000, local_image_type: 'other_image', scan_status: 'success', scan_failed_reason: '', latest_scan_time: now, removed_at: null, created_at: now, updated_at: now,
        })
        .execute();
      await db
        .insertInto('image_local_refs')
        .values([0, 1, 2].map((h) => ({
          image_asset_id: id, project_id: projectId, host_id: `host-${(i + h) % 50}`, host_name: `node-${(i + h) % 50}.example`, host_ip: `10.0.${h}.${i % 250}`, agent_id: `agent-${(i + h) % 50}`,
          container_id: '', container_name: '', pod_id: '', pod_name: '', cluster_id: '', reported_at: now,
        })))
        .execute();
      const rows = Array.from({ length: perImage }, (_, j) => ({
        project_id: projectId, image_digest: digest, vul_id: `CVE-2024-${String(10_000 + j).padStart(5, '0')}`, package_name: `lib-package-${j % 97}`, package_version: `2.${j % 13}.1-1+deb12u1`,
        package_path: j % 5 === 0 ? `usr/lib/node_modules/pkg-${j}/package.json` : 'var/lib/dpkg/status', vul_type: j % 5 === 0 ? 'app_vul' : 'linux_vul', package_type: j % 5 === 0 ? 'npm' : 'deb',
        fixed_version: `2.${j % 13}.2-1+deb12u1`, severity: ['critical', 'high', 'medium', 'low'][j % 4]!, cvss_score: (j % 100) / 10, cve_ids: `["CVE-2024-${10_000 + j}"]`,
        title: `A vulnerability in lib-package-${j % 97} allowing something bad to happen when given crafted input`, handle_status: j % 7 === 0 ? 'handled' : 'unhandled', handled_at: null, first_seen_at: now - j * 60_000,
      }));
      for (let k = 0; k < rows.length; k += 200) await db.insertInto('image_vuls').values(rows.slice(k, k + 200)).execute();
    }
    return projectId;
  } finally {
    await runtime.close();
  }
}

/** In a child: one measured phase against the seeded store. */
async function child(phase: string, dataDir: string, backend: DialectName, schema: string, projectId: string): Promise<void> {
  const runtime = await openRuntime(configOf(dataDir, backend, schema));
  const baseRss = process.memoryUsage().rss;
  const filter = { assets: { projectId, imageType: 'local' as const, enterpriseProjectIds: ['0'] } };
  const start = performance.now();
  let rows = 0;
  let bytes = 0;
  if (phase === 'floor') {
    for await (const row of imageVulRows(runtime.database.db, filter)) if (row.vulId) rows++;
  } else {
    const format = phase as 'xlsx' | 'csv';
    const { taskId, recordTotalNum } = await runtime.services.exports.createImageVulExport(projectId, {
      imageType: 'local', enterpriseProjectIds: ['0'], enterpriseProjectId: '0', operateAll: true, imageIds: [], assetFilter: {}, exportSize: 300_000, format,
    });
    await runtime.services.exports.runTask(taskId);
    const task = (await new ExportTaskRepository(runtime.database.db).get(taskId))!;
    if (task.status !== 'success' || task.rowsWritten !== recordTotalNum) throw new Error(`export ${task.status}: ${task.failedReason}; ${task.rowsWritten} of ${recordTotalNum} rows`);
    rows = task.rowsWritten;
    bytes = statSync(task.filePath!).size;
  }
  const ms = performance.now() - start;
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  await runtime.close();
  report({ phase, ms, rows, bytes, baseRss, heapUsed, arrayBuffers });
}

async function main(): Promise<void> {
  const phase = arg('phase', '');
  const backend = arg('backend', 'sqlite') as DialectName;
  if (phase) return child(phase, arg('data', ''), backend, arg('schema', 'public'), arg('project', ''));
  const images = Number(arg('images', '200'));
  const perImage = Number(arg('rows-per-image', '500'));
  const dataDir = mkdtempSync(join(tmpdir(), 'openhss-bench-exports-'));
  const schema = backend === 'postgres' ? `bench_exports_${process.pid}` : 'public';
  try {
    log(`seeding ${images} images × ${perImage} rows on ${backend}`);
    const projectId = await seed(configOf(dataDir, backend, schema), images, perImage);
    const results: Record<string, PhaseResult> = {};
    for (const p of ['floor', 'xlsx', 'csv']) {
      results[p] = await runPhase('bench/exports.ts', ['--phase', p, '--data', dataDir, '--backend', backend, '--schema', schema, '--project', projectId]);
      log(`${p}: ${((results[p]!.ms as number) / 1000).toFixed(2)} s, ${results[p]!.rows} rows, peak RSS ${mb(results[p]!.maxRss)} MB (at the end: heap ${mb(results[p]!.heapUsed as number)} MB, buffers ${mb(results[p]!.arrayBuffers as number)} MB)`);
    }
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const line = (name: string, r: PhaseResult, target: string) =>
      `| ${name} | ${Number(r.rows).toLocaleString('en')} | ${((r.ms as number) / 1000).toFixed(2)} s | ${mb(r.maxRss)} MB (${mb(r.baseRss)} MB before) | ${r.bytes ? `${(Number(r.bytes) / 1024 ** 2).toFixed(1)} MB` : '-'} | ${target} |`;
    process.stdout.write(
      [
        `${new Date().toISOString().slice(0, 10)}, ${backend}, ${cpus().length} × ${cpu}, Node ${process.version}: ${images} images × ${perImage} rows`,
        '',
        '| phase | rows | time | peak RSS | file | target |',
        '| --- | ---: | ---: | ---: | ---: | --- |',
        line('floor: read every row, write nothing', results.floor!, ''),
        line('XLSX export (runTask)', results.xlsx!, '≤ 10 s, ≤ 250 MB'),
        line('CSV export (runTask)', results.csv!, ''),
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (backend === 'postgres') {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
}

await main();
