import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import SQLite from 'better-sqlite3';
import { MockAgent } from 'undici';
import { defaultSources, status, update, VulnDbReader, type VulnDbHttp } from '../../../src/vulndb/index.js';
import { FIXTURES, tempDir } from './support/tmp.js';
import { zipBuffer } from './support/zip.js';

type Mode = 'ok' | 'error500' | 'truncate';
interface Route {
  body: Buffer;
  mode: Mode;
  lastModified: string;
}

const OSV_NPM = '/osv-vulnerabilities.storage.googleapis.com/npm/all.zip';
const ALPINE = '/secdb.alpinelinux.org/v3.19/main.json';
const DEBIAN = '/security-tracker.debian.org/tracker/data/json';
const KEV = '/www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
const KEV_MIRROR = '/mirror/kev.json';

const etagOf = (body: Buffer) => `"${createHash('sha1').update(body).digest('hex')}"`;
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** A stand-in for the upstream hosts: serves fixture files with ETag/Last-Modified, 304s, and scripted failures. */
class FeedServer {
  readonly routes = new Map<string, Route>();
  readonly requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  private server!: Server;
  url = '';

  set(path: string, body: Buffer, mode: Mode = 'ok'): void {
    const previous = this.routes.get(path);
    const changed = !previous || !previous.body.equals(body);
    this.routes.set(path, { body, mode, lastModified: changed ? new Date(Date.now() + this.routes.size * 1000).toUTCString() : previous.lastModified });
  }

  mode(path: string, mode: Mode): void {
    (this.routes.get(path) as Route).mode = mode;
  }

