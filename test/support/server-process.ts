import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The built CLI, as `npm start` runs it. `npm test` builds before running the tests. */
export const CLI = resolve('dist/cli/main.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Runs `openhss serve` on a free port and waits until /healthz answers, whatever the log level. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<ServerProcess> {
  // A restarted server keeps its port (OPENHSS_PORT given), so clients that know the URL reconnect.
  const port = env.OPENHSS_PORT ? Number(env.OPENHSS_PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', OPENHSS_LOG_LEVEL: 'info', OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0', ...env, OPENHSS_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`openhss serve exited with ${child.exitCode}:\n${text}`);
    const healthy = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    // The first-start banner is printed just after listening; wait for it too, so callers can read it.
    if (healthy && /openhss first start|openhss: the first-start/.test(text)) return { child, url, output: () => text, exited };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`openhss serve did not start within ${timeoutMs} ms:\n${text}`);
}

/**
 * The first-start account: the banner names the 0600 file in the data
 * directory that holds the secrets (they are never printed to a pipe), and
 * the values are read from there. Null when the output has no first-start banner.
 */
export function parseFirstStart(output: string): { projectId: string; password: string; ak: string; sk: string } | null {
  const file = /^\s*secrets:\s+(\S+)/m.exec(output)?.[1];
  if (!file) return null;
  const text = readFileSync(file, 'utf8');
  const grab = (label: string) => new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'm').exec(text)?.[1];
  const projectId = grab('project_id');
  const password = grab('password');
  const ak = grab('AK');
  const sk = grab('SK');
  return projectId && password && ak && sk ? { projectId, password, ak, sk } : null;
}
