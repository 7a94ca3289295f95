/**
 * API overhead benchmark: openhss routes against a bare Fastify route, each
 * server in a process of its own, loaded from this process with autocannon.
 *
 *   npm run build && node --import tsx bench/api.ts [--duration 10] [--connections 16]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parseFirstStart, startServerProcess } from '../test/support/server-process.js';

process.env.HOME = mkdtempSync(join(tmpdir(), 'openhss-bench-home-'));
const { AKSKSigner } = await import('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core');

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const duration = arg('duration', 10);
const connections = arg('connections', 16);

async function startBare(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { url, stop: () => child.kill('SIGTERM') };
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(name: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Row> {
  const options = { url, headers, connections, ...(body !== undefined ? { body } : {}) };
  // A short warm-up so JIT and connection set-up stay out of the figures.
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration });
  const non2xx = result.non2xx + result.errors;
  return { name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: non2xx };
}

const dataDir = mkdtempSync(join(tmpdir(), 'openhss-bench-'));
const bare = await startBare();
const server = await startServerProcess({ OPENHSS_DATA_DIR: dataDir, OPENHSS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' }).catch((err: unknown) => {
  bare.stop();
  throw err;
});
try {
  const account = parseFirstStart(server.output())!;
  const login = await fetch(`${server.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: account.password, domain: { name: 'openhss' } } } }, scope: { project: { id: account.projectId } } } }),
  });
  const token = login.headers.get('x-subject-token')!;
  const policyPath = `/v5/${account.projectId}/vulnerability/scan-policy`;
  const host = new URL(server.url).host;
  // One SDK-signed request, replayed: its signature stays valid for the 15-minute window.
  const signed = AKSKSigner.sign(
    { endpoint: `${server.url}${policyPath}`, method: 'GET', headers: { 'content-type': 'application/json', 'X-Project-Id': account.projectId, host }, queryParams: {}, data: {} } as never,
    new BasicCredentials().withAk(account.ak).withSk(account.sk) as never,
  ) as Record<string, string>;

  const rows: Row[] = [];
  rows.push(await load('bare Fastify route (floor)', `${bare.url}/bare`));
  rows.push(await load('GET /healthz (public, full plugin stack)', `${server.url}/healthz`));
  rows.push(await load('GET scan-policy, X-Auth-Token', `${server.url}${policyPath}`, { 'x-auth-token': token }));
  rows.push(await load('GET scan-policy, AK/SK signature', `${server.url}${policyPath}`, { ...signed, 'content-type': 'application/json' }, '{}'));
  rows.push(await load('GET scan-policy, no credentials (401)', `${server.url}${policyPath}`));

  const floor = rows[0]!;
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}, SQLite, log level ${process.env.BENCH_LOG_LEVEL ?? 'info'}, ${connections} connections, ${duration} s per row\n`);
  console.log('| route | req/s | vs floor | p50 ms | p99 ms | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.rps} | ${(r.rps / floor.rps).toFixed(2)}× | ${r.p50} | ${r.p99} | ${r.errors} |`);
} finally {
  bare.stop();
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
}
