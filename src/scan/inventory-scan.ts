import type { Readable } from 'node:stream';
import type { Analyzer } from '../inventory/analyzer.js';
import { analyzeStreaming, mergeLayers, type Inventory, type LayerInventory } from '../inventory/layers.js';
import { DEFAULT_LAYER_LIMITS, walkLayer, type LayerLimits } from '../sources/layers/walk-layer.js';
import { noLayerCache, type LayerCache } from './layer-cache.js';

/** One layer of an artifact, opened only when its analysis is not cached. */
export interface LayerSource {
  digest: string;
  size?: number;
  open(): Promise<Readable>;
}

export interface InventoryScanOptions {
  analyzers: readonly Analyzer[];
  cache?: LayerCache;
  limits?: LayerLimits;
  /** Layers downloaded and analysed at once. */
  concurrency?: number;
  /** Told as each layer finishes, for progress display. */
  onLayer?: (event: { digest: string; cached: boolean; done: number; total: number }) => void;
}

export interface InventoryScanResult {
  inventory: Inventory;
  layers: { digest: string; cached: boolean }[];
}

/**
 * Turns an ordered list of layers into an inventory: each layer is taken
 * from the cache or streamed once and analysed, then all are merged in
 * order. Layers are processed a few at a time; the merge keeps their order.
 */
export async function scanLayers(layers: readonly LayerSource[], options: InventoryScanOptions): Promise<InventoryScanResult> {
  const cache = options.cache ?? noLayerCache;
  const results: Array<{ layer: LayerInventory; cached: boolean } | undefined> = new Array(layers.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < layers.length && !failed; i = next++) {
      const source = layers[i]!;
      const hit = await cache.get(source.digest);
      if (hit) {
        results[i] = { layer: hit, cached: true };
      } else {
        const stream = await source.open();
        const layer = await analyzeStreaming(source.digest, (wanted, sink) => walkLayer(stream, wanted, options.limits ?? DEFAULT_LAYER_LIMITS, sink), options.analyzers);
        await cache.put(layer);
        results[i] = { layer, cached: false };
      }
      options.onLayer?.({ digest: source.digest, cached: results[i]!.cached, done: ++done, total: layers.length });
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 3, layers.length));
  // One bad layer fails the scan; the other workers stop taking layers instead of downloading on.
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      worker().catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    ),
  );
  const ordered = results.map((r) => r!);
  return { inventory: mergeLayers(ordered.map((r) => r.layer)), layers: ordered.map((r) => ({ digest: r.layer.digest, cached: r.cached })) };
}
