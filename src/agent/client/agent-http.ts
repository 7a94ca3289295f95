import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import {
  AGENT_AUTH_SCHEME,
  MAX_COMMAND_WAIT_MS,
  MAX_INVENTORY_GZIP_BYTES,
  MAX_INVENTORY_JSON_BYTES,
  type CommandBatch,
  type EnrollRequest,
  type EnrollResponse,
  type HostIdentity,
  type ImageReport,
  type ImageReportAccepted,
  type InventoryAccepted,
  type InventoryUnchanged,
  type InventoryUpload,
  type KubernetesNodeAccepted,
  type KubernetesNodeReport,
} from '../protocol.js';

const gzipAsync = promisify(gzip);

/** A request that failed. `retryable` says whether trying the same request later may work (network, 5xx, 429). */
export class AgentHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AgentHttpError';
  }
}

/** 401: the server refuses this agent (host deleted, secret wrong, token used). Retrying cannot help. */
export class AgentRejectedError extends AgentHttpError {
  constructor(message: string, code: string | null) {
    super(message, 401, code, false);
    this.name = 'AgentRejectedError';
  }
}

export interface AgentAuth {
  agent_id: string;
  agent_secret: string;
}

export interface AgentHttpOptions {
  /** How long a normal request may wait for response headers; the long-poll adds its wait on top. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  dispatcher?: Dispatcher;
}

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  auth: boolean;
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
  /** Statuses the caller handles itself, returned instead of thrown. */
  expect?: number[];
}

/** The server URL the protocol paths are resolved against; throws a message fit for the user on a bad one. */
export function serverBaseUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`--server: ${server} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--server: ${server} must be an http:// or https:// URL`);
  if (url.username || url.password) throw new Error('--server: leave credentials out of the URL');
  // A trailing slash makes relative paths land under a server mounted at a sub-path.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

/** The agent's side of the /agent/v1 protocol (see protocol.ts). */
export class AgentHttpClient {
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly requestTimeoutMs: number;
  private auth: AgentAuth | null = null;

