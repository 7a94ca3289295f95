/** What the fleet benchmarks (bench/hosts.ts, bench/overview.ts) share: arguments, the server child, throwaway schemas. */
import { spawn } from 'node:child_process';
import pg from 'pg';
import type { DialectName } from '../../src/db/connect.js';
import { TEST_POSTGRES_URL } from '../../test/support/databases.js';

/** `--name N` from the command line, or the fallback. */
export const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};

/** `--backend sqlite|postgres|both` (default both). */
export function backendsArg(): DialectName[] {
  const i = process.argv.indexOf('--backend');
  const value = i === -1 ? 'both' : (process.argv[i + 1] ?? 'both');
  if (!['sqlite', 'postgres', 'both'].includes(value)) throw new Error('--backend must be sqlite, postgres or both');
  return value === 'both' ? ['sqlite', 'postgres'] : [value as DialectName];
}

export async function dropSchemas(schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`);
  } finally {
    await client.end();
  }
}

/** bench/hosts/server-child.ts: the real server and a bare Fastify route (the floor) in one process. */
export async function startServerChild(configJson: string): Promise<{ url: string; bareUrl: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hosts/server-child.ts', configJson], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    let done = false;
    child.stdout!.on('data', (d: Buffer) => {
      // Once the address is known the server's log lines (info: one a request) are read and dropped.
      if (done) {
        if (process.env.BENCH_SERVER_LOG) process.stderr.write(d);
        return;
      }
      out += d.toString();
      // Log lines (the demo-DB warning) may share stdout: the address line is the one naming bareUrl.
      const found = out.split('\n').find((l) => l.includes('"bareUrl"'));
      if (found) {
        done = true;
        out = '';
        resolve(found);
      }
    });
    child.on('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  const { url, bareUrl } = JSON.parse(line) as { url: string; bareUrl: string };
  return { url, bareUrl, stop: async () => void (child.kill('SIGTERM'), await exited) };
}
