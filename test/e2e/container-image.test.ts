import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assembleContext, buildBase, buildImage, imageInputsKey, podmanRuntimeArgs, ulimitArgs } from '../../scripts/container-image.mjs';
import { debootstrapBookworm } from '../support/debootstrap.js';
import { createTestDatabase, TEST_POSTGRES_URL } from '../support/databases.js';

/**
 * The container image (deploy/container/Containerfile) built with Debian's
 * podman from a base made here (debootstrap + this machine's node), then run
 * as a user would: read-only root file system, the service user, the health
 * check, a sign-in over 127.0.0.1; on SQLite with a data volume, and on
 * PostgreSQL with `serve` and a separate `worker` container doing the jobs.
 */
const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const SERVICE_UID = 10001;
/** Upper bound for a container to print its start banner; the wait ends on the banner itself. */
const START_GUARD_MS = 240_000;

const podmanMissing = spawnSync('podman', ['--version']).status !== 0;
const skip = podmanMissing ? 'podman is not installed (.ci/run installs it)' : process.getuid?.() !== 0 ? 'needs root (rootful podman)' : false;

async function podman(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('podman', [...podmanRuntimeArgs(), ...args], { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with the container's log once it matches `pattern`; rejects if the container stops first. */
function waitForLog(name: string, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const follower = spawn('podman', ['logs', '--follow', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const guard = setTimeout(() => finish(new Error(`${name} printed no ${pattern} within ${START_GUARD_MS} ms:\n${text}`)), START_GUARD_MS);
    const finish = (err: Error | null) => {
      clearTimeout(guard);
      follower.kill();
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) finish(null);
    };
    follower.stdout.on('data', onData);
    follower.stderr.on('data', onData);
    follower.on('exit', () => {
      if (!pattern.test(text)) finish(new Error(`${name} stopped before printing ${pattern}:\n${text}`));
    });
  });
}

function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
}

async function startContainer(name: string, image: string, options: { env: Record<string, string>; mounts: string[]; command?: string[] }) {
  const started = await podman([
    'run',
    '--detach',
    '--name',
    name,
    '--network=host', // no internet here; the service and PostgreSQL are on 127.0.0.1
    '--read-only',
    '--read-only-tmpfs=true', // /tmp, /var/tmp and /run as tmpfs; the image's files stay read-only
    ...ulimitArgs(),
    ...options.mounts,
    ...envArgs(options.env),
    image,
    ...(options.command ?? []),
  ]);
  assert.equal(started.code, 0, `podman run ${name}: ${started.stderr}`);
}

const tokenRequest = (password: string, projectId: string) =>
  JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', password, domain: { name: 'openhss' } } } },
      scope: { project: { id: projectId } },
    },
  });

function credentials(text: string): { projectId: string; password: string } {
  const grab = (label: string) => new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'm').exec(text)?.[1];
  const projectId = grab('project_id');
  const password = grab('password');
  assert.ok(projectId && password, `first-start credentials:\n${text.replace(/(password|SK):.*/g, '$1: …')}`);
  return { projectId, password };
}

