import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parseFirstStart, startServerProcess, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;

// Not created yet: the server makes it, and must make it private.
const dataDir = join(mkdtempSync(join(tmpdir(), 'openhss-e2e-')), 'data');
const env = { OPENHSS_DATA_DIR: dataDir };

async function stop(server: ServerProcess): Promise<number | null> {
  server.child.kill('SIGTERM');
  return server.exited;
}

const tokenRequest = (password: string, projectId: string) =>
  JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', password, domain: { name: 'openhss' } } } },
      scope: { project: { id: projectId } },
    },
  });

describe('openhss serve (the built CLI, as npm start runs it)', () => {
  let firstStart: ReturnType<typeof parseFirstStart>;
  let token = '';
  after(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('on first start serves health, OpenAPI and 401s, prints the credentials once, and they work', async () => {
    const server = await startServerProcess(env);
    try {
      firstStart = parseFirstStart(server.output());
      assert.ok(firstStart, `first start names the file with the account's secrets:\n${server.output()}`);
      assert.match(server.output(), /secrets: +\S+first-start-credentials\.txt/);
      for (const secret of [firstStart!.password, firstStart!.sk]) assert.ok(!server.output().includes(secret), 'secrets are not written to a captured stdout (the log stream)');
      assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600, 'the generated master key is private');
      assert.equal(statSync(join(dataDir, 'first-start-credentials.txt')).mode & 0o777, 0o600, 'the secrets file is private');
      assert.equal(statSync(dataDir).mode & 0o077, 0, 'the data directory is private');
      for (const file of ['openhss.db', 'openhss.db-wal', 'openhss.db-shm']) assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, `${file} is private`);
      const vulndbLine = server.output().split('\n').find((line) => line.includes('vulnerability DB in use'));
      assert.ok(vulndbLine, 'the server logs the vulnerability DB it uses');
      const vulndb = (JSON.parse(vulndbLine) as { vulndb: { file: string; built_at: string; demo: boolean } }).vulndb;
      assert.equal(vulndb.file, join(dataDir, 'vulndb.sqlite'));
      assert.equal(vulndb.demo, true);
      assert.ok(!Number.isNaN(Date.parse(vulndb.built_at)), vulndb.built_at);

      // The printed command works as typed, from the directory npm start runs in.
      const printed = /^\s*(npx openhss token --user admin)$/m.exec(server.output())?.[1];
      assert.ok(printed, 'the banner prints a command that exists after npm ci');
      const issued = await run('sh', ['-c', printed!], { cwd: repo, env: { ...process.env, ...env, NODE_ENV: '' } });
      assert.match(issued.stdout.trim(), /^\S{20,}$/, 'it prints a token');

      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });

      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      assert.match(doc.openapi, /^3\./);
      await SwaggerParser.validate(structuredClone(doc) as never);
      for (const [path, method] of [
        ['/v5/{project_id}/vulnerability/scan-policy', 'get'],
        ['/v5/{project_id}/vulnerability/scan-policy', 'put'],
        ['/v3/auth/tokens', 'post'],
        ['/healthz', 'get'],
        ['/readyz', 'get'],
        ['/metrics', 'get'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `OpenAPI lists ${method.toUpperCase()} ${path}`);
      }
      const docs = await fetch(`${server.url}/docs/`);
      assert.equal(docs.status, 200, 'Swagger UI is served');

      // The web console: its address in the banner, its page and scripts served by the same process.
      assert.ok(server.output().split('\n').some((line) => line.trim() === `Web console: ${server.url}/`), `the banner names the console:\n${server.output()}`);
      assert.match(server.output(), /sign in with account "openhss", user "admin" and the password in the secrets file/);
      const consolePage = await fetch(`${server.url}/`);
      assert.equal(consolePage.status, 200, 'the console is served at /');
      assert.match(consolePage.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(consolePage.headers.get('content-security-policy') ?? '', /script-src 'self'(;|$)/);
      const html = await consolePage.text();
      const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, `index.html loads its script from /assets: ${html}`);
      const js = await fetch(`${server.url}${script}`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('cache-control') ?? '', /immutable/);
      const deepLink = await fetch(`${server.url}/hosts/some-host-id`);
      assert.equal(deepLink.status, 200, 'a page path below the console opens the console');
      assert.equal(await deepLink.text(), html);

      const anonymous = await fetch(`${server.url}/v5/${firstStart!.projectId}/vulnerability/scan-policy`);
      assert.equal(anonymous.status, 401);
      const body = (await anonymous.json()) as Record<string, string>;
      assert.equal(body.error_code, 'APIGW.0301');
      assert.equal(body.request_id, anonymous.headers.get('x-request-id'));
      const metricsAnonymous = await fetch(`${server.url}/metrics`);
      assert.equal(metricsAnonymous.status, 401, 'metrics need credentials too');

      const login = await fetch(`${server.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenRequest(firstStart!.password, firstStart!.projectId) });
      assert.equal(login.status, 201);
      token = login.headers.get('x-subject-token') ?? '';
      const policy = await fetch(`${server.url}/v5/${firstStart!.projectId}/vulnerability/scan-policy`, { headers: { 'x-auth-token': token } });
      assert.equal(policy.status, 200);
      const metrics = await fetch(`${server.url}/metrics`, { headers: { 'x-auth-token': token } });
      const text = await metrics.text();
      assert.match(text, /openhss_http_request_duration_seconds_bucket\{[^}]*route="\/v5\/:project_id\/vulnerability\/scan-policy"/);
      assert.match(text, /openhss_jobs\{state="queued"\} 0/);
    } finally {
      assert.equal(await stop(server), 0, 'SIGTERM exits cleanly');
    }
    assert.match(server.output(), /shutdown complete/);
    for (const secret of [token, firstStart!.sk, firstStart!.password]) {
      const occurrences = server.output().split(secret).length - 1;
      assert.equal(occurrences, 0, 'secrets never reach stdout or the logs');
    }
    assert.equal(server.output().split(token).length - 1, 0, 'tokens never reach the logs');
  });

  it('on later starts prints no secret again, and keeps the data', async () => {
    const server = await startServerProcess(env);
    try {
      const out = server.output();
      assert.equal(parseFirstStart(out), null);
      assert.ok(!out.includes(firstStart!.sk), 'the SK is not printed twice');
      assert.ok(!out.includes(firstStart!.password), 'the password is not printed twice');
      assert.match(out, /openhss credential create --user admin/);
      assert.ok(out.includes(`web console at ${server.url}/`), 'later starts name the console too');
      const login = await fetch(`${server.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenRequest(firstStart!.password, firstStart!.projectId) });
      assert.equal(login.status, 201, 'the account survived the restart');
      const policy = await fetch(`${server.url}/v5/${firstStart!.projectId}/vulnerability/scan-policy`, { headers: { 'x-auth-token': token } });
      assert.equal(policy.status, 200, 'a token from before the restart is still valid (same master key)');
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it('finishes a request in flight when SIGTERM arrives, then exits 0', async () => {
    const server = await startServerProcess(env);
    const { port, hostname } = new URL(server.url);
    const body = JSON.stringify({ scan_period: 'three_day', scan_range_type: 'all_host', status: 'open' });
    const socket = connect(Number(port), hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString('utf8')));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    // Send the headers and half the body, so the request is in flight.
    socket.write(
      `PUT /v5/${firstStart!.projectId}/vulnerability/scan-policy HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Auth-Token: ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(server.child.exitCode, null, 'the server waits for the request in flight');
    socket.write(body.slice(10));
    await closed;
    assert.match(response, /^HTTP\/1\.1 200 /, response);
    assert.equal(await server.exited, 0);
    assert.match(server.output(), /shutdown complete/);
    const after = await startServerProcess(env);
    try {
      const policy = await fetch(`${after.url}/v5/${firstStart!.projectId}/vulnerability/scan-policy`, { headers: { 'x-auth-token': token } });
      assert.equal(((await policy.json()) as { scan_period: string }).scan_period, 'three_day', 'the in-flight write was kept');
    } finally {
      assert.equal(await stop(after), 0);
    }
  });

  it('stops at start with a message naming a bad config key', async () => {
    await assert.rejects(startServerProcess({ ...env, OPENHSS_QUEUE_CONCURRENCY: '0' }), /queue\.concurrency \(OPENHSS_QUEUE_CONCURRENCY\) must be >= 1/);
  });
});
