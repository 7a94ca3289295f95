/**
 * The whole vulnerability DB as one file, for air-gapped sites (`openhss db export` / `db import`,
 * and the layer of the OCI artifact of `db push` / `db pull`, see oci-artifact.ts).
 *
 * A bundle is a gzip-compressed tar of exactly two members, in this order:
 *
 * 1. `openhss-vulndb.json`, the metadata (`BundleMetadata`): bundle format, DB schema version,
 *    built_at, the feeds with their upstream URL, Last-Modified and record counts, and the size
 *    and SHA-256 of the next member;
 * 2. `vulndb.sqlite`, the built DB file as it was on disk.
 *
 * The metadata comes first so that a bundle of another schema version is refused before the DB is
 * read. Installing verifies everything before the live file is touched: the gzip stream and the tar
 * must be whole, the member names and order as above, the DB's size and SHA-256 those of the
 * metadata, its schema version this openhss's, `PRAGMA quick_check` clean and its feeds table the
 * metadata's feeds. The DB is extracted to a temporary file beside the live one (named as build.ts
 * names its builds, so a crashed install is cleaned up the same way) and renamed over it: a running
 * server switches to the new generation on its next look (provider.ts), and a refused bundle leaves
 * the installed DB exactly as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import SQLite from 'better-sqlite3';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { fsyncPath, removeStaleTemps } from './build.js';
import { readFileHead } from './importers/index.js';
import { SCHEMA_VERSION } from './schema.js';
import { schemaVersionOf, type SqliteDb } from './store.js';

export const BUNDLE_FORMAT = 'openhss-vulndb-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_METADATA_MEMBER = 'openhss-vulndb.json';
export const BUNDLE_DB_MEMBER = 'vulndb.sqlite';
const MAX_METADATA_BYTES = 4 * 1024 * 1024;

export interface BundleFeed {
  name: string;
  kind: string;
  /** Where the feed was downloaded from (or the file:// URL it was imported from). */
  url: string | null;
  /** The upstream's Last-Modified (and ETag) of the download in the DB. */
  lastModified: string | null;
  etag: string | null;
  fetchedAt: string | null;
  importedAt: string;
  records: number;
  affected: number;
}

export interface BundleMetadata {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  /** The DB's schema version (schema.ts); an openhss only installs its own. */
  schemaVersion: number;
  builtAt: string | null;
  exportedAt: string;
  demo: boolean;
  advisories: number;
  feeds: BundleFeed[];
  /** Every member after the metadata, with its size and SHA-256 (hex). */
  files: Array<{ name: string; size: number; sha256: string }>;
}

/** A bundle that cannot be installed: corrupt, truncated, tampered with, or of another schema version. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

interface DbSnapshot {
  schemaVersion: number | null;
  builtAt: string | null;
  demo: boolean;
  advisories: number;
  feeds: BundleFeed[];
}

function readSnapshot(db: SqliteDb): DbSnapshot {
  const schemaVersion = schemaVersionOf(db);
  if (schemaVersion === null) return { schemaVersion, builtAt: null, demo: false, advisories: 0, feeds: [] };
  const meta = new Map((db.prepare('select key, value from meta').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
  const feeds = (
    db.prepare('select name, kind, url, last_modified, etag, fetched_at, imported_at, records, affected from feeds order by name').all() as Array<{
      name: string;
      kind: string;
      url: string | null;
      last_modified: string | null;
      etag: string | null;
      fetched_at: string | null;
      imported_at: string;
      records: number;
      affected: number;
    }>
  ).map((r) => ({
    name: r.name,
    kind: r.kind,
    url: r.url,
    lastModified: r.last_modified,
    etag: r.etag,
    fetchedAt: r.fetched_at,
    importedAt: r.imported_at,
    records: r.records,
    affected: r.affected,
  }));
  const advisories = db.prepare('select count(*) from advisories').pluck().get() as number;
  return { schemaVersion, builtAt: meta.get('built_at') ?? null, demo: meta.get('demo') === 'true', advisories, feeds };
}

async function sha256OfHandle(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) throw new Error(`the DB file ended at byte ${pos} of ${size} while it was being read`);
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest('hex');
}

function hashingTap(hash: ReturnType<typeof createHash>, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

export interface ExportResult {
  file: string;
  bytes: number;
  sha256: string;
  metadata: BundleMetadata;
}

/**
 * Writes `dbFile` as a bundle to `outFile` (through a temporary file renamed into place). The DB is
 * read through one open file descriptor, so an update that replaces the file meanwhile does not mix
 * two generations: the bundle is the generation that was open when the export began.
 */
