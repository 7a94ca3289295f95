import { ContentTooLargeError, type RegistryTarget } from './errors.js';
import { discard, header, toRegistryError, type RegistryTimeouts, type TransportResponse } from './transport.js';

/**
 * Reads a whole response body into memory, refusing (before reading, by
 * Content-Length, or as soon as the count passes) anything over `limit`
 * bytes. For manifests, configs, tokens and listings: never for layers.
 */
export async function readCapped(response: TransportResponse, limit: number, target: RegistryTarget, what: string, timeouts: RegistryTimeouts): Promise<Buffer> {
  const declared = Number(header(response.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    discard(response.body);
    throw new ContentTooLargeError(target, what, limit, declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > limit) {
        discard(response.body);
        throw new ContentTooLargeError(target, what, limit);
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw toRegistryError(error, target, timeouts, `reading the ${what}`);
  }
  return Buffer.concat(chunks, total);
}

/** The registry's own explanation from an error body (`{"errors":[{"code","message"}]}`), if it sent one. */
export async function registryErrorDetail(response: TransportResponse): Promise<string> {
  try {
    const text = (await readCapped(response, 64 * 1024, { registry: '' }, 'error body', { connectMs: 0, headersMs: 0, bodyIdleMs: 0 })).toString('utf8');
    const doc = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const parts = (doc.errors ?? []).map((e) => [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ')).filter(Boolean);
    return parts.length > 0 ? ` (${parts.join('; ')})` : '';
  } catch {
    discard(response.body);
    return '';
  }
}
