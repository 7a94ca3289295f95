import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { TestClock } from '../support/app.js';
import { backends } from '../support/databases.js';
import { DEBIAN_12_OS_RELEASE, dpkgStatus } from '../support/agent-fixture-root.js';
import { docker25Save, writeImageLayout } from '../support/archives.js';
import { startLiveServer, type LiveServer } from '../support/live-server.js';
import { buildImage, ImagePusher, type BuiltImage } from '../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type RunningRegistry } from '../support/oci-registry.js';
import { CLI } from '../support/server-process.js';
import { tokenApi, waitFor as waitUntil } from '../support/http-api.js';

const VULNERABLE = '3.0.11-1~deb12u2';
const FIXED = '3.0.13-1~deb12u1';
const USER = { username: 'ci', password: `pw-${randomBytes(6).toString('hex')}` };
// Vulnerable images carry openssl and lodash versions the demo DB flags; fixed ones carry fixed versions of both.
const layerOf = (openssl: string, marker: string) => [
  { 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus(openssl) },
  {
    [`srv/${marker}/node_modules/lodash/package.json`]: JSON.stringify({ name: 'lodash', version: openssl === VULNERABLE ? '4.17.11' : '4.17.21' }),
    [`srv/${marker}/README`]: marker,
  },
];

/**
 * The issue's "done when", end to end on each database: a real registry with
 * basic auth, the real server (in this process, on a loopback port, with an
 * injected clock) running its real queue and dispatcher, a real agent
 * process reporting image archives, and the exported XLSX opened with exceljs.
 */
