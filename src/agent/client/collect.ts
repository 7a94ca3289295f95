import { resolve } from 'node:path';
import { analyzeStreaming, mergeLayers } from '../../inventory/layers.js';
import { analyzers } from '../../inventory/registry.js';
import { DEFAULT_ROOTFS_EXCLUDES, readRootfs } from '../../sources/rootfs/read-rootfs.js';
import { inventoryHash, type InventoryUpload } from '../protocol.js';

export interface CollectOptions {
  /** Root file system to inventory; '/' by default. */
  root?: string;
  /** Paths (absolute within the root, or relative to it) not to descend into, on top of the defaults (proc, sys, tmp…). */
  excludes?: string[];
  now?: () => number;
}

/** A host with a broken disk can warn about every file; the server needs a sample, not megabytes of them. */
const MAX_WARNINGS = 200;

/** "/home/", "home" and "./home" all name the same excluded directory to readRootfs. */
function normalizeExclude(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Inventories a root file system exactly as `openhss scan rootfs` does, ready to upload. */
export async function collectInventory(options: CollectOptions = {}): Promise<InventoryUpload> {
  const root = resolve(options.root ?? '/');
  const excludes = [...DEFAULT_ROOTFS_EXCLUDES, ...(options.excludes ?? []).map(normalizeExclude).filter((p) => p !== '')];
  const layer = await analyzeStreaming('rootfs', (wanted, sink) => readRootfs(root, wanted, { sink, excludes }), analyzers);
  const inventory = mergeLayers([layer]);
  const document = { os: inventory.os ?? null, packages: inventory.packages };
  const warnings =
    inventory.warnings.length > MAX_WARNINGS
      ? [...inventory.warnings.slice(0, MAX_WARNINGS), `… and ${inventory.warnings.length - MAX_WARNINGS} more warnings`]
      : inventory.warnings;
  return { ...document, content_hash: inventoryHash(document), collected_at: (options.now ?? Date.now)(), warnings };
}
