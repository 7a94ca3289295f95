import { pipeline, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { checkKey, digestOf, DigestingStream, type FileStore, type StoredFile } from './file-store.js';

export interface S3Settings {
  /** Empty: AWS's endpoint for the region. */
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  /** Empty: the SDK's default credential chain (environment, instance role). */
  accessKeyId: string;
  /** In clear here: the caller unseals it. */
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** Part size of multipart uploads: with one part in flight, an upload holds about two parts in memory. */
export const S3_PART_BYTES = 8 * 1024 * 1024;

const missing = (err: unknown) => err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404);

/**
 * Files in an S3-compatible bucket. An object appears only when its upload
 * completes (PutObject, or CompleteMultipartUpload for files above one
 * part), so a writer killed mid-upload leaves at most an incomplete
 * multipart upload, which no GET sees and `sweepIncomplete` aborts (a bucket
 * lifecycle rule "AbortIncompleteMultipartUpload" does the same).
 */
export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    if (!settings.bucket) throw new Error('files.s3.bucket is required when files.store is s3');
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      forcePathStyle: settings.forcePathStyle,
      ...(settings.accessKeyId ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } } : {}),
      // Checksums only where S3 requires them: many S3-compatible stores reject the newer default (CRC32 trailers).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  private objectKey(key: string): string {
    return `${this.settings.prefix}${checkKey(key)}`;
  }

  async put(key: string, body: Readable): Promise<StoredFile> {
    const digest = new DigestingStream();
    pipeline(body, digest, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: this.objectKey(key), Body: digest, ContentType: 'application/octet-stream' },
      partSize: S3_PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      body.destroy(err as Error);
      digest.destroy();
      throw err;
    }
    return { key, size: digest.bytes, sha256: digest.sha256() };
  }

  async get(key: string): Promise<{ stream: Readable; size: number } | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }));
      return { stream: out.Body as Readable, size: Number(out.ContentLength ?? 0) };
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  async stat(key: string): Promise<StoredFile | null> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
    const file = await this.get(key);
    return file ? { key, ...(await digestOf(file.stream)) } : null;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }));
  }

  async sweepIncomplete(olderThanMs: number): Promise<number> {
    const before = Date.now() - olderThanMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.settings.bucket, Prefix: this.settings.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
      } catch (err) {
        // Some S3-compatible stores (s3rver, a few gateways) do not list uploads: a bucket lifecycle rule is then the only cleaner.
        if (err instanceof S3ServiceException && (err.name === 'NotImplemented' || err.$metadata?.httpStatusCode === 501)) return aborted;
        throw err;
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated.getTime() >= before) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.settings.bucket, Key: u.Key, UploadId: u.UploadId }));
        aborted++;
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
