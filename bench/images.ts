/**
 * Registry image scan benchmark, against its floor in the same run.
 *
 * 50 distinct images share two base layers (the debootstrap bookworm rootfs
 * and an application layer of 1,500 npm and 400 Python packages, both from
 * support/bench-image.ts) and each adds a small layer of its own (a few npm
 * packages at versions of its own). They are pushed to Debian's
 * docker-registry on 127.0.0.1 (storage cached under ~/.cache/openhss-bench).
 *
 * - floor: GET every distinct layer blob once and gunzip it to nothing, two
 *   at a time (the queue's default concurrency);
 * - scan: openhss as deployed with SQLite: registry added and synced, one
 *   image scan task with is_all, carried out by the real job queue and
 *   dispatcher at the default concurrency, timed from task creation to the
 *   task's end; images per minute, and the share of layers the layer cache served.
 *   With the product's defaults: queue and dispatcher poll intervals, log level info (on stderr).
 *
 *   node --import tsx bench/images.ts [--images 50] [--runs 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import pino from 'pino';
import { pack } from 'tar-stream';
import { Agent } from 'undici';
import { validateConfig } from '../src/config/load.js';
import { createJobQueue } from '../src/jobs/create-queue.js';
import { startBackground } from '../src/runtime/background.js';
import { openRuntime } from '../src/runtime/runtime.js';
import { queueOptions } from '../src/runtime/server.js';
import { wireStarters } from '../src/runtime/starters.js';
import { debootstrapBookworm } from '../test/support/debootstrap.js';
import { startRegistry } from '../test/support/oci-registry.js';
import { appLayerTar, cachedLayer, directoryTar, image, pushImage, type BenchImage, type LayerFile } from './support/bench-image.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const IMAGES = arg('images', 50);
const RUNS = arg('runs', 2);
const CACHE = process.env.OPENHSS_BENCH_CACHE ?? join(homedir(), '.cache', 'openhss-bench');
const NAMESPACE = 'bench-fleet';

/** A small layer only image `i` has: a few npm packages at versions of its own. */
function ownLayerTar(i: number): () => Readable {
  return () => {
    const archive = pack();
    for (let k = 0; k < 20; k++) {
      const name = `fleet-${i}-pkg-${k}`;
      archive.entry({ name: `srv/own/node_modules/${name}/package.json`, mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') }, JSON.stringify({ name, version: `${i}.${k}.0`, license: 'MIT' }));
    }
    archive.entry({ name: 'srv/own/VERSION', mode: 0o644, mtime: new Date('2024-01-01T00:00:00Z') }, `${i}\n`);
    archive.finalize();
    return archive as unknown as Readable;
  };
}

/** Fetches each blob once from its repository and gunzips it to nothing, `concurrency` at a time. */
async function floor(url: string, blobs: Array<{ repository: string; layer: LayerFile }>, concurrency: number): Promise<number> {
  const agent = new Agent();
  const origin = new URL(url).origin;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < blobs.length; i = next++) {
      const { repository, layer } = blobs[i]!;
      const response = await agent.request({ origin, path: `/v2/${repository}/blobs/${layer.digest}`, method: 'GET' });
      if (response.statusCode !== 200) throw new Error(`blob ${layer.digest}: HTTP ${response.statusCode}`);
      await pipeline(response.body, createGunzip(), new Writable({ write: (_c, _e, cb) => cb() }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await agent.close();
  return performance.now() - started;
}

async function scanRun(registryUrl: string, expected: number): Promise<{ ms: number; images: number; layers: number; cachedLayers: number; success: number; failed: number; vulnerable: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openhss-bench-images-'));
  // As a user runs it: default dispatcher and queue poll intervals, default log level (info). The
  // logs go to stderr only so that the Markdown on stdout stays clean.
  const config = validateConfig({ dataDir });
  const runtime = await openRuntime(config);
  const logger = pino({ level: config.log.level }, pino.destination(2));
  const queue = createJobQueue(runtime.database, queueOptions(config, logger));
  wireStarters(runtime, queue);
  const background = await startBackground(runtime, queue, logger);
  try {
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const projectId = account.project.id;
    const registry = await runtime.services.registries.add(projectId, { enterpriseProjectId: '0', name: 'bench', registryType: 'Other', url: registryUrl });
    const synced = await runtime.services.registries.syncNow(projectId, registry.id);
    const started = performance.now();
    const taskId = await runtime.services.imageScans.create(projectId, { imageType: 'registry', enterpriseProjectIds: ['0'], isAll: true, queryInfo: { namespace: NAMESPACE } });
    for (;;) {
      const view = await runtime.services.imageScans.get(projectId, taskId!);
      if (view.task.status !== 'running') {
        const ms = performance.now() - started;
        if (view.counts.total !== expected) throw new Error(`the task covered ${view.counts.total} images, not ${expected} (sync: ${JSON.stringify(synced)})`);
        return { ms, ...runtime.services.imageScans.scannerStats(), success: view.counts.success, failed: view.counts.failed, vulnerable: view.counts.risky };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await background.stop();
    await queue.stop(5000);
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rootfs = await debootstrapBookworm();
const layerDir = join(CACHE, 'layers');
const base = await cachedLayer(layerDir, 'debian-bookworm-rootfs', () => directoryTar(rootfs));
const app = await cachedLayer(layerDir, 'app-node-python', appLayerTar);
const fleet: BenchImage[] = [];
for (let i = 0; i < IMAGES; i++) fleet.push(image(`v${i}`, [base, app, await cachedLayer(join(layerDir, 'fleet'), `own-${i}`, ownLayerTar(i))]));
const registry = await startRegistry({ storageDir: join(CACHE, 'registry') });
try {
  for (const [i, img] of fleet.entries()) await pushImage(registry.url, `${NAMESPACE}/app-${i}`, img);
  const distinct = [base, app, ...fleet.map((f) => f.layers[2]!)];
  const rows: string[] = [];
  const results: Array<{ floorMs: number; scan: Awaited<ReturnType<typeof scanRun>> }> = [];
  for (let run = 0; run < RUNS; run++) {
    const floorMs = await floor(registry.url, [base, app].map((layer) => ({ repository: `${NAMESPACE}/app-0`, layer })).concat(fleet.map((f, i) => ({ repository: `${NAMESPACE}/app-${i}`, layer: f.layers[2]! }))), 2);
    const scan = await scanRun(registry.url, IMAGES);
    results.push({ floorMs, scan });
    console.error(`run ${run + 1}/${RUNS}: floor ${(floorMs / 1000).toFixed(2)} s, scan ${(scan.ms / 1000).toFixed(2)} s, ${scan.images} pulled, ${scan.cachedLayers}/${scan.layers} layers from cache`);
  }
  const blobMb = distinct.reduce((n, l) => n + l.size, 0) / 1024 ** 2;
  const tarMb = distinct.reduce((n, l) => n + l.tarSize, 0) / 1024 ** 2;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, SQLite, docker-registry on 127.0.0.1, demo DB`);
  console.log(`${IMAGES} images × 3 layers; ${distinct.length} distinct layers, ${tarMb.toFixed(0)} MB tar / ${blobMb.toFixed(0)} MB gzip`);
  rows.push('| run | floor: fetch + gunzip each distinct layer once, 2 at a time (s) | scan task, create → finished (s) | vs floor | images / minute | layers from cache | images success / failed / vulnerable |');
  rows.push('| ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [i, r] of results.entries()) {
    rows.push(
      `| ${i + 1} | ${(r.floorMs / 1000).toFixed(2)} | ${(r.scan.ms / 1000).toFixed(2)} | ${(r.scan.ms / r.floorMs).toFixed(2)}× | ${((IMAGES / r.scan.ms) * 60_000).toFixed(0)} | ${r.scan.cachedLayers}/${r.scan.layers} (${((r.scan.cachedLayers / r.scan.layers) * 100).toFixed(0)} %) | ${r.scan.success} / ${r.scan.failed} / ${r.scan.vulnerable} |`,
    );
  }
  console.log(`\n${rows.join('\n')}`);
} finally {
  await registry.stop();
}
