import {
  IsomorphicFetchHttpLibrary,
  ResponseContext,
  SelfDecodingBody,
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import { ClusterScanError } from '../errors.js';

export interface ReadOnlyHttpOptions {
  timeoutMs: number;
  /** Scrubbed from every reason, in case a server echoes a credential back. */
  secrets: string[];
}

const MAX_REASON = 300;

export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out.length > MAX_REASON ? `${out.slice(0, MAX_REASON)}...` : out;
}

function statusMessage(body: Buffer): string {
  try {
    const status = JSON.parse(body.toString('utf8')) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not a Status object; the HTTP code alone has to do
  }
  return '';
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; type?: string };
  if (e.name === 'AbortError' || e.type === 'aborted') return `no response within ${timeoutMs / 1000} s`;
  if (typeof e.code === 'string') return `connection failed (${e.code})`;
  return 'connection failed';
}

/**
 * The transport under every generated API call of a scan. It refuses any verb
 * but GET, so a scan cannot change a cluster whatever code calls it; bounds
 * each request by a timeout; turns failures into ClusterScanError with
 * credential-free reasons; and buffers the body so the caller can read the
 * raw JSON the server sent (the generated models drop fields they do not know).
 */
export function readOnlyHttpLibrary(options: ReadOnlyHttpOptions): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const method = String(request.getHttpMethod());
      const path = new URL(request.getUrl()).pathname;
      if (method !== 'GET') throw new ClusterScanError('api-error', `refused to send ${method} ${path}: cluster scans are read-only`);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), options.timeoutMs);
      request.setSignal(controller.signal);
      let status: number;
      let headers: Record<string, string>;
      let body: Buffer;
      try {
        const response = await inner.send(request).toPromise();
        status = response.httpStatusCode;
        headers = response.headers;
        body = await response.body.binary();
      } catch (err) {
        throw new ClusterScanError('unreachable', scrub(`GET ${path}: ${networkReason(err, options.timeoutMs)}`, options.secrets));
      } finally {
        clearTimeout(timer);
      }
      if (status < 200 || status > 299) {
        const detail = statusMessage(body);
        const reason = scrub(`GET ${path}: HTTP ${status}${detail ? `: ${detail}` : ''}`, options.secrets);
        if (status === 401) throw new ClusterScanError('unauthorized', reason, status);
        if (status === 403) throw new ClusterScanError('forbidden', reason, status);
        throw new ClusterScanError('api-error', reason, status);
      }
      return new ResponseContext(status, headers, new SelfDecodingBody(Promise.resolve(body)));
    },
  });
}
