import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { analyzeStreaming, mergeLayers } from '../../../src/inventory/layers.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { scanLayers } from '../../../src/scan/inventory-scan.js';
import { nodeRootfsFs, readRootfs, type RootfsFs } from '../../../src/sources/rootfs/read-rootfs.js';
import { bufferFile } from '../../../src/sources/random-access.js';
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

  describe('on a disk, by positional reads', () => {
    const MiB = 1024 * 1024;
    /** A root with a big Go binary, a big executable that is not Go, and other files; every read and stat through a counting fs. */
    function countingRoot() {
      const root = mkdtempSync(join(tmpdir(), 'openhss-go-bounded-'));
      mkdirSync(join(root, 'opt/bin'), { recursive: true });
      mkdirSync(join(root, 'usr/lib/python3/dist-packages'), { recursive: true });
      // Padding after the last section keeps both valid ELF files (`go version -m` still reads the Go one) and makes them big.
      writeFileSync(join(root, 'opt/bin/app'), Buffer.concat([content, Buffer.alloc(48 * MiB)]));
      writeFileSync(join(root, 'opt/bin/tool'), Buffer.concat([readFileSync('/bin/ls'), Buffer.alloc(48 * MiB)]));
      writeFileSync(join(root, 'usr/lib/python3/dist-packages/big.py'), Buffer.alloc(2 * MiB));
      for (const f of ['opt/bin/app', 'opt/bin/tool', 'usr/lib/python3/dist-packages/big.py']) chmodSync(join(root, f), 0o755);
      const counted = { bytesRead: 0 };
      const statted: string[] = [];
      const fs: RootfsFs = {
        ...nodeRootfsFs,
        lstat(path) {
          statted.push(path.slice(root.length + 1));
          return nodeRootfsFs.lstat(path);
        },
        read(fd, buffer, position) {
          const n = nodeRootfsFs.read(fd, buffer, position);
          counted.bytesRead += n;
          return n;
        },
      };
      return { root, fs, counted, statted };
    }

    it('reads a few kilobytes of a 50 MiB Go binary and of a 50 MiB executable that is not Go, and finds the same modules', async () => {
      const { root, fs, counted, statted } = countingRoot();
      const perFile: number[] = [];
      const layer = await analyzeStreaming('rootfs', (wanted, sink) => readRootfs(root, wanted, {
        fs,
        sink: async (path, file, info) => {
          const before = counted.bytesRead;
          await sink(path, file, info);
          perFile.push(counted.bytesRead - before);
        },
      }), analyzers);
      assert.deepEqual(mergeLayers([layer]).packages.map((p) => `${p.name}@${p.version}:${p.location.path}`).sort(), [
        'example.com/lib@v1.2.3:opt/bin/app',
        `stdlib@${goVersion.replace(/^go/, '')}:opt/bin/app`,
      ]);
      // Both executables were handed over (two files), each read in a few kilobytes: headers, section table, names, the build-info section.
      assert.equal(perFile.length, 2);
      for (const bytes of perFile) assert.ok(bytes > 0 && bytes < 64 * 1024, `read ${bytes} bytes of a 50 MiB file`);
      // Only the candidates for the Go analyzer cost a stat: not the Python source, whatever its mode and size.
      assert.deepEqual(statted.sort(), ['opt/bin/app', 'opt/bin/tool']);
    });

    it('agrees with the whole-file search, and finds the build information of a binary without section headers (sstrip) in its data segment', async () => {
      const found = async (bytes: Buffer) => (await goBinaryAnalyzer.analyzeAt!({ path: 'app', file: bufferFile(bytes) })).packages.map((p) => `${p.name}@${p.version}`);
      const whole = goBinaryAnalyzer.analyze({ path: 'app', content }).packages.map((p) => `${p.name}@${p.version}`);
      assert.deepEqual(await found(content), whole);
      // ELF64: e_shoff at 0x28, e_shnum at 0x3c, e_shstrndx at 0x3e; zeroed, as sstrip leaves a binary.
      const stripped = Buffer.from(content);
      stripped.fill(0, 0x28, 0x30);
      stripped.fill(0, 0x3c, 0x40);
      assert.deepEqual(await found(stripped), whole);
      assert.deepEqual(await found(readFileSync('/bin/ls')), []);
      assert.deepEqual(await found(Buffer.from('#!/bin/sh\necho \xff Go buildinf:\n', 'latin1')), []);
      assert.deepEqual(await found(content.subarray(0, 200)), [], 'a truncated binary');
    });
  });
});
