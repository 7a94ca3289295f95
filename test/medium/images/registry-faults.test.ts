import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { buildImage, type BuiltImage } from '../../support/oci-images.js';
import { RegistryClient } from '../../../src/sources/registry/index.js';

type Row = Record<string, unknown>;

/**
 * A registry that misbehaves per tag, which docker-registry cannot be made
 * to do: `broken` answers 500 for its manifest, `ghost` is in the tag list
 * but its manifest is 404, `good` is a real image.
 */
async function startFaultyRegistry(image: BuiltImage): Promise<{ url: string; server: Server }> {
  const blobs = new Map([[image.config.digest, image.config.bytes], ...image.layers.map((l) => [l.digest, l.bytes] as const)]);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: string | Buffer, type = 'application/json', extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/v2/') return send(200, '{}');
    if (url.pathname === '/v2/_catalog') return send(200, JSON.stringify({ repositories: ['team/app'] }));
    if (url.pathname === '/v2/team/app/tags/list') return send(200, JSON.stringify({ name: 'team/app', tags: ['broken', 'ghost', 'good'] }));
    const manifest = /^\/v2\/team\/app\/manifests\/(.+)$/.exec(url.pathname);
    if (manifest) {
      const ref = decodeURIComponent(manifest[1]!);
      if (ref === 'broken') return send(500, JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage backend failed' }] }));
      if (ref === 'good' || ref === image.manifest.digest) return send(200, image.manifest.bytes, image.manifest.mediaType, { 'docker-content-digest': image.manifest.digest });
      return send(404, JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    }
    const blob = /^\/v2\/team\/app\/blobs\/(.+)$/.exec(url.pathname);
    if (blob && blobs.has(blob[1]!)) return send(200, blobs.get(blob[1]!)!, 'application/octet-stream', { 'docker-content-digest': blob[1]! });
    return send(404, JSON.stringify({ errors: [{ code: 'NOT_FOUND' }] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

for (const dialect of backends) {
  describe(`registry faults (${dialect})`, () => {
    let t: TestApp;
    let faulty: { url: string; server: Server };
    const logged: Row[] = [];
    const headers = () => ({ 'x-auth-token': t.token });
    const project = () => t.account.project.id;
    const registryRow = async (id: string): Promise<Row> => (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/registries/${id}`, headers: headers() })).json();

    before(async () => {
      t = await createTestApp(dialect);
      faulty = await startFaultyRegistry(await buildImage({ layers: [{ 'etc/hello': 'hello\n' }] }));
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Row);
          done();
        },
      });
      t.runtime.services.registries.useLogger(pino({ level: 'info' }, sink));
    });
    after(async () => {
      await t?.close();
      faulty?.server.close();
    });

    it('adding a registry that does not answer returns at once, saved as checking; the background check records unreachable', async () => {
      // A TCP server that accepts and never answers: the check hangs until the connection ends.
      const held: Socket[] = [];
      const silent = createTcpServer((socket) => held.push(socket));
      silent.listen(0, '127.0.0.1');
      await once(silent, 'listening');
      const { port } = silent.address() as { port: number };
      try {
        const res = await t.app.inject({ method: 'POST', url: `/v5/${project()}/image/registries`, headers: headers(), payload: { registry_name: 'silent', registry_type: 'Other', url: `http://127.0.0.1:${port}` } });
        assert.equal(res.statusCode, 200, res.body);
        const added = res.json() as Row;
        assert.equal(added.connection_status, 'checking');
        assert.equal(added.status, 'accessing');
        const listed = (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/registries?status=accessing`, headers: headers() })).json();
        assert.deepEqual(listed.data_list.map((r: Row) => r.registry_name), ['silent'], 'the list shows it while the check runs');
        // The answer came while the registry still held the check's connection open.
        if (held.length === 0) await once(silent, 'connection');
        const checked = t.runtime.services.registries.checked(String(added.id));
        for (const socket of held) socket.destroy();
        // Retries connect again: end those too until the check gives up.
        silent.on('connection', (socket: Socket) => socket.destroy());
        await checked;
        const row = await registryRow(String(added.id));
        assert.equal(row.connection_status, 'unreachable');
        assert.equal(row.status, 'fail');
        assert.notEqual(row.fail_reason, '');
        assert.ok(logged.some((l) => l.msg === 'registry connection checked' && l.registryId === added.id && l.status === 'unreachable'));
      } finally {
        silent.close();
      }
    });

    it('one tag whose manifest answers 500 fails alone with its reason; a tag whose manifest is 404 is reported; the registry stays connected', async () => {
      const added = await t.runtime.services.registries.add(project(), { enterpriseProjectId: '0', name: 'faulty', registryType: 'Other', url: faulty.url });
      await t.runtime.services.registries.checked(added.id);
      const outcome = await t.runtime.services.registries.syncNow(project(), added.id);
      assert.equal(outcome.status, 'idle', outcome.reason);
      assert.equal(outcome.connection, 'connected');
      assert.deepEqual(outcome.unreadable.map((u) => u.image).sort(), ['team/app:broken', 'team/app:ghost']);
      const registry = await registryRow(added.id);
      assert.equal(registry.connection_status, 'connected');
      assert.equal(registry.sync_status, 'idle');
      assert.match(String(registry.sync_failed_reason), /2 tag\(s\)/);
      const rows = (await t.app.inject({ method: 'GET', url: `/v5/${project()}/image/registries/images?registry_name=faulty`, headers: headers() })).json().data_list as Row[];
      const byTag = new Map(rows.map((r) => [r.image_version, r]));
      assert.deepEqual([...byTag.keys()].sort(), ['broken', 'ghost', 'good']);
      assert.equal(byTag.get('good')!.scan_status, 'unscan');
      assert.equal(byTag.get('broken')!.scan_status, 'failed');
      assert.match(String(byTag.get('broken')!.scan_failed_desc), /500/);
      assert.equal(byTag.get('ghost')!.scan_status, 'failed');
      assert.match(String(byTag.get('ghost')!.scan_failed_desc), /manifest is not found/);
      const synced = logged.find((l) => l.msg === 'registry sync finished' && l.registryId === added.id)!;
      assert.equal(synced.images, 3);
      assert.equal(synced.unreadable, 2);
      assert.ok(!JSON.stringify(logged).includes('password'));
    });

    it('a plain-HTTP registry read over TLS says to use --insecure-registry, not an OpenSSL error', async () => {
      const host = new URL(faulty.url).host;
      const client = new RegistryClient({ hosts: { [host]: { insecure: false } }, retry: { retries: 0 } });
      try {
        await assert.rejects(client.ping(host), (err: Error) => {
          assert.match(err.message, /--insecure-registry/);
          assert.match(err.message, /plain HTTP/);
          assert.doesNotMatch(err.message, /SSL routines|wrong version number/);
          return true;
        });
      } finally {
        await client.close();
      }
    });
  });
}