  requestsFor(path: string) {
    return this.requests.filter((r) => r.path === path);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.requests.push({ path, headers: req.headers });
      if (path === KEV) {
        res.writeHead(302, { location: KEV_MIRROR });
        res.end();
        return;
      }
      const route = this.routes.get(path);
      if (!route) {
        res.writeHead(404).end('not found');
        return;
      }
      if (route.mode === 'error500') {
        res.writeHead(500).end('upstream is having a bad day');
        return;
      }
      const etag = etagOf(route.body);
      const inm = req.headers['if-none-match'];
      if (inm === etag || (inm === undefined && req.headers['if-modified-since'] === route.lastModified)) {
        res.writeHead(304, { etag }).end();
        return;
      }
      const gzip = /gzip/.test(String(req.headers['accept-encoding'] ?? '')) && path === DEBIAN;
      const body = gzip ? gzipSync(route.body) : route.body;
      const headers: Record<string, string | number> = { etag, 'last-modified': route.lastModified, 'content-length': body.length };
      if (gzip) headers['content-encoding'] = 'gzip';
      res.writeHead(200, headers);
      if (route.mode === 'truncate') {
        // promise the whole body, send half of it, then drop the connection
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
        return;
      }
      res.end(body);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function osvZip(): Buffer {
  const dir = join(FIXTURES, 'osv');
  return zipBuffer(readdirSync(dir).map((name) => ({ name, data: readFileSync(join(dir, name)) })));
}

describe('update() against a local feed server', () => {
  // The Kubernetes CVE feed has its own update test (k8s-cve-feed.test.ts).
  const sources = defaultSources({ osvEcosystems: ['npm'], alpineReleases: ['v3.19'], alpineRepos: ['main'], kubernetesCveFeed: false });
  const server = new FeedServer();
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let agent: MockAgent;
  let http: VulnDbHttp;
  const fileState = () => ({ ino: statSync(db).ino, mtimeMs: statSync(db).mtimeMs, bytes: readFileSync(db) });
  const outcome = (result: Awaited<ReturnType<typeof update>>, name: string) => result.feeds.find((f) => f.name === name);

  before(async () => {
    tmp = tempDir();
    db = join(tmp.dir, 'data', 'vulndb.sqlite');
    server.set(OSV_NPM, osvZip());
    server.set(ALPINE, fixture('alpine-v3.19-main.json'));
    server.set(DEBIAN, fixture('debian-tracker.json'));
    server.set(KEV_MIRROR, fixture('kev.json'));
    await server.start();
    // A poisoned transport: anything but the local server fails, so no test can reach the Internet.
    agent = new MockAgent();
    agent.disableNetConnect();
    agent.enableNetConnect(new URL(server.url).host);
    http = { dispatcher: agent, baseUrl: server.url, concurrency: 2 };
  });
  after(async () => {
    await agent.close();
    await server.stop();
    tmp.cleanup();
  });

  it('lists the real upstream URLs by default', () => {
    assert.deepEqual(
      defaultSources({ osvEcosystems: ['npm', 'crates.io'], alpineReleases: ['v3.19'] }).map((s) => [s.name, s.url]),
      [
        ['osv/npm', 'https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip'],
        ['osv/crates.io', 'https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip'],
        ['alpine-secdb/v3.19/main', 'https://secdb.alpinelinux.org/v3.19/main.json'],
        ['alpine-secdb/v3.19/community', 'https://secdb.alpinelinux.org/v3.19/community.json'],
        ['debian-tracker', 'https://security-tracker.debian.org/tracker/data/json'],
        ['kev', 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'],
        ['k8s-cve-feed', 'https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json'],
      ],
    );
  });

  it('first update downloads and imports every feed (gzip and redirects included)', async () => {
    // leftovers of an update that died mid-way (its process is gone) are cleaned up
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    mkdirSync(join(tmp.dir, 'data', `.vulndb-download-${deadPid}-abc123`), { recursive: true });
    writeFileSync(join(tmp.dir, 'data', `.vulndb.sqlite.building-${deadPid}-0badf00d`), 'half a database');
    const result = await update(db, sources, http, { now: () => new Date('2024-06-01T00:00:00Z') });
    assert.equal(result.ok, true, JSON.stringify(result.feeds));
    assert.equal(result.swapped, true);
    assert.deepEqual(
      result.feeds.map((f) => [f.name, f.status]),
      [
        ['osv/npm', 'updated'],
        ['alpine-secdb/v3.19/main', 'updated'],
        ['debian-tracker', 'updated'],
        ['kev', 'updated'],
      ],
    );
    assert.equal(outcome(result, 'debian-tracker')?.bytes, fixture('debian-tracker.json').length, 'gzip was undone');
    assert.equal(outcome(result, 'osv/npm')?.result?.records, 5);
    assert.deepEqual(server.requestsFor(KEV_MIRROR).length, 1, 'the redirect was followed');

    const s = await status(db, { now: () => new Date('2024-06-01T00:10:00Z') });
    assert.equal(s.ageSeconds, 600);
    const feeds = new Map(s.feeds.map((f) => [f.name, f]));
    assert.equal(feeds.get('debian-tracker')?.etag, etagOf(fixture('debian-tracker.json')));
    assert.ok(feeds.get('kev')?.lastModified);
    assert.equal(feeds.get('osv/npm')?.url, 'https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip');

    const reader = VulnDbReader.open(db);
    try {
      assert.equal(reader.affectedFor('npm', 'tiny-parser')[0]?.advisory.kev?.dateAdded, '2024-05-20');
      assert.deepEqual(reader.affectedFor('Alpine:v3.19', 'busybox')[0]?.fixedVersions, ['1.36.1-r0']);
      assert.equal(reader.affectedFor('Debian:12', 'tar')[0]?.status, 'will_not_fix');
    } finally {
      reader.close();
    }
    assert.deepEqual(
      readdirSync(join(tmp.dir, 'data')),
      ['vulndb.sqlite'],
      'no temporary files are left behind',
    );
  });

  it('second update sends If-None-Match/If-Modified-Since, gets 304s and leaves the file untouched', async () => {
    const before = fileState();
    server.requests.length = 0;
    const result = await update(db, sources, http);
    assert.equal(result.ok, true);
    assert.equal(result.swapped, false);
    assert.deepEqual(new Set(result.feeds.map((f) => f.status)), new Set(['not-modified']));
    const debianRequest = server.requestsFor(DEBIAN)[0];
    assert.equal(debianRequest?.headers['if-none-match'], etagOf(fixture('debian-tracker.json')));
    assert.ok(debianRequest?.headers['if-modified-since']);
    assert.deepEqual(fileState(), before);
  });

  it('a feed answering 500 keeps its data and ETag while the others update; open readers keep the old file', async () => {
    const oldReader = VulnDbReader.open(db);
    const changed = fixture('debian-tracker.json').toString().replace('3.0.11-1~deb12u1', '3.0.11-1~deb12u9');
    server.set(DEBIAN, Buffer.from(changed));
    server.mode(KEV_MIRROR, 'error500');
    const result = await update(db, sources, http);
    assert.equal(result.ok, false);
    assert.equal(result.swapped, true);
    assert.equal(outcome(result, 'debian-tracker')?.status, 'updated');
    assert.equal(outcome(result, 'kev')?.status, 'failed');
    assert.equal(outcome(result, 'kev')?.httpStatus, 500);
    assert.match(outcome(result, 'kev')?.error ?? '', /HTTP 500/);
    assert.equal(outcome(result, 'osv/npm')?.status, 'not-modified');

    const reader = VulnDbReader.open(db);
    try {
      const openssl = reader.affectedFor('Debian:12', 'openssl').find((r) => r.advisory.id === 'CVE-2023-0001');
      assert.deepEqual(openssl?.fixedVersions, ['3.0.11-1~deb12u9']);
      assert.equal(openssl?.advisory.kev?.dateAdded, '2024-01-15', 'KEV data survived its failed download');
    } finally {
      reader.close();
    }
    // the reader opened before the swap still sees the old DB, whole
    assert.deepEqual(oldReader.affectedFor('Debian:12', 'openssl').find((r) => r.advisory.id === 'CVE-2023-0001')?.fixedVersions, [
      '3.0.11-1~deb12u1',
    ]);
    oldReader.close();

    const s = await status(db);
    assert.equal(s.feeds.find((f) => f.name === 'kev')?.etag, etagOf(fixture('kev.json')), 'the failed feed keeps its old ETag');
    server.mode(KEV_MIRROR, 'ok');
    server.requests.length = 0;
    const retry = await update(db, sources, http);
    assert.equal(retry.ok, true);
    assert.equal(server.requestsFor(KEV_MIRROR)[0]?.headers['if-none-match'], etagOf(fixture('kev.json')));
    assert.equal(outcome(retry, 'kev')?.status, 'not-modified');
  });

  it('a truncated download leaves the old DB intact and readable', async () => {
    const before = fileState();
    const reader = VulnDbReader.open(db);
    const newer = fixture('alpine-v3.19-main.json').toString().replace('1.36.1', '1.36.2');
    server.set(ALPINE, Buffer.from(newer), 'truncate');
    const result = await update(db, sources, http);
    assert.equal(result.ok, false);
    assert.equal(result.swapped, false, 'nothing else changed, so the file is not touched');
    assert.equal(outcome(result, 'alpine-secdb/v3.19/main')?.status, 'failed');
    assert.match(outcome(result, 'alpine-secdb/v3.19/main')?.error ?? '', /broke off|truncated/);
    assert.deepEqual(fileState(), before);
    assert.deepEqual(reader.affectedFor('Alpine:v3.19', 'busybox')[0]?.fixedVersions, ['1.36.1-r0']);
    reader.close();
    assert.deepEqual(readdirSync(join(tmp.dir, 'data')), ['vulndb.sqlite']);
  });

  it('truncated or empty data served as a complete response fails that feed and keeps its rows', async () => {
    const before = fileState();
    const newer = fixture('alpine-v3.19-main.json').toString().replace('1.36.1', '1.36.2');
    server.set(ALPINE, Buffer.from(newer.slice(0, newer.length / 2)));
    const zip = osvZip();
    server.set(OSV_NPM, zip.subarray(0, zip.length - 40));
    server.set(KEV_MIRROR, Buffer.from(JSON.stringify({ catalogVersion: 'empty', vulnerabilities: [] })));
    const result = await update(db, sources, http);
    assert.equal(result.ok, false);
    assert.equal(result.swapped, false);
    assert.match(outcome(result, 'alpine-secdb/v3.19/main')?.error ?? '', /not valid JSON/);
    assert.match(outcome(result, 'osv/npm')?.error ?? '', /not a readable zip/);
    assert.match(outcome(result, 'kev')?.error ?? '', /gave no records \(the DB has 3\)/);
    assert.deepEqual(fileState(), before);

    // one good feed among bad ones: the good one is applied, the bad ones roll back to their old rows
    server.set(KEV_MIRROR, Buffer.from(fixture('kev.json').toString().replace('"2024-03-01"', '"2024-03-02"')));
    const mixed = await update(db, sources, http);
    assert.equal(mixed.swapped, true);
    assert.equal(outcome(mixed, 'kev')?.status, 'updated');
    assert.equal(outcome(mixed, 'osv/npm')?.status, 'failed');
    const reader = VulnDbReader.open(db);
    try {
      assert.equal(reader.affectedFor('npm', 'tiny-parser').length, 1, 'the OSV rows are still there');
      assert.deepEqual(reader.affectedFor('Alpine:v3.19', 'busybox')[0]?.fixedVersions, ['1.36.1-r0']);
      assert.equal(reader.findAdvisories('CVE-2005-2541')[0]?.kev?.dateAdded, '2024-03-02');
    } finally {
      reader.close();
    }
  });

  it('rebuilds from scratch, without validators, when the old file has another schema', async () => {
    const other = join(tmp.dir, 'old.sqlite');
    const old = new SQLite(other);
    old.exec("create table meta (key text primary key, value text not null); insert into meta values ('schema_version', '0');");
    old.close();
    server.set(ALPINE, fixture('alpine-v3.19-main.json'));
    server.set(OSV_NPM, osvZip());
    server.requests.length = 0;
    const result = await update(other, sources, http);
    assert.equal(result.ok, true, JSON.stringify(result.feeds));
    assert.equal(result.rebuilt, true);
    assert.ok(server.requests.every((r) => r.headers['if-none-match'] === undefined));
    assert.equal((await status(other)).usable, true);
  });

  it('goes only through the injected dispatcher: without a base URL nothing leaves this machine', async () => {
    const before = fileState();
    const result = await update(db, sources, { dispatcher: agent });
    assert.equal(result.ok, false);
    assert.equal(result.swapped, false);
    for (const f of result.feeds) {
      assert.equal(f.status, 'failed');
      assert.match(f.error ?? '', /not allowed|net\.connect/);
    }
    assert.deepEqual(fileState(), before);
  });
});
