import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { collectInventory } from '../../../src/agent/client/collect.js';
import { inventoryHash, type InventoryUpload } from '../../../src/agent/protocol.js';
import { makeDebianRoot, OPENSSL_VERSION, setOpensslVersion } from '../../support/agent-fixture-root.js';

const run = promisify(execFile);
const repo = new URL('../../../', import.meta.url).pathname;

describe('collectInventory', () => {
  it('inventories the dpkg packages and the OS of a root file system', async () => {
    const root = makeDebianRoot();
    const upload = await collectInventory({ root, now: () => 1_700_000_000_000 });
    assert.deepEqual(upload.os, { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
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
