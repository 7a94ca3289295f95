import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { checkKey, DigestingStream, type FileStore, type StoredFile } from './file-store.js';

/** Bytes per row of file_chunks: big enough that a 500 MB file is 500 statements, small enough to hold two in memory. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Files in PostgreSQL (the default in PostgreSQL mode), as rows of 1 MiB
 * `bytea` chunks (migration 0015) rather than large objects: the rows live
 * in openhss's own schema (dropped, dumped and replicated with it; logical
 * replication does not carry large objects), need no per-object ownership
 * or grants, and go with their upload through an ordinary foreign key
 * (large objects are orphaned unless each unlink is remembered).
 *
 * An upload is a `file_blobs` row, invisible until its last chunk is in and
 * one transaction marks it complete and drops the key's previous file and
 * other uploads (the last writer to finish wins). A
 * writer killed mid-upload leaves an incomplete row that no reader sees;
 * `delete` and `sweepIncomplete` remove it. Reads fetch one chunk at a
 * time, so memory stays at a chunk or two whatever the file's size.
 */
export class PostgresFileStore implements FileStore {
  readonly kind = 'postgres' as const;

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly db: Kysely<any>,
    private readonly now: () => number = Date.now,
  ) {}

  async put(key: string, body: Readable): Promise<StoredFile> {
    checkKey(key);
    const id = randomUUID().replaceAll('-', '');
    const digest = new DigestingStream();
    try {
      await sql`insert into file_blobs (id, key, complete, created_at) values (${id}, ${key}, false, ${this.now()})`.execute(this.db);
      let seq = 0;
      let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let filled = 0;
      const flush = async () => {
        await sql`insert into file_chunks (blob_id, seq, data) values (${id}, ${seq++}, ${chunk.subarray(0, filled)})`.execute(this.db);
        chunk = Buffer.allocUnsafe(CHUNK_BYTES);
        filled = 0;
      };
      // pipeline passes body's error, or its end before the last byte, on to the digest the loop reads.
      for await (const data of pipeline(body, digest, () => undefined)) {
        const buf = data as Buffer;
        let at = 0;
        while (at < buf.length) {
          const n = Math.min(buf.length - at, CHUNK_BYTES - filled);
          buf.copy(chunk, filled, at, at + n);
          filled += n;
          at += n;
          if (filled === CHUNK_BYTES) await flush();
        }
      }
      if (filled > 0) await flush();
      const size = digest.bytes;
      const sha256 = digest.sha256();
      await this.db.transaction().execute(async (trx) => {
        // One publisher per key at a time; the last to publish wins.
        await sql`select pg_advisory_xact_lock(hashtextextended(${`openhss-file:${key}`}, 0))`.execute(trx);
        // The key's previous file, and any other upload of it (a killed writer's leftovers; a stale writer still going then fails).
        await sql`delete from file_blobs where key = ${key} and id <> ${id}`.execute(trx);
        const done = await sql`update file_blobs set complete = true, size = ${size}, sha256 = ${sha256}, completed_at = ${this.now()} where id = ${id} and not complete`.execute(trx);
        if (Number(done.numAffectedRows ?? 0) !== 1) throw new Error(`the upload of ${key} was deleted while it was written`);
      });
      return { key, size, sha256 };
    } catch (err) {
      body.destroy(err as Error);
      await sql`delete from file_blobs where id = ${id}`.execute(this.db).catch(() => undefined);
      throw err;
    }
  }

  private async complete(key: string): Promise<{ id: string; size: number; sha256: string } | null> {
    const { rows } = await sql<{ id: string; size: string | number; sha256: string }>`select id, size, sha256 from file_blobs where key = ${checkKey(key)} and complete`.execute(this.db);
    const row = rows[0];
    return row ? { id: row.id, size: Number(row.size), sha256: row.sha256 } : null;
  }

  async get(key: string): Promise<{ stream: Readable; size: number } | null> {
    const blob = await this.complete(key);
    if (!blob) return null;
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      let sent = 0;
      for (let seq = 0; sent < blob!.size; seq++) {
        const { rows } = await sql<{ data: Buffer }>`select data from file_chunks where blob_id = ${blob!.id} and seq = ${seq}`.execute(db);
        // Deleted while being read (expired or replaced): the reader gets an error, never a short file that looks whole.
        if (!rows[0]) throw new Error(`file ${key} was deleted while it was read`);
        sent += rows[0].data.length;
        yield rows[0].data;
      }
    }
    return { stream: Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 }), size: blob.size };
  }

  async stat(key: string): Promise<StoredFile | null> {
    const blob = await this.complete(key);
    return blob ? { key, size: blob.size, sha256: blob.sha256 } : null;
  }

  async delete(key: string): Promise<void> {
    await sql`delete from file_blobs where key = ${checkKey(key)}`.execute(this.db);
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const result = await sql`delete from file_blobs where not complete and created_at < ${this.now() - olderThanMs}`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  async close(): Promise<void> {}
}
