import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { backends, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { CLI, parseFirstStart, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { buildImage, type BuiltImage } from '../support/oci-images.js';
import { docker25Save, dpkgStatus, legacyDockerSave, writeImageLayout } from '../support/archives.js';
import { engineContainerJson, engineImageJson, startFakeEngine, type FakeEngine } from '../support/fake-docker-engine.js';

const OS = { 'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' };
/** Incompressible bytes in every image, so any upload of image content would show in the request sizes. */
const BULK = () => ({ 'opt/blob.bin': randomBytes(2 * 1024 * 1024) });

/** Debian 12 with the vulnerable openssl 3.0.11-1~deb12u1 (CVE-2023-5678 in the demo DB). */
const vulnerableDebian = (extra: Record<string, string> = {}) =>
  buildImage({ format: 'docker', layers: [{ ...OS, 'var/lib/dpkg/status': dpkgStatus(['libssl3', '3.0.11-1~deb12u1', 'openssl']) }, { ...BULK(), ...extra }] });
const cleanDebian = (marker: string) => buildImage({ format: 'oci', layers: [{ ...OS, 'var/lib/dpkg/status': dpkgStatus(['zlib1g', '1:1.2.13.dfsg-1', 'zlib']) }, { ...BULK(), marker }] });

interface Row {
  image_name: string;
  image_version: string;
  image_id: string;
  image_digest: string;
  scan_status: string;
  vul_num: number;
  host_num: number;
  container_num: number;
  host_name: string;
  host_id: string;
  latest_scan_time: number;
  scan_failed_desc: string;
}

/** Forwards the agent's requests to the server, keeping each one's method, path and body size. */
async function recordingProxy(target: string): Promise<{ url: string; requests: Array<{ method: string; path: string; bytes: number }>; close(): Promise<void> }> {
  const requests: Array<{ method: string; path: string; bytes: number }> = [];
  // Its own connection pool, closed with the proxy: a kept-alive long-poll would hold the server's shutdown.
  const upstream = new Agent();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method!, path: req.url!, bytes: body.length });
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    try {
      const url = new URL(`${target}${req.url!}`);
      const answer = await upstream.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method as 'GET', headers, body: body.length > 0 ? body : null, headersTimeout: 60_000, bodyTimeout: 60_000 });
      const text = Buffer.from(await answer.body.arrayBuffer());
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }).end(text);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await upstream.close();
  };
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

