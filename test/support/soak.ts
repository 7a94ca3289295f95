/**
 * The multi-process soak on PostgreSQL (issue 13, "Past one machine"): an
 * API process (`openhss serve` without in-process workers) and N `openhss
 * worker` processes over one database, a steady stream of host scans (hosts
 * enrolled and inventoried through the agent API), image scans (a real
 * docker-registry) and exports, while one worker at a time is killed with
 * SIGKILL every few seconds and started again. At the end every task must be
 * finished, every count equal to a recount from the rows, and no job left
 * queued or running. Used by test/e2e/soak.test.ts (about 60 s) and
 * scripts/soak.ts (`npm run soak -- --minutes 5`).
 *
 * Every wait is on an observed state (a task finished, a queue empty); the
 * deadlines are only there to fail with context instead of hanging.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { validateConfig } from '../../src/config/load.js';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.js';
import type { EnrollResponse } from '../../src/agent/protocol.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { startSeededRegistry, VULNERABLE, type SeededRegistry } from './console-images-seed.js';
import { deb, identity, inventoryOf, npm } from './hosts.js';
import { tokenApi } from './http-api.js';
import { CLI, freePort } from './server-process.js';

export interface SoakOptions {
  /** How long work is created and workers are killed. */
  durationMs: number;
  workers: number;
  /** A worker is killed after a random pause in this range (ms). */
  killEveryMs: [number, number];
  hosts: number;
  shardSize: number;
  leaseSeconds: number;
  /** Seeds the kill schedule and the choice of victims. */
  seed: number;
  log: (line: string) => void;
}

export interface SoakResult {
  kills: number;
  scanTasks: number;
  scannedHosts: number;
  failedHosts: number;
  exports: { success: number; failure: number };
  imageTasks: number;
  /** Jobs per pg-boss queue and state at the end. */
  jobs: Record<string, Record<string, number>>;
  /** Jobs that needed more than one try (their worker was killed, or a try failed). */
  retried: number;
  /** Every broken invariant, in words; empty when the soak passed. */
  problems: string[];
  /** From the end of the load to every task finished. */
  drainMs: number;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'durationMs' | 'log'> = { workers: 3, killEveryMs: [2000, 5000], hosts: 60, shardSize: 10, leaseSeconds: 5, seed: 13 };

interface Proc {
  name: string;
  child: ChildProcess;
  tail: string;
  exited: Promise<void>;
}

/** A seeded generator (a plain LCG): the same kill schedule on every run with the same seed. */
function seeded(seed: number): () => number {
  let state = seed % 2147483648;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`soak: timed out waiting for ${what}\n${context()}`);
    await sleep(250);
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const o = options;
  const random = seeded(o.seed);
  const problems: string[] = [];
  let testDb: TestDatabase | undefined;
  let runtime: Runtime | undefined;
  let registry: SeededRegistry | undefined;
  const procs: Proc[] = [];
  const workers: Array<Proc | undefined> = [];
  try {
    testDb = await createTestDatabase('postgres');
    const masterKey = randomBytes(32).toString('base64');
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: testDb.dataDir,
      OPENHSS_DATA_DIR: testDb.dataDir,
      OPENHSS_DATABASE_URL: testDb.url,
      OPENHSS_DATABASE_SCHEMA: testDb.schema,
      OPENHSS_DATABASE_POOL_SIZE: '4',
      OPENHSS_MASTER_KEY: masterKey,
      OPENHSS_LOG_LEVEL: 'warn',
      OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0',
      OPENHSS_QUEUE_LEASE_SECONDS: String(o.leaseSeconds),
      OPENHSS_QUEUE_CONCURRENCY: '2',
      OPENHSS_SCAN_SHARD_SIZE: String(o.shardSize),
      // Hosts answer from their stored inventories: no agent is asked, none goes offline during the run.
      OPENHSS_AGENT_OFFLINE_AFTER_SECONDS: '86400',
      OPENHSS_SCAN_INVENTORY_MAX_AGE_SECONDS: '604800',
    };
    const config = validateConfig({ dataDir: testDb.dataDir, database: { url: testDb.url, schema: testDb.schema, poolSize: 3 }, security: { masterKey }, log: { level: 'silent' } });
    runtime = await openRuntime(config);
    const account = (await runtime.services.identity.bootstrapIfEmpty())!;
    const pid = account.project.id;
    const { token } = await runtime.services.auth.issueFor(account.user.id, pid, ['token']);
    const api = tokenApi(() => baseUrl, () => token);
    const db = runtime.database.db;
    const boss = `"${testDb.schema}_boss"`;

