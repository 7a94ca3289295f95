/**
 * The agent's image enumerators against a fake Docker Engine API on a unix
 * socket (test/support/fake-docker-engine.ts): no Docker engine can run on
 * this machine (the docker CLI is here, but no daemon and no privileges to
 * start one), so the fake serves answers in the Engine API's shapes and
 * real `docker save` tarballs. Podman's API is tested for real in
 * podman-images.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, type BuiltImage } from '../../support/oci-images.js';
import { docker25Save, dpkgStatus, legacyDockerSave, writeImageLayout } from '../../support/archives.js';
import { ImageAnalyser } from '../../../src/agent/client/images/analyse-image.js';
import { engineImages } from '../../../src/agent/client/images/engine-images.js';
import { directoryImages } from '../../../src/agent/client/images/dir-images.js';
import { ImageCollector } from '../../../src/agent/client/images/collect-images.js';
import { splitRepoTag } from '../../../src/agent/client/images/image-names.js';
import { imageContentHash } from '../../../src/agent/image-content-hash.js';
import { engineContainerJson as containerJson, engineImageJson as imageJson, startFakeEngine, type FakeEngine } from '../../support/fake-docker-engine.js';

const OS = { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' };
const vulnerableDebian = () =>
  buildImage({ format: 'docker', layers: [{ ...OS, 'var/lib/dpkg/status': dpkgStatus(['libssl3', '3.0.11-1~deb12u1', 'openssl']) }, { 'app/node_modules/lodash/package.json': '{"name":"lodash","version":"4.17.11"}' }] });
const alpineLike = () => buildImage({ format: 'oci', layers: [{ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.1\n', 'lib/apk/db/installed': 'P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\no:musl\n\n' }] });

describe('agent image sources', () => {
  let work: string;
  let debian: BuiltImage;
  let alpine: BuiltImage;
  let engine: FakeEngine;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'openhss-image-sources-'));
    debian = await vulnerableDebian();
    alpine = await alpineLike();
    const repoDigest = `sha256:${'d'.repeat(64)}`;
    engine = await startFakeEngine(
      work,
      [
        { image: debian, json: imageJson(debian, { RepoTags: ['nginx:1.25', 'registry.local:5000/web/nginx:prod'], RepoDigests: [`nginx@${repoDigest}`] }), save: await docker25Save(debian, 'nginx:1.25') },
        // A dangling image, as `docker images` shows `<none>`; older engines put "<none>:<none>" in RepoTags.
        { image: alpine, json: imageJson(alpine, { RepoTags: ['<none>:<none>'], RepoDigests: null, Created: 1704153600, Size: 7_000_000 }), save: await legacyDockerSave(alpine, 'scratch:tmp') },
      ],
      [
        containerJson('c1'.padEnd(64, '0'), 'k8s_web_web-7f9c_default_uid-1_0', debian, {
          'io.kubernetes.pod.name': 'web-7f9c',
          'io.kubernetes.pod.namespace': 'default',
          'io.kubernetes.pod.uid': 'uid-1',
          'io.kubernetes.container.name': 'web',
        }),
        containerJson('c2'.padEnd(64, '0'), 'plain', debian),
        containerJson('c3'.padEnd(64, '0'), 'other', await buildImage({ layers: [{ 'x': 'y' }] })),
      ],
    );
  });
  after(async () => {
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists a Docker engine\'s images with their tags, digests, containers and pods, analysed locally', async () => {
    const analyser = new ImageAnalyser(join(work, 'state'));
    const result = await engineImages({ source: 'docker', socketPath: engine.socket, analyser, workDir: join(work, 'state', 'exports') });
    assert.deepEqual(result.warnings, []);
    assert.equal(result.images.length, 2);
    const nginx = result.images.find((i) => i.imageId === debian.config.digest)!;
    assert.deepEqual(nginx.tags, [
      { name: 'nginx', version: '1.25' },
      { name: 'registry.local:5000/web/nginx', version: 'prod' },
    ]);
    assert.equal(nginx.imageDigest, `sha256:${'d'.repeat(64)}`);
    assert.equal(nginx.size, 123_456_789);
    assert.equal(nginx.created, 1704067200_000);
    assert.equal(nginx.source, 'docker');
    assert.deepEqual(
      nginx.containers.map((c) => [c.name, c.pod_name, c.pod_id, c.namespace]),
      [
        ['k8s_web_web-7f9c_default_uid-1_0', 'web-7f9c', 'uid-1', 'default'],
        ['plain', '', '', ''],
      ],
    );
    assert.equal(nginx.inventory.os?.id, 'debian');
    assert.deepEqual(nginx.inventory.packages.map((p) => `${p.type}:${p.name}@${p.version}`).sort(), ['deb:libssl3@3.0.11-1~deb12u1', 'npm:lodash@4.17.11']);
    const dangling = result.images.find((i) => i.imageId === alpine.config.digest)!;
    assert.deepEqual(dangling.tags, [{ name: '<none>', version: '<none>' }]);
    assert.equal(dangling.imageDigest, alpine.config.digest, 'no repo digest: the image id');
    assert.equal(dangling.inventory.os?.id, 'alpine');
    assert.deepEqual(engine.exports.sort(), [alpine.config.digest, debian.config.digest].sort());
  });

  it('exports an image once: later reports reuse its cached inventory', async () => {
    const before = engine.exports.length;
    const analyser = new ImageAnalyser(join(work, 'state'));
    const again = await engineImages({ source: 'podman', socketPath: engine.socket, analyser, workDir: join(work, 'state', 'exports') });
    assert.equal(again.images.length, 2);
    assert.equal(engine.exports.length, before);
    assert.ok(again.images.every((i) => i.source === 'podman'));
  });

  it('an absent, dead or failing engine is a warning, not a failure', async () => {
    const analyser = new ImageAnalyser(join(work, 'state'));
    const workDir = join(work, 'state', 'exports');
    const absent = await engineImages({ source: 'podman', socketPath: join(work, 'nope.sock'), analyser, workDir });
    assert.deepEqual(absent.images, []);
    assert.match(absent.warnings[0]!, /podman: no API socket/);
    const deadPath = join(work, 'dead.sock');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(deadPath, r));
    // A stale socket file left behind by an engine that stopped.
    await new Promise((r) => dead.close(r));
    writeFileSync(deadPath, '');
    const stale = await engineImages({ source: 'docker', socketPath: deadPath, analyser, workDir });
    assert.deepEqual(stale.images, []);
    assert.match(stale.warnings[0]!, /docker: cannot reach the engine/);
    engine.fail = true;
    try {
      const failing = await engineImages({ source: 'docker', socketPath: engine.socket, analyser, workDir });
      assert.deepEqual(failing.images, []);
      assert.match(failing.warnings[0]!, /HTTP 500/);
    } finally {
      engine.fail = false;
    }
  });

  it('reads docker save tarballs and OCI layouts from image directories', async () => {
    const dir = join(work, 'images');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nginx.tar'), await docker25Save(debian, 'nginx:1.25'));
    writeFileSync(join(dir, 'legacy.tar'), await legacyDockerSave(alpine, 'team/alpine:3.19'));
    writeImageLayout(join(dir, 'app-layout'), await alpineLike(), 'v2');
    writeFileSync(join(dir, 'broken.tar'), 'not a tar at all');
    writeFileSync(join(dir, 'README.txt'), 'ignored');
    mkdirSync(join(dir, 'not-a-layout'));
    const result = await directoryImages([dir, join(work, 'missing-dir')], new ImageAnalyser(join(work, 'state2')));
    assert.deepEqual(
      result.images.map((i) => [i.tags.map((t) => `${t.name}:${t.version}`).join(','), i.source, i.imageId === i.imageDigest]).sort(),
      [
        ['app-layout:v2', 'dir', false],
        ['nginx:1.25', 'dir', true],
        ['team/alpine:3.19', 'dir', true],
      ],
    );
    const layout = result.images.find((i) => i.tags[0]!.name === 'app-layout')!;
    assert.equal(layout.imageId, alpine.config.digest, 'the config digest, read through the manifest');
    assert.equal(layout.imageDigest, alpine.manifest.digest);
    assert.equal(result.warnings.length, 2);
    assert.match(result.warnings.join('\n'), /broken\.tar could not be analysed/);
    assert.match(result.warnings.join('\n'), /missing-dir: cannot be read/);
  });

  it('merges an image found by several sources into one report entry with a content hash', async () => {
    const dir = join(work, 'merge');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nginx.tar'), await docker25Save(debian, 'nginx:1.25-saved'));
    const collector = new ImageCollector(join(work, 'state3'), { dockerSocket: engine.socket, podmanSocket: join(work, 'no-podman.sock'), dirs: [dir] });
    const { images, warnings } = await collector.collect();
    assert.equal(images.length, 2);
    const nginx = images.find((i) => i.image_id === debian.config.digest)!;
    assert.deepEqual(nginx.repo_tags.map((t) => t.version), ['1.25', 'prod', '1.25-saved']);
    assert.equal(nginx.containers.length, 2);
    assert.equal(nginx.content_hash, imageContentHash(nginx.inventory!));
    assert.match(warnings.join('\n'), /podman: no API socket/);
    // An engine failing for a moment keeps its last listing: its images are unknown, not deleted.
    engine.fail = true;
    try {
      const during = await collector.collect();
      assert.deepEqual(during.images.map((i) => i.image_id).sort(), images.map((i) => i.image_id).sort());
      assert.match(during.warnings.join('\n'), /docker: the engine answered badly/);
    } finally {
      engine.fail = false;
    }
  });

  it('splits references the way registries name them', () => {
    assert.deepEqual(splitRepoTag('registry:5000/team/app:1.2'), { name: 'registry:5000/team/app', version: '1.2' });
    assert.deepEqual(splitRepoTag('registry:5000/team/app'), { name: 'registry:5000/team/app', version: 'latest' });
    assert.deepEqual(splitRepoTag(`app@sha256:${'a'.repeat(64)}`), { name: 'app', version: '<none>' });
    // Podman names Docker Hub images in full, Docker short: both are one image.
    assert.deepEqual(splitRepoTag('docker.io/library/nginx:1.25'), { name: 'nginx', version: '1.25' });
    assert.deepEqual(splitRepoTag('docker.io/team/app:2'), { name: 'team/app', version: '2' });
    assert.deepEqual(splitRepoTag('quay.io/team/app:2'), { name: 'quay.io/team/app', version: '2' });
  });
});