export async function exportBundle(dbFile: string, outFile: string, options: { now?: () => Date } = {}): Promise<ExportResult> {
  const source = resolve(dbFile);
  const target = resolve(outFile);
  let handle: FileHandle | undefined;
  let snapshot: DbSnapshot | undefined;
  // The metadata is read with SQLite by path; make sure it was the same file as the descriptor held.
  for (let attempt = 0; attempt < 5 && !snapshot; attempt++) {
    await handle?.close();
    handle = await open(source, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new BundleError(err.code === 'ENOENT' ? `${source} does not exist; build the DB first (openhss db update or db import)` : `cannot read ${source}: ${err.message}`);
    });
    const held = await handle.stat();
    let db: SqliteDb | undefined;
    let read: DbSnapshot;
    try {
      db = new SQLite(source, { readonly: true, fileMustExist: true });
      read = readSnapshot(db);
    } catch (err) {
      await handle.close();
      throw new BundleError(`${source} is not a readable SQLite DB: ${(err as Error).message}`);
    } finally {
      db?.close();
    }
    const now = await stat(source);
    if (now.ino === held.ino && now.dev === held.dev) snapshot = read;
  }
  if (!handle || !snapshot) throw new BundleError(`${source} kept being replaced while it was read; try again`);
  try {
    if (snapshot.schemaVersion !== SCHEMA_VERSION) {
      throw new BundleError(
        snapshot.schemaVersion === null
          ? `${source} is not an openhss vulnerability DB`
          : `${source} has schema v${snapshot.schemaVersion}, this openhss writes v${SCHEMA_VERSION}; run "openhss db update" first`,
      );
    }
    const { size } = await handle.stat();
    const sha256 = await sha256OfHandle(handle, size);
    const metadata: BundleMetadata = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      schemaVersion: SCHEMA_VERSION,
      builtAt: snapshot.builtAt,
      exportedAt: (options.now ?? (() => new Date()))().toISOString(),
      demo: snapshot.demo,
      advisories: snapshot.advisories,
      feeds: snapshot.feeds,
      files: [{ name: BUNDLE_DB_MEMBER, size, sha256 }],
    };
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
    const outHash = createHash('sha256');
    const outCount = { bytes: 0 };
    try {
      const pack = tarPack();
      const written = pipeline(pack, createGzip(), hashingTap(outHash, outCount), createWriteStream(temp));
      const metaBytes = Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`);
      const mtime = new Date(snapshot.builtAt ?? metadata.exportedAt);
      pack.entry({ name: BUNDLE_METADATA_MEMBER, size: metaBytes.length, mode: 0o644, mtime }, metaBytes);
      // Read again, hashing as it goes: the bytes packed must be the bytes the metadata describes.
      const again = createHash('sha256');
      const againCount = { bytes: 0 };
      const entry = pack.entry({ name: BUNDLE_DB_MEMBER, size, mode: 0o644, mtime });
      await pipeline(createReadStream('', { fd: handle, autoClose: false, start: 0, end: Math.max(size - 1, 0) }) as Readable, hashingTap(again, againCount), entry);
      if (again.digest('hex') !== sha256 || againCount.bytes !== size) throw new BundleError(`${source} changed while it was exported; try again`);
      pack.finalize();
      await written;
      await fsyncPath(temp, 'r');
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { file: target, bytes: outCount.bytes, sha256: outHash.digest('hex'), metadata };
  } finally {
    await handle.close();
  }
}

/** Whether a file is a bundle: `bundle`, a gzip file that is not one (`other-gzip`), or not gzip at all (`no`). */
export async function sniffBundle(file: string): Promise<'bundle' | 'other-gzip' | 'no'> {
  const head = await readFileHead(file, 64 * 1024);
  const length = head.length;
  if (length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return 'no';
  const first = await new Promise<Buffer>((resolvePromise) => {
    const gunzip = createGunzip();
    const parts: Buffer[] = [];
    let got = 0;
    const done = () => resolvePromise(Buffer.concat(parts));
    gunzip.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      got += chunk.length;
      if (got >= 512) {
        gunzip.removeAllListeners('data');
        gunzip.destroy();
        done();
      }
    });
    gunzip.on('error', done);
    gunzip.on('end', done);
    gunzip.end(head.subarray(0, length));
  });
  if (first.length < 512) return 'other-gzip';
  const name = first.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  return name === BUNDLE_METADATA_MEMBER ? 'bundle' : 'other-gzip';
}

/** Checks parsed metadata: the format, this openhss's schema version (unless `anySchema`), and one DB member. */
export function validateMetadata(value: unknown, where: string, options: { anySchema?: boolean } = {}): BundleMetadata {
  const m = value as Partial<BundleMetadata> | null;
  if (!m || typeof m !== 'object' || m.format !== BUNDLE_FORMAT) throw new BundleError(`${where} is not an openhss vulnerability DB bundle (its metadata names no ${BUNDLE_FORMAT} format)`);
  if (m.formatVersion !== BUNDLE_FORMAT_VERSION) throw new BundleError(`${where} is bundle format v${String(m.formatVersion)}; this openhss reads v${BUNDLE_FORMAT_VERSION}`);
  if (!Number.isSafeInteger(m.schemaVersion)) throw new BundleError(`${where}: its metadata has no schema version`);
  if (m.schemaVersion !== SCHEMA_VERSION && !options.anySchema) {
    throw new BundleError(
      `${where} holds a DB of schema v${String(m.schemaVersion)}; this openhss reads v${SCHEMA_VERSION}. Export the DB with an openhss of this version (or run "openhss db update" where the feeds are reachable); the installed DB is unchanged`,
    );
  }
  const files = Array.isArray(m.files) ? m.files : [];
  const db = files.find((f) => f && f.name === BUNDLE_DB_MEMBER);
  if (files.length !== 1 || !db || !Number.isSafeInteger(db.size) || db.size < 0 || typeof db.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(db.sha256)) {
    throw new BundleError(`${where}: its metadata must list exactly one member, ${BUNDLE_DB_MEMBER}, with its size and SHA-256`);
  }
  if (!Array.isArray(m.feeds)) throw new BundleError(`${where}: its metadata has no feeds list`);
  return m as BundleMetadata;
}

/** Reads and checks a bundle's metadata (its first member) without reading the DB. */
export async function readBundleMetadata(bundleFile: string, options: { anySchema?: boolean } = {}): Promise<BundleMetadata> {
  const where = basename(bundleFile);
  const source = createReadStream(bundleFile);
  const gunzip = createGunzip();
  const extract = tarExtract();
  source.pipe(gunzip).pipe(extract);
  const fail = (err: Error) => extract.destroy(err);
  source.on('error', fail);
  gunzip.on('error', fail);
  try {
    for await (const entry of extract) {
      if (entry.header.name !== BUNDLE_METADATA_MEMBER) throw new BundleError(`${where} is not an openhss vulnerability DB bundle: it starts with ${JSON.stringify(entry.header.name)}`);
      const bytes = await readAll(entry, MAX_METADATA_BYTES, `${where}: ${BUNDLE_METADATA_MEMBER}`);
      try {
        return validateMetadata(JSON.parse(bytes.toString('utf8')), where, options);
      } catch (err) {
        if (err instanceof BundleError) throw err;
        throw new BundleError(`${where}: ${BUNDLE_METADATA_MEMBER} is not valid JSON: ${(err as Error).message}`);
      }
    }
    throw new BundleError(`${where} is empty`);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`${where} is truncated or corrupt (${(err as Error).message})`);
  } finally {
    source.destroy();
    gunzip.destroy();
    extract.destroy();
  }
}

async function readAll(stream: AsyncIterable<unknown>, cap: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    n += (chunk as Buffer).length;
    if (n > cap) throw new BundleError(`${what} is over ${cap} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** Checks an extracted DB file against the metadata before it is installed. */
function checkExtractedDb(file: string, metadata: BundleMetadata, where: string): void {
  let db: SqliteDb | undefined;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
    const snapshot = readSnapshot(db);
    if (snapshot.schemaVersion !== SCHEMA_VERSION) throw new BundleError(`${where}: the DB inside has schema v${String(snapshot.schemaVersion)}, not v${SCHEMA_VERSION}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BundleError(`${where}: the DB inside fails SQLite's integrity check (${String(check)})`);
    const expected = new Map(metadata.feeds.map((f) => [f.name, f.records]));
    const found = new Map(snapshot.feeds.map((f) => [f.name, f.records]));
    const differs = [...new Set([...expected.keys(), ...found.keys()])].filter((name) => expected.get(name) !== found.get(name));
    if (differs.length > 0) throw new BundleError(`${where}: the DB's feeds differ from its metadata (${differs.slice(0, 5).join(', ')})`);
    if (snapshot.advisories !== metadata.advisories) throw new BundleError(`${where}: the DB holds ${snapshot.advisories} advisories, its metadata says ${metadata.advisories}`);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`${where}: the DB inside cannot be read: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}

export interface InstallResult {
  dbFile: string;
  metadata: BundleMetadata;
}

/**
 * Verifies a bundle and installs its DB as `dbFile` (atomically, by rename). Throws BundleError,
 * leaving `dbFile` untouched, when anything does not check out. `expectSha256` (hex) pins the
 * bundle file itself (the OCI layer digest), checked as it is read.
 */
export async function importBundle(dbFile: string, bundleFile: string, options: { expectSha256?: string } = {}): Promise<InstallResult> {
  const target = resolve(dbFile);
  const where = basename(bundleFile);
  await mkdir(dirname(target), { recursive: true });
  await removeStaleTemps(dirname(target));
  const temp = join(dirname(target), `.${basename(target)}.building-${process.pid}-${randomBytes(4).toString('hex')}`);
  let metadata: BundleMetadata | undefined;
  let dbSeen = false;
  const fileHash = createHash('sha256');
  try {
    const extract = tarExtract();
    const reading = pipeline(createReadStream(bundleFile), hashingTap(fileHash, { bytes: 0 }), createGunzip(), extract);
    reading.catch(() => undefined); // reported through the extractor's iteration below, and awaited after it
    try {
      let index = 0;
      for await (const entry of extract) {
        const name = entry.header.name;
        if (index === 0) {
          if (name !== BUNDLE_METADATA_MEMBER) throw new BundleError(`${where} is not an openhss vulnerability DB bundle: it starts with ${JSON.stringify(name)}, not ${BUNDLE_METADATA_MEMBER}`);
          const bytes = await readAll(entry, MAX_METADATA_BYTES, `${where}: ${BUNDLE_METADATA_MEMBER}`);
          let parsed: unknown;
          try {
            parsed = JSON.parse(bytes.toString('utf8'));
          } catch (err) {
            throw new BundleError(`${where}: ${BUNDLE_METADATA_MEMBER} is not valid JSON: ${(err as Error).message}`);
          }
          metadata = validateMetadata(parsed, where);
        } else if (index === 1 && name === BUNDLE_DB_MEMBER && metadata) {
          const expected = metadata.files[0]!;
          if (entry.header.size !== expected.size) throw new BundleError(`${where}: ${BUNDLE_DB_MEMBER} is ${String(entry.header.size)} bytes, its metadata says ${expected.size}`);
          const hash = createHash('sha256');
          const count = { bytes: 0 };
          await pipeline(entry, hashingTap(hash, count), createWriteStream(temp, { mode: 0o644 }));
          const got = hash.digest('hex');
          if (got !== expected.sha256 || count.bytes !== expected.size) {
            throw new BundleError(`${where}: checksum mismatch: ${BUNDLE_DB_MEMBER} has SHA-256 ${got}, its metadata says ${expected.sha256}; the bundle was altered or damaged`);
          }
          dbSeen = true;
        } else {
          throw new BundleError(`${where}: unexpected member ${JSON.stringify(name)} (a bundle holds ${BUNDLE_METADATA_MEMBER} then ${BUNDLE_DB_MEMBER} only)`);
        }
        index++;
      }
      await reading;
    } catch (err) {
      if (err instanceof BundleError) throw err;
      throw new BundleError(`${where} is truncated or corrupt (${(err as Error).message}); the installed DB is unchanged`);
    }
    if (!metadata) throw new BundleError(`${where} is empty or not an openhss vulnerability DB bundle`);
    if (!dbSeen) throw new BundleError(`${where} is truncated: it has no ${BUNDLE_DB_MEMBER}`);
    if (options.expectSha256 && fileHash.digest('hex') !== options.expectSha256) throw new BundleError(`${where}: the file does not have the expected SHA-256 ${options.expectSha256}`);
    checkExtractedDb(temp, metadata, where);
    await fsyncPath(temp, 'r');
    await rename(temp, target);
    await fsyncPath(dirname(target), 'r');
    return { dbFile: target, metadata };
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
