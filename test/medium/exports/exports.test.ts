import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import pino from 'pino';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, npm, uploadInventory } from '../../support/hosts.js';
import { ImageAssetRepository, type ImageAssetDraft } from '../../../src/repositories/image-asset-repository.js';
import { ImageLocalRefRepository } from '../../../src/repositories/image-local-ref-repository.js';
import { ExportTaskRepository } from '../../../src/repositories/export-task-repository.js';
import { HostRepository } from '../../../src/repositories/host-repository.js';
import { VulListRepository } from '../../../src/repositories/vul-list-repository.js';
import { ExportSources, type ExportParams, type ExportTable } from '../../../src/exports/sources.js';
import { EXPORT_DEADLINE_MS, ExportService, exportFileKey } from '../../../src/services/export-service.js';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import { registerJobHandlers } from '../../../src/jobs/handlers.js';
import type { JobQueue } from '../../../src/jobs/queue.js';
import type { Cell } from '../../../src/exports/kinds.js';

type Json = Record<string, unknown>;

const IMAGE_HEADERS = ['Image name', 'Image version', 'Image digest', 'Image ID'];
// What the seed's filters select on: scan status, size and times.
const STATE_HEADERS = ['Scan status', 'Image size (bytes)', 'Latest update time', 'Latest scan time'];
const VUL_HEADERS = ['Package name', 'Installed version', 'Fixed version', 'Vulnerability ID', 'CVE IDs', 'Severity', 'CVSS', 'Description', 'Solution', 'URL', 'Handle status', 'First seen', 'Vulnerability type', 'Package path'];
const LOCAL_HEADERS = [...IMAGE_HEADERS, 'Hosts', ...STATE_HEADERS, ...VUL_HEADERS];
const REGISTRY_HEADERS = [...IMAGE_HEADERS, 'Registry', 'Namespace', ...STATE_HEADERS, ...VUL_HEADERS];
const col = (name: string) => LOCAL_HEADERS.indexOf(name);

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const OPENSSL = deb('openssl', '3.0.11-1~deb12u1');
const CURL = deb('curl', '7.88.1-10+deb12u3');
const GLIBC = deb('libc6', '2.36-9+deb12u1', 'glibc', '2.36-9+deb12u1');
const LODASH = npm('lodash', '4.17.11', 'srv/app/node_modules/lodash/package.json');

