import { constants, type Dirent, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { FileSink, LayerContents, LayerLimits, WantedFile } from '../layers/walk-layer.js';
import { DEFAULT_LAYER_LIMITS, normalizeEntryPath } from '../layers/walk-layer.js';

/** Pseudo and volatile file systems a host scan never descends into. */
export const DEFAULT_ROOTFS_EXCLUDES = ['proc', 'sys', 'dev', 'run', 'tmp', 'var/tmp', 'var/cache', 'mnt', 'media', 'lost+found'];

/** The file-system calls the walk makes; tests replace them to reproduce a failing disk. */
export interface RootfsFs {
  opendir(path: string, options: { bufferSize: number }): Promise<AsyncIterable<Dirent>>;
  lstat(path: string): Promise<Stats>;
}

const nodeFs: RootfsFs = { opendir, lstat };

export interface RootfsOptions {
  limits?: LayerLimits;
  /** Paths (relative to the root) not to descend into. */
  excludes?: string[];
  /** Takes each wanted file as it is read instead of keeping it in `files`. */
  sink?: FileSink;
  /** Told of each directory or file that could not be read and was skipped (a warning names it too). */
  onSkip?: (path: string) => void;
  fs?: RootfsFs;
  /** Aborting ends the walk (with the signal's reason) before the next directory. */
  signal?: AbortSignal;
}

/** lstat calls kept in flight at once: enough to keep libuv's thread pool busy, few enough to leave it room. */
const STAT_CONCURRENCY = 16;
const DIR_BUFFER = 256;

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message ?? 'error';

/**
 * Reads a root file system directory (a host's `/`, a mounted disk, an
 * unpacked image) like a single layer: only the files `wanted` selects are
 * read, symbolic links are recorded but never followed, and nothing outside
 * the root is touched. A directory or file that cannot be read is skipped
 * with a warning naming it; the walk goes on. Entries are handled in listing
 * order whatever the lstat calls in flight.
 */
export async function readRootfs(root: string, wanted: WantedFile, options: RootfsOptions = {}): Promise<LayerContents> {
  const limits = options.limits ?? DEFAULT_LAYER_LIMITS;
  const fs = options.fs ?? nodeFs;
  const excludes = new Set(options.excludes ?? DEFAULT_ROOTFS_EXCLUDES);
  const contents: LayerContents = { compression: 'none', files: new Map(), whiteouts: [], opaqueDirs: [], symlinks: new Map(), warnings: [] };
  const skip = (path: string, warning: string) => {
    contents.warnings.push(`${path || '/'}: ${warning}`);
    options.onSkip?.(path || '/');
  };
  const pending: string[] = [''];
  while (pending.length > 0) {
    options.signal?.throwIfAborted();
    const dir = pending.pop()!;
    const entries: Dirent[] = [];
    try {
      for await (const entry of await fs.opendir(join(root, dir), { bufferSize: DIR_BUFFER })) entries.push(entry);
    } catch (err) {
      // Some of it may have been listed (readdir can fail part way, e.g. EINVAL on a broken file system); those entries are kept.
      skip(dir, `cannot be listed (${code(err)}); ${entries.length > 0 ? 'the rest of it is' : 'it is'} skipped`);
    }
    const paths = entries.map((entry) => (dir ? `${dir}/${entry.name}` : entry.name));
    // One lstat per file (the mode and size analyzers of executables select on), several in flight.
    const stats = await mapLimit(entries, STAT_CONCURRENCY, (entry) =>
      entry.isFile() ? fs.lstat(join(root, dir, entry.name)).catch((err: unknown) => err as Error) : Promise.resolve(null),
    );
    const subdirs: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const path = paths[i]!;
      if (entry.isDirectory()) {
        if (!excludes.has(path)) subdirs.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = await readlink(join(root, path)).catch(() => null);
        if (target === null) continue;
        const resolved = target.startsWith('/') ? normalizeEntryPath(target) : normalizeEntryPath(posix.join(dir, target));
        if (resolved === null) contents.warnings.push(`${path}: symbolic link to ${target} leaves the root; ignored`);
        else contents.symlinks.set(path, resolved);
      } else if (entry.isFile()) {
        const info = stats[i];
        if (info instanceof Error) skip(path, `cannot be read (${code(info)}); skipped`);
        else if (info) await readWanted(root, path, info, wanted, limits, contents, options.sink, skip);
      }
    }
    pending.push(...subdirs);
  }
  return contents;
}

async function readWanted(
  root: string,
  path: string,
  info: Stats,
  wanted: WantedFile,
  limits: LayerLimits,
  contents: LayerContents,
  sink: FileSink | undefined,
  skip: (path: string, warning: string) => void,
): Promise<void> {
  if (!info.isFile()) return;
  const fileInfo = { mode: info.mode & 0o7777, size: info.size };
  if (!wanted(path, fileInfo)) return;
  if (info.size > limits.maxFileBytes) {
    contents.warnings.push(`${path}: ${info.size} bytes is over the ${limits.maxFileBytes}-byte limit for analyzed files; skipped`);
    return;
  }
  let bytes: Buffer;
  try {
    // O_NOFOLLOW: a file swapped for a link since it was listed is refused, not followed out of the root.
    const file = await open(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      bytes = await file.readFile();
    } finally {
      await file.close();
    }
  } catch (err) {
    skip(path, `cannot be read (${code(err)}); skipped`);
    return;
  }
  if (!sink) {
    contents.files.set(path, bytes);
    return;
  }
  try {
    await sink(path, bytes, fileInfo);
  } catch (err) {
    skip(path, `cannot be analysed (${(err as Error).message}); skipped`);
  }
}