for (const backend of backends) {
  describe(`container images end to end (${backend})`, { timeout: 300_000 }, () => {
    const clock = new TestClock();
    let live: LiveServer;
    let registry: RunningRegistry;
    let token: string;
    let pid: string;
    let work: string;
    let agent: ChildProcess | undefined;
    let agentLog = '';
    const guarded = loopbackOnlyDispatcher();
    const images: Record<string, BuiltImage> = {};

    const api = tokenApi(() => live.server.url, () => token);
    const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => waitUntil(what, probe, { timeoutMs: 90_000, context: () => `agent:\n${agentLog.slice(-3000)}` });
    const task = async (taskId: string) => (await api('GET', `/v5/${pid}/image/tasks?type=image_scan&task_id=${taskId}`)).body.data_list[0]!;
    const finished = (taskId: string) => waitFor(`task ${taskId}`, async () => ((await task(taskId)).task_status === 100 ? task(taskId) : undefined)) as Promise<Record<string, unknown>>;
    const registryImages = async (query = '') => (await api('GET', `/v5/${pid}/image/registries/images?limit=200${query}`)).body.data_list;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'openhss-images-e2e-'));
      registry = await startRegistry({ basicAuth: USER });
      const pusher = new ImagePusher(guarded.dispatcher, registry.url, USER);
      for (const [repo, tag, openssl] of [
        ['shop/web', '1.0', VULNERABLE],
        ['shop/web', '2.0', FIXED],
        ['shop/api', '1.0', VULNERABLE],
        ['ops/cron', '1.0', FIXED],
      ] as const) {
        images[`${repo}:${tag}`] = await buildImage({ layers: layerOf(openssl, `${repo}-${tag}`) });
        await pusher.pushImage(repo, tag, images[`${repo}:${tag}`]!);
      }
      live = await startLiveServer(backend, clock, { hosts: { monitorIntervalMs: 100, pollWaitSeconds: 1 } });
      pid = live.account.project.id;
      token = (await live.server.runtime.services.auth.issueFor(live.account.user.id, pid, ['token'])).token;
    });

    after(async () => {
      agent?.kill('SIGTERM');
      await live?.close();
      await registry?.stop();
      await guarded.dispatcher.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('1. adds the registry (basic auth) and syncs its images', async () => {
      const added = await api('POST', `/v5/${pid}/image/registries`, {
        registry_name: 'ci-registry',
        registry_type: 'Harbor',
        url: registry.url,
        registry_username: USER.username,
        registry_password: USER.password,
      });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.ok(!JSON.stringify(added.body).includes(USER.password));
      // Saved at once; the connectivity check runs in the background and its outcome shows in the list.
      const list = await waitFor('the connectivity check', async () => {
        const rows = (await api('GET', `/v5/${pid}/image/registries`)).body.data_list;
        return rows[0]?.connection_status === 'checking' ? undefined : rows;
      });
      assert.equal(list.length, 1);
      assert.equal(list[0]!.connection_status, 'connected');
      const id = String(list[0]!.id);
      const sync = await api('POST', `/v5/${pid}/image/registries/${id}/sync`);
      assert.equal(sync.status, 200, JSON.stringify(sync.body));
      const rows = await waitFor('the sync', async () => {
        const r = await registryImages();
        return r.length === 4 ? r : undefined;
      });
      assert.deepEqual(rows.map((r) => `${r.namespace}/${r.image_name}:${r.image_version}`).sort(), Object.keys(images).sort());
      for (const r of rows) assert.equal(r.image_digest, images[`${r.namespace}/${r.image_name}:${r.image_version}`]!.manifest.digest);
      assert.ok(rows.every((r) => r.scan_status === 'unscan'));
    });

    it('2. is_all + query_info scans exactly the images the list shows for that filter; the rest stay unscan', async () => {
      const filter = { namespace: 'shop', image_name: 'web' };
      const expected = (await registryImages('&namespace=shop&image_name=web')).map((r) => String(r.id)).sort();
      assert.equal(expected.length, 2);
      const res = await api('POST', `/v5/${pid}/image/image-scan/tasks`, { is_all: true, query_info: filter });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const taskId = res.headers.get('x-openhss-task-id')!;
      const done = await finished(taskId);
      assert.equal(done.success_num, 2);
      assert.equal(done.failed_num, 0);
      assert.equal(done.risky_num, 1);
      const rows = await registryImages();
      for (const r of rows) assert.equal(r.scan_status, expected.includes(String(r.id)) ? 'success' : 'unscan', `${r.image_name}:${r.image_version}`);
      const vulnerable = rows.find((r) => r.image_name === 'web' && r.image_version === '1.0')!;
      const vulns = (await api('GET', `/v5/${pid}/image/${vulnerable.id}/vulnerabilities`)).body;
      assert.ok(vulns.data_list.some((v) => v.vul_id === 'CVE-2023-5678' && v.app_name === 'openssl' && v.version === VULNERABLE));
    });

    it('3. rate_limit: the task takes the time the limit implies (injected clock)', async () => {
      const perHour = 60;
      const interval = 3_600_000 / perHour;
      const res = await api('POST', `/v5/${pid}/image/image-scan/tasks`, { is_all: true, query_info: { image_type: 'harbor' }, rate_limit: perHour });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const taskId = res.headers.get('x-openhss-task-id')!;
      const begin = clock.current;
      for (let done = 1; done <= 4; done++) {
        await waitFor(`image ${done} of the rate-limited task`, async () => ((await task(taskId)).success_num === done ? true : undefined));
        if (done === 4) break;
        // The next token is an interval away: with the clock held, no further image starts however long we wait.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal((await task(taskId)).success_num, done);
        assert.ok(Number((await task(taskId)).remain_min) >= 1);
        clock.advance(interval);
      }
      const row = (await finished(taskId)) as { end_time: number; begin_time: number };
      assert.equal(row.end_time - row.begin_time, 3 * interval);
      assert.equal(row.begin_time, begin);
    });

    it('4. an agent reports local images; their export matches the list API row for row, up to export_size', async () => {
      const imageDir = join(work, 'images');
      mkdirSync(imageDir, { recursive: true });
      writeFileSync(join(imageDir, 'web.tar'), await docker25Save(await buildImage({ format: 'docker', layers: layerOf(VULNERABLE, 'local-web') }), 'local/web:1.0'));
      writeImageLayout(join(imageDir, 'tool-layout'), await buildImage({ format: 'oci', layers: layerOf(VULNERABLE, 'local-tool') }), '3.1');
      const root = join(work, 'root');
      mkdirSync(join(root, 'etc'), { recursive: true });
      writeFileSync(join(root, 'etc/os-release'), DEBIAN_12_OS_RELEASE);
      writeFileSync(join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
      writeFileSync(join(root, 'etc/hostname'), 'image-host\n');
      const enrolment = await api('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, { description: 'images e2e' });
      assert.equal(enrolment.status, 201);
      agent = spawn(
        process.execPath,
        [CLI, 'agent', '--server', live.server.url, '--token', String(enrolment.body.token), '--state-dir', join(work, 'state'), '--root', root, '--image-dir', imageDir, '--docker-socket', '', '--podman-socket', ''],
        { env: { PATH: process.env.PATH ?? '', HOME: work, OPENHSS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      agent.stderr!.on('data', (chunk: Buffer) => (agentLog += chunk.toString('utf8')));
      const local = await waitFor('the local images', async () => {
        const body = (await api('GET', `/v5/${pid}/image/local-repositories?limit=200`)).body;
        return body.total_num === 2 && body.data_list.every((r) => r.scan_status === 'success') ? body.data_list : undefined;
      });
      assert.ok(local.every((r) => r.host_name === 'image-host'));

      // What the list API shows: each image in list order, then its vulnerabilities in list order.
      const expected: string[][] = [];
      for (const image of local) {
        const listed = await api('GET', `/v5/${pid}/image/${image.image_digest}/vulnerabilities?image_type=local&limit=200`);
        assert.equal(listed.status, 200, JSON.stringify(listed.body));
        const vulns = listed.body.data_list;
        for (const v of vulns) expected.push([String(image.image_name), String(image.image_version), String(image.image_digest), String(v.app_name), String(v.version), String(v.vul_id)]);
      }
      assert.ok(expected.length >= 4, `expected several rows, got ${expected.length}`);
      const exportSize = expected.length - 1;
      const created = await api('POST', `/v5/${pid}/image/local-vulnerability/export?export_size=${exportSize}`, { operate_all: true });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.record_total_num, exportSize);
      const taskId = String(created.body.task_id);
      const exportTask = await waitFor('the export', async () => {
        const t = (await api('GET', `/v5/${pid}/export-task/${taskId}`)).body;
        return t.task_status === 'success' ? t : undefined;
      });
      const download = await fetch(`${live.server.url}/v5/${pid}/download/${exportTask.file_id}`, { headers: { 'x-auth-token': token } });
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-type'), 'application/octet-stream');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await download.arrayBuffer());
      const sheet = workbook.worksheets[0]!;
      const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
      const col = (name: string) => header.indexOf(name) + 1;
      for (const name of ['Image name', 'Image version', 'Image digest', 'Package name', 'Installed version', 'Vulnerability ID', 'Hosts']) assert.ok(col(name) > 0, `column ${name}`);
      const got: string[][] = [];
      for (let r = 2; r <= sheet.rowCount; r++) {
        const row = sheet.getRow(r);
        got.push(['Image name', 'Image version', 'Image digest', 'Package name', 'Installed version', 'Vulnerability ID'].map((name) => String(row.getCell(col(name)).value)));
        assert.equal(String(row.getCell(col('Hosts')).value), 'image-host');
      }
      assert.deepEqual(got, expected.slice(0, exportSize));
    });

    it('CI/CD: `openhss scan image --report-to` records a cicd image a cicd task can scan', async () => {
      const archive = join(work, 'cicd.tar');
      writeFileSync(archive, await docker25Save(await buildImage({ format: 'docker', layers: layerOf(VULNERABLE, 'cicd') }), 'ci/app:build-7'));
      const child = spawn(process.execPath, [CLI, 'scan', 'image', '--archive', archive, '--format', 'json', '--quiet', '--report-to', live.server.url, '--project-id', pid, '--report-name', 'registry.example/ci/app:build-7'], {
        env: { PATH: process.env.PATH ?? '', HOME: work, OPENHSS_DATA_DIR: join(work, 'cli-data'), OPENHSS_TOKEN: token },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, stderr);
      const cicd = (await api('GET', `/v5/${pid}/image/cicd/images`)).body;
      assert.equal(cicd.total_num, 1);
      assert.deepEqual([cicd.data_list[0]!.registry_name, cicd.data_list[0]!.namespace, cicd.data_list[0]!.image_name, cicd.data_list[0]!.image_version], ['registry.example', 'ci', 'app', 'build-7']);
      assert.equal(cicd.data_list[0]!.scan_status, 'success');
      const res = await api('POST', `/v5/${pid}/image/image-scan/tasks?global_image_type=cicd`, { is_all: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const done = await finished(res.headers.get('x-openhss-task-id')!);
      assert.equal(done.success_num, 1);
      assert.equal(done.risky_num, 1);
    });
  });
}
