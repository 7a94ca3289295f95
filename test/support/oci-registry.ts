/**
 * A real OCI registry for tests: Debian's `docker-registry` (Distribution
 * 2.8) on a free 127.0.0.1 port with filesystem storage in a temporary
 * directory, optionally behind htpasswd basic auth; plus an undici
 * dispatcher that refuses every host but loopback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import { Agent, type Dispatcher } from 'undici';
import { freePort } from './server-process.js';

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  dir: string;
  /** What the registry wrote to stdout/stderr so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Turns on htpasswd basic auth with this one user. */
  basicAuth?: { username: string; password: string };
  /** Keep the registry's storage here across runs (benchmarks); by default a temporary directory removed on stop. */
  storageDir?: string;
}

const REGISTRY_BINARY = 'docker-registry';

export function registryAvailable(): boolean {
  return spawnSync('sh', ['-c', `command -v ${REGISTRY_BINARY}`]).status === 0;
}

export { freePort };

/** Starts `docker-registry serve CONFIG.yml` and waits until `/v2/` answers. */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  if (!registryAvailable()) throw new Error(`${REGISTRY_BINARY} is not installed (apt-get install docker-registry)`);
  const persistent = options.storageDir !== undefined;
  const dir = options.storageDir ?? (await mkdtemp(join(tmpdir(), 'openhss-registry-')));
  await mkdir(dir, { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const lines = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
    ];
    if (options.basicAuth) {
      const htpasswd = join(dir, 'htpasswd');
      await writeFile(htpasswd, `${options.basicAuth.username}:${bcryptjs.hashSync(options.basicAuth.password, 5)}\n`);
      lines.push('auth:', '  htpasswd:', '    realm: openhss-test', `    path: ${htpasswd}`);
    }
    const config = join(dir, 'config.yml');
    await writeFile(config, `${lines.join('\n')}\n`);
    const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForV2(url, child, () => output);
      return {
        host: `127.0.0.1:${port}`,
        url,
        dir,
        output: () => output,
        async stop() {
          await stopChild(child);
          if (!persistent) await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await stopChild(child);
    }
  }
  if (!persistent) await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function waitForV2(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  const agent = new Agent();
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
      try {
        const response = await agent.request({ origin: url, path: '/v2/', method: 'GET' });
        await response.body.dump();
        if (response.statusCode === 200 || response.statusCode === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`docker-registry did not answer /v2/ within 10 s: ${output()}`);
  } finally {
    await agent.close();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

export interface GuardedDispatcher {
  dispatcher: Dispatcher;
  /** Every origin a request was made to (refused ones included). */
  origins: Set<string>;
  /** Every request made: method, origin, path and query. */
  requests: Array<{ method: string; origin: string; path: string }>;
  close(): Promise<void>;
}

/** An undici dispatcher that records every request and refuses any host that is not loopback. */
export function loopbackOnlyDispatcher(): GuardedDispatcher {
  const agent = new Agent();
  const origins = new Set<string>();
  const requests: GuardedDispatcher['requests'] = [];
  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    const origin = new URL(String(options.origin));
    origins.add(origin.origin);
    requests.push({ method: options.method, origin: origin.origin, path: options.path });
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
      throw new Error(`test dispatcher: refusing a request to non-loopback host ${origin.origin}`);
    }
    return dispatch(options, handler);
  });
  return { dispatcher, origins, requests, close: () => agent.close() };
}
