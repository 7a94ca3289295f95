import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, type Dirent, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FileInfo, FileSelection, FileSink, LayerContents, LayerLimits, WantedFile } from '../layers/walk-layer.js';
import { DEFAULT_LAYER_LIMITS, normalizeEntryPath } from '../layers/walk-layer.js';
import { descriptorFile, preadSync, readWhole, type PositionalRead } from '../random-access.js';

/** Pseudo and volatile file systems a host scan never descends into. */
export const DEFAULT_ROOTFS_EXCLUDES = ['proc', 'sys', 'dev', 'run', 'tmp', 'var/tmp', 'var/cache', 'mnt', 'media', 'lost+found'];

/**
 * The file-system calls the walk makes; tests replace them to reproduce a
 * failing disk or to count the bytes read. They are synchronous: through
 * libuv's thread pool each call costs several times the system call itself,
 * which dominated a walk of `/` (hundreds of thousands of entries). The walk
 * gives the event loop a turn every few milliseconds instead.
 */
export interface RootfsFs {
  readdir(path: string): Dirent[];
  lstat(path: string): Stats;
  readlink(path: string): string;
  /** Opens a file to read, refusing a symbolic link (O_NOFOLLOW); returns the descriptor. */
  open(path: string): number;
  fstat(fd: number): Stats;
  /** One positional read (`pread`). */
  read: PositionalRead;
  close(fd: number): void;
}

export const nodeRootfsFs: RootfsFs = {
  readdir: (path) => readdirSync(path, { withFileTypes: true }),
  lstat: (path) => lstatSync(path),
  readlink: (path) => readlinkSync(path),
  // O_NOFOLLOW: a file swapped for a link since it was listed is refused, not followed out of the root;
  // O_NONBLOCK: nor does one swapped for a FIFO hang the walk (it is then no regular file, and skipped).
  open: (path) => openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK),
  fstat: (fd) => fstatSync(fd),
  read: preadSync,
  close: (fd) => closeSync(fd),
};

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

/** The walk gives the event loop a turn at least this often (ms), so timers and polls of the process go on. */
const YIELD_EVERY_MS = 10;

const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message ?? 'error';

/** A plain WantedFile needs the mode and size of every file; a FileSelection says by path which do. */
function asSelection(wanted: WantedFile | FileSelection): FileSelection {
  if ('byPath' in wanted) return wanted;
  return Object.assign((path: string, info: FileInfo) => wanted(path, info), { byPath: () => 'info' as const, randomAccess: () => false });
}

/**
 * Reads a root file system directory (a host's `/`, a mounted disk, an
 * unpacked image) like a single layer: only the files `wanted` selects are
 * read, symbolic links are recorded but never followed, and nothing outside
 * the root is touched. A directory or file that cannot be read is skipped
 * with a warning naming it; the walk goes on. The directory entries' types
 * drive the walk; a file costs a stat only when `wanted.byPath` asks for its
 * mode and size, and is read only when wanted (by position, through an open
 * file, when `wanted.randomAccess` allows).
 */
export async function readRootfs(root: string, wanted: WantedFile | FileSelection, options: RootfsOptions = {}): Promise<LayerContents> {
  const limits = options.limits ?? DEFAULT_LAYER_LIMITS;
  const fs = options.fs ?? nodeRootfsFs;
  const select = asSelection(wanted);
  const excludes = new Set(options.excludes ?? DEFAULT_ROOTFS_EXCLUDES);
  const contents: LayerContents = { compression: 'none', files: new Map(), whiteouts: [], opaqueDirs: [], symlinks: new Map(), warnings: [] };
  const skip = (path: string, warning: string) => {
    contents.warnings.push(`${path || '/'}: ${warning}`);
    options.onSkip?.(path || '/');
  };
  let lastYield = performance.now();
  const pending: string[] = [''];
  while (pending.length > 0) {
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    options.signal?.throwIfAborted();
    const dir = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = fs.readdir(join(root, dir));
    } catch (err) {
      skip(dir, `cannot be listed (${code(err)}); it is skipped`);
      continue;
    }
    // In name order, so a scan lists what it found in the same order on every file system (readdir's order is the file system's own).
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!excludes.has(path)) subdirs.push(path);
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.readlink(join(root, path));
        } catch {
          continue;
        }
        const resolved = target.startsWith('/') ? normalizeEntryPath(target) : normalizeEntryPath(posix.join(dir, target));
        if (resolved === null) contents.warnings.push(`${path}: symbolic link to ${target} leaves the root; ignored`);
        else contents.symlinks.set(path, resolved);
      } else if (entry.isFile()) {
        const want = select.byPath(path);
        if (want === false) continue;
        let info: FileInfo | undefined;
        if (want === 'info') {
          try {
            const stats = fs.lstat(join(root, path));
            if (!stats.isFile()) continue;
            info = { mode: stats.mode & 0o7777, size: stats.size };
          } catch (err) {
            skip(path, `cannot be read (${code(err)}); skipped`);
            continue;
          }
          if (!select(path, info)) continue;
        }
        await readWanted(root, path, info, select, fs, limits, contents, options.sink, skip);
        lastYield = performance.now();
      }
    }
    // Depth first, in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) pending.push(subdirs[i]!);
  }
  return contents;
}

/** Opens a wanted file (never through a link), learns its mode and size if the walk did not, and hands it over whole or open. */
async function readWanted(
  root: string,
  path: string,
  known: FileInfo | undefined,
  select: FileSelection,
  fs: RootfsFs,
  limits: LayerLimits,
  contents: LayerContents,
  sink: FileSink | undefined,
  skip: (path: string, warning: string) => void,
): Promise<void> {
  let fd: number;
  try {
    fd = fs.open(join(root, path));
  } catch (err) {
    skip(path, `cannot be read (${code(err)}); skipped`);
    return;
  }
  try {
    let info = known;
    if (!info) {
      let stats: Stats;
      try {
        stats = fs.fstat(fd);
      } catch (err) {
        skip(path, `cannot be read (${code(err)}); skipped`);
        return;
      }
      if (!stats.isFile()) return;
      info = { mode: stats.mode & 0o7777, size: stats.size };
      if (!select(path, info)) return;
    }
    if (info.size > limits.maxFileBytes) {
      contents.warnings.push(`${path}: ${info.size} bytes is over the ${limits.maxFileBytes}-byte limit for analyzed files; skipped`);
      return;
    }
    const file = descriptorFile(fd, info.size, fs.read);
    const byPosition = sink !== undefined && select.randomAccess(path, info);
    let content;
    try {
      content = byPosition ? file : await readWhole(file);
    } catch (err) {
      skip(path, `cannot be read (${code(err)}); skipped`);
      return;
    }
    if (!sink) {
      contents.files.set(path, content as Buffer);
      return;
    }
    try {
      await sink(path, content, info);
    } catch (err) {
      skip(path, `cannot be analysed (${(err as Error).message}); skipped`);
    }
  } finally {
    fs.close(fd);
  }
}