for (const backend of backends) {
  describe(`local images: a real agent process reporting to a real server (${backend})`, { timeout: 240_000 }, () => {
    let db: TestDatabase;
    let server: ServerProcess;
    let engine: FakeEngine;
    let proxy: Awaited<ReturnType<typeof recordingProxy>>;
    let agent: ChildProcess;
    let agentLog = '';
    let token: string;
    let pid: string;
    let work: string;
    let imageDir: string;
    let shop: BuiltImage;
    const tarballBytes: number[] = [];

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as { total_num: number; data_list: Row[] } };
    };
    const list = async (query = '') => (await api('GET', `/v5/${pid}/image/local-repositories?limit=200${query}`)).body;
    const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const value = await probe();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${what}\nserver:\n${server.output().slice(-3000)}\nagent:\n${agentLog.slice(-4000)}`);
    };

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'openhss-local-images-'));
      db = await createTestDatabase(backend, { migrate: false });
      await db.database.close();
      server = await startServerProcess({
        OPENHSS_DATA_DIR: db.dataDir,
        ...(backend === 'postgres' ? { OPENHSS_DATABASE_URL: db.url, OPENHSS_DATABASE_SCHEMA: db.schema } : {}),
        OPENHSS_AGENT_OFFLINE_AFTER_SECONDS: '20',
        OPENHSS_AGENT_POLL_WAIT_SECONDS: '2',
        OPENHSS_SCAN_MONITOR_INTERVAL_MS: '200',
        OPENHSS_LOCAL_IMAGE_REPORT_TIMEOUT_SECONDS: '60',
      });
      const first = parseFirstStart(server.output())!;
      pid = first.projectId;
      const login = await fetch(`${server.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: first.password, domain: { name: 'openhss' } } } }, scope: { project: { id: pid } } } }),
      });
      token = login.headers.get('x-subject-token')!;
      proxy = await recordingProxy(server.url);

      // The host: a small root, a directory of image archives, and a (fake) Docker engine with a Kubernetes pod.
      const root = join(work, 'root');
      mkdirSync(join(root, 'etc'), { recursive: true });
      writeFileSync(join(root, 'etc/os-release'), OS['etc/os-release']);
      writeFileSync(join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`);
      imageDir = join(work, 'images');
      mkdirSync(imageDir);
      shop = await vulnerableDebian();
      const shopSave = await docker25Save(shop, 'shop/web:1.0');
      writeFileSync(join(imageDir, 'shop-web.tar'), shopSave);
      writeFileSync(join(imageDir, 'old-tool.tar'), await legacyDockerSave(await cleanDebian('old'), 'tools/old:0.9'));
      writeImageLayout(join(imageDir, 'cache-layout'), await cleanDebian('layout'), '2.1');
      for (const f of ['shop-web.tar', 'old-tool.tar']) tarballBytes.push(statSync(join(imageDir, f)).size);
      const engineImage = await vulnerableDebian({ 'srv/engine': 'x' });
      engine = await startFakeEngine(
        work,
        [{ image: engineImage, json: engineImageJson(engineImage, { RepoTags: ['registry.local/team/api:3'], RepoDigests: [`registry.local/team/api@sha256:${'e'.repeat(64)}`] }), save: await docker25Save(engineImage, 'registry.local/team/api:3') }],
        [engineContainerJson('ab'.repeat(32), 'k8s_api_api-5d8f_prod_pod-uid-9_0', engineImage, { 'io.kubernetes.pod.name': 'api-5d8f', 'io.kubernetes.pod.namespace': 'prod', 'io.kubernetes.pod.uid': 'pod-uid-9' })],
      );

      const enrolment = await api('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, { description: 'images' });
      const enrolmentToken = String((enrolment.body as unknown as { token: string }).token);
      agent = spawn(
        process.execPath,
        [CLI, 'agent', '--server', proxy.url, '--token', enrolmentToken, '--state-dir', join(work, 'state'), '--root', root, '--image-dir', imageDir, '--docker-socket', engine.socket, '--podman-socket', join(work, 'no-podman.sock')],
        { env: { PATH: process.env.PATH ?? '', HOME: work, OPENHSS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      agent.stderr!.on('data', (chunk: Buffer) => (agentLog += chunk.toString('utf8')));
    });
    after(async () => {
      if (agent && agent.exitCode === null) agent.kill('SIGKILL');
      await proxy?.close();
      server?.child.kill('SIGTERM');
      await server?.exited;
      await engine?.close();
      await db?.cleanup();
      rmSync(work, { recursive: true, force: true });
    });

    it('the agent reports every image with its host, containers and vulnerabilities', async () => {
      const rows = await waitFor('four local images', async () => {
        const l = await list();
        // A report is applied in steps (where the images are, then their matching): wait for the whole of it.
        return l.total_num === 4 && l.data_list.every((r) => r.scan_status === 'success') ? l.data_list : undefined;
      });
      assert.deepEqual(rows.map((r) => `${r.image_name}:${r.image_version}`).sort(), ['cache-layout:2.1', 'registry.local/team/api:3', 'shop/web:1.0', 'tools/old:0.9']);
      const hosts = (await api('GET', `/v5/${pid}/host-management/hosts`)).body.data_list as unknown as Array<{ host_id: string; host_name: string }>;
      assert.equal(hosts.length, 1);
      for (const r of rows) assert.deepEqual([r.host_num, r.host_id, r.host_name, r.scan_status], [1, hosts[0]!.host_id, hosts[0]!.host_name, 'success']);
      const web = rows.find((r) => r.image_name === 'shop/web')!;
      assert.equal(web.image_id, shop.config.digest);
      assert.ok(web.vul_num >= 1);
      const api3 = rows.find((r) => r.image_name === 'registry.local/team/api')!;
      assert.equal(api3.image_digest, `sha256:${'e'.repeat(64)}`);
      assert.equal(api3.container_num, 1);
      assert.deepEqual((await list('&pod_name=api-5d8f')).data_list.map((r) => r.image_name), ['registry.local/team/api']);
      assert.deepEqual((await list('&container_name=k8s_api')).data_list.map((r) => r.image_name), ['registry.local/team/api']);
      // The vulnerabilities are stored per image: only the images with the vulnerable openssl match.
      assert.deepEqual((await list('&app_name=libssl3')).data_list.map((r) => r.image_name).sort(), ['registry.local/team/api', 'shop/web']);
      assert.deepEqual((await list('&has_vul=false')).data_list.map((r) => r.image_name).sort(), ['cache-layout', 'tools/old']);
      assert.match(agentLog, /no-podman\.sock/, 'the missing Podman socket is a warning');
      assert.equal(agent.exitCode, null, 'and the agent runs on');
    });

    it('an image removed from the host leaves the list when the agent reports again (history kept)', async () => {
      rmSync(join(imageDir, 'old-tool.tar'));
      const res = await api('POST', `/v5/${pid}/image/local/batch-scan`, { image_info_list: [{ image_name: 'tools/old', image_version: '0.9' }] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await waitFor('tools/old to leave the list', async () => ((await list()).total_num === 3 ? true : undefined));
      assert.deepEqual((await list()).data_list.map((r) => r.image_name).sort(), ['cache-layout', 'registry.local/team/api', 'shop/web']);
    });

    it('batch-scan: waiting_for_scan, then success when the agent answers', async () => {
      const before = (await list('&image_name=shop/web')).data_list[0]!;
      const res = await api('POST', `/v5/${pid}/image/local/batch-scan`, { operate_all: true, image_name: 'shop/' });
      assert.equal(res.status, 200);
      assert.equal((await list('&image_name=shop/web')).data_list[0]!.scan_status, 'waiting_for_scan');
      const after = await waitFor('the scan to succeed', async () => {
        const row = (await list('&image_name=shop/web')).data_list[0]!;
        return row.scan_status === 'success' ? row : undefined;
      });
      assert.ok(after.latest_scan_time > before.latest_scan_time);
      assert.equal((await list('&scan_status=waiting_for_scan')).total_num, 0);
    });

    it('never uploads image bytes: only inventories, far smaller than any image', async () => {
      const agentCalls = proxy.requests.filter((r) => r.path.startsWith('/agent/v1/'));
      assert.ok(agentCalls.some((r) => r.path === '/agent/v1/images'));
      for (const r of proxy.requests) assert.match(r.path, /^\/agent\/v1\/(enroll|identity|inventory(\/unchanged)?|images|commands\?wait_ms=\d+)$/);
      const largest = Math.max(...agentCalls.map((r) => r.bytes));
      const total = agentCalls.reduce((sum, r) => sum + r.bytes, 0);
      // Each image holds 2 MiB of random bytes, which no compression shrinks.
      assert.ok(largest < 64 * 1024, `largest agent request is ${largest} bytes`);
      assert.ok(total < Math.min(...tarballBytes) / 4, `agent sent ${total} bytes in all`);
      // Later reports send hashes only: the image reports after the first applied one are small.
      const reports = agentCalls.filter((r) => r.path === '/agent/v1/images').map((r) => r.bytes);
      assert.ok(reports.length >= 3, `${reports.length} image reports`);
      assert.ok(reports.at(-1)! < Math.max(...reports), 'an unchanged report is smaller than one with inventories');
    });
  });
}