  constructor(server: string, options: AgentHttpOptions = {}) {
    this.base = serverBaseUrl(server);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: options.connectTimeoutMs ?? 10_000 }, keepAliveTimeout: 60_000 });
  }

  setAuth(auth: AgentAuth): void {
    this.auth = auth;
  }

  async enroll(request: EnrollRequest, signal?: AbortSignal): Promise<EnrollResponse> {
    const res = await this.call({ method: 'POST', path: 'agent/v1/enroll', body: JSON.stringify(request), auth: false, signal });
    return res.json as EnrollResponse;
  }

  async putIdentity(identity: HostIdentity, signal?: AbortSignal): Promise<void> {
    await this.call({ method: 'PUT', path: 'agent/v1/identity', body: JSON.stringify(identity), auth: true, signal });
  }

  async uploadInventory(upload: InventoryUpload, signal?: AbortSignal): Promise<InventoryAccepted> {
    const json = Buffer.from(JSON.stringify(upload));
    if (json.length > MAX_INVENTORY_JSON_BYTES) {
      throw new AgentHttpError(`inventory is ${json.length} bytes of JSON, over the server's ${MAX_INVENTORY_JSON_BYTES}-byte limit`, null, null, false);
    }
    const body = await gzipAsync(json);
    if (body.length > MAX_INVENTORY_GZIP_BYTES) {
      throw new AgentHttpError(`inventory is ${body.length} bytes gzipped, over the server's ${MAX_INVENTORY_GZIP_BYTES}-byte limit`, null, null, false);
    }
    const res = await this.call({ method: 'POST', path: 'agent/v1/inventory', body, headers: { 'content-encoding': 'gzip' }, auth: true, signal });
    return res.json as InventoryAccepted;
  }

  /** Sends the host's image list (see protocol.ts: `applied: false` asks for the `needed` inventories). */
  async uploadImages(report: ImageReport, signal?: AbortSignal): Promise<ImageReportAccepted> {
    const body = await this.gzipCapped(report, 'image report');
    const res = await this.call({ method: 'POST', path: 'agent/v1/images', body, headers: { 'content-encoding': 'gzip' }, auth: true, signal });
    const answer = res.json as Partial<ImageReportAccepted> | null;
    return { applied: answer?.applied === true, needed: Array.isArray(answer?.needed) ? answer.needed.filter((d): d is string => typeof d === 'string') : [], images: Number(answer?.images ?? 0) };
  }

  private async gzipCapped(value: unknown, what: string): Promise<Buffer> {
    const json = Buffer.from(JSON.stringify(value));
    if (json.length > MAX_INVENTORY_JSON_BYTES) throw new AgentHttpError(`${what} is ${json.length} bytes of JSON, over the server's ${MAX_INVENTORY_JSON_BYTES}-byte limit`, null, null, false);
    const body = await gzipAsync(json);
    if (body.length > MAX_INVENTORY_GZIP_BYTES) throw new AgentHttpError(`${what} is ${body.length} bytes gzipped, over the server's ${MAX_INVENTORY_GZIP_BYTES}-byte limit`, null, null, false);
    return body;
  }

  /** Sends the CIS node controls decided on this Kubernetes node. */
  async reportKubernetesNode(report: KubernetesNodeReport, signal?: AbortSignal): Promise<KubernetesNodeAccepted> {
    const res = await this.call({ method: 'POST', path: 'agent/v1/k8s-node', body: JSON.stringify(report), auth: true, signal });
    return res.json as KubernetesNodeAccepted;
  }

  /** Null when the server does not hold that hash (409): the caller should upload in full. */
  async reportUnchanged(report: InventoryUnchanged, signal?: AbortSignal): Promise<InventoryAccepted | null> {
    const res = await this.call({ method: 'POST', path: 'agent/v1/inventory/unchanged', body: JSON.stringify(report), auth: true, signal, expect: [409] });
    return res.status === 409 ? null : (res.json as InventoryAccepted);
  }

  /** Long-polls for commands; also the agent's heartbeat. */
  async pollCommands(waitMs: number, signal?: AbortSignal): Promise<CommandBatch> {
    const wait = Math.max(0, Math.min(MAX_COMMAND_WAIT_MS, Math.round(waitMs)));
    const res = await this.call({ method: 'GET', path: `agent/v1/commands?wait_ms=${wait}`, auth: true, signal, timeoutMs: this.requestTimeoutMs + wait });
    const batch = res.json as Partial<CommandBatch> | null;
    return { commands: Array.isArray(batch?.commands) ? batch.commands : [] };
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async call(call: Call): Promise<{ status: number; json: unknown }> {
    const url = new URL(call.path, this.base);
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.auth) {
      if (!this.auth) throw new Error('agent is not enrolled: no credentials to authenticate with');
      headers.authorization = `${AGENT_AUTH_SCHEME} ${this.auth.agent_id}:${this.auth.agent_secret}`;
    }
    const timeout = call.timeoutMs ?? this.requestTimeoutMs;
    let status: number;
    let text: string;
    try {
      const res = await this.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: call.method,
        headers,
        body: call.body ?? null,
        signal: call.signal ?? null,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (call.signal?.aborted) throw err;
      const error = err as Error & { code?: string };
      const prefix = error.code && !error.message.includes(error.code) ? `${error.code} ` : '';
      throw new AgentHttpError(`${call.method} ${url.pathname}: ${prefix}${error.message}`, null, null, true);
    }
    const json = parseJson(text);
    if ((status >= 200 && status < 300) || call.expect?.includes(status)) return { status, json };
    const body = json as { error_code?: unknown; error_msg?: unknown } | null;
    const code = typeof body?.error_code === 'string' ? body.error_code : null;
    const detail = typeof body?.error_msg === 'string' ? body.error_msg : text.slice(0, 200);
    const message = `${call.method} ${url.pathname}: HTTP ${status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}`;
    if (status === 401) throw new AgentRejectedError(message, code);
    throw new AgentHttpError(message, status, code, status >= 500 || status === 408 || status === 429);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
