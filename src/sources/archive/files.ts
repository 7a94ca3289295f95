/**
 * Read access to the files of an image archive, by archive path: an OCI
 * layout directory, or an indexed tar (read as byte ranges, never
 * extracted). Paths are the archive's own (`index.json`,
 * `blobs/sha256/<hex>`, `<id>/layer.tar`); none can reach outside it.
 */
import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { ContentTooLargeError } from '../registry/index.js';
import { ArchiveError } from './errors.js';
import { indexTar, normalizeArchivePath, type TarIndex, type TarIndexEntry, type TarIndexLimits } from './tar-index.js';

export interface ArchiveFile {
  /** The archive path, after symbolic links inside the archive are followed. */
  path: string;
  size: number;
}

export interface ArchiveFiles {
  /** `oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`: names the archive in errors. */
  readonly label: string;
  /** The file at `path`, or undefined when the archive has none. Throws ArchiveError for unsafe paths. */
  stat(path: string): Promise<ArchiveFile | undefined>;
  /** The whole file, refused (before reading) when over `limit` bytes. */
  read(path: string, limit: number, what: string): Promise<Buffer>;
  /** The file's bytes as a stream. */
  open(path: string): Promise<Readable>;
}

/** Archive paths an OCI layout directory may be asked for; anything else is refused before touching the file system. */
const LAYOUT_PATH = /^(?:oci-layout|index\.json|blobs\/sha256\/[a-f0-9]{64})$/;

/** An OCI image layout directory. Only the layout's fixed names and validated digests become file names. */
export class LayoutDirectoryFiles implements ArchiveFiles {
  readonly label: string;
  private rootReal: string | undefined;

  constructor(private readonly dir: string) {
    this.label = `oci:${dir}`;
  }

  private async locate(path: string): Promise<string | undefined> {
    if (!LAYOUT_PATH.test(path)) throw new ArchiveError('unsafe-path', this.label, `refusing to read ${JSON.stringify(path)}: not a layout file or a sha256 blob path`);
    if (this.rootReal === undefined) {
      try {
        this.rootReal = await realpath(this.dir);
      } catch (error) {
        throw new ArchiveError('not-found', this.label, `cannot open the layout directory: ${(error as Error).message}`, { cause: error });
      }
    }
    let real: string;
    try {
      real = await realpath(join(this.rootReal, ...path.split('/')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // A symbolic link inside the layout must not lead out of it.
    if (!real.startsWith(this.rootReal + sep)) throw new ArchiveError('unsafe-path', this.label, `${path} is a link to ${real}, outside the layout; refused`);
    return real;
  }

  async stat(path: string): Promise<ArchiveFile | undefined> {
    const real = await this.locate(path);
    if (real === undefined) return undefined;
    const info = await stat(real);
    if (!info.isFile()) throw new ArchiveError('invalid', this.label, `${path} is not a regular file`);
    return { path, size: info.size };
  }

  async read(path: string, limit: number, what: string): Promise<Buffer> {
    const file = await this.stat(path);
    if (!file) throw new ArchiveError('not-found', this.label, `the layout has no ${path} (${what})`);
    if (file.size > limit) throw new ContentTooLargeError({ registry: this.label }, what, limit, file.size);
    const real = (await this.locate(path))!;
    const handle = await open(real, 'r');
    try {
      const buffer = Buffer.alloc(file.size);
      const { bytesRead } = await handle.read(buffer, 0, file.size, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async open(path: string): Promise<Readable> {
    const real = await this.locate(path);
    if (real === undefined) throw new ArchiveError('not-found', this.label, `the layout has no ${path}`);
    return createReadStream(real);
  }
}

const MAX_LINK_HOPS = 16;

/** A tar archive indexed once; entries are read as byte ranges of the file. */
export class TarFiles implements ArchiveFiles {
  private constructor(
    readonly label: string,
    private readonly index: TarIndex,
  ) {}

  static async open(file: string, label: string, limits?: TarIndexLimits): Promise<TarFiles> {
    return new TarFiles(label, await indexTar(file, label, limits));
  }

  /** The same archive (same index) under another name, once its kind is known. */
  relabel(label: string): TarFiles {
    return new TarFiles(label, this.index);
  }

  /** Follows symbolic and hard links inside the archive; links that leave it are refused. */
  private resolve(path: string): TarIndexEntry | undefined {
    const start = normalizeArchivePath(path);
    if (start === null) throw new ArchiveError('unsafe-path', this.label, `refusing the archive path ${JSON.stringify(path)}: it is absolute or climbs out of the archive with ..`);
    let name = start;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.index.entries.get(name);
      if (!entry || entry.type === 'file') return entry;
      if ((entry.type !== 'symlink' && entry.type !== 'link') || entry.linkname === undefined) {
        throw new ArchiveError('invalid', this.label, `${path} is not a regular file in the archive`);
      }
      const target = entry.type === 'symlink' && !entry.linkname.startsWith('/') ? joinInside(dirOf(name), entry.linkname) : normalizeArchivePath(entry.linkname.replace(/^\/+/, ''));
      if (target === null) throw new ArchiveError('unsafe-path', this.label, `${name} links to ${JSON.stringify(entry.linkname)}, outside the archive; refused`);
      name = target;
    }
    throw new ArchiveError('invalid', this.label, `${path}: too many levels of links`);
  }

  async stat(path: string): Promise<ArchiveFile | undefined> {
    const entry = this.resolve(path);
    return entry ? { path: entry.name, size: entry.size } : undefined;
  }

  async read(path: string, limit: number, what: string): Promise<Buffer> {
    const entry = this.resolve(path);
    if (!entry) throw new ArchiveError('not-found', this.label, `the archive has no ${path} (${what})`);
    if (entry.size > limit) throw new ContentTooLargeError({ registry: this.label }, what, limit, entry.size);
    const handle = await open(this.index.file, 'r');
    try {
      const buffer = Buffer.alloc(entry.size);
      const { bytesRead } = await handle.read(buffer, 0, entry.size, entry.offset);
      if (bytesRead !== entry.size) throw new ArchiveError('truncated', this.label, `${path} is cut short: the archive changed or is truncated`);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async open(path: string): Promise<Readable> {
    const entry = this.resolve(path);
    if (!entry) throw new ArchiveError('not-found', this.label, `the archive has no ${path}`);
    if (entry.size === 0) return Readable.from([]);
    return createReadStream(this.index.file, { start: entry.offset, end: entry.offset + entry.size - 1 });
  }
}

const dirOf = (name: string): string => {
  const slash = name.lastIndexOf('/');
  return slash === -1 ? '' : name.slice(0, slash);
};

/** `dir` + a relative link target, normalised; null when the result climbs out of the archive root. */
function joinInside(dir: string, target: string): string | null {
  const parts: string[] = dir === '' ? [] : dir.split('/');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? null : parts.join('/');
}

/** Whether `file` is a directory (an OCI layout) rather than a tar. */
export async function isDirectory(file: string): Promise<boolean> {
  return (await stat(file)).isDirectory();
}
