import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { legacyDockerSave, writeImageLayout } from '../support/archives.js';
import { buildImage, ImagePusher } from '../support/oci-images.js';
import { loopbackOnlyDispatcher, startRegistry, type GuardedDispatcher, type RunningRegistry } from '../support/oci-registry.js';
import { CLI } from '../support/server-process.js';

const glibcImage = () =>
  buildImage({
    format: 'oci',
    layers: [
      {
        'etc/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
        'var/lib/dpkg/status': 'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\n',
      },
    ],
  });

describe('openhss scan image against a real registry (the built CLI, demo DB)', () => {
  let open: RunningRegistry;
  let locked: RunningRegistry;
  let guard: GuardedDispatcher;
  const dataDir = mkdtempSync(join(tmpdir(), 'openhss-scan-image-'));
  const cli = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', HOME: dataDir, OPENHSS_DATA_DIR: dataDir } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input ?? '');
    });

  before(async () => {
    open = await startRegistry();
    locked = await startRegistry({ basicAuth: { username: 'ci', password: 'ci-secret' } });
    guard = loopbackOnlyDispatcher();
    const image = await glibcImage();
    await new ImagePusher(guard.dispatcher, open.url).pushImage('team/app', 'v1', image);
    await new ImagePusher(guard.dispatcher, locked.url, { username: 'ci', password: 'ci-secret' }).pushImage('team/app', 'v1', image);
  });
  after(async () => {
    await guard.close();
    await open.stop();
    await locked.stop();
  });

  it('pulls, analyses and matches an image, then re-scans it from the layer cache', async () => {
    const first = await cli(['scan', 'image', `${open.host}/team/app:v1`, '--insecure-registry', open.host, '--format', 'json']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /built the small demo DB/);
    const report = JSON.parse(first.stdout) as { artifact: { kind: string; digest: string }; findings: Array<{ id: string; knownExploited: boolean; location: { layerDigest?: string } }> };
    assert.equal(report.artifact.kind, 'image');
    assert.match(report.artifact.digest, /^sha256:[0-9a-f]{64}$/);
    const looney = report.findings.find((f) => f.id === 'CVE-2023-4911');
    assert.ok(looney, 'the demo DB knows glibc CVE-2023-4911');
    assert.equal(looney.knownExploited, true);
    assert.match(looney.location.layerDigest ?? '', /^sha256:/);
    assert.equal(readdirSync(join(dataDir, 'cache', 'layers')).length, 1, 'the layer analysis was cached');
    const again = await cli(['scan', 'image', `${open.host}/team/app:v1`, '--insecure-registry', open.host, '--format', 'json', '--quiet']);
    assert.deepEqual(JSON.parse(again.stdout).findings, report.findings);
  });

  it('authenticates with --username and --password-stdin, and fails clearly without them', async () => {
    const denied = await cli(['scan', 'image', `${locked.host}/team/app:v1`, '--insecure-registry', locked.host, '--quiet']);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /unauthorized|authentication/i);
    const ok = await cli(['scan', 'image', `${locked.host}/team/app:v1`, '--insecure-registry', locked.host, '--username', 'ci', '--password-stdin', '--quiet', '--exit-code', '5'], 'ci-secret\n');
    assert.equal(ok.code, 5, ok.stderr);
    assert.match(ok.stdout, /CVE-2023-4911/);
    assert.ok(!ok.stderr.includes('ci-secret'));
  });

  it('reports a missing image and an unreachable registry with a reason and exit code 2', async () => {
    const missing = await cli(['scan', 'image', `${open.host}/team/nothing:v1`, '--insecure-registry', open.host, '--quiet']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /not found|unknown/i);
  });

  it('scans a docker save tarball (--archive) and an OCI layout directory (--oci) the same way', async () => {
    const image = await glibcImage();
    const layout = mkdtempSync(join(tmpdir(), 'openhss-oci-layout-'));
    writeImageLayout(layout, image, 'v1');
    const save = join(layout, '..', `${Date.now()}-save.tar`);
    writeFileSync(save, await legacyDockerSave(image, 'team/app:v1'));
    for (const args of [['--oci', layout], ['--archive', save]]) {
      const result = await cli(['scan', 'image', ...args, '--format', 'json', '--quiet']);
      assert.equal(result.code, 0, result.stderr);
      assert.ok((JSON.parse(result.stdout) as { findings: Array<{ id: string }> }).findings.some((f) => f.id === 'CVE-2023-4911'), args.join(' '));
    }
    const both = await cli(['scan', 'image', `${open.host}/team/app:v1`, '--oci', layout, '--quiet']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /name exactly one image/);
  });
});
