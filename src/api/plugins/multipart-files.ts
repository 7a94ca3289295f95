import { Busboy } from '@fastify/busboy';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';

/** A multipart body: its files (whole, in memory: callers cap them) and its text fields. */
export interface MultipartBody {
  files: Array<{ field: string; fileName: string; content: Buffer }>;
  fields: Record<string, string>;
}

/**
 * Parses multipart/form-data bodies of this scope into `MultipartBody`.
 * A content-type parser rather than a plugin that reads the raw request,
 * because authentication has already read the bytes (AK/SK signs the body)
 * and hands the parser a fresh stream of them. Over-limit files or parts are
 * a 400 naming the limit, never a silently truncated file.
 */
export function acceptMultipartFiles(app: FastifyInstance, limits: { fileBytes: number; files: number }): void {
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    const body: MultipartBody = { files: [], fields: {} };
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      done(new ApiError('HSS.0001', message), undefined);
    };
    let parser;
    try {
      parser = Busboy({ headers: request.headers as { 'content-type': string }, limits: { fileSize: limits.fileBytes, files: limits.files, fields: 20, fieldSize: 4096, parts: limits.files + 20 } });
    } catch (err) {
      fail(`the multipart body could not be read: ${(err as Error).message}`);
      return;
    }
    const pending: Array<Promise<void>> = [];
    parser.on('file', (field: string, stream: NodeJS.ReadableStream & { truncated?: boolean }, fileName: string) => {
      pending.push(
        new Promise<void>((resolve) => {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('limit', () => fail(`file ${fileName} is larger than ${limits.fileBytes} bytes`));
          stream.on('end', () => {
            body.files.push({ field, fileName, content: Buffer.concat(chunks) });
            resolve();
          });
        }),
      );
    });
    parser.on('field', (name: string, value: string) => {
      body.fields[name] = value;
    });
    parser.on('filesLimit', () => fail(`at most ${limits.files} files per upload`));
    parser.on('partsLimit', () => fail('too many parts in the upload'));
    parser.on('error', (err: unknown) => fail(`the multipart body could not be read: ${(err as Error).message}`));
    parser.on('finish', () => {
      void Promise.all(pending).then(() => {
        if (!failed) done(null, body);
      });
    });
    payload.pipe(parser);
  });
}
