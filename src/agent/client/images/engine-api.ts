import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Client } from 'undici';

/** `GET /images/json`, as the Docker Engine API (and Podman's compatible API) answers it. */
export interface EngineImage {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
}

/** `GET /containers/json?all=1`, the fields used. */
export interface EngineContainer {
  Id: string;
  Names: string[] | null;
  ImageID: string;
  Labels: Record<string, string> | null;
}

export class EngineUnreachableError extends Error {
  override name = 'EngineUnreachableError';
}

/** Largest JSON answer read from the engine; a host with more images than this describes is not normal. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/**
 * The few Docker Engine API calls the agent needs, over the engine's unix
 * socket. Unversioned paths: every engine since API 1.24 serves them, and
 * Podman's compatible API does too.
 */
export class EngineApi {
  private readonly client: Client;

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 60_000,
  ) {
    this.client = new Client('http://localhost', { socketPath, connect: { timeout: 5_000 } });
  }

  async images(): Promise<EngineImage[]> {
    return this.json<EngineImage[]>('/images/json');
  }

  async containers(): Promise<EngineContainer[]> {
    return this.json<EngineContainer[]>('/containers/json?all=1');
  }

  /** Streams `docker save <id>` into `file`. */
  async saveImage(id: string, file: string, signal?: AbortSignal): Promise<void> {
    const res = await this.request(`/images/${encodeURIComponent(id)}/get`, signal);
    if (res.statusCode !== 200) throw new Error(`GET /images/${id}/get: HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
    await pipeline(res.body, createWriteStream(file, { mode: 0o600 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async request(path: string, signal?: AbortSignal) {
    try {
      return await this.client.request({ path, method: 'GET', headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, signal: signal ?? null });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new EngineUnreachableError(`${this.socketPath}: ${e.code ?? ''} ${e.message}`.trim());
    }
  }

  private async json<T>(path: string): Promise<T> {
    const res = await this.request(path);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_JSON_BYTES) {
        res.body.destroy();
        throw new Error(`GET ${path}: answer larger than ${MAX_JSON_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) throw new Error(`GET ${path}: expected a JSON array`);
    return value as T;
  }
}
