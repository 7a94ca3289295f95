import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { walkLayer, LayerReadError } from '../../../src/sources/layers/walk-layer.js';
import { analyzeLayer, mergeLayers } from '../../../src/inventory/layers.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { makeTar } from '../../support/tar.js';

const wantAll = () => true;
const wantAnalyzed = (path: string) => analyzers.some((a) => a.required(path));
const stream = (buf: Buffer) => Readable.from([buf]);
const zstd = (buf: Buffer) => execFileSync('zstd', ['-q', '-c', '-19'], { input: buf, maxBuffer: 1024 ** 3 });
const status = (...pkgs: Array<[string, string]>) =>
  pkgs.map(([name, version]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`).join('\n');

describe('walkLayer', () => {
  it('reads gzip, zstd and uncompressed layers, keeping only the wanted files', async () => {
    const tar = await makeTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
      { name: 'usr/bin/big', content: Buffer.alloc(100_000, 1) },
      { name: './var/lib/dpkg/status', content: status(['bash', '5.2.15-2+b2']) },
    ]);
    for (const [compression, bytes] of [
      ['gzip', gzipSync(tar)],
      ['zstd', zstd(tar)],
      ['none', tar],
    ] as const) {
      const contents = await walkLayer(stream(bytes), wantAnalyzed);
      assert.equal(contents.compression, compression);
      assert.deepEqual([...contents.files.keys()].sort(), ['etc/os-release', 'var/lib/dpkg/status']);
      assert.deepEqual(contents.warnings, []);
    }
  });

  it('refuses entries whose paths leave the root, and symlinks pointing outside it, with warnings', async () => {
    const tar = await makeTar([
      { name: '../../etc/evil', content: 'x' },
      { name: 'a/../../escape', content: 'x' },
      { name: '/etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
      { name: 'etc/shadow-link', type: 'symlink', linkname: '../../../../etc/shadow' },
      { name: 'etc/ok-link', type: 'symlink', linkname: '/usr/lib/os-release' },
    ]);
    const contents = await walkLayer(stream(gzipSync(tar)), wantAll);
    assert.deepEqual([...contents.files.keys()], ['etc/os-release'], 'an absolute path is taken relative to the root');
    assert.equal(contents.warnings.length, 3);
    assert.match(contents.warnings[0]!, /\.\.\/\.\.\/etc\/evil: path leaves the image root/);
    assert.match(contents.warnings[2]!, /etc\/shadow-link: symbolic link to .* leaves the image root/);
    assert.deepEqual([...contents.symlinks], [['etc/ok-link', 'usr/lib/os-release']]);
  });

  it('stops a gzip bomb at the layer limit with a clear error', async () => {
    const bomb = gzipSync(await makeTar([{ name: 'zeros', content: Buffer.alloc(64 * 1024 * 1024) }]));
    assert.ok(bomb.length < 200_000, 'the bomb is small on the wire');
    await assert.rejects(walkLayer(stream(bomb), wantAll, { maxLayerBytes: 8 * 1024 * 1024, maxFileBytes: 1024 }), (err: Error) => {
      assert.ok(err instanceof LayerReadError);
      assert.match(err.message, /expands beyond the limit of 8388608 bytes \(possible decompression bomb\)/);
      return true;
    });
  });

  it('stops a zstd bomb the same way', async () => {
    const bomb = zstd(await makeTar([{ name: 'zeros', content: Buffer.alloc(32 * 1024 * 1024) }]));
    await assert.rejects(walkLayer(stream(bomb), wantAll, { maxLayerBytes: 4 * 1024 * 1024, maxFileBytes: 1024 }), /possible decompression bomb/);
  });

  it('skips a wanted file over the per-file limit with a warning', async () => {
    const tar = await makeTar([{ name: 'var/lib/dpkg/status', content: Buffer.alloc(5000, 65) }]);
    const contents = await walkLayer(stream(tar), wantAll, { maxLayerBytes: 1024 * 1024, maxFileBytes: 4096 });
    assert.equal(contents.files.size, 0);
    assert.match(contents.warnings[0]!, /5000 bytes is over the 4096-byte limit/);
  });

  it('fails a truncated gzip layer and a truncated tar layer with a reason', async () => {
    const tar = await makeTar([{ name: 'var/lib/dpkg/status', content: status(['a', '1']) }, { name: 'pad', content: Buffer.alloc(20_000, 7) }]);
    const gz = gzipSync(tar);
    await assert.rejects(walkLayer(stream(gz.subarray(0, gz.length - 200)), wantAll), /layer is truncated or corrupt/);
    await assert.rejects(walkLayer(stream(tar.subarray(0, 5000)), wantAll), /layer is truncated or corrupt/);
  });

  it('resolves a hard link to a file earlier in the same layer', async () => {
    const tar = await makeTar([
      { name: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
      { name: 'etc/os-release', type: 'link', linkname: 'usr/lib/os-release' },
    ]);
    const contents = await walkLayer(stream(tar), wantAnalyzed);
    assert.equal(contents.files.get('etc/os-release')?.toString(), 'ID=debian\nVERSION_ID="12"\n');
  });
});

describe('mergeLayers', () => {
  const layer = async (digest: string, entries: Parameters<typeof makeTar>[0]) => analyzeLayer(digest, await walkLayer(stream(gzipSync(await makeTar(entries))), wantAnalyzed), analyzers);

  it('takes the top-most copy of a file, and applies whiteouts and opaque directories to lower layers only', async () => {
    const base = await layer('sha256:base', [
      { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
      { name: 'var/lib/dpkg/status', content: status(['bash', '5.2.15-2+b2'], ['libc6', '2.36-9+deb12u4']) },
      { name: 'lib/apk/db/installed', content: 'P:stray\nV:1.0-r0\n' },
    ]);
    const upgrade = await layer('sha256:upgrade', [{ name: 'var/lib/dpkg/status', content: status(['bash', '5.2.15-2+b7'], ['libc6', '2.36-9+deb12u9']) }]);
    const cleanup = await layer('sha256:cleanup', [
      { name: 'lib/apk/db/.wh.installed', content: '' },
      { name: 'etc/.wh..wh..opq', content: '' },
      { name: 'etc/alpine-release', content: '3.19.1\n' },
    ]);
    const merged = mergeLayers([base, upgrade, cleanup]);
    assert.deepEqual(
      merged.packages.map((p) => [p.name, p.version, p.location.layerDigest]),
      [
        ['bash', '5.2.15-2+b7', 'sha256:upgrade'],
        ['libc6', '2.36-9+deb12u9', 'sha256:upgrade'],
      ],
    );
    assert.deepEqual(merged.os, { id: 'alpine', versionId: '3.19' }, 'the opaque etc/ hid os-release; the same layer added alpine-release');
    assert.deepEqual(mergeLayers([base, upgrade]).os, { id: 'debian', versionId: '12' });
    assert.equal(mergeLayers([base]).packages.length, 3);
  });

  it('forgets a whole directory whited out by a later layer', async () => {
    const base = await layer('sha256:a', [{ name: 'var/lib/dpkg/status', content: status(['x', '1']) }]);
    const removal = await layer('sha256:b', [{ name: 'var/lib/.wh.dpkg', content: '' }]);
    assert.deepEqual(mergeLayers([base, removal]).packages, []);
  });
});