/** A minimal RFC 4180 reader, independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += c;
  }
  assert.equal(field, '', 'the file ends with a line break');
  return rows;
}

const sheetRows = (sheet: ExcelJS.Worksheet): Cell[][] => {
  const out: Cell[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const cells: Cell[] = [];
    for (let c = 1; c <= sheet.columnCount; c++) {
      const v = row.getCell(c).value;
      cells.push(v === undefined || v === null || v === '' ? null : (v as Cell));
    }
    out.push(cells);
  });
  return out;
};

for (const backend of backends) {
  describe(`exports: image and host vulnerabilities to XLSX and CSV (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let token: string;
    let queue: JobQueue;
    let otherProjectId: string;
    let otherToken: string;
    let otherImageId: string;
    const ids: Record<string, string> = {};

    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, as = token) => {
      const res = await t.app.inject({ method, url, headers: { 'x-auth-token': as }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return res;
    };
    const exportLocal = (query: string, body: Json, as = token) => call('POST', `/v5/${as === token ? pid : otherProjectId}/image/local-vulnerability/export?${query}`, body, as);
    /** Polls the task until it leaves `running`, as a client would. */
    const settle = async (taskId: string, as = token, projectId = pid): Promise<Json> => {
      for (let i = 0; i < 400; i++) {
        const res = await call('GET', `/v5/${projectId}/export-task/${taskId}`, undefined, as);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json() as Json;
        if (body.task_status !== 'running') return body;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.fail(`export task ${taskId} still running`);
    };
    const download = async (fileId: string, as = token, projectId = pid) => call('GET', `/v5/${projectId}/download/${fileId}`, undefined, as);
    const exportAndDownload = async (url: string, body: Json | undefined) => {
      const res = await call('POST', url, body);
      assert.equal(res.statusCode, 200, res.body);
      const created = res.json() as { record_total_num: number; task_id: string };
      const task = await settle(created.task_id);
      assert.equal(task.task_status, 'success', JSON.stringify(task));
      const file = await download(task.file_id as string);
      assert.equal(file.statusCode, 200, file.body);
      return { created, task, file };
    };
    const xlsxRows = async (buffer: Buffer) => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(buffer as unknown as ArrayBuffer);
      assert.equal(book.worksheets.length, 1);
      return sheetRows(book.worksheets[0]!);
    };

    /**
     * What the file must hold: each image in the image list's order, with
     * its vulnerabilities exactly as the API's ListImageVulnerabilities words
     * them (severity, CVE ids, description, solution, URL).
     */
    const expectedImageRows = async (imageType: 'local' | 'registry', opts: { vulType?: string; ids?: string[] } = {}): Promise<Cell[][]> => {
      const db = t.runtime.database.db;
      const { assets } = await new ImageAssetRepository(db).list({ projectId: pid, imageType, enterpriseProjectIds: ['0'], ...(opts.ids ? { ids: opts.ids } : {}) }, { offset: 0, limit: 200 });
      const rows: Cell[][] = [];
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      for (const a of assets) {
        const res = await call('GET', `/v5/${pid}/image/${a.id}/vulnerabilities?limit=200&image_type=${imageType}${opts.vulType ? `&type=${opts.vulType}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const vuls = res.json().data_list as Json[];
        const hosts = [...new Set((await db.selectFrom('image_local_refs').select('host_name').where('image_asset_id', '=', a.id).execute()).map((r) => r.host_name))].sort();
        for (const v of vuls) {
          const place: Cell[] = imageType === 'local' ? [hosts.join(', ') || null] : [a.registryName || null, a.namespace || null];
          rows.push([
            a.imageName, a.imageVersion, a.imageDigest, a.imageId, ...place,
            a.scanStatus, a.imageSize, iso(a.latestUpdateTime), iso(a.latestScanTime),
            v.app_name as string, v.version as string, (v.fixed_version as string) || null, v.vul_id as string, (v.cve_ids as string[]).join(', ') || null,
            v.repair_necessity as string, v.cvss_score as number | null, (v.description as string) || null, v.solution as string, (v.url as string) || null,
            v.handle_status as string, iso(v.first_seen_time as number), v.vul_type as string, (v.position as string) || null,
          ]);
        }
      }
      return rows;
    };

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      token = t.token;
      const now = t.clock.now();
      const assets = new ImageAssetRepository(t.runtime.database.db);
      const local = (name: string, version: string, d: string, lut: number): ImageAssetDraft => ({
        projectId: pid, enterpriseProjectId: '0', imageType: 'local', naturalKey: `${name}:${version}@${d}`, registryId: null, registryName: '', registryType: '', namespace: '',
        imageName: name, imageVersion: version, imageDigest: d, imageId: d.replace('sha256:', 'sha256:f'), imageSize: 1000, latestUpdateTime: lut, localImageType: 'other_image',
      });
      // C and D tie on update time: the id orders them, as in the list.
      const [a, b, c, d] = await assets.upsert([
        local('nginx', '1.25', digest('a'), now - 1000),
        local('redis', '7', digest('b'), now - 2000),
        local("=cmd|' /C calc'!A0", '-rc1', digest('c'), now - 3000),
        local('redis-copy', '7', digest('b'), now - 3000),
        local('clean', '1', digest('e'), now - 500),
      ], now);
      Object.assign(ids, { a: a!.id, b: b!.id, c: c!.id, d: d!.id });
      const [r] = await assets.upsert([
        { ...local('library/nginx', '1.25', digest('a'), now - 100), imageType: 'registry', naturalKey: 'reg/library/nginx:1.25', registryName: 'harbor-1', registryType: 'Harbor', namespace: 'library', localImageType: null },
      ], now);
      ids.r = r!.id;
      const contents = t.runtime.services.imageContents;
      await contents.record(pid, digest('a'), null, inventoryOf([OPENSSL, CURL, LODASH]), 'agent');
      await contents.record(pid, digest('b'), null, inventoryOf([GLIBC]), 'agent');
      await contents.record(pid, digest('c'), null, inventoryOf([CURL]), 'agent');
      await contents.record(pid, digest('e'), null, inventoryOf([deb('bash', '99.0')]), 'agent');
      // An unrated advisory with a GHSA id and its CVE: the API calls it Low, and so must the file.
      await t.runtime.database.db
        .insertInto('image_vuls')
        .values({
          project_id: pid, image_digest: digest('a'), vul_id: 'GHSA-unrt-0000-0000', package_name: 'left-pad', package_version: '1.0.0', package_path: 'srv/node_modules/left-pad/package.json',
          vul_type: 'app_vul', package_type: 'npm', fixed_version: '1.3.0', severity: 'unknown', cvss_score: null, cve_ids: JSON.stringify(['CVE-2024-99999']), title: 'left-pad can be removed',
          handle_status: 'unhandled', handled_at: null, first_seen_at: now,
        })
        .execute();
      const refs = new ImageLocalRefRepository(t.runtime.database.db);
      const ref = (assetId: string, host: string, container = '') => ({
        image_asset_id: assetId, project_id: pid, host_id: `id-${host}`, host_name: host, host_ip: '10.0.0.1', agent_id: `agent-${host}`,
        container_id: container, container_name: container ? `c-${container}` : '', pod_id: '', pod_name: '', cluster_id: '', reported_at: now,
      });
      await refs.replaceForHost(pid, 'id-web-2', [ref(ids.a!, 'web-2'), ref(ids.a!, 'web-2', 'ctr-1'), ref(ids.c!, 'web-2')]);
      await refs.replaceForHost(pid, 'id-web-1', [ref(ids.a!, 'web-1'), ref(ids.b!, 'web-1')]);

      const identity = t.runtime.services.identity;
      otherProjectId = (await identity.createProject('openhss', 'other')).id;
      const carol = await identity.createUser({ domainName: 'openhss', userName: 'carol', password: 'carol-password', projectIds: [otherProjectId] });
      otherToken = (await t.runtime.services.auth.issueFor(carol.id, otherProjectId, ['token'])).token;
      const [theirs] = await assets.upsert([{ ...local('theirs', '1', digest('a'), now), projectId: otherProjectId }], now);
      otherImageId = theirs!.id;
      await contents.record(otherProjectId, digest('a'), null, inventoryOf([OPENSSL]), 'agent');

      // The real queue and handlers carry the jobs, as in `openhss serve`.
      queue = createJobQueue(t.runtime.database, { concurrency: 2, leaseMs: 10_000, pollIntervalMs: 50, maintenanceIntervalSeconds: 1 });
      registerJobHandlers(queue, { logger: pino({ level: 'silent' }), ...t.runtime.services } as Parameters<typeof registerJobHandlers>[1]);
      t.runtime.services.exports.useStarter(async (taskId, maxAttempts) => {
        await queue.enqueue('export.run', { taskId, maxAttempts }, { maxAttempts, backoffMs: 10 });
      });
      await queue.start();
    });
    after(async () => {
      await queue?.stop(2000);
      await t?.close();
    });

    it('exports every local image vulnerability to XLSX, cell by cell as the tables and the list order hold them', async () => {
      const expected = await expectedImageRows('local');
      assert.ok(expected.length >= 6, `seeded rows: ${expected.length}`);
      const { created, task, file } = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=1000`, { operate_all: true });
      assert.equal(created.record_total_num, expected.length);
      assert.match(created.task_id, /^[0-9a-f]{32}$/);
      assert.equal(task.record_total_num, expected.length);
      assert.match(task.file_name as string, /^local_image_vuls_\d{8}T\d{6}Z\.xlsx$/);
      assert.ok((task.expires_at as number) > t.clock.now());
      assert.equal(file.headers['content-type'], 'application/octet-stream');
      assert.match(String(file.headers['content-disposition']), new RegExp(`^attachment; filename="${task.file_name}"`));
      const rows = await xlsxRows(file.rawPayload);
      assert.deepEqual(rows[0], LOCAL_HEADERS);
      assert.deepEqual(rows.slice(1), expected);
      // Spot checks that the expectation itself means what it should.
      const nginx = rows.filter((r) => r[0] === 'nginx');
      assert.ok(nginx.every((r) => r[col('Hosts')] === 'web-1, web-2'), 'hosts named once each, sorted');
      assert.ok(nginx.some((r) => r[col('Package name')] === 'openssl' && r[col('Installed version')] === '3.0.11-1~deb12u1'));
      assert.ok(nginx.some((r) => r[col('Vulnerability type')] === 'app_vul' && r[col('Package name')] === 'lodash'));
      // The API's words for severity, unrated counting as Low; the CVE beside a GHSA id; a description, solution and URL on every row.
      assert.ok(rows.slice(1).every((r) => ['Critical', 'High', 'Medium', 'Low'].includes(String(r[col('Severity')]))));
      const lodash = nginx.find((r) => r[col('Package name')] === 'lodash')!;
      assert.match(String(lodash[col('Vulnerability ID')]), /^GHSA-/);
      assert.match(String(lodash[col('CVE IDs')]), /^CVE-\d{4}-\d+/);
      const unrated = rows.find((r) => r[col('Vulnerability ID')] === 'GHSA-unrt-0000-0000')!;
      assert.equal(unrated[col('Severity')], 'Low');
      assert.equal(unrated[col('CVE IDs')], 'CVE-2024-99999');
      assert.equal(unrated[col('URL')], 'https://nvd.nist.gov/vuln/detail/CVE-2024-99999');
      for (const r of rows.slice(1)) for (const name of ['Description', 'Solution', 'URL', 'Scan status', 'Latest update time']) assert.ok(r[col(name)], `${name} in ${JSON.stringify(r)}`);
      assert.equal(rows[1]![0], 'nginx', 'newest image first; the clean image has no rows');
      const redisRows = rows.map((r) => r[0]).filter((n) => n === 'redis' || n === 'redis-copy');
      assert.ok(redisRows.length >= 2, 'assets sharing a digest each export its rows');
      const evil = rows.find((r) => r[0] === "=cmd|' /C calc'!A0");
      assert.ok(evil, 'XLSX keeps formula-looking text verbatim, as a string cell');
    });

    it('CSV holds the same rows, quoted per RFC 4180 and with formula-leading text defused', async () => {
      const { task, file } = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=1000&format=csv`, { operate_all: true });
      assert.match(task.file_name as string, /\.csv$/);
      const text = file.rawPayload.toString('utf8');
      assert.ok(text.startsWith('\uFEFF'));
      const rows = parseCsv(text.slice(1));
      assert.deepEqual(rows[0], LOCAL_HEADERS);
      const asCsv = (v: Cell) => (v === null ? '' : typeof v === 'number' ? String(v) : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      assert.deepEqual(rows.slice(1), (await expectedImageRows('local')).map((r) => r.map(asCsv)));
      const evil = rows.find((r) => r[0]!.includes('cmd|'))!;
      assert.equal(evil[0], "'=cmd|' /C calc'!A0");
      assert.equal(evil[1], "'-rc1");
    });

    it('export_size caps the rows, and the filters narrow them as the list filters do', async () => {
      const all = await expectedImageRows('local');
      const capped = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=3`, { operate_all: true });
      assert.equal(capped.created.record_total_num, 3);
      // The task says the file was cut short, and of how many rows.
      assert.equal(capped.task.truncated, true);
      assert.equal(capped.task.matched_num, all.length);
      assert.match(String(capped.task.status_detail), new RegExp(`first 3 of ${all.length} matching rows`));
      const whole = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=1000`, { operate_all: true });
      assert.equal(whole.task.truncated, false);
      assert.equal(whole.task.status_detail, '');
      assert.deepEqual((await xlsxRows(capped.file.rawPayload)).slice(1), all.slice(0, 3));

      const apps = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=100`, { operate_all: true, vul_type: 'app_vul' });
      assert.deepEqual((await xlsxRows(apps.file.rawPayload)).slice(1), await expectedImageRows('local', { vulType: 'app_vul' }));
      assert.ok(apps.created.record_total_num >= 1);

      const named = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=100`, { image_id_list: [ids.b, ids.c] });
      assert.deepEqual((await xlsxRows(named.file.rawPayload)).slice(1), await expectedImageRows('local', { ids: [ids.b!, ids.c!] }));

      const running = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=100`, { operate_all: true, has_container: true });
      const names = new Set((await xlsxRows(running.file.rawPayload)).slice(1).map((r) => r[0]));
      assert.deepEqual([...names], ['nginx'], 'only nginx runs in a container');

      const one = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=100`, { operate_all: true, vul_id_list: ['CVE-2023-4911'] });
      const oneRows = (await xlsxRows(one.file.rawPayload)).slice(1);
      assert.ok(oneRows.length >= 2 && oneRows.every((r) => r[col('Vulnerability ID')] === 'CVE-2023-4911'), JSON.stringify(oneRows));

      const none = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=100`, { operate_all: true, image_name: 'no-such-image' });
      assert.equal(none.created.record_total_num, 0);
      assert.deepEqual(await xlsxRows(none.file.rawPayload), [LOCAL_HEADERS], 'an empty selection gives the header row only');
    });

    it('exports registry image vulnerabilities with registry and namespace columns', async () => {
      const { file } = await exportAndDownload(`/v5/${pid}/image/registry-vulnerability/export?export_size=100`, { operate_all: true });
      const rows = await xlsxRows(file.rawPayload);
      assert.deepEqual(rows[0], REGISTRY_HEADERS);
      assert.deepEqual(rows.slice(1), await expectedImageRows('registry'));
      assert.ok(rows.slice(1).every((r) => r[0] === 'library/nginx' && r[4] === 'harbor-1' && r[5] === 'library'));
    });

    it('refuses bad export_size, empty selections, unknown and foreign images', async () => {
      for (const size of ['', '0', '300001', 'abc', '1.5']) {
        const res = await exportLocal(size === '' ? '' : `export_size=${size}`, { operate_all: true });
        assert.equal(res.statusCode, 400, `${size}: ${res.body}`);
        assert.equal(res.json().error_code, 'HSS.0001');
        assert.match(res.json().error_msg, /export_size/);
      }
      for (const body of [{}, { operate_all: false }, { image_id_list: [] }]) {
        const res = await exportLocal('export_size=10', body);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error_msg, /image_id_list/);
      }
      for (const [id, why] of [['no-such-id', 'unknown'], [otherImageId, "another project's"], [ids.r, 'a registry image']] as const) {
        const res = await exportLocal('export_size=10', { image_id_list: [ids.a, id] });
        assert.equal(res.statusCode, 404, `${why}: ${res.body}`);
        assert.equal(res.json().error_code, 'HSS.0011');
        assert.ok(res.json().error_msg.includes(id!), res.body);
      }
      const wrongType = await exportLocal('export_size=10', { operate_all: true, vul_type: 'windows_vul' });
      assert.equal(wrongType.statusCode, 400);
      const foreignProject = await call('POST', `/v5/${otherProjectId}/image/local-vulnerability/export?export_size=10`, { operate_all: true });
      assert.equal(foreignProject.statusCode, 403);
      const unknownTask = await call('GET', `/v5/${pid}/export-task/nope`);
      assert.equal(unknownTask.statusCode, 404);
      assert.equal(unknownTask.json().error_code, 'HSS.0011');
    });

    it("another project's task and file are not found, never served", async () => {
      const res = await exportLocal('export_size=10', { operate_all: true }, otherToken);
      assert.equal(res.statusCode, 200, res.body);
      const theirs = res.json() as { task_id: string; record_total_num: number };
      assert.equal(theirs.record_total_num, (await t.runtime.database.db.selectFrom('image_vuls').select('vul_id').where('project_id', '=', otherProjectId).execute()).length);
      const task = await settle(theirs.task_id, otherToken, otherProjectId);
      assert.equal(task.task_status, 'success');
      assert.equal((await download(task.file_id as string, otherToken, otherProjectId)).statusCode, 200);
      const mine = await download(task.file_id as string);
      assert.equal(mine.statusCode, 404);
      assert.equal(mine.json().error_code, 'HSS.0011');
      assert.equal((await call('GET', `/v5/${pid}/export-task/${theirs.task_id}`)).statusCode, 404);
      assert.equal((await download('0'.repeat(32))).statusCode, 404);
    });

    it('exports host vulnerabilities as the host vulnerability list shows them', async () => {
      const creds = await enroll(t.app, await createEnrolmentToken(t.app, pid, token), identity('web-9'));
      assert.equal((await uploadInventory(t.app, creds, inventoryOf([GLIBC, CURL, LODASH]))).statusCode, 200);
      const scan = await call('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'specific_host', agent_id_list: [creds.agent_id] });
      assert.equal(scan.statusCode, 200, scan.body);
      await t.runtime.services.vulScans.runTask((scan.json() as { task_id: string }).task_id);
      const hostId = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: 10 })).hosts.find((h) => h.agentId === creds.agent_id)!.id;
      const list = (await call('GET', `/v5/${pid}/vulnerability/host/${hostId}?type=linux_vul&limit=200`)).json() as { total_num: number; data_list: Array<Json & { app_list: Array<Json> }> };
      assert.ok(list.total_num >= 2);

      const { created, file } = await exportAndDownload(`/v5/${pid}/vul/export?export_size=100&category=host&type=linux_vul&format=csv`, undefined);
      assert.equal(created.record_total_num, list.total_num);
      const rows = parseCsv(file.rawPayload.toString('utf8').slice(1));
      assert.deepEqual(rows[0], ['Host name', 'Host ID', 'IP', 'Vulnerability ID', 'Vulnerability name', 'Severity', 'CVSS', 'Vulnerability type', 'Packages', 'Status', 'First scan time']);
      const byVul = new Map(rows.slice(1).map((r) => [r[3], r]));
      assert.equal(byVul.size, list.total_num);
      for (const v of list.data_list) {
        const row = byVul.get(v.vul_id as string);
        assert.ok(row, `row for ${v.vul_id}`);
        assert.deepEqual(row.slice(0, 6), ['web-9', hostId, '10.0.0.7', v.vul_id, v.vul_name, v.severity_level]);
        assert.equal(row[9], v.status);
        assert.equal(row[10], new Date(v.first_scan_time as number).toISOString());
        for (const app of v.app_list) assert.ok(row[8]!.includes(`${app.app_name} ${app.app_version}`), row[8]);
      }

      const byVulCategory = await exportAndDownload(`/v5/${pid}/vul/export?export_size=1&category=vul&type=linux_vul&host_id=${hostId}`, undefined);
      assert.equal(byVulCategory.created.record_total_num, 1);
      assert.equal((await xlsxRows(byVulCategory.file.rawPayload)).length, 2);
      const noHost = await call('POST', `/v5/${pid}/vul/export?export_size=1&category=host&host_id=nope`);
      assert.equal(noHost.statusCode, 404);
      const noCategory = await call('POST', `/v5/${pid}/vul/export?export_size=1`);
      assert.equal(noCategory.statusCode, 400);
      assert.match(noCategory.json().error_msg, /category/);
    });

    /** A service over the same store whose row source fails as told: a worker crashing mid-file. */
    const failingService = (failOn: (call: number) => boolean) => {
      const db = t.runtime.database.db;
      let calls = 0;
      class Flaky extends ExportSources {
        override table(projectId: string, params: ExportParams): ExportTable {
          const table = super.table(projectId, params);
          const fail = failOn(++calls);
          async function* rows() {
            let n = 0;
            for await (const row of table.rows) {
              if (fail && ++n > 2) throw new Error('worker crashed mid-export');
              yield row;
            }
          }
          return { ...table, rows: rows() };
        }
      }
      const service = new ExportService(
        new ExportTaskRepository(db),
        new Flaky(db, new VulListRepository(db)),
        t.runtime.files,
        new ImageAssetRepository(db),
        new HostRepository(db),
        { retentionMs: t.config.exports.retentionDays * 86_400_000 },
        t.clock.now,
      );
      return service;
    };
    /** What a worker killed mid-upload leaves in the task's store (local: a temp file; PostgreSQL: an incomplete upload): a body that never ends. */
    const leavePartialUpload = (key: string) => {
      const body = new Readable({ read() {} });
      body.push(Buffer.from('PK\u0003\u0004 partial'));
      const upload = t.runtime.files.put(key, body);
      upload.catch(() => undefined);
      return body;
    };
    const xlsxKey = (fileId: string) => exportFileKey(fileId, 'xlsx');
    const fileIdOf = async (taskId: string) => (await new ExportTaskRepository(t.runtime.database.db).get(taskId))!.fileId!;
    const request = { imageType: 'local' as const, enterpriseProjectIds: ['0'], enterpriseProjectId: '0', operateAll: true, imageIds: [], assetFilter: {}, exportSize: 1000, format: 'xlsx' as const };

    it('a crashed attempt leaves no file to download; the retry overwrites its temp file and succeeds', async () => {
      const service = failingService((n) => n === 1);
      const { taskId } = await service.createImageVulExport(pid, request);
      await assert.rejects(service.runTask(taskId, 1, 3), /worker crashed/);
      const fileId = await fileIdOf(taskId);
      const pending = (await call('GET', `/v5/${pid}/export-task/${taskId}`)).json() as Json;
      assert.deepEqual([pending.task_status, pending.file_id], ['running', ''], 'not settled yet: a poll would wait');
      const early = await download(fileId);
      assert.equal(early.statusCode, 404);
      assert.match(early.json().error_msg, /still running/);
      assert.equal(await t.runtime.files.stat(xlsxKey(fileId)), null, 'nothing published');
      // A worker stopping (or losing the lease) on the last try hands the job back: the task stays running.
      await assert.rejects(service.runTask(taskId, 3, 3, AbortSignal.abort()));
      assert.equal(((await call('GET', `/v5/${pid}/export-task/${taskId}`)).json() as Json).task_status, 'running');
      // A worker killed outright leaves a partial upload behind; it is never served, and the retry publishes a whole file.
      const partial = leavePartialUpload(xlsxKey(fileId));
      assert.equal((await download(fileId)).statusCode, 404, 'a partial upload is not served');
      await service.runTask(taskId, 2, 3);
      partial.destroy();
      const task = await settle(taskId);
      assert.equal(task.task_status, 'success');
      const file = await download(fileId);
      assert.equal(file.statusCode, 200);
      assert.deepEqual((await xlsxRows(file.rawPayload)).slice(1), await expectedImageRows('local'));
      assert.equal((await t.runtime.files.stat(xlsxKey(fileId)))?.size, file.rawPayload.length);
    });

    it('the last failed attempt marks the task failure with its reason and removes the temp file', async () => {
      const service = failingService(() => true);
      const { taskId } = await service.createImageVulExport(pid, request);
      await assert.rejects(service.runTask(taskId, 1, 2));
      await assert.rejects(service.runTask(taskId, 2, 2));
      const task = await settle(taskId);
      assert.equal(task.task_status, 'failure');
      assert.match(task.failed_reason as string, /after 2 attempts: worker crashed mid-export/);
      assert.equal(task.file_id, '');
      assert.equal(await t.runtime.files.stat(xlsxKey(await fileIdOf(taskId))), null);
      const res = await download(await fileIdOf(taskId));
      assert.equal(res.statusCode, 404);
      assert.match(res.json().error_msg, /failed/);
      await service.runTask(taskId, 3, 3);
      assert.equal((await settle(taskId)).task_status, 'failure', 'a late retry does not revive a failed task');
    });

    it('a task whose worker vanished is failed by the sweep at its deadline, with its temp file removed', async () => {
      const service = failingService(() => false);
      const { taskId } = await service.createImageVulExport(pid, request);
      const partial = leavePartialUpload(xlsxKey(await fileIdOf(taskId)));
      assert.equal((await t.runtime.services.exports.sweep()).failed, 0, 'not before the deadline');
      t.clock.advance(EXPORT_DEADLINE_MS + 60_000);
      token = (await t.runtime.services.auth.issueFor(t.account.user.id, pid, ['token'])).token;
      assert.ok((await t.runtime.services.exports.sweep()).failed >= 1);
      const task = await settle(taskId);
      assert.equal(task.task_status, 'failure');
      assert.match(task.failed_reason as string, /did not finish within 60 minutes/);
      partial.destroy();
      assert.equal(await t.runtime.files.stat(xlsxKey(await fileIdOf(taskId))), null);
      await service.runTask(taskId, 1, 3);
      assert.equal((await settle(taskId)).task_status, 'failure', 'the lost worker coming back cannot succeed it');
      assert.equal((await download(await fileIdOf(taskId))).statusCode, 404);
    });

    it('files past retention are deleted by the sweep; their download is then 404', async () => {
      const { task } = await exportAndDownload(`/v5/${pid}/image/local-vulnerability/export?export_size=5`, { operate_all: true });
      const key = xlsxKey(task.file_id as string);
      assert.ok(await t.runtime.files.stat(key));
      t.clock.advance(t.config.exports.retentionDays * 86_400_000 - 60_000);
      await t.runtime.services.exports.sweep();
      assert.ok(await t.runtime.files.stat(key), 'kept until it expires');
      t.clock.advance(120_000);
      token = (await t.runtime.services.auth.issueFor(t.account.user.id, pid, ['token'])).token;
      assert.ok((await t.runtime.services.exports.sweep()).expired >= 1);
      assert.equal(await t.runtime.files.stat(key), null);
      const res = await download(task.file_id as string);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error_code, 'HSS.0011');
      assert.match(res.json().error_msg, /expired/);
    });
  });
}
