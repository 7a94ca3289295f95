/**
 * A fake Docker Engine API on a unix socket: no engine can run on this
 * machine, so tests serve answers in the shapes Engine API v1.43+ returns
 * for `GET /images/json` and `GET /containers/json?all=1`, and real
 * `docker save` tarballs (built by the test) for `GET /images/{id}/get`.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { BuiltImage } from './oci-images.js';

export interface FakeEngineImage {
  image: BuiltImage;
  json: object;
  save: Buffer;
}

export interface FakeEngine {
  server: Server;
  socket: string;
  /** Image ids exported so far, in order. */
  exports: string[];
  /** Answer every call with HTTP 500. */
  fail: boolean;
  close(): Promise<void>;
}

export async function startFakeEngine(dir: string, images: FakeEngineImage[], containers: object[], name = 'docker.sock'): Promise<FakeEngine> {
  const socket = join(dir, name);
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (engine.fail) return void json(500, { message: 'engine failure' });
    if (url.pathname === '/images/json') return void json(200, images.map((i) => i.json));
    if (url.pathname === '/containers/json') return void json(200, url.searchParams.get('all') === '1' ? containers : containers.filter((c) => (c as { State?: string }).State === 'running'));
    const get = /^\/images\/(.+)\/get$/.exec(url.pathname);
    const hit = get && images.find((i) => i.image.config.digest === decodeURIComponent(get[1]!));
    if (!hit) return void json(404, { message: `No such image: ${url.pathname}` });
    engine.exports.push(hit.image.config.digest);
    res.writeHead(200, { 'content-type': 'application/x-tar' });
    // Streamed in pieces, as the engine does.
    for (let i = 0; i < hit.save.length; i += 4096) res.write(hit.save.subarray(i, i + 4096));
    res.end();
  });
  const engine: FakeEngine = { server, socket, exports: [], fail: false, close: () => new Promise((r) => server.close(() => r())) };
  await new Promise<void>((r) => server.listen(socket, r));
  return engine;
}

/** An `/images/json` item as the engine returns it. */
export const engineImageJson = (image: BuiltImage, extra: object) => ({
  Containers: -1,
  Created: 1704067200,
  Id: image.config.digest,
  Labels: { 'org.openhss.test': 'yes' },
  ParentId: '',
  RepoDigests: [],
  RepoTags: [],
  SharedSize: -1,
  Size: 123_456_789,
  ...extra,
});

/** A `/containers/json?all=1` item as the engine returns it. */
export const engineContainerJson = (id: string, name: string, image: BuiltImage, labels: Record<string, string> = {}) => ({
  Id: id,
  Names: [`/${name}`],
  Image: 'nginx:1.25',
  ImageID: image.config.digest,
  Command: 'nginx -g daemon off;',
  Created: 1704067300,
  Ports: [],
  Labels: labels,
  State: 'running',
  Status: 'Up 2 hours',
  HostConfig: { NetworkMode: 'default' },
  NetworkSettings: { Networks: {} },
  Mounts: [],
});
