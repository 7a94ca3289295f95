import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRootfs } from '../../../src/sources/rootfs/read-rootfs.js';
import { analyzeLayer, mergeLayers } from '../../../src/inventory/layers.js';
import { analyzers } from '../../../src/inventory/registry.js';

const wanted = (path: string) => analyzers.some((a) => a.required(path));

function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'openhss-rootfs-'));
  const put = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  put('usr/lib/os-release', 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  mkdirSync(join(root, 'etc'), { recursive: true });
  symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'));
  symlinkSync('../../../../../etc/shadow', join(root, 'etc/escape'));
  put('var/lib/dpkg/status', 'Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u2\n');
  put('proc/1/var/lib/dpkg/status', 'Package: ghost\nStatus: install ok installed\nVersion: 1\n');
  put('usr/share/doc/readme', 'not wanted');
  return root;
}

describe('readRootfs', () => {
  it('reads the wanted files of a root file system, recording links without following them', async () => {
    const root = makeRoot();
    const contents = await readRootfs(root, wanted);
    assert.deepEqual([...contents.files.keys()].sort(), ['usr/lib/os-release', 'var/lib/dpkg/status']);
    assert.deepEqual([...contents.symlinks], [['etc/os-release', 'usr/lib/os-release']]);
    assert.equal(contents.warnings.length, 1);
    assert.match(contents.warnings[0]!, /etc\/escape: symbolic link to .* leaves the root/);
    const inventory = mergeLayers([await analyzeLayer('rootfs', contents, analyzers)]);
    assert.deepEqual(inventory.os, { id: 'debian', versionId: '12', codename: 'bookworm' });
    assert.deepEqual(inventory.packages.map((p) => p.name), ['openssl'], 'proc/ is never read');
  });

  it('does not read a wanted path that is a link to outside the root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'openhss-rootfs-'));
    const outside = mkdtempSync(join(tmpdir(), 'openhss-outside-'));
    writeFileSync(join(outside, 'status'), 'Package: stolen\nStatus: install ok installed\nVersion: 1\n');
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    symlinkSync(join(outside, 'status'), join(root, 'var/lib/dpkg/status'));
    const contents = await readRootfs(root, wanted);
    assert.equal(contents.files.size, 0);
  });
});
