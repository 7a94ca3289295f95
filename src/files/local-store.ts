import { createWriteStream } from 'node:fs';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkKey, digestOf, DigestingStream, type FileStore, type StoredFile } from './file-store.js';

/**
 * Files in a local directory (the data directory; the default with SQLite,
 * where one machine runs everything). `<root>/<key>`, written first to
 * `<root>/<key's folder>/tmp/<name>` and renamed into place once complete
 * and fsynced (rename is atomic within one file system). Folders are 0700,
 * files 0600. The temp name is the same on every attempt, so a retry
 * overwrites what a killed writer left.
 */
export class LocalFileStore implements FileStore {
  readonly kind = 'local' as const;
  readonly root: string;

  /** `areas`: the top folders whose temp files `sweepIncomplete` looks at. */
  constructor(
    root: string,
    private readonly areas: readonly string[] = ['exports'],
  ) {
    this.root = resolve(root);
  }

  /** The file of a key; an absolute path inside the root (what older versions recorded) is taken as it is. */
  pathOf(key: string): string {
    if (isAbsolute(key)) {
      const path = resolve(key);
      if (!path.startsWith(this.root + sep)) throw new Error(`file ${key} is outside the store's folder ${this.root}`);
      return path;
    }
    return join(this.root, checkKey(key));
  }

  tempPathOf(key: string): string {
    const path = this.pathOf(key);
    return join(dirname(path), 'tmp', basename(path));
  }

  async put(key: string, body: Readable): Promise<StoredFile> {
    const path = this.pathOf(key);
    const temp = this.tempPathOf(key);
    const digest = new DigestingStream();
    try {
      await mkdir(dirname(temp), { recursive: true, mode: 0o700 });
      // flush: fsync before close, so the file renamed into place is complete even after a power loss.
      await pipeline(body, digest, createWriteStream(temp, { mode: 0o600, flush: true, highWaterMark: 256 * 1024 }));
      await rename(temp, path);
      const dir = await open(dirname(path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (err) {
      body.destroy(err as Error);
      await rm(temp, { force: true });
      throw err;
    }
    return { key, size: digest.bytes, sha256: digest.sha256() };
  }

  async get(key: string): Promise<{ stream: Readable; size: number } | null> {
    const path = this.pathOf(key);
    let file;
    try {
      file = await open(path, 'r');
    } catch {
      return null;
    }
    const size = (await file.stat()).size;
    return { stream: file.createReadStream(), size };
  }

  async stat(key: string): Promise<StoredFile | null> {
    const path = this.pathOf(key);
    if (!(await stat(path).catch(() => null))) return null;
    try {
      return { key, ...(await digestOf(createReadStream(path))) };
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
    await rm(this.tempPathOf(key), { force: true });
  }

  /** File times are the system clock's. */
  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const now = Date.now();
    let removed = 0;
    for (const area of this.areas) {
      const tmp = join(this.root, area, 'tmp');
      let names: string[];
      try {
        names = await readdir(tmp);
      } catch {
        continue;
      }
      for (const name of names) {
        const path = join(tmp, name);
        const info = await stat(path).catch(() => null);
        if (info && now - info.mtimeMs > olderThanMs) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {}
}
