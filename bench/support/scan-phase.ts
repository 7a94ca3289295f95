/**
 * Child of bench/scan.ts: one measured phase per process, so each peak RSS
 * is that phase's alone.
 *
 *   floor URL REPOSITORY CONCURRENCY DIGEST…   fetch every blob over HTTP and gunzip it to nothing
 *   scan REGISTRY_HOST REFERENCE DB CACHE_DIR REPEAT
 *                                              registryImage + scanLayers + matchInventory, REPEAT times
 */
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Agent } from 'undici';
import { matchInventory } from '../../src/findings/match-inventory.js';
import { analyzers } from '../../src/inventory/registry.js';
import { matchers } from '../../src/matchers/index.js';
import { scanLayers } from '../../src/scan/inventory-scan.js';
import { FileLayerCache } from '../../src/scan/layer-cache.js';
import { registryImage } from '../../src/sources/image/registry-image.js';
import { RegistryClient } from '../../src/sources/registry/index.js';
import { VulnDbReader } from '../../src/vulndb/index.js';
import { report } from './child.js';

const [phase, ...args] = process.argv.slice(2);

if (phase === 'floor') {
  const [url, repository, concurrencyArg, ...digests] = args as [string, string, string, ...string[]];
  const origin = new URL(url).origin;
  const agent = new Agent();
  let compressed = 0;
  let expanded = 0;
  const fetchOne = async (digest: string) => {
    const response = await agent.request({ origin, path: `/v2/${repository}/blobs/${digest}`, method: 'GET' });
    if (response.statusCode !== 200) throw new Error(`GET blob ${digest}: HTTP ${response.statusCode}`);
    response.body.on('data', (c: Buffer) => (compressed += c.length));
    await pipeline(
      response.body,
      createGunzip(),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          expanded += chunk.length;
          cb();
        },
      }),
    );
  };
  const baseRss = process.memoryUsage().rss;
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < digests.length; i = next++) await fetchOne(digests[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(Number(concurrencyArg), digests.length) }, worker));
  const ms = performance.now() - start;
  await agent.close();
  report({ ms, baseRss, compressed, expanded });
} else if (phase === 'scan') {
  const [registryHost, reference, dbFile, cacheDir, repeatArg] = args as [string, string, string, string, string];
  const client = new RegistryClient({ hosts: { [registryHost]: { insecure: true } } });
  const reader = VulnDbReader.open(dbFile);
  const cache = new FileLayerCache(cacheDir, analyzers);
  const baseRss = process.memoryUsage().rss;
  const runs: Array<{ ms: number; resolveMs: number; layersMs: number; matchMs: number; cached: number; layers: number; packages: number; findings: number }> = [];
  for (let i = 0; i < Number(repeatArg); i++) {
    const t0 = performance.now();
    const artifact = await registryImage(client, reference);
    const t1 = performance.now();
    const { inventory, layers } = await scanLayers(artifact.layers, { analyzers, cache });
    const t2 = performance.now();
    const { findings } = matchInventory(inventory, reader, matchers);
    const t3 = performance.now();
    runs.push({ ms: t3 - t0, resolveMs: t1 - t0, layersMs: t2 - t1, matchMs: t3 - t2, cached: layers.filter((l) => l.cached).length, layers: layers.length, packages: inventory.packages.length, findings: findings.length });
  }
  reader.close();
  await client.close();
  report({ baseRss, runs });
} else {
  throw new Error(`unknown phase ${phase}`);
}
