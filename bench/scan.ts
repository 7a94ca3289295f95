/**
 * Image scan benchmark against its floor, in the same run.
 *
 * Images (built once, cached under ~/.cache/openhss-bench, see
 * support/bench-image.ts): `main` is the debootstrap bookworm rootfs, three
 * 128 MB layers of random bytes mixed with text, and a layer of 1,500 npm and
 * 400 Python packages; `large` adds two 256 MB data layers (> 1 GB of tar).
 * Both are pushed to Debian's docker-registry on 127.0.0.1, started here.
 *
 * Each phase runs in a child process of its own (support/scan-phase.ts), so
 * its peak RSS is its own:
 * - floor: GET every layer blob with undici and gunzip it to nothing,
 *   sequentially and with the scan's concurrency (3);
 * - cold scan: registryImage + scanLayers (empty FileLayerCache) +
 *   matchInventory against the demo DB, as `openhss scan image` runs them;
 * - warm re-scan: the same with every layer cached, timed in-process
 *   (client and DB already open), first scan of a fresh process and median
 *   of the following ones.
 *
 *   node --import tsx bench/scan.ts [--runs 3] [--large-runs 3] [--warm 20] [--no-large] [--cpu-prof]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { debootstrapBookworm } from '../test/support/debootstrap.js';
import { buildDemoDb } from '../src/vulndb/index.js';
import { benchImages, pushImage, type BenchImage } from './support/bench-image.js';
import { mb, runPhase, type PhaseResult } from './support/child.js';
import { startRegistry } from '../test/support/oci-registry.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const runs = arg('runs', 3);
const warmRuns = arg('warm', 20);
const largeRuns = arg('large-runs', 3);
const withLarge = !process.argv.includes('--no-large');
const cpuProf = process.argv.includes('--cpu-prof');
/** scanLayers' default concurrency (src/scan/inventory-scan.ts), which `openhss scan image` uses. */
const SCAN_CONCURRENCY = 3;
const REPOSITORY = 'bench/image';
const CACHE = process.env.OPENHSS_BENCH_CACHE ?? join(homedir(), '.cache', 'openhss-bench');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(3);

const rootfs = await debootstrapBookworm();
const images = await benchImages(CACHE, rootfs);
const registry = await startRegistry({ storageDir: join(CACHE, 'registry') });
const work = mkdtempSync(join(tmpdir(), 'openhss-bench-scan-'));

interface ScanRun {
  ms: number;
  resolveMs: number;
  layersMs: number;
  matchMs: number;
  cached: number;
  layers: number;
  packages: number;
  findings: number;
}