async function signIn(base: string, creds: { projectId: string; password: string }): Promise<string> {
  const response = await fetch(`${base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenRequest(creds.password, creds.projectId) });
  assert.equal(response.status, 201, await response.text());
  const token = response.headers.get('x-subject-token');
  assert.ok(token);
  return token;
}

/** The health check as the image declares it, run by podman; then the state podman records. */
async function healthOf(name: string): Promise<{ code: number; status: string }> {
  const checked = await podman(['healthcheck', 'run', name]);
  const inspected = await podman(['inspect', name, '--format', '{{.State.Health.Status}}']);
  return { code: checked.code, status: inspected.stdout.trim() };
}

/** Tries to write `path` inside the container as its user; returns the error code node saw ('' if it worked). */
async function writeInside(name: string, path: string): Promise<string> {
  const result = await podman(['exec', name, 'node', '-e', `try { require('fs').writeFileSync(process.argv[1], 'x'); } catch (e) { process.stdout.write(e.code); }`, path]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

describe('container image (podman, read-only root, non-root user)', { skip, concurrency: true }, () => {
  let image = '';
  const containers: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async () => {
    assert.ok(existsSync(join(repo, 'dist/console/index.html')), 'dist/ with the console is built (npm test builds it first)');
    const t0 = Date.now();
    const base = await buildBase({ rootfs: await debootstrapBookworm() });
    const t1 = Date.now();
    // The image is rebuilt whenever dist/, the lock file, the Containerfile or the base changed.
    const tag = `localhost/openhss:test-${imageInputsKey(repo).slice(0, 12)}-${base.split(':')[1]!.slice(0, 8)}`;
    let built = false;
    if ((await podman(['image', 'exists', tag])).code !== 0) {
      const context = mkdtempSync(join(tmpdir(), 'openhss-image-context-'));
      try {
        buildImage({ base, tag, context: assembleContext(context, repo) });
        built = true;
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
      // Test images of other inputs made over an hour ago are removed, so the store does not grow run
      // after run (a younger one may be in use by a concurrent run from another checkout).
      const listed = await podman(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=localhost/openhss', '--filter', 'until=1h']);
      for (const old of listed.stdout.split('\n').filter((t) => t.startsWith('localhost/openhss:test-') && t !== tag)) await podman(['rmi', '--force', old]);
    }
    image = tag;
    process.stdout.write(`# container image: base ${base} in ${t1 - t0} ms; image ${tag} ${built ? 'built' : 'reused'} in ${Date.now() - t1} ms\n`);
  });

  after(async () => {
    for (const name of containers) await podman(['rm', '--force', '--time', '5', name]);
    for (const cleanup of cleanups) await cleanup();
  });

  it('the image: non-root user, health check, serve by default, only production dependencies', async () => {
    const inspected = await podman(['image', 'inspect', image, '--format', '{"Config":{{json .Config}},"HealthCheck":{{json .HealthCheck}}}']);
    assert.equal(inspected.code, 0, inspected.stderr);
    const { Config: config, HealthCheck: healthCheck } = JSON.parse(inspected.stdout) as {
      Config: { User: string; Entrypoint: string[]; Cmd: string[]; Volumes?: Record<string, unknown> };
      HealthCheck?: { Test: string[] };
    };
    assert.equal(config.User, `${SERVICE_UID}:${SERVICE_UID}`);
    assert.deepEqual(config.Entrypoint, ['node', '/app/dist/cli/main.js']);
    assert.deepEqual(config.Cmd, ['serve']);
    assert.deepEqual(healthCheck?.Test, ['CMD', 'node', '/app/healthcheck.mjs']);
    assert.ok(config.Volumes && '/data' in config.Volumes);
    // No dev dependency made it in (the test runner, the bundler, the console's sources).
    const listing = await podman(['run', '--rm', '--network=none', ...ulimitArgs(), '--entrypoint', 'sh', image, '-c', 'ls /app/node_modules; ls /app/dist/console/assets | head -n 3']);
    assert.equal(listing.code, 0, listing.stderr);
    for (const dev of ['typescript', 'tsx', 'vite', 'playwright-core', 'antd', 'react']) assert.ok(!listing.stdout.split('\n').includes(dev), `${dev} is a dev dependency`);
    for (const prod of ['fastify', 'better-sqlite3', 'pg', 'pg-boss', 'kysely']) assert.ok(listing.stdout.split('\n').includes(prod), `${prod} is there`);
  });

  it('on SQLite with a data volume: healthy, signs in over 127.0.0.1, runs as uid 10001 and can write only to /data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openhss-container-data-'));
    chownSync(dataDir, SERVICE_UID, SERVICE_UID);
    chmodSync(dataDir, 0o700);
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const name = `openhss-test-sqlite-${process.pid}-${randomBytes(3).toString('hex')}`;
    containers.push(name);
    await startContainer(name, image, {
      mounts: ['--volume', `${dataDir}:/data`],
      // Listen on loopback only (host network); no vulnerability DB download (no internet here).
      env: { OPENHSS_HOST: '127.0.0.1', OPENHSS_PORT: String(port), OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0' },
    });
    const log = await waitForLog(name, /Web console: /);
    assert.match(log, /"database":"sqlite"/);

    const health = await healthOf(name);
    assert.deepEqual(health, { code: 0, status: 'healthy' });

    const base = `http://127.0.0.1:${port}`;
    const creds = credentials(readFileSync(join(dataDir, 'first-start-credentials.txt'), 'utf8'));
    const token = await signIn(base, creds);
    const policy = await fetch(`${base}/v5/${creds.projectId}/vulnerability/scan-policy`, { headers: { 'x-auth-token': token } });
    assert.equal(policy.status, 200, await policy.clone().text());
    const refused = await fetch(`${base}/v5/${creds.projectId}/vulnerability/scan-policy`);
    assert.equal(refused.status, 401);
    const consolePage = await fetch(`${base}/`);
    assert.equal(consolePage.status, 200);
    assert.match(await consolePage.text(), /<script type="module"[^>]+src="\/assets\//, 'the built console is served');

    // The service user, not root, for PID 1 and for anything exec'd.
    const status = await podman(['exec', name, 'cat', '/proc/1/status']);
    assert.match(status.stdout, new RegExp(`^Uid:\\s+${SERVICE_UID}\\s+${SERVICE_UID}\\s+${SERVICE_UID}\\s+${SERVICE_UID}$`, 'm'));
    assert.match(status.stdout, new RegExp(`^Gid:\\s+${SERVICE_UID}\\s`, 'm'));
    const top = await podman(['top', name, 'huser', 'args']);
    assert.match(top.stdout, new RegExp(`^${SERVICE_UID}\\s+node /app/dist/cli/main.js serve`, 'm'));

    // Read-only everywhere but the data volume and the tmpfs mounts.
    for (const path of ['/app/dist/cli/injected.js', '/app/node_modules/injected.js', '/etc/openhss-test', '/usr/local/bin/injected', '/injected']) {
      assert.equal(await writeInside(name, path), 'EROFS', `${path} is on the read-only root`);
    }
    assert.equal(await writeInside(name, '/data/written-by-test'), '', '/data is writable');
    assert.equal(readFileSync(join(dataDir, 'written-by-test'), 'utf8'), 'x');
    assert.equal(await writeInside(name, '/tmp/written-by-test'), '', '/tmp is a tmpfs');

    // SIGTERM from podman stop is a graceful shutdown (exit 0), and the data outlives the container.
    const stopped = await podman(['stop', '--time', '60', name]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const exit = await podman(['inspect', name, '--format', '{{.State.ExitCode}}']);
    assert.equal(exit.stdout.trim(), '0', (await podman(['logs', '--tail', '20', name])).stderr);
    assert.ok(existsSync(join(dataDir, 'openhss.db')));
  });

  it('on PostgreSQL: a serve container without in-process workers and a worker container that does its jobs, whose export file the API serves', async () => {
    const pgSchema = await createTestDatabase('postgres', { migrate: false });
    cleanups.push(() => pgSchema.cleanup());
    const port = await freePort();
    const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
    const api = `openhss-test-pg-api-${suffix}`;
    const worker = `openhss-test-pg-worker-${suffix}`;
    containers.push(api, worker);
    const shared = {
      OPENHSS_DATABASE_URL: TEST_POSTGRES_URL,
      OPENHSS_DATABASE_SCHEMA: pgSchema.schema,
      OPENHSS_MASTER_KEY: randomBytes(32).toString('base64'),
      OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0',
    };
    // No data volume: each container's /data is a tmpfs of its own, as a pod's emptyDir.
    const tmpData = ['--tmpfs', '/data:rw,mode=0700,U']; // U: owned by the image's user
    await startContainer(api, image, {
      mounts: tmpData,
      env: { ...shared, OPENHSS_HOST: '127.0.0.1', OPENHSS_PORT: String(port), OPENHSS_QUEUE_IN_PROCESS_WORKERS: 'false' },
    });
    // Both at once, as a Deployment's pods start: the migrations take a lock, so either may run them.
    await startContainer(worker, image, { mounts: tmpData, env: shared, command: ['worker'] });
    const [apiLog, workerLog] = await Promise.all([waitForLog(api, /Web console: /), waitForLog(worker, /openhss worker started/)]);
    assert.match(apiLog, /"database":"postgres"/);
    assert.match(workerLog, /"database":"postgres"/);

    assert.deepEqual(await healthOf(api), { code: 0, status: 'healthy' });
    assert.deepEqual(await healthOf(worker), { code: 0, status: 'healthy' }, 'a worker is healthy while it runs');
    const workerTop = await podman(['top', worker, 'huser', 'args']);
    assert.match(workerTop.stdout, new RegExp(`^${SERVICE_UID}\\s+node /app/dist/cli/main.js worker`, 'm'));

    const base = `http://127.0.0.1:${port}`;
    const creds = credentials((await podman(['exec', api, 'cat', '/data/first-start-credentials.txt'])).stdout);
    const token = await signIn(base, creds);
    const headers = { 'x-auth-token': token };
    const whoami = await fetch(`${base}/v5/${creds.projectId}/openhss/whoami`, { headers });
    assert.equal(whoami.status, 200, await whoami.clone().text());

    // An export is a job: the API container runs none, so the worker container does it.
    const created = await fetch(`${base}/v5/${creds.projectId}/vul/export?category=vul&export_size=10&format=csv`, { method: 'POST', headers });
    assert.equal(created.status, 200, await created.clone().text());
    const { task_id: taskId } = (await created.json()) as { task_id: string };
    let task: { task_status: string; file_id: string; failed_reason: string } = { task_status: 'running', file_id: '', failed_reason: '' };
    // Polled until the worker ends it (the guard only bounds a hang).
    for (const started = Date.now(); task.task_status === 'running' && Date.now() - started < START_GUARD_MS; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const shown = await fetch(`${base}/v5/${creds.projectId}/export-task/${taskId}`, { headers });
      assert.equal(shown.status, 200, await shown.clone().text());
      task = (await shown.json()) as typeof task;
    }
    assert.equal(task.task_status, 'success', task.failed_reason);
    // The file was written by the worker container (its own /data): the API container serves it from the shared store.
    const download = await fetch(`${base}/v5/${creds.projectId}/download/${task.file_id}`, { headers });
    assert.equal(download.status, 200, await download.clone().text());
    const csv = Buffer.from(await download.arrayBuffer()).toString('utf8');
    assert.ok(csv.startsWith('\ufeff'), 'a CSV export (UTF-8 BOM first)');
    const workerFiles = await podman(['exec', worker, 'find', '/data', '-path', '*exports*', '-type', 'f']);
    assert.equal(workerFiles.stdout.trim(), '', 'no export file on the worker container’s own disk (the store is PostgreSQL)');
  });
});
