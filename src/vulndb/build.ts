/**
 * Atomic builds: every change to a vulnerability DB is made on a copy in a temporary file
 * beside it, which is then renamed over the old file. Readers that have the old file open keep
 * reading it; a failed build deletes the copy and leaves the old DB as it was.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { SCHEMA_VERSION } from './schema.js';
import { createSchema, schemaVersionOf, tuneForBuild, VulnDbWriter, type FeedRecord, type SqliteDb } from './store.js';

const STALE_TEMP = /^\..+\.building-(\d+)-[0-9a-f]+(-journal)?$|^\.vulndb-download-(\d+)-/;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes build files and download directories left in `dir` by openhss processes that died mid-way. */
export async function removeStaleTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = STALE_TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1] ?? m[3]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** What an existing DB file holds, read before a build decides what to fetch. */
export interface BaseState {
  /** The file exists with this openhss's schema, so a build can start from a copy of it. */
  usable: boolean;
  feeds: Map<string, Pick<FeedRecord, 'name' | 'etag' | 'lastModified' | 'records'>>;
}

export function readBaseState(dbFile: string): BaseState {
  const feeds: BaseState['feeds'] = new Map();
  if (!existsSync(dbFile)) return { usable: false, feeds };
  let db: SqliteDb | undefined;
  try {
    db = new SQLite(dbFile, { readonly: true, fileMustExist: true });
    if (schemaVersionOf(db) !== SCHEMA_VERSION) return { usable: false, feeds };
    const rows = db.prepare('select name, etag, last_modified, records from feeds').all() as Array<{
      name: string;
      etag: string | null;
      last_modified: string | null;
      records: number;
    }>;
    for (const r of rows) feeds.set(r.name, { name: r.name, etag: r.etag, lastModified: r.last_modified, records: r.records });
    return { usable: true, feeds };
  } catch {
    return { usable: false, feeds: new Map() };
  } finally {
    db?.close();
  }
}

export interface BuildContext {
  db: SqliteDb;
  writer: VulnDbWriter;
  /** True when the build started from an empty DB although a file existed (other schema, unreadable). */
  rebuilt: boolean;
  /** Runs `fn` in a savepoint: if it throws, its writes are rolled back and the error rethrown. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

export interface BuildOutcome<T> {
  value: T;
  /** False to throw the copy away and keep the old file (nothing worth writing). */
  commit: boolean;
}

/** fsync a file or directory (`flags` 'r'); a file system that refuses it on directories is let be. */
export async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    await handle.close();
  }
}

/**
 * Builds a new version of `dbFile` in a temporary file, starting from a copy of the current one
 * (`base: 'copy'`, when it has the current schema) or from an empty DB, then renames it into place.
 * `work` runs inside one transaction. Returns whether the file was replaced.
 */
export async function buildAtomically<T>(
  dbFile: string,
  options: { base: 'copy' | 'empty'; now: () => Date },
  work: (ctx: BuildContext) => Promise<BuildOutcome<T>>,
): Promise<{ value: T; swapped: boolean; rebuilt: boolean }> {
  const target = resolve(dbFile);
  await mkdir(dirname(target), { recursive: true });
  await removeStaleTemps(dirname(target));
  const temp = join(dirname(target), `.${basename(target)}.building-${process.pid}-${randomBytes(4).toString('hex')}`);
  const existed = existsSync(target);
  let rebuilt = existed;
  if (options.base === 'copy' && existed && readBaseState(target).usable) {
    await copyFile(target, temp);
    rebuilt = false;
  }
  let db: SqliteDb | undefined;
  try {
    db = new SQLite(temp);
    tuneForBuild(db);
    if (schemaVersionOf(db) === null) createSchema(db);
    const writer = new VulnDbWriter(db);
    const handle = db;
    let depth = 0;
    const ctx: BuildContext = {
      db: handle,
      writer,
      rebuilt,
      async savepoint(fn) {
        const name = `sp${depth++}`;
        handle.exec(`savepoint ${name}`);
        try {
          const value = await fn();
          handle.exec(`release ${name}`);
          return value;
        } catch (err) {
          handle.exec(`rollback to ${name}`);
          handle.exec(`release ${name}`);
          throw err;
        } finally {
          depth--;
        }
      },
    };
    db.exec('begin');
    const outcome = await work(ctx);
    if (!outcome.commit) {
      db.exec('rollback');
      db.close();
      db = undefined;
      await removeTemp(temp);
      return { value: outcome.value, swapped: false, rebuilt };
    }
    writer.finalize(options.now());
    db.exec('commit');
    db.close();
    db = undefined;
    await fsyncPath(temp, 'r');
    await rename(temp, target);
    await fsyncPath(dirname(target), 'r');
    return { value: outcome.value, swapped: true, rebuilt };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already failing; the temp file is removed below
    }
    await removeTemp(temp);
    throw err;
  }
}

async function removeTemp(temp: string): Promise<void> {
  await rm(temp, { force: true });
  await rm(`${temp}-journal`, { force: true });
}
