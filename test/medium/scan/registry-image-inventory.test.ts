import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../../src/sources/registry/client.js';
import { registryImage } from '../../../src/sources/image/registry-image.js';
import { scanLayers } from '../../../src/scan/inventory-scan.js';
import { FileLayerCache } from '../../../src/scan/layer-cache.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { buildImage, ImagePusher } from '../../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type GuardedDispatcher, type RunningRegistry } from '../../support/oci-registry.js';

const status = (...pkgs: Array<[string, string, string]>) =>
  pkgs.map(([name, version, source]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nSource: ${source}\nVersion: ${version}\n`).join('\n');

describe('inventory of an image pulled from a real registry', () => {
  let registry: RunningRegistry;
  let guard: GuardedDispatcher;
  let client: RegistryClient;

  before(async () => {
    registry = await startRegistry();
    guard = loopbackOnlyDispatcher();
    client = new RegistryClient({ dispatcher: guard.dispatcher, hosts: { [registry.host]: { insecure: true } } });
    const image = await buildImage({
      format: 'oci',
      layers: [
        { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', 'var/lib/dpkg/status': status(['libssl3', '3.0.11-1~deb12u1', 'openssl']) },
        { 'var/lib/dpkg/status': status(['libssl3', '3.0.11-1~deb12u2', 'openssl'], ['zlib1g', '1:1.2.13.dfsg-1', 'zlib (1:1.2.13.dfsg-1)']) },
        { 'app/node_modules/lodash/package.json': '{"name":"lodash","version":"4.17.20"}', 'app/requirements.txt': 'flask==1.0.2\n' },
      ],
    });
    await new ImagePusher(guard.dispatcher, registry.url).pushImage('team/app', 'v1', image);
  });
  after(async () => {
    await client.close();
    await guard.close();
    await registry.stop();
  });

  it('finds the OS, the top layer’s dpkg packages and the language packages; a re-scan downloads nothing', async () => {
    const cache = new FileLayerCache(mkdtempSync(join(tmpdir(), 'openhss-layer-cache-')), analyzers);
    const artifact = await registryImage(client, `${registry.host}/team/app:v1`);
    assert.equal(artifact.layers.length, 3);
    assert.equal(artifact.platform, 'linux/amd64');
    const cold = await scanLayers(artifact.layers, { analyzers, cache });
    assert.deepEqual(cold.inventory.os, { id: 'debian', versionId: '12', codename: 'bookworm' });
    assert.deepEqual(
      cold.inventory.packages.map((p) => `${p.type}:${p.name}@${p.version}`).sort(),
      ['deb:libssl3@3.0.11-1~deb12u2', 'deb:zlib1g@1:1.2.13.dfsg-1', 'npm:lodash@4.17.20', 'pypi:flask@1.0.2'],
    );
    const lodash = cold.inventory.packages.find((p) => p.name === 'lodash')!;
    assert.equal(lodash.location.layerDigest, artifact.layers[2]!.digest, 'each package records the layer it came from');

    const layerDigests = artifact.layers.map((l) => l.digest);
    const blobRequests = () => guard.requests.filter((r) => layerDigests.some((d) => r.path.endsWith(`/blobs/${d}`))).length;
    const before = blobRequests();
    const warm = await scanLayers((await registryImage(client, `${registry.host}/team/app:v1`)).layers, { analyzers, cache });
    assert.equal(blobRequests(), before, 'no layer was fetched again (only the manifest and config)');
    assert.deepEqual(warm.layers.map((l) => l.cached), [true, true, true]);
    assert.deepEqual(warm.inventory, cold.inventory);
  });
});
