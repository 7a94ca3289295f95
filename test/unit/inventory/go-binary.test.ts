import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { analyzeStreaming, mergeLayers } from '../../../src/inventory/layers.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { scanLayers } from '../../../src/scan/inventory-scan.js';
import { readRootfs } from '../../../src/sources/rootfs/read-rootfs.js';
import { makeTar } from '../../support/tar.js';
import { goBinaryAnalyzer, parseGoBuildInfo } from '../../../src/inventory/lang/go-binary.js';
import { buildGoBinary } from '../../support/go-binary.js';

describe('Go binary analyzer', () => {
  const { binary, goVersion } = buildGoBinary();
  const content = readFileSync(binary);

  it('reads the Go release and the module versions a real binary was built with, as `go version -m` does', () => {
    const info = parseGoBuildInfo(content);
    assert.ok(info);
    assert.equal(info.goVersion, goVersion);
    assert.deepEqual(info.main, { path: 'example.com/app', version: '(devel)' });
    assert.deepEqual(info.deps, [{ path: 'example.com/lib', version: 'v1.2.3' }]);
    // The Go toolchain itself as the oracle.
    const reported = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
    assert.match(reported, /\tdep\texample\.com\/lib\tv1\.2\.3/);
  });

  it('reports the dependency and the standard library, not the (devel) main module', () => {
    const mode = statSync(binary).mode & 0o7777;
    assert.equal(goBinaryAnalyzer.required('usr/local/bin/app', { mode, size: content.length }), true);
    assert.equal(goBinaryAnalyzer.required('usr/local/bin/app', { mode: 0o644, size: content.length }), false, 'not executable');
    assert.equal(goBinaryAnalyzer.required('usr/local/bin/app'), false, 'no mode known');
    const result = goBinaryAnalyzer.analyze({ path: 'usr/local/bin/app', content, layerDigest: 'sha256:l' });
    assert.deepEqual(
      result.packages.map((p) => `${p.type}:${p.name}@${p.version}`),
      [`go:stdlib@${goVersion.replace(/^go/, '')}`, 'go:example.com/lib@v1.2.3'],
    );
  });

  it('ignores executables that are not Go binaries, and scripts', () => {
    assert.deepEqual(goBinaryAnalyzer.analyze({ path: 'bin/ls', content: readFileSync('/bin/ls') }).packages, []);
    assert.deepEqual(goBinaryAnalyzer.analyze({ path: 'bin/run.sh', content: Buffer.from('#!/bin/sh\necho \xff Go buildinf:\n', 'latin1') }).packages, []);
  });

  it('survives a truncated binary', () => {
    const at = content.indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
    assert.ok(at > 0);
    assert.deepEqual(goBinaryAnalyzer.analyze({ path: 'x', content: content.subarray(0, at + 40) }).packages.length <= 1, true);
  });

  it('finds a Go binary in an image layer (by the tar mode) and in a root file system (by lstat), through the streaming scan', async () => {
    const tar = gzipSync(await makeTar([
      { name: 'usr/local/bin/app', content, mode: 0o755 },
      { name: 'usr/local/share/app-copy', content, mode: 0o644 },
    ]));
    const { inventory } = await scanLayers([{ digest: 'sha256:' + '1'.repeat(64), open: async () => Readable.from([tar]) }], { analyzers });
    assert.deepEqual(inventory.packages.map((p) => `${p.name}@${p.version}:${p.location.path}`).sort(), [
      'example.com/lib@v1.2.3:usr/local/bin/app',
      `stdlib@${goVersion.replace(/^go/, '')}:usr/local/bin/app`,
    ]);
    const root = mkdtempSync(join(tmpdir(), 'openhss-go-root-'));
    mkdirSync(join(root, 'opt'));
    copyFileSync(binary, join(root, 'opt', 'app'));
    chmodSync(join(root, 'opt', 'app'), 0o755);
    const layer = await analyzeStreaming('rootfs', (wanted, sink) => readRootfs(root, wanted, { sink }), analyzers);
    assert.ok(mergeLayers([layer]).packages.some((p) => p.name === 'example.com/lib'));
  });
});
