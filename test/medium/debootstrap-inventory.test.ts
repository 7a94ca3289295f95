import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readRootfs } from '../../src/sources/rootfs/read-rootfs.js';
import { analyzeLayer, mergeLayers } from '../../src/inventory/layers.js';
import { analyzers } from '../../src/inventory/registry.js';
import { debootstrapBookworm } from '../support/debootstrap.js';

describe('inventory of a real Debian 12 root file system (debootstrap)', () => {
  it('finds Debian 12 and exactly the packages dpkg itself reports, with their source packages', async () => {
    const root = await debootstrapBookworm();
    const contents = await readRootfs(root, (path) => analyzers.some((a) => a.required(path)));
    const inventory = mergeLayers([await analyzeLayer('rootfs', contents, analyzers)]);
    assert.equal(inventory.os?.id, 'debian');
    assert.equal(inventory.os?.versionId, '12');
    assert.equal(inventory.os?.codename, 'bookworm');
    const expected = execFileSync('dpkg-query', [`--admindir=${join(root, 'var/lib/dpkg')}`, '-W', '-f', '${Package} ${Version} ${source:Package} ${source:Version}\\n'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();
    const found = inventory.packages.map((p) => (p.type === 'deb' ? `${p.name} ${p.version} ${p.source.name} ${p.source.version}` : `${p.type} ${p.name}`)).sort();
    assert.deepEqual(found, expected);
    assert.ok(found.length > 80, `${found.length} packages`);
  });
});
