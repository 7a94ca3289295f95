import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { scanLayers, type LayerSource } from '../../../src/scan/inventory-scan.js';
import { FileLayerCache } from '../../../src/scan/layer-cache.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { makeTar, type TarEntry } from '../../support/tar.js';

async function gzLayer(entries: TarEntry[]): Promise<{ digest: string; bytes: Buffer }> {
  const bytes = gzipSync(await makeTar(entries));
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
}

const status = (version: string) => `Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`;

describe('scanLayers', () => {
  it('analyses each layer once, then serves re-scans from the cache without opening a layer', async () => {
    const base = await gzLayer([
      { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
      { name: 'var/lib/dpkg/status', content: status('3.0.11-1~deb12u1') },
    ]);
    const update = await gzLayer([{ name: 'var/lib/dpkg/status', content: status('3.0.11-1~deb12u2') }]);
    const opened: string[] = [];
    const sources: LayerSource[] = [base, update].map((l) => ({
      digest: l.digest,
      open: async () => {
        opened.push(l.digest);
        return Readable.from([l.bytes]);
      },
    }));
    const dir = mkdtempSync(join(tmpdir(), 'openhss-cache-'));
    const cache = new FileLayerCache(dir, analyzers);
    const cold = await scanLayers(sources, { analyzers, cache });
    assert.deepEqual(cold.layers.map((l) => l.cached), [false, false]);
    assert.deepEqual(cold.inventory.os, { id: 'debian', versionId: '12' });
    assert.deepEqual(cold.inventory.packages.map((p) => [p.name, p.version]), [['openssl', '3.0.11-1~deb12u2']]);
    assert.equal(readdirSync(dir).length, 2);

    opened.length = 0;
    const warm = await scanLayers(sources, { analyzers, cache });
    assert.deepEqual(opened, [], 'no layer was opened');
    assert.deepEqual(warm.layers.map((l) => l.cached), [true, true]);
    assert.deepEqual(warm.inventory, cold.inventory);

    const otherSet = new FileLayerCache(dir, analyzers.slice(0, 2));
    const changed = await scanLayers(sources, { analyzers: analyzers.slice(0, 2), cache: otherSet });
    assert.deepEqual(changed.layers.map((l) => l.cached), [false, false], 'another analyzer set does not reuse the entries');
  });

  it('fails the scan on a bad layer and caches nothing for it', async () => {
    const good = await gzLayer([{ name: 'var/lib/dpkg/status', content: status('1') }]);
    const dir = mkdtempSync(join(tmpdir(), 'openhss-cache-'));
    const cache = new FileLayerCache(dir, analyzers);
    const broken: LayerSource = { digest: `sha256:${'0'.repeat(64)}`, open: async () => Readable.from([good.bytes.subarray(0, 20)]) };
    await assert.rejects(scanLayers([broken], { analyzers, cache }), /layer is truncated or corrupt/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('keeps layer order when layers finish out of order', async () => {
    const layers = await Promise.all(['1', '2', '3', '4'].map((v) => gzLayer([{ name: 'var/lib/dpkg/status', content: status(v) }])));
    const sources: LayerSource[] = layers.map((l, i) => ({
      digest: l.digest,
      open: async () => {
        await new Promise((r) => setTimeout(r, (4 - i) * 20));
        return Readable.from([l.bytes]);
      },
    }));
    const result = await scanLayers(sources, { analyzers, concurrency: 4 });
    assert.deepEqual(result.inventory.packages.map((p) => p.version), ['4'], 'the top layer wins');
  });
});
