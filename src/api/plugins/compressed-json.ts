import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';

/**
 * Replaces the scope's JSON parser with one that takes large bodies, gzip
 * Content-Encoding included (inventories), while the rest of the API keeps
 * its small limit. Both sizes are capped, so a gzip bomb cannot exhaust memory.
 */
export function acceptCompressedJson(app: FastifyInstance, limits: { compressedBytes: number; jsonBytes: number }): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limits.compressedBytes }, (request, body, done) => {
    try {
      const encoding = request.headers['content-encoding'];
      let bytes = body as Buffer;
      if (encoding === 'gzip') bytes = gunzipSync(bytes, { maxOutputLength: limits.jsonBytes });
      else if (encoding !== undefined && encoding !== 'identity') throw new ApiError('HSS.0001', `Content-Encoding ${encoding} is not supported; send gzip or identity`);
      done(null, JSON.parse(bytes.toString('utf8')));
    } catch (err) {
      done(err instanceof ApiError ? err : new ApiError('HSS.0001', `body could not be decoded: ${(err as Error).message}`), undefined);
    }
  });
}
