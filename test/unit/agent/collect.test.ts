import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { collectInventory } from '../../../src/agent/client/collect.js';
import { skippedMounts } from '../../../src/sources/rootfs/mounts.js';
import { nodeRootfsFs, type RootfsFs } from '../../../src/sources/rootfs/read-rootfs.js';
import { inventoryHash, type InventoryUpload } from '../../../src/agent/protocol.js';
import { makeDebianRoot, OPENSSL_VERSION, setOpensslVersion } from '../../support/agent-fixture-root.js';

const run = promisify(execFile);

const repo = new URL('../../../', import.meta.url).pathname;

describe('collectInventory', () => {
  it('inventories the dpkg packages and the OS of a root file system', async () => {
    const root = makeDebianRoot();
    const upload = await collectInventory({ root, now: () => 1_700_000_000_000 });
    assert.deepEqual(upload.os, { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', version: '12 (bookworm)' });
    const packages = upload.packages.map((p) => (p.type === 'deb' ? [p.name, p.version, p.source.name, p.architecture] : [p.type, p.name]));
    assert.deepEqual(
      packages.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['libssl3', OPENSSL_VERSION, 'openssl', 'amd64'],
        ['openssl', OPENSSL_VERSION, 'openssl', 'amd64'],
        ['zlib1g', '1:1.2.13.dfsg-1', 'zlib', 'amd64'],
      ],
    );
    assert.equal(upload.collected_at, 1_700_000_000_000);
    assert.deepEqual(upload.warnings, []);
    assert.equal(upload.command_id, undefined);
    assert.equal(upload.content_hash, inventoryHash({ os: upload.os, packages: upload.packages }));
    assert.match(upload.content_hash, /^[0-9a-f]{64}$/);
  });

  it('gives the same hash for the same content, and a new one when a package version changes', async () => {
    const root = makeDebianRoot();
    const first = await collectInventory({ root, now: () => 1 });
    const second = await collectInventory({ root, now: () => 2 });
    assert.equal(second.content_hash, first.content_hash, 'collected_at is not part of the hash');
    setOpensslVersion(root, '3.0.13-1~deb12u1');
    const upgraded = await collectInventory({ root });
    assert.notEqual(upgraded.content_hash, first.content_hash);
    assert.equal(upgraded.packages.find((p) => p.name === 'openssl')?.version, '3.0.13-1~deb12u1');
  });

  it('skips the default and the extra excluded directories', async () => {
    const root = makeDebianRoot();
    // An installed npm module is found anywhere in the tree, so it shows whether a directory was walked.
    const nested = (dir: string) => {
      mkdirSync(join(root, dir, 'node_modules/ghost'), { recursive: true });
      writeFileSync(join(root, dir, 'node_modules/ghost/package.json'), JSON.stringify({ name: 'ghost', version: '1.0.0' }));
    };
    nested('tmp/app');
    nested('srv/app');
    const withExtra = await collectInventory({ root, excludes: ['/srv/app/'] });
    assert.ok(!withExtra.packages.some((p) => p.name === 'ghost'));
    const withoutExtra = await collectInventory({ root });
    assert.deepEqual(
      withoutExtra.packages.filter((p) => p.name === 'ghost').map((p) => p.location.path),
      ['srv/app/node_modules/ghost/package.json'],
      'tmp/ is excluded by default',
    );
  });
});

/** An installed npm module, found anywhere in the tree: it shows whether a directory was walked. */
function npmModule(root: string, dir: string, name: string): void {
  mkdirSync(join(root, dir, 'node_modules', name), { recursive: true });
  writeFileSync(join(root, dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
}

describe('collectInventory on a real machine', () => {
  it('skips a directory whose listing fails (EINVAL), names it, counts it and carries on', async () => {
    const root = makeDebianRoot();
    npmModule(root, 'srv/broken', 'lost');
    npmModule(root, 'srv/fine', 'kept');
    const broken = join(root, 'srv/broken');
    // A file system whose listing of srv/broken fails as a damaged one does.
    const fs: RootfsFs = {
      ...nodeRootfsFs,
      readdir(path) {
        if (path === broken) throw Object.assign(new Error(`EINVAL: invalid argument, readdir '${path}'`), { code: 'EINVAL' });
        return nodeRootfsFs.readdir(path);
      },
    };
    const skipped: string[] = [];
    const upload = await collectInventory({ root, fs, onSkip: (path) => skipped.push(path) });
    assert.deepEqual(skipped, ['srv/broken']);
    assert.equal(upload.skipped_paths, 1);
    assert.ok(upload.warnings.some((w) => w.includes('srv/broken') && w.includes('EINVAL')), upload.warnings.join('\n'));
    assert.ok(upload.packages.some((p) => p.name === 'kept'), 'the rest of the tree is inventoried');
    assert.ok(upload.packages.some((p) => p.name === 'openssl'));
  });

  it('stays out of pseudo, network and overlay mounts, and out of the agent state dir', async () => {
    const root = makeDebianRoot();
    for (const dir of ['srv/nfs', 'srv/sshfs', 'srv/containers/merged', 'srv/disk', 'var/lib/openhss-agent/cache', 'opt/my proc']) npmModule(root, dir, dir.replace(/[^a-z]/g, '-'));
    const mountinfo = [
      `22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw`,
      `30 22 0:25 / ${root}/srv/nfs rw shared:2 - nfs4 server:/export rw`,
      `31 22 0:26 / ${root}/srv/sshfs rw shared:3 - fuse.sshfs me@host:/ rw`,
      `32 22 0:27 / ${root}/srv/containers/merged rw shared:4 - overlay overlay rw,lowerdir=/a`,
      `33 22 8:17 / ${root}/srv/disk rw shared:5 - ext4 /dev/sdb1 rw`,
      `34 22 0:5 / ${root.replace(/ /g, '\\040')}/opt/my\\040proc rw - proc proc rw`,
      `35 22 0:5 / /elsewhere rw - proc proc rw`,
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'openhss-mountinfo-'));
    writeFileSync(join(dir, 'mountinfo'), mountinfo);
    assert.deepEqual(skippedMounts(mountinfo, root), ['srv/nfs', 'srv/sshfs', 'srv/containers/merged', 'opt/my proc']);
    const upload = await collectInventory({ root, mountinfoFile: join(dir, 'mountinfo'), stateDir: join(root, 'var/lib/openhss-agent') });
    assert.deepEqual(
      upload.packages.filter((p) => p.type === 'npm').map((p) => p.location.path),
      ['srv/disk/node_modules/srv-disk/package.json'],
      'only the local disk is walked',
    );
    assert.equal(upload.skipped_paths, 0);
  });
});

describe('openhss agent --once', () => {
  it('prints the upload it would send, without any server', async () => {
    const root = makeDebianRoot();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--once', '--root', root], { cwd: repo });
    const upload = JSON.parse(stdout) as InventoryUpload;
    assert.equal(upload.os?.id, 'debian');
    assert.equal(upload.os?.versionId, '12');
    assert.deepEqual(upload.packages.map((p) => p.name).sort(), ['libssl3', 'openssl', 'zlib1g']);
    assert.equal(upload.content_hash, inventoryHash({ os: upload.os, packages: upload.packages }));
    assert.ok(stdout.includes('\n  "os"'), 'pretty-printed');
    const again = JSON.parse((await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--once', '--root', root], { cwd: repo })).stdout) as InventoryUpload;
    assert.equal(again.content_hash, upload.content_hash);
  });

  it('wants --server when not --once', async () => {
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--root', makeDebianRoot()], { cwd: repo }), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? '', /--server URL is required/);
      return true;
    });
  });
});
