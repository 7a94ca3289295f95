import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Analyzer } from '../inventory/analyzer.js';
import type { LayerInventory } from '../inventory/layers.js';

/** Where per-layer analyses are kept between scans. */
export interface LayerCache {
  get(layerDigest: string): Promise<LayerInventory | undefined>;
  put(layer: LayerInventory): Promise<void>;
}

/** Changes whenever any analyzer is added, removed or bumped, so stale analyses are never reused. */
export function analyzerSetKey(analyzers: readonly Analyzer[]): string {
  const names = analyzers.map((a) => `${a.name}@${a.version}`).sort().join(',');
  return createHash('sha256').update(names).digest('hex').slice(0, 16);
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * A cache of gzip'd JSON files, one per (layer digest, analyzer set). Writes
 * go to a temporary name and are renamed into place, so concurrent scans and
 * crashes never leave a half-written entry. Only content-addressed digests
 * are cached: a name that is not a sha256 digest cannot be trusted as a key.
 */
export class FileLayerCache implements LayerCache {
  private readonly key: string;

  constructor(
    private readonly dir: string,
    analyzers: readonly Analyzer[],
  ) {
    this.key = analyzerSetKey(analyzers);
  }

  async get(layerDigest: string): Promise<LayerInventory | undefined> {
    if (!DIGEST.test(layerDigest)) return undefined;
    try {
      const layer = JSON.parse(gunzipSync(await readFile(this.path(layerDigest))).toString('utf8')) as LayerInventory;
      return layer.digest === layerDigest ? layer : undefined;
    } catch {
      return undefined;
    }
  }

  async put(layer: LayerInventory): Promise<void> {
    if (!DIGEST.test(layer.digest)) return;
    await mkdir(this.dir, { recursive: true });
    const final = this.path(layer.digest);
    const temp = `${final}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, gzipSync(JSON.stringify(layer)));
      await rename(temp, final);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  private path(layerDigest: string): string {
    return join(this.dir, `${layerDigest.slice('sha256:'.length)}-${this.key}.json.gz`);
  }
}

/** No caching: every scan reads every layer. */
export const noLayerCache: LayerCache = { get: async () => undefined, put: async () => undefined };
