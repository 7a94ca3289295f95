import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoDb, importPath, SCHEMA_VERSION } from '../../../src/vulndb/index.js';
import { BundleError, exportBundle } from '../../../src/vulndb/bundle.js';
import { pullDb, pushBundle, pushDb, VULNDB_ARTIFACT_TYPE, VULNDB_CONFIG_MEDIA_TYPE, VULNDB_LAYER_MEDIA_TYPE } from '../../../src/vulndb/oci-artifact.js';
import { DigestMismatchError, MediaType, RegistryClient, RegistryUnauthorizedError } from '../../../src/sources/registry/index.js';
import { buildImage, ImagePusher } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type GuardedDispatcher, type RunningRegistry } from '../../support/oci-registry.js';
import { dumpDb, packBundle, unpackBundle } from './support/bundle.js';
import { FIXTURES, tempDir } from './support/tmp.js';

const user = { username: 'mirror', password: 'a long registry password' };

describe('db push / db pull: the DB bundle as an OCI artifact through docker-registry', () => {
  let tmp: ReturnType<typeof tempDir>;
  let open: RunningRegistry;
  let authed: RunningRegistry;
  let guard: GuardedDispatcher;
  let original: string;
  let installed: string;
  let installedBytes: Buffer;

  before(async () => {
    tmp = tempDir('openhss-oci-db-');
    [open, authed] = await Promise.all([startRegistry(), startRegistry({ basicAuth: user })]);
    guard = loopbackOnlyDispatcher();
    original = join(tmp.dir, 'original', 'vulndb.sqlite');
    await importPath(original, FIXTURES, { now: () => new Date('2024-06-02T00:00:00Z') });
    installed = join(tmp.dir, 'installed', 'vulndb.sqlite');
    await buildDemoDb(installed);
    installedBytes = readFileSync(installed);
  });
  after(async () => {
    await guard?.close();
    await Promise.all([open?.stop(), authed?.stop()]);
    tmp?.cleanup();
  });

  const unchanged = () => {
    assert.ok(readFileSync(installed).equals(installedBytes), 'the installed DB is unchanged');
    assert.deepEqual(readdirSync(join(tmp.dir, 'installed')), ['vulndb.sqlite'], 'no temporary file is left');
  };

  it('round trip export → push → pull → import leaves a DB equal to the original; the manifest is an OCI artifact of openhss types', async () => {
    const bundle = join(tmp.dir, 'bundle.tar.gz');
    await exportBundle(original, bundle);
    const pushed = await pushBundle(bundle, `${open.host}/openhss/vulndb:1`, { dispatcher: guard.dispatcher, insecure: true });
    const target = join(tmp.dir, 'pulled', 'vulndb.sqlite');
    const pulled = await pullDb(`${open.host}/openhss/vulndb:1`, target, { dispatcher: guard.dispatcher, insecure: true });
    assert.deepEqual(dumpDb(target), dumpDb(original));
    assert.equal(pulled.digest, pushed.digest);

    const client = new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [open.host]: { insecure: true } } });
    const raw = await client.getRawManifest({ registry: open.host, repository: 'openhss/vulndb' }, '1', { accept: MediaType.ociManifest });
    const manifest = JSON.parse(raw.bytes.toString('utf8'));
    assert.equal(manifest.mediaType, MediaType.ociManifest);
    assert.equal(manifest.artifactType, VULNDB_ARTIFACT_TYPE);
    assert.equal(manifest.config.mediaType, VULNDB_CONFIG_MEDIA_TYPE);
    assert.deepEqual(manifest.layers.map((l: { mediaType: string }) => l.mediaType), [VULNDB_LAYER_MEDIA_TYPE]);
    const layer = manifest.layers[0];
    assert.equal(layer.digest, `sha256:${createHash('sha256').update(readFileSync(bundle)).digest('hex')}`, 'the layer is the exported file byte for byte');
    const config = JSON.parse((await client.readBlob({ registry: open.host, repository: 'openhss/vulndb' }, manifest.config, 1 << 20)).toString('utf8'));
    assert.equal(config.schemaVersion, SCHEMA_VERSION);
    assert.ok([...guard.origins].every((o) => o === open.url || o === authed.url));
  });

  it('uploads a large blob in PATCH chunks (Content-Range) and still round-trips', async () => {
    const from = guard.requests.length;
    await pushDb(original, `${open.host}/openhss/chunked:latest`, { dispatcher: guard.dispatcher, insecure: true, chunkBytes: 4096, workDir: tmp.dir });
    const methods = guard.requests.slice(from).map((r) => r.method);
    assert.ok(methods.filter((m) => m === 'PATCH').length >= 2, `chunked: ${methods.join(' ')}`);
    const target = join(tmp.dir, 'chunked', 'vulndb.sqlite');
    await pullDb(`${open.host}/openhss/chunked`, target, { dispatcher: guard.dispatcher, insecure: true });
    assert.deepEqual(dumpDb(target), dumpDb(original));
    // pushing the same bundle again uploads nothing new: HEAD finds both blobs
    await pushBundle(await exportOnce(), `${open.host}/openhss/chunked:once`, { dispatcher: guard.dispatcher, insecure: true });
    const again = guard.requests.length;
    await pushBundle(await exportOnce(), `${open.host}/openhss/chunked:again`, { dispatcher: guard.dispatcher, insecure: true });
    assert.deepEqual(guard.requests.slice(again).filter((r) => r.method !== 'HEAD').map((r) => r.method), ['PUT'], 'only the manifest is put');
  });

  it('with htpasswd auth: refused without or with wrong credentials, works with the right ones', async () => {
    const ref = `${authed.host}/private/vulndb:2024-06-02`;
    await assert.rejects(pushDb(original, ref, { dispatcher: guard.dispatcher, insecure: true, workDir: tmp.dir }), RegistryUnauthorizedError);
    await assert.rejects(pushDb(original, ref, { dispatcher: guard.dispatcher, insecure: true, workDir: tmp.dir, credentials: { ...user, password: 'wrong' } }), RegistryUnauthorizedError);
    await pushDb(original, ref, { dispatcher: guard.dispatcher, insecure: true, credentials: user, workDir: tmp.dir });
    await assert.rejects(pullDb(ref, installed, { dispatcher: guard.dispatcher, insecure: true }), RegistryUnauthorizedError);
    unchanged();
    const target = join(tmp.dir, 'authed', 'vulndb.sqlite');
    await pullDb(ref, target, { dispatcher: guard.dispatcher, insecure: true, credentials: user });
    assert.deepEqual(dumpDb(target), dumpDb(original));
  });

  it('refuses a DB of another schema version from its config, before downloading the bundle', async () => {
    const members = await unpackBundle(await exportOnce());
    const metadata = JSON.parse(members[0]!.data.toString('utf8'));
    metadata.schemaVersion = SCHEMA_VERSION + 1;
    const file = join(tmp.dir, 'future.tar.gz');
    await packBundle(file, [{ name: members[0]!.name, data: Buffer.from(JSON.stringify(metadata)) }, members[1]!]);
    const pushed = await pushBundle(file, `${open.host}/openhss/vulndb:future`, { dispatcher: guard.dispatcher, insecure: true });
    const from = guard.requests.length;
    await assert.rejects(pullDb(`${open.host}/openhss/vulndb:future`, installed, { dispatcher: guard.dispatcher, insecure: true }), (error: unknown) => {
      assert.ok(error instanceof BundleError);
      assert.match(error.message, new RegExp(`schema v${SCHEMA_VERSION + 1}; this openhss reads v${SCHEMA_VERSION}`));
      return true;
    });
    const blobGets = guard.requests.slice(from).filter((r) => r.path.includes('/blobs/'));
    assert.equal(blobGets.length, 1, 'only the config blob is fetched');
    assert.ok(pushed.bundleBytes > 0);
    unchanged();
  });

  it('refuses a bundle whose bytes were altered in the registry\'s storage', async () => {
    const pushed = await pushDb(original, `${open.host}/openhss/vulndb:tampered`, { dispatcher: guard.dispatcher, insecure: true, workDir: tmp.dir });
    const client = new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [open.host]: { insecure: true } } });
    const raw = await client.getRawManifest({ registry: open.host, repository: 'openhss/vulndb' }, pushed.digest, { accept: MediaType.ociManifest });
    const hex = (JSON.parse(raw.bytes.toString('utf8')).layers[0].digest as string).slice('sha256:'.length);
    const blob = join(open.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(blob);
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0x01;
    writeFileSync(blob, bytes);
    await assert.rejects(pullDb(`${open.host}/openhss/vulndb:tampered`, installed, { dispatcher: guard.dispatcher, insecure: true }), DigestMismatchError);
    unchanged();
  });

  it('refuses a tag that is a container image, not a DB artifact', async () => {
    const image = await buildImage({ layers: [{ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n' }] });
    await new ImagePusher(guard.dispatcher, open.url).pushImage('openhss/vulndb', 'image', image);
    await assert.rejects(pullDb(`${open.host}/openhss/vulndb:image`, installed, { dispatcher: guard.dispatcher, insecure: true }), /not an openhss vulnerability DB artifact/);
    unchanged();
  });

  let exported: string | undefined;
  async function exportOnce(): Promise<string> {
    exported ??= (await exportBundle(original, join(tmp.dir, 'once.tar.gz'))).file;
    return exported;
  }
});
