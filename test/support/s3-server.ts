import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/**
 * A local S3-compatible server for the S3 file store's tests: s3rver (npm),
 * on 127.0.0.1, keeping objects in a temp folder. It checks AWS Signature V4
 * (key and secret `S3RVER`) and implements PutObject, GetObject, HeadObject,
 * DeleteObject and multipart uploads (create, upload part, complete); it
 * answers NotImplemented to ListMultipartUploads and 405 to AbortMultipartUpload.
 */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'openhss-test'): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'openhss-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
