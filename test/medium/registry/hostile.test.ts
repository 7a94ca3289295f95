import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryClient, type RegistryClientOptions } from '../../../src/sources/registry/client.js';
import {
  ContentTooLargeError,
  DigestMismatchError,
  RegistryHttpError,
  RegistryNetworkError,
  RegistryTimeoutError,
  UnsupportedMediaTypeError,
} from '../../../src/sources/registry/errors.js';
import { buildImage, ImagePusher, sha256, type BuiltImage } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type GuardedDispatcher, type RunningRegistry } from '../../support/oci-registry.js';
import { fetchUpstream, startProxy, startServer, type Intercept, type LocalServer } from './servers.js';

/** Consumes a blob stream the way a scanner must: results count only once the pipeline resolves. */
async function consume(stream: NodeJS.ReadableStream): Promise<{ bytes: number }> {
  let bytes = 0;
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  return { bytes };
}

const flipLastByte = (body: Buffer) => {
  const copy = Buffer.from(body);
  copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
  return copy;
};

describe('hostile and flaky registries', () => {
  let registry: RunningRegistry;
  let guard: GuardedDispatcher;
  let proxy: LocalServer;
  let image: BuiltImage;
  /** What the proxy does with the next requests; undefined forwards everything. */
  let behave: Intercept | undefined;
  const ref = () => `${proxy.host}/app:v1`;
  const location = () => ({ registry: proxy.host, repository: 'app' });

  const client = (options: Partial<RegistryClientOptions> = {}) =>
    new RegistryClient({
      dispatcher: guard.dispatcher,
      hosts: { [proxy.host]: { insecure: true } },
      timeouts: { headersMs: 500, bodyIdleMs: 500 },
      retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
      ...options,
    });

  before(async () => {
    registry = await startRegistry();
    guard = loopbackOnlyDispatcher();
    image = await buildImage({ layers: [{ 'etc/os-release': 'ID=debian\n', 'big.bin': randomBytes(24 * 1024) }] });
    const pusher = new ImagePusher(guard.dispatcher, registry.url);
    await pusher.pushImage('app', 'v1', image);
    for (const tag of ['a', 'b', 'c', 'd', 'e']) await pusher.pushManifest('app', tag, image.manifest);
    proxy = await startProxy(registry.url, (req, res, forward) => (behave ? behave(req, res, forward) : forward()));
  });
  afterEach(() => {
    behave = undefined;
  });
  after(async () => {
    await proxy?.close();
    await guard?.close();
    await registry?.stop();
  });

  it('fails the blob stream with a digest-mismatch error when the registry sends other bytes', async () => {
    const layer = image.layers[0]!;
    behave = (req, _res, forward) => forward(req.url?.includes(layer.digest) ? (up) => ({ ...up, body: flipLastByte(up.body) }) : undefined);
    const c = client();
    const resolved = await c.resolve(ref());
    await assert.rejects(consume(await c.openBlob(resolved, resolved.layers[0]!)), (error: unknown) => {
      assert.ok(error instanceof DigestMismatchError);
      assert.equal(error.expected, layer.digest);
      assert.equal(error.actual, sha256(flipLastByte(layer.bytes)));
      assert.match(error.message, new RegExp(`^${proxy.host}/app@${layer.digest}: blob digest mismatch: expected ${layer.digest}, the registry sent content hashing to sha256:`));
      return true;
    });
  });

  it('refuses a blob whose length is not the descriptor size, before streaming it', async () => {
    const layer = image.layers[0]!;
    behave = (req, _res, forward) => forward(req.url?.includes(layer.digest) ? (up) => ({ ...up, body: Buffer.concat([up.body, Buffer.from('extra')]) }) : undefined);
    await assert.rejects(client().openBlob(location(), layer), { name: 'DigestMismatchError', message: /is \d+ bytes long, its descriptor says/ });
  });

  it('refuses a config, a manifest fetched by digest, or a tag whose Docker-Content-Digest lies', async () => {
    behave = (req, _res, forward) => forward(req.url?.includes(image.config.digest) ? (up) => ({ ...up, body: flipLastByte(up.body) }) : undefined);
    await assert.rejects(client().resolve(ref()), (error: unknown) => error instanceof DigestMismatchError && error.expected === image.config.digest);

    behave = (_req, _res, forward) => forward((up) => ({ ...up, body: up.body.toString().includes('schemaVersion') ? Buffer.from(`${up.body.toString()} `) : up.body }));
    await assert.rejects(client().resolve(`${proxy.host}/app@${image.manifest.digest}`), (error: unknown) => {
      assert.ok(error instanceof DigestMismatchError);
      assert.match(error.message, new RegExp(`^${proxy.host}/app@${image.manifest.digest}: content digest mismatch: expected ${image.manifest.digest}, got sha256:`));
      return true;
    });

    const other = `sha256:${'1'.repeat(64)}`;
    behave = (_req, _res, forward) => forward((up) => ({ ...up, headers: { ...up.headers, 'docker-content-digest': other } }));
    await assert.rejects(client().resolve(ref()), { name: 'DigestMismatchError', message: new RegExp(`the registry announced ${other}`) });
  });

  it('times out, within the configured time, on a registry that stalls mid-blob', async () => {
    const layer = image.layers[0]!;
    behave = async (req, res, forward) => {
      if (!req.url?.includes(layer.digest)) return forward();
      const upstream = await fetchUpstream(registry.url, req);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(upstream.body.length) });
      res.write(upstream.body.subarray(0, upstream.body.length >> 1)); // then nothing, forever
    };
    const c = client();
    const stream = await c.openBlob(location(), layer);
    const started = Date.now();
    await assert.rejects(consume(stream), (error: unknown) => {
      assert.ok(error instanceof RegistryTimeoutError);
      assert.equal(error.code, 'timeout');
      assert.match(error.message, new RegExp(`^${proxy.host}/app@${layer.digest}: downloading blob ${layer.digest}: the registry stalled, sending nothing for 500 ms$`));
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 450 && elapsed < 2_500, `timed out after ${elapsed} ms`);
  });

  it('times out, without retrying, on a registry that never answers', async () => {
    behave = () => undefined; // accept the request, never respond
    const started = Date.now();
    await assert.rejects(client().resolve(ref()), { name: 'RegistryTimeoutError', message: new RegExp(`^${proxy.host}/app:v1: GET http://${proxy.host}/v2/app/manifests/v1: no response within 500 ms$`) });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 450 && elapsed < 2_500, `timed out after ${elapsed} ms`);
  });

  it('fails, rather than ending short, when the registry closes the connection mid-blob', async () => {
    const layer = image.layers[0]!;
    behave = async (req, res, forward) => {
      if (!req.url?.includes(layer.digest)) return forward();
      const upstream = await fetchUpstream(registry.url, req);
      res.writeHead(200, { 'content-length': String(upstream.body.length) });
      res.write(upstream.body.subarray(0, upstream.body.length >> 1), () => res.destroy());
    };
    await assert.rejects(consume(await client().openBlob(location(), layer)), (error: unknown) => {
      assert.ok(error instanceof RegistryNetworkError);
      assert.match(error.message, new RegExp(`^${proxy.host}/app@${layer.digest}: downloading blob ${layer.digest}: other side closed`));
      return true;
    });
    // Chunked, without a length: the response ends cleanly, but short.
    behave = async (req, res, forward) => {
      if (!req.url?.includes(layer.digest)) return forward();
      const upstream = await fetchUpstream(registry.url, req);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(upstream.body.subarray(0, 5000));
    };
    await assert.rejects(consume(await client().openBlob(location(), layer)), {
      name: 'DigestMismatchError',
      message: `${proxy.host}/app@${layer.digest}: blob ${layer.digest} ended after 5000 of ${layer.size} bytes`,
    });
  });

  it('retries a refused connection, then reports a network error', async () => {
    const closed = await startServer(() => undefined);
    const host = closed.host;
    await closed.close();
    const started = Date.now();
    await assert.rejects(client({ hosts: { [host]: { insecure: true } } }).resolve(`${host}/app:v1`), (error: unknown) => {
      assert.ok(error instanceof RegistryNetworkError);
      assert.match(error.message, new RegExp(`^${host}/app:v1: GET http://${host}/v2/app/manifests/v1: .*ECONNREFUSED`));
      return true;
    });
    assert.ok(Date.now() - started < 1_000);
  });

  it('refuses a manifest over the size cap, by Content-Length or while reading', async () => {
    const huge = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { pad: 'x'.repeat(8192) } }));
    behave = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(huge.length) }).end(huge);
    };
    await assert.rejects(client({ limits: { maxManifestBytes: 4096 } }).resolve(ref()), (error: unknown) => {
      assert.ok(error instanceof ContentTooLargeError);
      assert.equal(error.code, 'too-large');
      assert.equal(error.message, `${proxy.host}/app:v1: manifest is larger than the 4096-byte limit (${huge.length} bytes)`);
      return true;
    });
    behave = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); // chunked: no length up front
      res.write(huge.subarray(0, 3000));
      setTimeout(() => res.end(huge.subarray(3000)), 20);
    };
    await assert.rejects(client({ limits: { maxManifestBytes: 4096 } }).resolve(ref()), { name: 'ContentTooLargeError', message: /manifest is larger than the 4096-byte limit$/ });
    // A config is refused by its descriptor's size before it is fetched.
    behave = undefined;
    await assert.rejects(client({ limits: { maxConfigBytes: 16 } }).resolve(ref()), { name: 'ContentTooLargeError', message: /image config is larger than the 16-byte limit/ });
  });

  it('refuses Docker schema 1 manifests with a clear error', async () => {
    const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', tag: 'v1', architecture: 'amd64', fsLayers: [{ blobSum: image.layers[0]!.digest }], history: [], signatures: [] }));
    behave = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }).end(schema1);
    };
    await assert.rejects(client().resolve(ref()), (error: unknown) => {
      assert.ok(error instanceof UnsupportedMediaTypeError);
      assert.equal(error.mediaType, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
      assert.match(error.message, new RegExp(`^${proxy.host}/app:v1: Docker schema 1 manifests .* are not supported`));
      return true;
    });
  });

  it('retries 503s and a reset connection, then succeeds', async () => {
    let failures = 0;
    behave = (req, res, forward) => {
      if (req.url?.includes('/manifests/') && failures < 2) {
        failures++;
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
        return;
      }
      if (req.url?.includes(image.config.digest) && failures === 2) {
        failures++;
        req.socket.destroy(); // connection reset mid-request
        return;
      }
      return forward();
    };
    const before = proxy.requests.length;
    const resolved = await client().resolve(ref());
    assert.equal(resolved.manifest.digest, image.manifest.digest);
    assert.deepEqual(
      proxy.requests.slice(before).map((r) => r.url.replace(/sha256:\w+/, 'DIGEST')),
      ['/v2/app/manifests/v1', '/v2/app/manifests/v1', '/v2/app/manifests/v1', '/v2/app/blobs/DIGEST', '/v2/app/blobs/DIGEST'],
    );
  });

  it('honours Retry-After on 429, and gives up at once when it asks for too long', async () => {
    let limited = 0;
    behave = (_req, res, forward) => {
      if (limited++ === 0) {
        res.writeHead(429, { 'retry-after': '1' }).end();
        return;
      }
      return forward();
    };
    const started = Date.now();
    await client().resolve(ref());
    assert.ok(Date.now() - started >= 950, 'waited the second Retry-After asked for');

    behave = (_req, res) => {
      res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}');
    };
    const before = proxy.requests.length;
    await assert.rejects(client().resolve(ref()), (error: unknown) => {
      assert.ok(error instanceof RegistryHttpError);
      assert.equal(error.status, 429);
      assert.match(error.message, /HTTP 429 for the manifest \(TOOMANYREQUESTS: pull rate limit\)/);
      return true;
    });
    assert.equal(proxy.requests.length - before, 1);
  });

  it('gives up after the configured retries on a registry that keeps failing', async () => {
    behave = (_req, res) => {
      res.writeHead(500).end();
    };
    const before = proxy.requests.length;
    await assert.rejects(client().resolve(ref()), { name: 'RegistryHttpError', message: new RegExp(`^${proxy.host}/app:v1: the registry answered HTTP 500 for the manifest$`) });
    assert.equal(proxy.requests.length - before, 3, 'one try and two retries');
  });

  it('follows Link pagination of tag lists', async () => {
    behave = async (req, res, forward) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/v2/app/tags/list') return forward();
      const all = ((JSON.parse((await fetchUpstream(registry.url, req)).body.toString()) as { tags: string[] }).tags).sort();
      const n = Number(url.searchParams.get('n') ?? all.length);
      const last = url.searchParams.get('last');
      const page = all.filter((t) => last === null || t > last).slice(0, n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page.length === n && page.at(-1) !== all.at(-1)) headers.link = `</v2/app/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify({ name: 'app', tags: page }));
    };
    const before = proxy.requests.length;
    const tags: string[] = [];
    for await (const tag of client().tags(location(), { pageSize: 2 })) tags.push(tag);
    assert.deepEqual(tags, ['a', 'b', 'c', 'd', 'e', 'v1']);
    assert.deepEqual(proxy.requests.slice(before).map((r) => r.url), ['/v2/app/tags/list?n=2', '/v2/app/tags/list?n=2&last=b', '/v2/app/tags/list?n=2&last=d']);
  });

  it('follows a blob redirect to another origin without sending the registry credentials there', async () => {
    const blobStore = await startServer(async (req, res) => {
      const digest = /\/(sha256:[a-f0-9]{64})/.exec(req.url ?? '')?.[1];
      const layer = image.layers.find((l) => l.digest === digest);
      if (!layer) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': String(layer.size) }).end(layer.bytes);
    });
    try {
      behave = (req, res, forward) => {
        if (!req.headers.authorization) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="proxy"' }).end();
          return;
        }
        const digest = image.layers[0]!.digest;
        if (req.url?.includes(digest)) {
          res.writeHead(307, { location: `${blobStore.url}/store/${digest}?X-Signature=abc` }).end();
          return;
        }
        return forward();
      };
      const c = client({ hosts: { [proxy.host]: { insecure: true, credentials: { username: 'u', password: 'p' } } } });
      const resolved = await c.resolve(ref());
      const { bytes } = await consume(await c.openBlob(resolved, resolved.layers[0]!));
      assert.equal(bytes, image.layers[0]!.size);
      assert.equal(blobStore.requests.length, 1);
      assert.equal(blobStore.requests[0]!.authorization, undefined, 'no Authorization leaves for another origin');
      assert.ok(proxy.requests.at(-1)!.authorization?.startsWith('Basic '));
    } finally {
      await blobStore.close();
    }
  });

  it('contacted only loopback hosts', () => {
    for (const origin of guard.origins) assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