    const spawnProc = (name: string, args: string[], extra: Record<string, string> = {}): Proc => {
      const child = spawn(process.execPath, [process.env.OPENHSS_SOAK_CLI ?? CLI, ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      const proc: Proc = { name, child, tail: '', exited: new Promise((r) => child.once('exit', () => r())) };
      const keep = (c: Buffer) => (proc.tail = (proc.tail + c.toString('utf8')).slice(-4000));
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      procs.push(proc);
      return proc;
    };
    const context = () => procs.slice(-8).map((p) => `--- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.tail.slice(-1500)}`).join('\n');

    // The API process: it creates tasks and queues jobs; it runs none.
    spawnProc('api', ['serve'], { OPENHSS_PORT: String(port), OPENHSS_QUEUE_IN_PROCESS_WORKERS: 'false' });
    await until('the API process to answer', async () => ((await fetch(`${baseUrl}/healthz`).then((r) => r.ok, () => false)) ? true : undefined), 120_000, context);

    // Hosts, enrolled and inventoried as an agent would (all the same packages, which the demo DB flags).
    const packages = [deb('openssl', VULNERABLE), npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json')];
    for (let i = 0; i < o.hosts; i++) {
      const issued = await api('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, { description: `soak ${i}` });
      const enrolled = await fetch(`${baseUrl}/agent/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: (issued.body as unknown as { token: string }).token, identity: identity(`soak-${i}`, { machine_id: `soak-${i}`, ips: ['10.13.0.1'] }) }),
      });
      if (enrolled.status !== 201) throw new Error(`enrolment failed: ${enrolled.status} ${await enrolled.text()}`);
      const creds = (await enrolled.json()) as EnrollResponse;
      const uploaded = await fetch(`${baseUrl}/agent/v1/inventory`, {
        method: 'POST',
        headers: { authorization: `OpenHSS-Agent ${creds.agent_id}:${creds.agent_secret}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(inventoryOf(packages))),
      });
      if (uploaded.status !== 200) throw new Error(`inventory upload failed: ${uploaded.status} ${await uploaded.text()}`);
    }

    for (let i = 0; i < o.workers; i++) workers[i] = spawnProc(`worker-${i}`, ['worker']);

    // A real registry with two images; synced by the workers.
    registry = await startSeededRegistry();
    const added = await api('POST', `/v5/${pid}/image/registries`, {
      registry_name: 'soak-registry',
      registry_type: 'Harbor',
      url: registry.registry.url,
      registry_username: registry.credentials.username,
      registry_password: registry.credentials.password,
    });
    if (added.status !== 200) throw new Error(`registry not added: ${added.status} ${JSON.stringify(added.body)}`);
    await until(
      'the registry sync to list both images',
      async () => ((await api('GET', `/v5/${pid}/image/registries/images?limit=200`)).body.total_num >= registry!.images.length ? true : undefined),
      180_000,
      context,
    );
    o.log(`soak: API on ${baseUrl}, ${o.workers} workers, ${o.hosts} hosts, shards of ${o.shardSize}, lease ${o.leaseSeconds} s; load for ${Math.round(o.durationMs / 1000)} s`);

    // The load and the killer, side by side.
    const scanTasks: string[] = [];
    const exportTasks: string[] = [];
    const imageTasks: string[] = [];
    let kills = 0;
    const endAt = Date.now() + o.durationMs;
    const load = async () => {
      for (let tick = 0; Date.now() < endAt; tick++) {
        const scan = await api('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'all_host' });
        if (scan.status === 200) scanTasks.push((scan.body as unknown as { task_id: string }).task_id);
        else problems.push(`a scan task was refused: ${scan.status} ${JSON.stringify(scan.body)}`);
        if (tick % 3 === 0) {
          const ex =
            tick % 6 === 0
              ? await api('POST', `/v5/${pid}/vul/export?category=host&type=linux_vul&export_size=5000`)
              : await api('POST', `/v5/${pid}/image/registry-vulnerability/export?export_size=5000`, { operate_all: true });
          if (ex.status === 200) exportTasks.push((ex.body as unknown as { task_id: string }).task_id);
          else problems.push(`an export was refused: ${ex.status} ${JSON.stringify(ex.body)}`);
        }
        if (tick % 4 === 0) {
          const img = await api('POST', `/v5/${pid}/image/image-scan/tasks`, { is_all: true, query_info: { namespace: 'shop' } });
          const id = img.headers.get('x-openhss-task-id');
          if (img.status === 200 && id) imageTasks.push(id);
          else problems.push(`an image scan task was refused: ${img.status} ${JSON.stringify(img.body)}`);
        }
        await sleep(1500);
      }
    };
    const killer = async () => {
      while (Date.now() < endAt) {
        await sleep(o.killEveryMs[0] + random() * (o.killEveryMs[1] - o.killEveryMs[0]));
        if (Date.now() >= endAt) break;
        const i = Math.floor(random() * o.workers);
        const victim = workers[i]!;
        victim.child.kill('SIGKILL');
        await victim.exited;
        kills++;
        workers[i] = spawnProc(`worker-${i}`, ['worker']);
      }
    };
    await Promise.all([load(), killer()]);
    const loadEnded = Date.now();
    o.log(`soak: load ended: ${scanTasks.length} scan tasks, ${exportTasks.length} exports, ${imageTasks.length} image scan tasks, ${kills} workers killed; draining`);

    // Every task finishes (no lost job leaves one running), then the queues empty.
    const openScans = async () => Number((await db.selectFrom('vul_scan_tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'running').executeTakeFirstOrThrow()).n);
    const openImages = async () => Number((await db.selectFrom('image_scan_tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'running').executeTakeFirstOrThrow()).n);
    const openExports = async () => Number((await db.selectFrom('export_tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'running').executeTakeFirstOrThrow()).n);
    const pendingJobs = async () =>
      Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(boss)}.job where state in ('created', 'retry', 'active')`.execute(db)).rows[0]!.n);
    let open = '';
    await until(
      'every task to finish and the queues to empty',
      async () => {
        const counts = [await openScans(), await openImages(), await openExports(), await pendingJobs()];
        open = `running scan tasks ${counts[0]}, image scan tasks ${counts[1]}, exports ${counts[2]}; jobs queued or running ${counts[3]}`;
        return counts.every((n) => n === 0) ? true : undefined;
      },
      10 * 60_000,
      () => `${open}\n${context()}`,
    );
    const drainMs = Date.now() - loadEnded;

    // Scan tasks: each finished, its counters equal to a recount of its hosts' rows.
    let scannedHosts = 0;
    let failedHosts = 0;
    const failedReasons = new Map<string, number>();
    for (const taskId of scanTasks) {
      const task = await db.selectFrom('vul_scan_tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
      if (!task) {
        problems.push(`scan task ${taskId} is missing`);
        continue;
      }
      const rows = await db.selectFrom('vul_scan_task_hosts').select(['scan_status', 'failed_reasons']).where('task_id', '=', taskId).execute();
      const recount = { scanning: 0, success: 0, failed: 0 } as Record<string, number>;
      for (const r of rows) {
        recount[r.scan_status] = (recount[r.scan_status] ?? 0) + 1;
        if (r.scan_status === 'failed') failedReasons.set(r.failed_reasons, (failedReasons.get(r.failed_reasons) ?? 0) + 1);
      }
      const stored = { scanning: task.scanning_host_num, success: task.success_host_num, failed: task.failed_host_num };
      if (task.status !== 'finished') problems.push(`scan task ${taskId} is ${task.status}`);
      if (rows.length !== task.host_num || JSON.stringify(stored) !== JSON.stringify({ scanning: recount.scanning, success: recount.success, failed: recount.failed })) {
        problems.push(`scan task ${taskId}: stored ${JSON.stringify({ hosts: task.host_num, ...stored })} but recounted ${JSON.stringify({ hosts: rows.length, ...recount })}`);
      }
      scannedHosts += rows.length;
      failedHosts += recount.failed ?? 0;
    }
    if (failedReasons.size > 0) o.log(`soak: failed hosts by reason: ${JSON.stringify([...failedReasons])}`);

    // Every shard of every task was queued exactly once: one job per (task, shard) in pg-boss, none left open.
    const shardJobs = await sql<{ task_id: string; shard: number; n: number }>`
      select data->>'taskId' as task_id, (data->>'shard')::int as shard, count(*)::int as n
      from (select data from ${sql.raw(boss)}.job where name = 'vulscan.shard' union all select data from ${sql.raw(boss)}.archive where name = 'vulscan.shard') j
      group by 1, 2`.execute(db);
    const shardsOf = new Map<string, number>();
    for (const r of shardJobs.rows) {
      if (r.n !== 1) problems.push(`shard ${r.shard} of task ${r.task_id} was queued ${r.n} times`);
      shardsOf.set(r.task_id, (shardsOf.get(r.task_id) ?? 0) + 1);
    }
    for (const taskId of scanTasks) {
      const want = Math.ceil(o.hosts / o.shardSize);
      if (shardsOf.get(taskId) !== want) problems.push(`task ${taskId} had ${shardsOf.get(taskId) ?? 0} shard jobs, not ${want}`);
    }

    // Each host's stored vulnerabilities: all hosts have the same packages, so the same count, as a recount by the API gives.
    const hostList = (await api('GET', `/v5/${pid}/host-management/hosts?limit=200`)).body.data_list as Array<{ host_id: string }>;
    const perHost = new Set<number>();
    for (const h of hostList) perHost.add((await api('GET', `/v5/${pid}/vulnerability/host/${h.host_id}?limit=1&type=linux_vul`)).body.total_num);
    if (perHost.size !== 1 || [...perHost][0] === 0) problems.push(`hosts with identical packages have linux vulnerability counts ${JSON.stringify([...perHost])}`);

    // The aggregated list's kept totals (written by killed and surviving workers alike) equal a recount of the rows.
    for (const type of ['linux_vul', 'app_vul'] as const) {
      const bit = type === 'linux_vul' ? 1 : 2;
      const rows = await sql<{ vul_id: string; n: string | number; unhandled: string | number }>`select i.vul_id, count(*) as n, sum(case when v.status not in (1, 4) then 1 else 0 end) as unhandled
        from host_vuls v join hosts h on h.seq = v.host_seq join vul_info i on i.seq = v.vul_seq
        where h.project_id = ${pid} and (v.kind & ${bit}) <> 0 group by i.vul_id`.execute(db);
      const want = new Map(rows.rows.map((r) => [r.vul_id, `${Number(r.n)}/${Number(r.unhandled)}`]));
      const got = new Map<string, string>();
      for (let offset = 0; ; offset += 200) {
        const page = (await api('GET', `/v5/${pid}/vulnerability/vulnerabilities?type=${type}&limit=200&offset=${offset}`)).body.data_list as Array<{ vul_id: string; host_num: number; unhandle_host_num: number }>;
        for (const r of page) got.set(r.vul_id, `${r.host_num}/${r.unhandle_host_num}`);
        if (page.length < 200) break;
      }
      const wrong = [...new Set([...want.keys(), ...got.keys()])].filter((id) => want.get(id) !== got.get(id));
      if (wrong.length > 0) problems.push(`${type}: ${wrong.length} vulnerabilities whose listed host_num/unhandled differ from a recount, e.g. ${wrong.slice(0, 3).map((id) => `${id} ${got.get(id) ?? '-'} vs ${want.get(id) ?? '-'}`).join(', ')}`);
    }

    // Exports: each ended; a success names its file.
    const exports = { success: 0, failure: 0 };
    for (const taskId of exportTasks) {
      const view = (await api('GET', `/v5/${pid}/export-task/${taskId}`)).body as unknown as { task_status: string; file_id: string; failed_reason: string };
      if (view.task_status === 'success' && view.file_id) exports.success++;
      else if (view.task_status === 'failure') {
        exports.failure++;
        o.log(`soak: export ${taskId} failed: ${view.failed_reason}`);
      } else problems.push(`export ${taskId} is ${view.task_status}`);
    }

    // Image scan tasks: each ended, its items all decided, counts equal to a recount.
    for (const taskId of imageTasks) {
      const task = await db.selectFrom('image_scan_tasks').select(['status']).where('id', '=', taskId).executeTakeFirst();
      if (task?.status !== 'finished') problems.push(`image scan task ${taskId} is ${task?.status ?? 'missing'}`);
      const open = await db.selectFrom('image_scan_task_items').select((eb) => eb.fn.countAll<number>().as('n')).where('task_id', '=', taskId).where('scan_status', 'in', ['waiting_for_scan', 'scanning']).executeTakeFirstOrThrow();
      if (Number(open.n) > 0) problems.push(`image scan task ${taskId} has ${open.n} open items`);
    }

    const jobRows = await sql<{ name: string; state: string; n: number }>`
      select name, state::text as state, count(*)::int as n from (select name, state from ${sql.raw(boss)}.job union all select name, state from ${sql.raw(boss)}.archive) j group by 1, 2`.execute(db);
    const jobs: Record<string, Record<string, number>> = {};
    for (const r of jobRows.rows) (jobs[r.name] ??= {})[r.state] = r.n;
    const retried = Number(
      (await sql<{ n: number }>`select count(*)::int as n from (select retry_count from ${sql.raw(boss)}.job union all select retry_count from ${sql.raw(boss)}.archive) j where retry_count > 0`.execute(db)).rows[0]!.n,
    );

    return { kills, scanTasks: scanTasks.length, scannedHosts, failedHosts, exports, imageTasks: imageTasks.length, jobs, retried, problems, drainMs };
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await registry?.stop().catch(() => undefined);
    await runtime?.close().catch(() => undefined);
    await testDb?.cleanup().catch(() => undefined);
  }
}
