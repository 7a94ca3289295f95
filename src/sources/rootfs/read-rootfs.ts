import { constants } from 'node:fs';
import { lstat, open, opendir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { FileSink, LayerContents, LayerLimits, WantedFile } from '../layers/walk-layer.js';
import { DEFAULT_LAYER_LIMITS, normalizeEntryPath } from '../layers/walk-layer.js';

/** Pseudo and volatile file systems a host scan never descends into. */
export const DEFAULT_ROOTFS_EXCLUDES = ['proc', 'sys', 'dev', 'run', 'tmp', 'var/tmp', 'var/cache', 'mnt', 'media', 'lost+found'];

export interface RootfsOptions {
  limits?: LayerLimits;
  /** Paths (relative to the root) not to descend into. */
  excludes?: string[];
  /** Takes each wanted file as it is read instead of keeping it in `files`. */
  sink?: FileSink;
}

/**
 * Reads a root file system directory (a host's `/`, a mounted disk, an
 * unpacked image) like a single layer: only the files `wanted` selects are
 * read, symbolic links are recorded but never followed, and nothing outside
 * the root is touched.
 */
export async function readRootfs(root: string, wanted: WantedFile, options: RootfsOptions = {}): Promise<LayerContents> {
  const limits = options.limits ?? DEFAULT_LAYER_LIMITS;
  const excludes = new Set(options.excludes ?? DEFAULT_ROOTFS_EXCLUDES);
  const contents: LayerContents = { compression: 'none', files: new Map(), whiteouts: [], opaqueDirs: [], symlinks: new Map(), warnings: [] };
  const pending: string[] = [''];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let handle;
    try {
      handle = await opendir(join(root, dir));
    } catch (err) {
      contents.warnings.push(`${dir || '/'}: cannot be listed (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    for await (const entry of handle) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!excludes.has(path)) pending.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = await readlink(join(root, path)).catch(() => null);
        if (target === null) continue;
        const resolved = target.startsWith('/') ? normalizeEntryPath(target) : normalizeEntryPath(posix.join(dir, target));
        if (resolved === null) contents.warnings.push(`${path}: symbolic link to ${target} leaves the root; ignored`);
        else contents.symlinks.set(path, resolved);
      } else if (entry.isFile()) {
        await readWanted(root, path, wanted, limits, contents, options.sink);
      }
    }
  }
  return contents;
}

async function readWanted(root: string, path: string, wanted: WantedFile, limits: LayerLimits, contents: LayerContents, sink: FileSink | undefined): Promise<void> {
  const full = join(root, path);
  try {
    const info = await lstat(full);
    if (!info.isFile()) return;
    const fileInfo = { mode: info.mode & 0o7777, size: info.size };
    if (!wanted(path, fileInfo)) return;
    if (info.size > limits.maxFileBytes) {
      contents.warnings.push(`${path}: ${info.size} bytes is over the ${limits.maxFileBytes}-byte limit for analyzed files; skipped`);
      return;
    }
    // O_NOFOLLOW: a file swapped for a link since it was listed is refused, not followed out of the root.
    const file = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
    let bytes: Buffer;
    try {
      bytes = await file.readFile();
    } finally {
      await file.close();
    }
    if (sink) await sink(path, bytes, fileInfo);
    else contents.files.set(path, bytes);
  } catch (err) {
    contents.warnings.push(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
