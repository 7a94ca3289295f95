import { release } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { analyzeStreaming, mergeLayers } from '../../inventory/layers.js';
import { analyzers } from '../../inventory/registry.js';
import { skippedMountsOf } from '../../sources/rootfs/mounts.js';
import { DEFAULT_ROOTFS_EXCLUDES, readRootfs, type RootfsFs } from '../../sources/rootfs/read-rootfs.js';
import { inventoryHash, type InventoryUpload } from '../protocol.js';

export interface CollectOptions {
  /** Root file system to inventory; '/' by default. */
  root?: string;
  /** Paths (absolute within the root, or relative to it) not to descend into, on top of the defaults (proc, sys, tmp…). */
  excludes?: string[];
  /** The agent's own state directory (absolute): never inventoried, it holds the agent's caches of image content. */
  stateDir?: string;
  /** Where mount points and their types are read, to skip pseudo and network file systems. */
  mountinfoFile?: string;
  /** The running kernel (`uname -r`) reported with a collection of `/`; tests inject it. */
  kernel?: () => string;
  /** Told of each path skipped because it could not be read. */
  onSkip?: (path: string) => void;
  fs?: RootfsFs;
  /** Aborting ends the walk at the next directory. */
  signal?: AbortSignal;
  now?: () => number;
}

/** A host with a broken disk can warn about every file; the server needs a sample, not megabytes of them. */
const MAX_WARNINGS = 200;

/** "/home/", "home" and "./home" all name the same excluded directory to readRootfs. */
function normalizeExclude(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
}

/** The directories a walk of `root` stays out of: the defaults, pseudo and network mounts, the state dir and the caller's. */
async function excludedPaths(root: string, options: CollectOptions): Promise<string[]> {
  const excludes = [...DEFAULT_ROOTFS_EXCLUDES, ...(options.excludes ?? []).map(normalizeExclude)];
  excludes.push(...(await skippedMountsOf(root, options.mountinfoFile)));
  if (options.stateDir) {
    const rel = relative(root, resolve(options.stateDir));
    if (rel !== '' && !rel.startsWith('..')) excludes.push(rel.split(sep).join('/'));
  }
  return excludes.filter((p) => p !== '');
}

/**
 * Inventories a root file system exactly as `openhss scan rootfs` does, ready
 * to upload. It gives the event loop a turn after each analysed file, so an
 * agent's command polls (its heartbeat) go on while a large disk is read.
 */
export async function collectInventory(options: CollectOptions = {}): Promise<InventoryUpload> {
  const root = resolve(options.root ?? '/');
  const excludes = await excludedPaths(root, options);
  let skipped = 0;
  const onSkip = (path: string) => {
    skipped++;
    options.onSkip?.(path);
  };
  const layer = await analyzeStreaming(
    'rootfs',
    (wanted, sink) =>
      readRootfs(root, wanted, {
        excludes,
        onSkip,
        ...(options.fs ? { fs: options.fs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        sink: async (path, content, info) => {
          await sink(path, content, info);
          await yieldToEventLoop();
        },
      }),
    analyzers,
  );
  const inventory = mergeLayers([layer]);
  // The live system's own root: its running kernel is known, and installed kernels that are not running are not matched.
  const running = root === '/' ? (options.kernel ?? release)() : undefined;
  const document = { os: inventory.os ? { ...inventory.os, ...(running ? { kernel: running } : {}) } : null, packages: inventory.packages };
  const warnings =
    inventory.warnings.length > MAX_WARNINGS
      ? [...inventory.warnings.slice(0, MAX_WARNINGS), `… and ${inventory.warnings.length - MAX_WARNINGS} more warnings`]
      : inventory.warnings;
  return { ...document, content_hash: inventoryHash(document), collected_at: (options.now ?? Date.now)(), warnings, skipped_paths: skipped };
}
