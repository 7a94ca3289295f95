import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../support/app.js';
import { TEST_POSTGRES_URL } from '../support/databases.js';
import { deb, inventoryOf, npm } from '../support/hosts.js';
import { CLI, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { ImageAssetRepository, type ImageAssetDraft } from '../../src/repositories/image-asset-repository.js';
import { exportFileKey } from '../../src/services/export-service.js';
import { S3_SECRET_AAD, unsealSetting } from '../../src/files/open-store.js';
import { deriveKey } from '../../src/security/master-key.js';
import { SecretBox } from '../../src/security/secret-box.js';

/**
 * Export files every process can serve (issue 13): on PostgreSQL, an
 * `openhss worker` with its own data directory writes the file, and an
 * `openhss serve` with another data directory (running no jobs itself)
 * serves it. And a writer killed with SIGKILL while its upload is under way
 * leaves nothing that is served: the task is redone by another worker.
 */

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const IMAGES = 150;
const EXTRA_VULS = 40;

describe('export files on PostgreSQL are served by any process (file store)', () => {
  let t: TestApp;
  let pid: string;
  let api: ServerProcess;
  const masterKey = randomBytes(32).toString('base64');
  const dirs: string[] = [];
  const procs: Proc[] = [];
  /**
   * A data directory of its own for each process. The vulnerability DB is the
   * seeding runtime's file, hard-linked (same inode, so the same DB
   * generation): otherwise each start would re-match the stored images
   * against its own DB, and the seeded rows would change under the exports.
   */
  const newDir = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `openhss-${name}-`));
    dirs.push(dir);
    linkSync(join(t.config.dataDir, 'vulndb.sqlite'), join(dir, 'vulndb.sqlite'));
    return dir;
  };
  let common: Record<string, string>;

  const startWorker = (dataDir: string): Proc => {
    const child = spawn(process.execPath, [CLI, 'worker'], {
      env: { PATH: process.env.PATH ?? '', HOME: dataDir, ...common, OPENHSS_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
    const proc = { child, output: () => text, exited: new Promise<number | null>((r) => child.on('exit', (code) => r(code))) };
    procs.push(proc);
    return proc;
  };

  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, context: () => string = () => '', timeoutMs = 180_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const outputs = () => [`--- api:\n${api?.output() ?? ''}`, ...procs.map((p, i) => `--- worker ${i} (exit ${p.child.exitCode}):\n${p.output()}`)].join('\n');

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { 'x-auth-token': t.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const createExport = async (format: 'xlsx' | 'csv') => {
    const res = await call('POST', `/v5/${pid}/image/local-vulnerability/export?export_size=100000&format=${format}`, { operate_all: true });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { task_id: string; record_total_num: number };
  };
  const taskOf = async (taskId: string) => (await (await call('GET', `/v5/${pid}/export-task/${taskId}`)).json()) as Record<string, unknown>;
  const fileIdOf = async (taskId: string) =>
    (await t.runtime.database.db.selectFrom('export_tasks').select('file_id').where('id', '=', taskId).executeTakeFirstOrThrow()).file_id!;
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  before(async () => {
    t = await createTestApp('postgres', { security: { masterKey } });
    pid = t.account.project.id;
    common = {
      OPENHSS_DATABASE_URL: TEST_POSTGRES_URL,
      OPENHSS_DATABASE_SCHEMA: t.config.database.schema,
      OPENHSS_MASTER_KEY: masterKey,
      OPENHSS_LOG_LEVEL: 'info',
      OPENHSS_QUEUE_POLL_INTERVAL_MS: '100',
      // A job whose worker was killed is handed out again after its lease.
      OPENHSS_QUEUE_LEASE_SECONDS: '5',
      OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS: '0',
    };
    // Many images sharing one digest: each contributes the digest's vulnerabilities as rows (a few MB of CSV).
    const now = Date.now();
    const digest = `sha256:${'a'.repeat(64)}`;
    const drafts: ImageAssetDraft[] = [];
    for (let i = 0; i < IMAGES; i++) {
      drafts.push({
        projectId: pid, enterpriseProjectId: '0', imageType: 'local', naturalKey: `app-${i}:1@${digest}`, registryId: null, registryName: '', registryType: '', namespace: '',
        imageName: `app-${i}`, imageVersion: '1', imageDigest: digest, imageId: `sha256:${'f'.repeat(64)}`, imageSize: 1000, latestUpdateTime: now - i, localImageType: 'other_image',
      });
    }
    await new ImageAssetRepository(t.runtime.database.db).upsert(drafts, now);
    await t.runtime.services.imageContents.record(pid, digest, null, inventoryOf([deb('openssl', '3.0.11-1~deb12u1'), deb('curl', '7.88.1-10+deb12u3'), npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json')]), 'agent');
    for (let v = 0; v < EXTRA_VULS; v++) {
      await t.runtime.database.db
        .insertInto('image_vuls')
        .values({
          project_id: pid, image_digest: digest, vul_id: `GHSA-test-${String(v).padStart(4, '0')}`, package_name: `pkg-${v}`, package_version: '1.0.0', package_path: `srv/node_modules/pkg-${v}/package.json`,
          vul_type: 'app_vul', package_type: 'npm', fixed_version: '1.0.1', severity: 'high', cvss_score: 7.5, cve_ids: JSON.stringify([`CVE-2024-${10000 + v}`]),
          title: `pkg-${v} ${randomBytes(150).toString('hex')}`, handle_status: 'unhandled', handled_at: null, first_seen_at: now,
        })
        .execute();
    }
    // The API process runs no jobs: every export is written by a worker process.
    api = await startServerProcess({ ...common, OPENHSS_DATA_DIR: newDir('api'), OPENHSS_QUEUE_IN_PROCESS_WORKERS: 'false' });
  });

  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (api && api.child.exitCode === null) api.child.kill('SIGKILL');
    await Promise.all([...procs.map((p) => p.exited), api?.exited]);
    await t?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a worker with its own data directory writes an XLSX export; the API process with another serves it byte for byte', async () => {
    const workerDir = newDir('worker');
    const worker = startWorker(workerDir);
    await waitFor('worker start', () => worker.output().includes('openhss worker started'), outputs);
    const { task_id: taskId, record_total_num: total } = await createExport('xlsx');
    assert.ok(total >= IMAGES * EXTRA_VULS, `${total} rows`);
    await waitFor('the export', async () => (await taskOf(taskId)).task_status !== 'running', outputs);
    const task = await taskOf(taskId);
    assert.equal(task.task_status, 'success', JSON.stringify(task));

    const res = await call('GET', `/v5/${pid}/download/${task.file_id as string}`);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get('content-length')), bytes.length);
    // The same bytes the worker stored and logged.
    const stored = await t.runtime.files.stat(exportFileKey(task.file_id as string, 'xlsx'));
    assert.equal(t.runtime.files.kind, 'postgres');
    assert.deepEqual(stored && [stored.size, stored.sha256], [bytes.length, sha256(bytes)]);
    const written = worker.output().split('\n').filter((l) => l.includes('"export written"')).map((l) => JSON.parse(l) as { taskId: string; bytes: number; sha256: string; store: string });
    assert.deepEqual(written.map((w) => [w.taskId, w.bytes, w.sha256, w.store]), [[taskId, bytes.length, sha256(bytes), 'postgres']]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    assert.equal(book.worksheets[0]!.actualRowCount, total + 1, 'the header and every row');
    // Nothing went through either process's data directory.
    assert.ok(!existsSync(join(workerDir, 'exports')));
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
  });

  it('a writer killed with SIGKILL mid-upload leaves no file served; another worker redoes the task and the download is whole', async () => {
    const { task_id: taskId, record_total_num: total } = await createExport('csv');
    const key = exportFileKey(await fileIdOf(taskId), 'csv');
    // Holding the key's publish lock lets the writer store every chunk, then stops it just before its upload becomes visible.
    const holder = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await holder.connect();
    try {
      await holder.query(`select pg_advisory_lock(hashtextextended($1, 0))`, [`openhss-file:${key}`]);
      const writer = startWorker(newDir('writer'));
      const uploads = async () =>
        (
          await sql<{ complete: boolean; chunks: string }>`select b.complete, (select count(*) from file_chunks c where c.blob_id = b.id) as chunks from file_blobs b where b.key = ${key}`.execute(
            t.runtime.database.db,
          )
        ).rows;
      const waitingToPublish = async () =>
        (await holder.query(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`)).rows[0].n > 0;
      await waitFor('the writer to store its chunks and wait to publish', async () => (await waitingToPublish()) && (await uploads()).some((u) => !u.complete && Number(u.chunks) > 1), outputs);
      const partial = await uploads();
      assert.equal(partial.length, 1);
      assert.ok(Number(partial[0]!.chunks) > 1, `the upload holds ${partial[0]!.chunks} chunks of 1 MiB already`);

      const fileId = await fileIdOf(taskId);
      const before = await call('GET', `/v5/${pid}/download/${fileId}`);
      assert.equal(before.status, 404);
      assert.match(((await before.json()) as { error_msg: string }).error_msg, /still running/);
      writer.child.kill('SIGKILL');
      await writer.exited;
      const afterKill = await call('GET', `/v5/${pid}/download/${fileId}`);
      assert.equal(afterKill.status, 404, 'what the killed writer stored is not served');
      assert.equal(await t.runtime.files.stat(key), null);
    } finally {
      await holder.end();
    }

    const rescuer = startWorker(newDir('rescuer'));
    await waitFor('the redone export', async () => (await taskOf(taskId)).task_status !== 'running', outputs);
    const task = await taskOf(taskId);
    assert.equal(task.task_status, 'success', JSON.stringify(task));
    const res = await call('GET', `/v5/${pid}/download/${task.file_id as string}`);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const stored = await t.runtime.files.stat(key);
    assert.deepEqual(stored && [stored.size, stored.sha256], [bytes.length, sha256(bytes)]);
    const lines = bytes.toString('utf8').split('\r\n');
    assert.equal(lines.pop(), '', 'ends with a line break');
    assert.equal(lines.length, total + 1, 'the header and every row: not a truncated file');
    assert.match(rescuer.output(), /"export written"/);
    // The killed writer's upload went when the redone one was published.
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from file_blobs where key = ${key}`.execute(t.runtime.database.db);
    assert.equal(rows[0]!.n, 1);
  });

  it('`openhss files seal-secret` seals the S3 secret from standard input with the master key', () => {
    const secret = `s3-${randomBytes(12).toString('hex')}`;
    const run = spawnSync(process.execPath, [CLI, 'files', 'seal-secret'], {
      input: `${secret}\n`,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), OPENHSS_MASTER_KEY: masterKey, OPENHSS_DATA_DIR: newDir('seal') },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const sealed = run.stdout.trim();
    assert.match(sealed, /^sealed:v1\./);
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret));
    const box = new SecretBox(deriveKey(Buffer.from(masterKey, 'base64'), 'secret-encryption'));
    assert.equal(unsealSetting(sealed, box, S3_SECRET_AAD), secret);
  });
});
