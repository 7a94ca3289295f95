import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where export files live: `<dataDir>/exports/<file_id>.<ext>`, written
 * first to `<dataDir>/exports/tmp/<task_id>.<ext>`. Only a complete,
 * fsynced file is renamed into place (rename is atomic within one file
 * system), so a file under its final name is never partial. Every process
 * that runs export jobs or serves downloads must see the same directory.
 */
export class ExportFiles {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'exports');
    this.tmpDir = join(this.dir, 'tmp');
  }

  /** The temp path of a task's file; the same on every attempt, so a retry overwrites what a crashed one left. */
  async tempPath(taskId: string, ext: string): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    return join(this.tmpDir, `${taskId}.${ext}`);
  }

  finalPath(fileId: string, ext: string): string {
    return join(this.dir, `${fileId}.${ext}`);
  }

  /** Moves a complete temp file into place and makes the rename itself durable. Returns its size. */
  async publish(tempPath: string, finalPath: string): Promise<number> {
    await rename(tempPath, finalPath);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return (await stat(finalPath)).size;
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /** Temp files not touched for `olderThanMs`: left by a process that died between attempts. */
  async staleTempFiles(now: number, olderThanMs: number): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const name of names) {
      const path = join(this.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && now - info.mtimeMs > olderThanMs) out.push(path);
    }
    return out;
  }
}
