import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { RegistryError, RegistryNetworkError, RegistryTimeoutError, type RegistryTarget } from './errors.js';
import { backoffDelay, isRetryableNetworkError, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry.js';

export interface RegistryTimeouts {
  /** TCP (and TLS) connection set-up. Applies to agents made by createRegistryAgent. */
  connectMs: number;
  /** From sending a request to having the response headers. */
  headersMs: number;
  /** Longest pause between two chunks of a response body: a registry that stalls mid-blob fails after this long. */
  bodyIdleMs: number;
}

export const DEFAULT_TIMEOUTS: RegistryTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyIdleMs: 30_000 };

/** An undici Agent with the registry timeouts; pass it as the client's dispatcher, and close it when done. */
export function createRegistryAgent(timeouts: RegistryTimeouts = DEFAULT_TIMEOUTS, options: Agent.Options = {}): Agent {
  return new Agent({ connect: { timeout: timeouts.connectMs }, headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyIdleMs, ...options });
}

export type ResponseBody = Dispatcher.ResponseData['body'];
export type ResponseHeaders = Dispatcher.ResponseData['headers'];

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  /**
   * A request body (pushes). A function is called for each attempt, so a 401 answered or a
   * redirect followed can send a file's stream again. Only GET and HEAD are retried.
   */
  body?: Buffer | (() => Readable);
  /** Named in errors and logs. */
  target: RegistryTarget;
  /** Whether a redirect may lead to plain http (only for registries marked insecure). */
  allowHttp: boolean;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: ResponseHeaders;
  body: ResponseBody;
  /** The URL that answered, after redirects. */
  url: URL;
}

export interface TransportDeps {
  dispatcher: Dispatcher;
  timeouts: RegistryTimeouts;
  retry: RetryPolicy;
  userAgent: string;
  logger?: Logger | undefined;
  now: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** First value of a response header. */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Stops reading a response body we no longer want (undici reports the abort as an error: swallow it). */
export function discard(body: ResponseBody): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Only origin and path: query strings of redirect targets can hold signatures. */
const safeUrl = (url: URL) => `${url.origin}${url.pathname}`;

/** OpenSSL's words for a TLS handshake that got a plain HTTP reply (`wrong version number`, `packet length too long`, …). */
function plainHttpAnswer(code: unknown, message: string): boolean {
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return true;
  return /wrong version number|packet length too long/i.test(message) && /ssl|tls/i.test(message);
}

/** A thrown undici/socket error as a RegistryError naming the target and the phase. */
export function toRegistryError(error: unknown, target: RegistryTarget, timeouts: RegistryTimeouts, what: string): Error {
  if (error instanceof RegistryError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new RegistryTimeoutError(target, `${what}: could not connect within ${timeouts.connectMs} ms`, { cause: error });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new RegistryTimeoutError(target, `${what}: no response within ${timeouts.headersMs} ms`, { cause: error });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new RegistryTimeoutError(target, `${what}: the registry stalled, sending nothing for ${timeouts.bodyIdleMs} ms`, { cause: error });
  if ((error as Error | null)?.name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return error as Error;
  if (plainHttpAnswer(code, message)) {
    return new RegistryNetworkError(
      target,
      `${what}: the registry answered a TLS (https) request in plain HTTP: it does not serve HTTPS on this port. Use --insecure-registry ${target.registry} (openhss scan), or protocol http (an http:// url) for a stored registry; if it should serve HTTPS, check its TLS setting`,
      { cause: error },
    );
  }
  return new RegistryNetworkError(target, `${what}: ${message}${typeof code === 'string' && !message.includes(code) ? ` (${code})` : ''}`, { cause: error });
}

/**
 * One request with timeouts, retries (GET and HEAD only) and redirects. Retries
 * connection failures and 408/429/5xx with exponential backoff, honouring
 * Retry-After; the last response is returned as is when the retries are
 * spent. Redirects are followed by hand, dropping Authorization when they
 * leave the registry's origin (blob stores behind CDNs) and refusing a
 * downgrade to http unless the registry is insecure.
 */
export class Transport {
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly deps: TransportDeps) {
    this.sleep = deps.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : {}));
    this.random = deps.random ?? Math.random;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    let url = request.url;
    let headers = { 'user-agent': this.deps.userAgent, ...request.headers };
    for (let redirects = 0; ; redirects++) {
      const response = await this.sendWithRetries(request, url, headers);
      if (!REDIRECTS.has(response.status)) return response;
      const location = header(response.headers, 'location');
      await response.body.dump().catch(() => undefined);
      if (!location) throw new RegistryNetworkError(request.target, `${request.method} ${safeUrl(url)}: redirect ${response.status} without a Location`);
      if (redirects >= MAX_REDIRECTS) throw new RegistryNetworkError(request.target, `${request.method} ${safeUrl(request.url)}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new RegistryNetworkError(request.target, `redirect to unsupported scheme ${next.protocol}`);
      if (next.protocol === 'http:' && !request.allowHttp) throw new RegistryNetworkError(request.target, `refusing a redirect from ${safeUrl(url)} to plain http ${safeUrl(next)}`);
      if (next.origin !== url.origin) {
        const { authorization: _dropped, ...rest } = headers as Record<string, string>;
        headers = rest as typeof headers;
      }
      url = next;
    }
  }

  private async sendWithRetries(request: TransportRequest, url: URL, headers: Record<string, string>): Promise<TransportResponse> {
    const { dispatcher, timeouts, logger } = this.deps;
    const idempotent = request.method === 'GET' || request.method === 'HEAD';
    const retry = idempotent ? this.deps.retry : { ...this.deps.retry, retries: 0 };
    const what = `${request.method} ${safeUrl(url)}`;
    for (let attempt = 0; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers,
          ...(request.body !== undefined ? { body: typeof request.body === 'function' ? request.body() : request.body } : {}),
          headersTimeout: timeouts.headersMs,
          bodyTimeout: timeouts.bodyIdleMs,
          signal: request.signal ?? null,
        });
      } catch (error) {
        if (attempt < retry.retries && isRetryableNetworkError(error)) {
          const wait = backoffDelay(attempt + 1, retry, this.random);
          logger?.debug({ registry: request.target.registry, url: safeUrl(url), attempt, code: (error as { code?: string }).code, wait }, 'registry request failed; retrying');
          await this.sleep(wait, request.signal);
          continue;
        }
        throw toRegistryError(error, request.target, timeouts, what);
      }
      const status = response.statusCode;
      logger?.debug({ registry: request.target.registry, repository: request.target.repository, method: request.method, url: safeUrl(url), status, attempt }, 'registry request');
      if (attempt < retry.retries && isRetryableStatus(status)) {
        const retryAfter = parseRetryAfter(response.headers['retry-after'], this.deps.now());
        if (retryAfter === undefined || retryAfter <= retry.maxRetryAfterMs) {
          const wait = retryAfter ?? backoffDelay(attempt + 1, retry, this.random);
          await response.body.dump().catch(() => undefined);
          logger?.debug({ registry: request.target.registry, url: safeUrl(url), status, attempt, wait }, 'registry busy; retrying');
          await this.sleep(wait, request.signal);
          continue;
        }
      }
      return { status, headers: response.headers, body: response.body, url };
    }
  }
}
