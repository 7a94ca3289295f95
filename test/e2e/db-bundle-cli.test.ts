import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPath } from '../../src/vulndb/index.js';
import { startRegistry, type RunningRegistry } from '../support/oci-registry.js';
import { CLI } from '../support/server-process.js';
import { dumpDb } from '../medium/vulndb/support/bundle.js';
import { FIXTURES, tempDir } from '../medium/vulndb/support/tmp.js';

/** Runs the built CLI with `input` on stdin; resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('openhss db export / import / push / pull (the built CLI)', { timeout: 120_000 }, () => {
  const user = { username: 'airgap', password: 'pushed through stdin' };
  let tmp: ReturnType<typeof tempDir>;
  let registry: RunningRegistry;
  let original: string;
  before(async () => {
    tmp = tempDir('openhss-db-bundle-cli-');
    registry = await startRegistry({ basicAuth: user });
    original = join(tmp.dir, 'outside', 'vulndb.sqlite');
    await importPath(original, FIXTURES);
  });
  after(async () => {
    await registry?.stop();
    tmp?.cleanup();
  });

  it('export then import on another site installs the same DB; db import still tells feed files from a bundle', async () => {
    const bundle = join(tmp.dir, 'vulndb.tar.gz');
    const exported = await cli(['db', 'export', bundle, '--db', original], { HOME: tmp.dir });
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /^wrote .*vulndb\.tar\.gz \(\d+ bytes, sha256 [0-9a-f]{64}\): schema v\d+, built /);
    const inside = join(tmp.dir, 'inside');
    const imported = await cli(['db', 'import', bundle], { HOME: tmp.dir, OPENHSS_DATA_DIR: inside });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^installed .*vulndb\.sqlite: schema v\d+/);
    assert.deepEqual(dumpDb(join(inside, 'vulndb.sqlite')), dumpDb(original));

    const bytes = readFileSync(bundle);
    const cut = join(tmp.dir, 'cut.tar.gz');
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const refused = await cli(['db', 'import', cut], { HOME: tmp.dir, OPENHSS_DATA_DIR: inside });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr.trim(), /^openhss db import: cut\.tar\.gz is truncated or corrupt \(.*\); the installed DB is unchanged$/);
    assert.deepEqual(dumpDb(join(inside, 'vulndb.sqlite')), dumpDb(original));

    const feeds = await cli(['db', 'import', join(FIXTURES, 'kev.json')], { HOME: tmp.dir, OPENHSS_DATA_DIR: join(tmp.dir, 'feeds') });
    assert.equal(feeds.code, 0, feeds.stderr);
    assert.equal(JSON.parse(feeds.stdout).feeds[0].feed, 'kev');
  });

  it('push with --username/--password-stdin --insecure, pull elsewhere: the same DB; a wrong password is one line', async () => {
    const ref = `${registry.host}/mirror/openhss-db:2`;
    const denied = await cli(['db', 'push', ref, '--db', original, '--insecure', '--username', user.username, '--password-stdin'], { HOME: tmp.dir }, 'wrong\n');
    assert.equal(denied.code, 1);
    assert.match(denied.stderr.trim(), /^openhss db push: .*refused the configured credentials/);
    assert.doesNotMatch(denied.stderr, /wrong|\n\s+at /);

    const pushed = await cli(['db', 'push', ref, '--db', original, '--insecure', '--username', user.username, '--password-stdin'], { HOME: tmp.dir }, `${user.password}\n`);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, new RegExp(`^pushed ${registry.host}/mirror/openhss-db:2 \\(sha256:[0-9a-f]{64}, \\d+ bytes\\)`));

    const site = join(tmp.dir, 'pulled');
    const pulled = await cli(['db', 'pull', ref, '--insecure', '--username', user.username, '--password-stdin'], { HOME: tmp.dir, OPENHSS_DATA_DIR: site }, user.password);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.deepEqual(dumpDb(join(site, 'vulndb.sqlite')), dumpDb(original));
  });
});
