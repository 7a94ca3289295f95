import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** A stored file as the store knows it. */
export interface StoredFile {
  key: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
}

export type FileStoreKind = 'local' | 'postgres' | 's3';

/**
 * Files every openhss process can reach (export files): the data directory
 * with SQLite, PostgreSQL or an S3-compatible bucket (docs/file-storage.md).
 *
 * Every backend publishes a file only once all of it is stored: a reader
 * sees the previous complete file under a key, or none, never part of an
 * upload, whatever happens to the writer (error, abort, kill -9).
 */
export interface FileStore {
  readonly kind: FileStoreKind;
  /**
   * Reads `body` to its end (pulling, so memory stays bounded whatever the
   * size) and stores it under `key`, replacing a previous file. When `body`
   * errors or the store fails, nothing is published, what was stored of
   * this upload is removed, `body` is destroyed and the promise rejects.
   */
  put(key: string, body: Readable): Promise<StoredFile>;
  /** The file's bytes as a stream, or null when there is no complete file under `key`. */
  get(key: string): Promise<{ stream: Readable; size: number } | null>;
  /** Size and SHA-256 (PostgreSQL keeps the digest; the directory and S3 read the file to compute it). */
  stat(key: string): Promise<StoredFile | null>;
  /** Removes the file and any upload in progress under `key`; absent is fine. */
  delete(key: string): Promise<void>;
  /** Removes uploads left incomplete (their writer died) that started more than `olderThanMs` ago. */
  sweepIncomplete(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are relative slash-separated names of plain segments (no `..`, no leading slash), at most 400 characters. */
export function checkKey(key: string): string {
  if (key.length > 400 || !KEY.test(key) || key.split('/').some((s) => s === '..' || s === '.')) throw new Error(`invalid file key ${JSON.stringify(key)}`);
  return key;
}

/** Passes bytes through unchanged while counting them and hashing them with SHA-256. */
export class DigestingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  /** Bytes passed so far (not `size`: the S3 upload helper would take that for the length of the whole body). */
  bytes = 0;
  private digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** The hex digest; only once every byte has passed. */
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

/** SHA-256 and size of a whole stream, read to its end. */
export async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest('hex') };
}
