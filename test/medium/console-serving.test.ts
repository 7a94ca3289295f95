import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { createTestApp, type TestApp } from '../support/app.js';
import { CONSOLE_PAGE_PREFIXES } from '../../src/api/plugins/console.js';

/** A console as `vite build` lays it out: index.html, content-hashed assets, a public file. */
function fakeBuiltConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhss-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>\n');
  writeFileSync(join(dir, 'assets/index-Ab12Cd34.js'), 'console.log("openhss console");\n');
  // The build writes a .br and a .gz beside each script.
  writeFileSync(join(dir, 'assets/index-Ab12Cd34.js.br'), brotliCompressSync('console.log("openhss console");\n'));
  writeFileSync(join(dir, 'assets/index-Ab12Cd34.js.gz'), gzipSync('console.log("openhss console");\n'));
  writeFileSync(join(dir, 'assets/index-Ef56Gh78.css'), 'body{margin:0}\n');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  return dir;
}

function assertConsoleHeaders(headers: Record<string, unknown>, where: string): void {
  const csp = String(headers['content-security-policy'] ?? '');
  assert.ok(csp, `${where}: a Content-Security-Policy`);
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  assert.deepEqual(directives.get('script-src'), ["'self'"], `${where}: scripts from this origin only, no 'unsafe-inline' (${csp})`);
  assert.deepEqual(directives.get('default-src'), ["'self'"], where);
  assert.deepEqual(directives.get('connect-src'), ["'self'"], where);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], where);
  assert.deepEqual(directives.get('object-src'), ["'none'"], where);
  assert.deepEqual(directives.get('base-uri'), ["'self'"], where);
  assert.deepEqual(directives.get('img-src'), ["'self'", 'data:'], where);
  assert.equal(headers['x-content-type-options'], 'nosniff', where);
  assert.equal(headers['referrer-policy'], 'no-referrer', where);
}

describe('the web console served by the API server', () => {
  let t: TestApp;
  let dir: string;
  before(async () => {
    dir = fakeBuiltConsole();
    t = await createTestApp('sqlite', {}, { consoleDir: dir });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers index.html, never cached, for / and every page path of the console (and paths below them), without a token', async () => {
    const paths = ['/', ...CONSOLE_PAGE_PREFIXES, '/hosts/0f3c9a2b', '/images/registry/some/deep/path', '/vulnerabilities?severity=critical&page=2', '/overview/'];
    for (const url of paths) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`);
      assert.match(String(res.headers['content-type']), /^text\/html/, url);
      assert.match(res.body, /<div id="root"><\/div>/, url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      assertConsoleHeaders(res.headers, url);
    }
    const head = await t.app.inject({ method: 'HEAD', url: '/overview' });
    assert.equal(head.statusCode, 200);
  });

  it('serves the content-hashed assets with a long immutable cache, and the public files beside index.html', async () => {
    const js = await t.app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.equal(js.body, 'console.log("openhss console");\n');
    assert.match(String(js.headers['cache-control']), /max-age=31536000/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    assertConsoleHeaders(js.headers, 'asset');
    assert.equal(js.headers['content-encoding'], undefined, 'no encoding asked, none given');
    const br = await t.app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['content-encoding'], 'br', 'the pre-compressed brotli file');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), 'console.log("openhss console");\n');
    const gz = await t.app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString(), 'console.log("openhss console");\n');
    const css = await t.app.inject({ method: 'GET', url: '/assets/index-Ef56Gh78.css' });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.doesNotMatch(String(icon.headers['cache-control']), /immutable/);
  });

  it('keeps the HSS JSON 404 for unknown API paths, unknown assets and non-GET requests to page paths', async () => {
    for (const [method, url] of [
      ['GET', '/v5/nope/unknown'],
      ['GET', '/unknown-page'],
      ['GET', '/assets/missing-00000000.js'],
      ['GET', '/assets/../index.html'],
      ['POST', '/overview'],
      ['DELETE', '/hosts/1'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body.slice(0, 200)}`);
      const body = res.json() as { error_code: string; error_msg: string };
      assert.equal(body.error_code, 'APIGW.0101', `${method} ${url}`);
      assert.match(body.error_msg, /does not exist/);
    }
    const api = await t.app.inject({ method: 'GET', url: `/v5/${t.account.project.id}/host-management/hosts` });
    assert.equal(api.statusCode, 401, 'the API still wants a credential');
    assert.equal(api.headers['content-security-policy'], undefined, 'API answers carry no console headers');
  });

  it('keeps its routes out of /openapi.json', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    const paths = Object.keys(doc.paths);
    assert.ok(paths.length > 10);
    for (const path of paths) {
      assert.ok(!['/', '/favicon.svg'].includes(path) && !path.startsWith('/assets') && !CONSOLE_PAGE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`)), path);
    }
  });
});

describe('the API server without a built console', () => {
  let t: TestApp;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openhss-console-missing-'));
    t = await createTestApp('sqlite', {}, { consoleDir: join(dir, 'console') });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / and the page paths with a page saying to run npm run build; the API works as before', async () => {
    for (const url of ['/', '/overview', '/hosts/abc']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /console has not been built/);
      assert.match(res.body, /npm run build/);
      assertConsoleHeaders(res.headers, url);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/assets/index.js' })).json().error_code, 'APIGW.0101');
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
