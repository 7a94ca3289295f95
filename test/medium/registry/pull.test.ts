import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryClient } from '../../../src/sources/registry/client.js';
import { NoMatchingPlatformError, RegistryNetworkError, RegistryNotFoundError } from '../../../src/sources/registry/errors.js';
import { MediaType } from '../../../src/sources/registry/media-types.js';
import { walkLayer } from '../../../src/sources/layers/walk-layer.js';
import { buildImage, buildIndex, ImagePusher, type BuiltImage, type BuiltIndex } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type GuardedDispatcher, type RunningRegistry } from '../../support/oci-registry.js';

/** Reads a verified blob stream whole (fine for test-sized blobs). */
async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(chunks);
}

describe('registry client against a real registry (docker-registry)', () => {
  let registry: RunningRegistry;
  let guard: GuardedDispatcher;
  let client: RegistryClient;
  let dockerImage: BuiltImage;
  let ociImage: BuiltImage;
  let ociIndex: BuiltIndex;
  let dockerList: BuiltIndex;

  before(async () => {
    registry = await startRegistry();
    guard = loopbackOnlyDispatcher();
    client = new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [registry.host]: { insecure: true } } });
    const pusher = new ImagePusher(guard.dispatcher, registry.url);

    dockerImage = await buildImage({
      format: 'docker',
      layers: [
        { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\n', 'etc/debian_version': '12.5\n' },
        { 'usr/share/doc/hello.txt': 'hello from layer two\n', 'app/data.bin': Buffer.alloc(3000, 7) },
      ],
    });
    await pusher.pushImage('team/docker-app', 'v1', dockerImage, { chunkSize: 700 }); // chunked uploads

    ociImage = await buildImage({ format: 'oci', layers: [{ 'etc/alpine-release': '3.19.1\n' }] });
    await pusher.pushImage('oci-app', 'v1', ociImage);

    const amd64 = await buildImage({ format: 'oci', architecture: 'amd64', layers: [{ 'arch.txt': 'amd64\n' }] });
    const arm64 = await buildImage({ format: 'oci', architecture: 'arm64', variant: 'v8', layers: [{ 'arch.txt': 'arm64\n' }] });
    // An attestation-style entry with platform unknown/unknown, as BuildKit adds first, must never be chosen.
    const attestation = await buildImage({ format: 'oci', os: 'unknown', architecture: 'unknown', layers: [{ 'provenance.json': '{}' }] });
    ociIndex = buildIndex([attestation, amd64, arm64], 'oci');
    await pusher.pushIndex('multi', 'v1', ociIndex);

    const dAmd64 = await buildImage({ format: 'docker', architecture: 'amd64', layers: [{ 'arch.txt': 'docker amd64\n' }] });
    const dArm = await buildImage({ format: 'docker', architecture: 'arm', variant: 'v7', layers: [{ 'arch.txt': 'docker arm v7\n' }] });
    dockerList = buildIndex([dAmd64, dArm], 'docker');
    await pusher.pushIndex('multi-docker', 'v1', dockerList);

    for (const name of ['page/a', 'page/b', 'page/c', 'page/d', 'page/e']) await pusher.pushImage(name, 'latest', ociImage);
    for (const tag of ['t1', 't2', 't3', 't4', 't5']) await pusher.pushManifest('page/a', tag, ociImage.manifest);
  });

  after(async () => {
    await client?.close();
    await guard?.close();
    await registry?.stop();
  });

  it('pulls a Docker schema 2 image by tag: manifest, config, ordered layers, verified blobs', async () => {
    const image = await client.resolve(`${registry.host}/team/docker-app:v1`);
    assert.equal(image.registry, registry.host);
    assert.equal(image.repository, 'team/docker-app');
    assert.equal(image.digest, dockerImage.manifest.digest);
    assert.equal(image.manifest.mediaType, MediaType.dockerManifest);
    assert.equal(image.index, undefined);
    assert.equal(image.config.digest, dockerImage.config.digest);
    assert.equal(image.config.mediaType, MediaType.dockerConfig);
    assert.deepEqual(image.config.document.config.labels, { 'org.openhss.test': 'yes' });
    assert.deepEqual(image.platform, { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(
      image.layers.map((l) => [l.digest, l.size, l.mediaType, l.diffId]),
      dockerImage.layers.map((l) => [l.digest, l.size, MediaType.dockerLayerGzip, l.diffId]),
    );

    for (const [i, layer] of image.layers.entries()) {
      const bytes = await collect(await client.openBlob(image, layer));
      assert.ok(bytes.equals(dockerImage.layers[i]!.bytes), `layer ${i} arrives byte for byte`);
    }
    // The layer streams straight into the project's layer walker.
    const contents = await walkLayer(await client.openBlob(image, image.layers[0]!), (p) => p === 'etc/os-release');
    assert.equal(contents.compression, 'gzip');
    assert.equal(contents.files.get('etc/os-release')?.toString(), 'ID=debian\nVERSION_ID="12"\n');
  });

  it('pulls by digest, and resolves a tag to its digest with HEAD', async () => {
    const byDigest = await client.resolve(`${registry.host}/team/docker-app@${dockerImage.manifest.digest}`);
    assert.equal(byDigest.manifest.digest, dockerImage.manifest.digest);
    assert.equal(byDigest.layers.length, 2);
    assert.equal(await client.resolveDigest(`${registry.host}/team/docker-app:v1`), dockerImage.manifest.digest);
    const fetched = await client.getManifest({ registry: registry.host, repository: 'team/docker-app' }, dockerImage.manifest.digest);
    assert.ok(fetched.bytes.equals(dockerImage.manifest.bytes));
  });

  it('pulls an OCI image with OCI media types', async () => {
    const image = await client.resolve(`${registry.host}/oci-app:v1`);
    assert.equal(image.manifest.mediaType, MediaType.ociManifest);
    assert.equal(image.config.mediaType, MediaType.ociConfig);
    assert.deepEqual(image.layers.map((l) => l.mediaType), [MediaType.ociLayerGzip]);
    const bytes = await collect(await client.openBlob(image, image.layers[0]!));
    assert.ok(bytes.equals(ociImage.layers[0]!.bytes));
  });

  it('chooses from an OCI index by platform: linux/amd64 by default, arm64 on request, a clear error otherwise', async () => {
    const ref = `${registry.host}/multi:v1`;
    const amd64 = await client.resolve(ref);
    assert.equal(amd64.digest, ociIndex.manifest.digest, 'the image digest is the index digest');
    assert.equal(amd64.index?.mediaType, MediaType.ociIndex);
    assert.equal(amd64.index?.manifests.length, 3);
    assert.equal(amd64.manifest.digest, ociIndex.images[1]!.manifest.digest);
    assert.deepEqual(amd64.platform, { os: 'linux', architecture: 'amd64' });

    const arm64 = await client.resolve(ref, { platform: 'linux/arm64' });
    assert.equal(arm64.manifest.digest, ociIndex.images[2]!.manifest.digest);
    assert.deepEqual(arm64.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    const walked = await walkLayer(await client.openBlob(arm64, arm64.layers[0]!), (p) => p === 'arch.txt');
    assert.equal(walked.files.get('arch.txt')?.toString(), 'arm64\n');

    const armClient = new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [registry.host]: { insecure: true } }, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    assert.equal((await armClient.resolve(ref)).manifest.digest, ociIndex.images[2]!.manifest.digest, 'the client-wide platform applies');

    await assert.rejects(client.resolve(ref, { platform: 'linux/s390x' }), (error: unknown) => {
      assert.ok(error instanceof NoMatchingPlatformError);
      assert.match(error.message, new RegExp(`^${registry.host}/multi:v1: no manifest for platform linux/s390x \\(the index has: linux/amd64, linux/arm64/v8\\)$`));
      return true;
    });
  });

  it('chooses from a Docker manifest list, including an arm variant', async () => {
    const ref = `${registry.host}/multi-docker:v1`;
    const image = await client.resolve(ref, { platform: 'linux/arm/v7' });
    assert.equal(image.index?.mediaType, MediaType.dockerManifestList);
    assert.equal(image.manifest.digest, dockerList.images[1]!.manifest.digest);
    assert.equal(image.manifest.mediaType, MediaType.dockerManifest);
    assert.deepEqual(image.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });
    await assert.rejects(client.resolve(ref, { platform: 'linux/arm/v6' }), NoMatchingPlatformError);
  });

  it('names the registry, repository and reference when something is not found', async () => {
    await assert.rejects(client.resolve(`${registry.host}/team/docker-app:nope`), (error: unknown) => {
      assert.ok(error instanceof RegistryNotFoundError);
      assert.equal(error.status, 404);
      assert.match(error.message, new RegExp(`^${registry.host}/team/docker-app:nope: manifest not found \\(MANIFEST_UNKNOWN`));
      return true;
    });
    await assert.rejects(client.resolve(`${registry.host}/no/such/repo:v1`), RegistryNotFoundError);
    const missing = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(client.openBlob({ registry: registry.host, repository: 'oci-app' }, { digest: missing, size: 1 }), (error: unknown) => {
      assert.ok(error instanceof RegistryNotFoundError);
      assert.match(error.message, new RegExp(`^${registry.host}/oci-app@${missing}: blob not found`));
      return true;
    });
  });

  it('pages through the catalog with n= and Link headers', async () => {
    const before = guard.requests.length;
    const repositories: string[] = [];
    for await (const name of client.repositories(registry.host, { pageSize: 2 })) repositories.push(name);
    const pages = guard.requests.slice(before).map((r) => r.path);
    assert.deepEqual(pages, ['/v2/_catalog?n=2', '/v2/_catalog?last=multi-docker&n=2', '/v2/_catalog?last=page%2Fa&n=2', '/v2/_catalog?last=page%2Fc&n=2', '/v2/_catalog?last=page%2Fe&n=2']);
    assert.deepEqual(repositories, ['multi', 'multi-docker', 'oci-app', 'page/a', 'page/b', 'page/c', 'page/d', 'page/e', 'team/docker-app']);
  });

  it('lists tags (Distribution 2.8 ignores n= for tags and answers in one page; see the proxy test for tag pages)', async () => {
    const tags: string[] = [];
    for await (const tag of client.tags({ registry: registry.host, repository: 'page/a' }, { pageSize: 2 })) tags.push(tag);
    assert.deepEqual(tags.sort(), ['latest', 't1', 't2', 't3', 't4', 't5']);
  });

  it('contacts no host but the registry, and the guard really refuses others', async () => {
    assert.deepEqual([...guard.origins], [registry.url]);
    await assert.rejects(client.resolve('docker.io/library/alpine:3.19'), (error: unknown) => {
      assert.ok(error instanceof RegistryNetworkError);
      assert.match(error.message, /^docker\.io\/library\/alpine:3\.19: GET https:\/\/registry-1\.docker\.io\/v2\/library\/alpine\/manifests\/3\.19: test dispatcher: refusing/);
      return true;
    });
  });
});
