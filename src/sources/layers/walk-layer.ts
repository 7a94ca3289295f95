import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import type { RandomAccessFile } from '../random-access.js';
import { decompressLayer, type Compression } from './decompress.js';

export interface LayerLimits {
  /** Bytes a layer may expand to. */
  maxLayerBytes: number;
  /** Bytes one wanted file may have; larger ones are skipped with a warning. */
  maxFileBytes: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = { maxLayerBytes: 16 * 1024 ** 3, maxFileBytes: 256 * 1024 ** 2 };

/** What one layer contributes: the wanted files' bytes, and the changes it makes to lower layers. */
export interface LayerContents {
  compression: Compression;
  files: Map<string, Buffer>;
  /** Paths this layer deletes from lower layers (`.wh.name`). */
  whiteouts: string[];
  /** Directories whose lower-layer contents this layer hides (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /** Symbolic links inside the root (path → target path), kept so files reached through links can be found. */
  symlinks: Map<string, string>;
  /** Entries skipped, with the reason. */
  warnings: string[];
}

/** What the tar header (or lstat) says about a file, for analyzers that select by more than the path. */
export interface FileInfo {
  mode: number;
  size: number;
}

export type WantedFile = (path: string, info: FileInfo) => boolean;

/**
 * A WantedFile that also answers before the mode and size are known, for a
 * walk of a disk where knowing them costs a stat: `byPath` says wanted
 * (true), not wanted (false) or "ask again with the mode and size" ('info');
 * `randomAccess` says whether positional reads of the file suffice, so it is
 * handed open rather than read whole.
 */
export interface FileSelection extends WantedFile {
  byPath(path: string): boolean | 'info';
  randomAccess(path: string, info: FileInfo): boolean;
}

/**
 * Takes each wanted file as soon as it is read. With a sink, files are not
 * kept in `contents.files`, so memory holds one file at a time (executables
 * scanned for Go build information can be large). A tar stream hands the
 * bytes; a disk walk hands an open file when `randomAccess` allowed it.
 */
export type FileSink = (path: string, content: Buffer | RandomAccessFile, info: FileInfo) => Promise<void>;

/** Hard links are resolved from files of the same layer kept up to this size when a sink consumes the rest. */
const LINK_TARGET_BYTES = 1024 * 1024;

export class LayerReadError extends Error {
  override name = 'LayerReadError';
}

const WHITEOUT_PREFIX = '.wh.';
const ignoreLateError = () => undefined;
const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * A tar entry's path made relative to the root. Paths are only ever used as
 * keys (nothing is written to disk), but one that climbs out of the root is
 * still refused, so no later stage can be led outside it.
 */
export function normalizeEntryPath(name: string): string | null {
  const normalized = posix.normalize(`/${name}`).slice(1).replace(/\/$/, '');
  if (name.split('/').includes('..') || normalized.startsWith('..')) return null;
  return normalized;
}

/**
 * Streams one layer once: decompresses it (gzip, zstd or none, by magic
 * bytes), walks the tar, keeps the bytes of the files `wanted` selects and
 * records whiteouts and links. Memory holds only the wanted files.
 */
export async function walkLayer(source: Readable, wanted: WantedFile, limits: LayerLimits = DEFAULT_LAYER_LIMITS, sink?: FileSink): Promise<LayerContents> {
  const linkTargets = new Map<string, Buffer>();
  const contents: LayerContents = { compression: 'none', files: new Map(), whiteouts: [], opaqueDirs: [], symlinks: new Map(), warnings: [] };
  const tar = extract();

  tar.on('entry', (header: Header, stream, next) => {
    // When the layer fails mid-entry, the entry stream errors too; the walk already reports it.
    stream.on('error', ignoreLateError);
    const skip = (warning?: string) => {
      if (warning) contents.warnings.push(warning);
      stream.on('end', () => next());
      stream.resume();
    };
    const path = normalizeEntryPath(header.name);
    if (path === null) return skip(`${header.name}: path leaves the image root; entry ignored`);
    const base = posix.basename(path);
    const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
    if (base === OPAQUE_MARKER) {
      contents.opaqueDirs.push(dir);
      return skip();
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      contents.whiteouts.push(posix.join(dir, base.slice(WHITEOUT_PREFIX.length)));
      return skip();
    }
    if (header.type === 'symlink' && header.linkname) {
      // Absolute targets are relative to the image root; relative ones must not climb out of it.
      const resolved = header.linkname.startsWith('/') ? normalizeEntryPath(header.linkname) : normalizeEntryPath(posix.join(dir, header.linkname));
      if (resolved === null) return skip(`${path}: symbolic link to ${header.linkname} leaves the image root; ignored`);
      contents.symlinks.set(path, resolved);
      return skip();
    }
    const info: FileInfo = { mode: header.mode ?? 0, size: header.size ?? 0 };
    const deliver = (bytes: Buffer, done: (err?: Error) => void) => {
      if (!sink) {
        contents.files.set(path, bytes);
        return done();
      }
      if (bytes.length <= LINK_TARGET_BYTES) linkTargets.set(path, bytes);
      sink(path, bytes, info).then(() => done(), (err: Error) => done(err));
    };
    if (header.type === 'link' && header.linkname && wanted(path, info)) {
      // A hard link to a file of this layer: the target's bytes are already read (tar writes it first).
      const target = normalizeEntryPath(header.linkname);
      const bytes = target === null ? undefined : (contents.files.get(target) ?? linkTargets.get(target));
      if (!bytes) return skip(`${path}: hard link to ${header.linkname}, which this layer does not hold`);
      stream.on('end', () => deliver(bytes, next));
      stream.resume();
      return;
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') return skip();
    if (!wanted(path, info)) return skip();
    if (info.size > limits.maxFileBytes) return skip(`${path}: ${info.size} bytes is over the ${limits.maxFileBytes}-byte limit for analyzed files; skipped`);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    stream.on('end', () => deliver(Buffer.concat(chunks), next));
  });

  // pipeline() reports the first error; streams torn down with it may emit more afterwards, which must not crash the process.
  for (const s of [source, tar]) s.on('error', ignoreLateError);
  try {
    const { compression, stages } = await decompressLayer(source, limits.maxLayerBytes);
    contents.compression = compression;
    for (const s of stages) s.on('error', ignoreLateError);
    await pipeline(...stages, tar);
  } catch (err) {
    const message = (err as Error).message;
    if ((err as Error).name === 'DecompressionLimitError') throw new LayerReadError(message);
    throw new LayerReadError(`layer is truncated or corrupt: ${message}`);
  }
  return contents;
}