try {
  const pushStart = Date.now();
  await pushImage(registry.url, REPOSITORY, images.main);
  if (withLarge) await pushImage(registry.url, REPOSITORY, images.large);
  console.error(`images in the registry (${((Date.now() - pushStart) / 1000).toFixed(1)} s)`);
  const db = join(work, 'demo.sqlite');
  await buildDemoDb(db);

  const floor = (img: BenchImage, concurrency: number) => runPhase('bench/support/scan-phase.ts', ['floor', registry.url, REPOSITORY, String(concurrency), ...img.layers.map((l) => l.digest)]);
  let cacheSerial = 0;
  const scan = async (img: BenchImage, cacheDir: string | null, repeat: number, profile = false): Promise<PhaseResult & { runs: ScanRun[]; cacheDir: string }> => {
    const dir = cacheDir ?? join(work, `layer-cache-${cacheSerial++}`);
    const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${join(CACHE, 'profiles')}`] : [];
    const r = await runPhase('bench/support/scan-phase.ts', ['scan', registry.host, `${registry.host}/${REPOSITORY}:${img.tag}`, db, dir, String(repeat)], nodeArgs);
    return { ...r, runs: r.runs as ScanRun[], cacheDir: dir };
  };

  // Main image: floor and cold scan interleaved, so drift on a shared machine hits both alike.
  const seq: PhaseResult[] = [];
  const conc: PhaseResult[] = [];
  const cold: Array<PhaseResult & { runs: ScanRun[]; cacheDir: string }> = [];
  for (let i = 0; i < runs; i++) {
    seq.push(await floor(images.main, 1));
    conc.push(await floor(images.main, SCAN_CONCURRENCY));
    cold.push(await scan(images.main, null, 1));
    console.error(`run ${i + 1}/${runs}: floor ${seconds(seq.at(-1)!.ms as number)} s sequential, ${seconds(conc.at(-1)!.ms as number)} s ×${SCAN_CONCURRENCY}; cold scan ${seconds(cold.at(-1)!.runs[0]!.ms)} s`);
  }
  const warm = await scan(images.main, cold.at(-1)!.cacheDir, warmRuns);
  if (cpuProf) {
    await scan(images.main, null, 1, true);
    console.error(`CPU profile of a cold scan written to ${join(CACHE, 'profiles')}`);
  }

  const large: { floor: PhaseResult[]; cold: Array<PhaseResult & { runs: ScanRun[] }> } = { floor: [], cold: [] };
  for (let i = 0; withLarge && i < largeRuns; i++) {
    large.floor.push(await floor(images.large, SCAN_CONCURRENCY));
    large.cold.push(await scan(images.large, null, 1));
    console.error(`large run ${i + 1}/${largeRuns}: floor ${seconds(large.floor.at(-1)!.ms as number)} s ×${SCAN_CONCURRENCY}; cold scan ${seconds(large.cold.at(-1)!.runs[0]!.ms)} s`);
  }

  const floorSeq = median(seq.map((r) => r.ms as number));
  const floorConc = median(conc.map((r) => r.ms as number));
  const coldMs = median(cold.map((r) => r.runs[0]!.ms));
  const coldRss = Math.max(...cold.map((r) => r.maxRss));
  const c0 = cold[0]!.runs[0]!;
  const warmFirst = warm.runs[0]!;
  const warmRest = warm.runs.slice(1).map((r) => r.ms);
  const warmMedian = warmRest.length ? median(warmRest) : warmFirst.ms;
  const ratio = coldMs / floorConc;
  // Each cold scan against the floor measured just before it: steadier than the ratio of medians when the machine is shared.
  const pairRatio = median(cold.map((r, i) => r.runs[0]!.ms / (conc[i]!.ms as number)));
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const describe = (img: BenchImage) => `${img.layers.length} layers, ${mb(img.tarBytes)} MB tar / ${mb(img.blobBytes)} MB gzip`;
  const throughput = (img: BenchImage, ms: number) => ((img.tarBytes / 1024 ** 2 / ms) * 1000).toFixed(0);

  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, docker-registry on 127.0.0.1, demo DB, median of ${runs} runs`);
  console.log(`\nmain image: ${describe(images.main)} (${images.main.layers.map((l) => `${l.name} ${mb(l.tarSize)}/${mb(l.size)} MB`).join(', ')}); ${c0.packages} packages, ${c0.findings} findings`);
  if (withLarge) console.log(`large image: ${describe(images.large)}; ${large.cold[0]!.runs[0]!.packages} packages, ${large.cold[0]!.runs[0]!.findings} findings`);
  console.log('\n| measurement | image | wall s | vs floor ×3 | tar MB/s | peak RSS MB | target |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
  console.log(`| floor: fetch + gunzip, sequential | main | ${seconds(floorSeq)} | ${(floorSeq / floorConc).toFixed(2)}× | ${throughput(images.main, floorSeq)} | ${mb(Math.max(...seq.map((r) => r.maxRss)))} | |`);
  console.log(`| floor: fetch + gunzip, ${SCAN_CONCURRENCY} at a time | main | ${seconds(floorConc)} | 1.00× | ${throughput(images.main, floorConc)} | ${mb(Math.max(...conc.map((r) => r.maxRss)))} | |`);
  console.log(`| cold scan (empty layer cache) | main | ${seconds(coldMs)} | ${ratio.toFixed(2)}× | ${throughput(images.main, coldMs)} | ${mb(coldRss)} | ≤ 1.3× floor: ${verdict(ratio <= 1.3)} |`);
  console.log(`| warm re-scan, first in a fresh process | main | ${seconds(warmFirst.ms)} (${warmFirst.ms.toFixed(1)} ms) | | | ${mb(warm.maxRss)} | ≤ 50 ms: ${verdict(warmFirst.ms <= 50)} |`);
  console.log(`| warm re-scan, median of the next ${warmRest.length} | main | ${seconds(warmMedian)} (${warmMedian.toFixed(1)} ms) | | | | ≤ 50 ms: ${verdict(warmMedian <= 50)} |`);
  const notes: string[] = [];
  if (withLarge) {
    const lf = median(large.floor.map((r) => r.ms as number));
    const lc = median(large.cold.map((r) => r.runs[0]!.ms));
    const lrss = Math.max(...large.cold.map((r) => r.maxRss));
    console.log(`| floor: fetch + gunzip, ${SCAN_CONCURRENCY} at a time | large | ${seconds(lf)} | 1.00× | ${throughput(images.large, lf)} | ${mb(Math.max(...large.floor.map((r) => r.maxRss)))} | |`);
    console.log(`| cold scan (empty layer cache) | large | ${seconds(lc)} | ${(lc / lf).toFixed(2)}× | ${throughput(images.large, lc)} | ${mb(lrss)} | RSS ≤ 200 MB for 1 GB: ${verdict(lrss <= 200 * 1024 ** 2)} |`);
    notes.push(`Large image: median of ${largeRuns} runs; per-run cold/floor ratios ${large.cold.map((r, i) => (r.runs[0]!.ms / (large.floor[i]!.ms as number)).toFixed(2)).join(', ')}.`);
  }
  notes.unshift(`Main image: per-run cold/floor ratios ${cold.map((r, i) => (r.runs[0]!.ms / (conc[i]!.ms as number)).toFixed(2)).join(', ')} (median ${pairRatio.toFixed(2)}×).`);
  notes.push(`RSS of a scan child before scanning (Node + tsx + imports, client and DB open): ${mb(cold[0]!.baseRss)} MB; peak RSS is VmHWM of each child.`);
  notes.push(`Cold scan split (median run): resolve ${seconds(median(cold.map((r) => r.runs[0]!.resolveMs)))} s, layers ${seconds(median(cold.map((r) => r.runs[0]!.layersMs)))} s, match ${seconds(median(cold.map((r) => r.runs[0]!.matchMs)))} s.`);
  notes.push(`Warm re-scan split (median): resolve ${median(warm.runs.slice(1).map((r) => r.resolveMs)).toFixed(1)} ms, layers ${median(warm.runs.slice(1).map((r) => r.layersMs)).toFixed(1)} ms, match ${median(warm.runs.slice(1).map((r) => r.matchMs)).toFixed(1)} ms; ${warm.runs.at(-1)!.cached}/${warm.runs.at(-1)!.layers} layers cached; first in a fresh process: resolve ${warmFirst.resolveMs.toFixed(1)} ms, layers ${warmFirst.layersMs.toFixed(1)} ms, match ${warmFirst.matchMs.toFixed(1)} ms.`);
  console.log(`\n${notes.join('\n')}`);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
