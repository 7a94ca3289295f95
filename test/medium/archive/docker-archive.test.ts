import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { scanLayers } from '../../../src/scan/inventory-scan.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { ArchiveError, archiveImage, dockerArchiveImage, ociArchiveImage } from '../../../src/sources/archive/index.js';
import { ContentTooLargeError, DigestMismatchError } from '../../../src/sources/registry/index.js';
import type { BuiltImage } from '../../support/oci-images.js';
import { makeTar } from '../../support/tar.js';
import { buildDebianImage, DEBIAN_PACKAGES, docker25Save, legacyDockerSave, legacyDockerSaveWithLink, writeImageLayout } from '../../support/archives.js';

const packagesOf = async (layers: Parameters<typeof scanLayers>[0]) =>
  (await scanLayers(layers, { analyzers })).inventory.packages.map((p) => `${p.type}:${p.name}@${p.version}`).sort();

const isArchiveError = (code: string, pattern: RegExp) => (e: unknown) => e instanceof ArchiveError && e.code === code && pattern.test(e.message);

describe('docker save tarballs', () => {
  let work: string;
  let image: BuiltImage;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'openhss-docker-archive-'));
    image = await buildDebianImage('docker');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const save = (name: string, bytes: Buffer) => {
    const file = join(work, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('reads a legacy save: layers keyed and verified by their diff_ids', async () => {
    const file = save('legacy.tar', await legacyDockerSave(image, 'team/app:v1'));
    const artifact = await dockerArchiveImage(file, { tag: 'team/app:v1' });
    assert.equal(artifact.digest, image.config.digest, 'the image ID');
    assert.equal(artifact.platform, 'linux/amd64');
    assert.deepEqual(artifact.tags, ['team/app:v1']);
    assert.deepEqual(artifact.layers.map((l) => l.digest), image.layers.map((l) => l.diffId));
    assert.deepEqual(await packagesOf(artifact.layers), DEBIAN_PACKAGES);
    assert.equal((await dockerArchiveImage(file, { tag: 'v1' })).digest, image.config.digest, 'a bare tag matches');
    const detected = await archiveImage(file);
    assert.equal(detected.digest, image.config.digest);
    assert.equal(detected.name, `docker-archive:${file}`);
    await assert.rejects(dockerArchiveImage(file, { tag: 'other:v2' }), isArchiveError('not-found', /tags: team\/app:v1/));
  });

  it('follows the symbolic links Docker writes for shared layers', async () => {
    const file = save('legacy-link.tar', await legacyDockerSaveWithLink(image, 'team/app:v1'));
    const artifact = await dockerArchiveImage(file);
    assert.equal(artifact.layers.length, 4);
    assert.equal(artifact.layers[3]!.digest, image.layers[2]!.diffId);
    assert.deepEqual(await packagesOf(artifact.layers), DEBIAN_PACKAGES);
  });

  it('reads a Docker 25+ save: layers keyed by their blob digests', async () => {
    const file = save('docker25.tar', await docker25Save(image, 'app:v25'));
    const artifact = await dockerArchiveImage(file, { tag: 'docker.io/library/app:v25' });
    assert.equal(artifact.digest, image.config.digest);
    assert.deepEqual(artifact.layers.map((l) => l.digest), image.layers.map((l) => l.diffId));
    assert.deepEqual(await packagesOf(artifact.layers), DEBIAN_PACKAGES);
    // The OCI layout inside it reads too.
    const oci = await ociArchiveImage(file, { tag: 'v25' });
    assert.deepEqual(await packagesOf(oci.layers), DEBIAN_PACKAGES);
  });

  it('reads what skopeo writes (docker-archive and oci-archive)', async () => {
    const layout = join(work, 'skopeo-src');
    writeImageLayout(layout, await buildDebianImage('oci'), 'v1');
    const dockerFile = join(work, 'skopeo-docker.tar');
    const ociFile = join(work, 'skopeo-oci.tar');
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', `oci:${layout}:v1`, `docker-archive:${dockerFile}:team/app:v1`], { stdio: 'pipe' });
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', `oci:${layout}:v1`, `oci-archive:${ociFile}:v1`], { stdio: 'pipe' });
    const fromDocker = await dockerArchiveImage(dockerFile, { tag: 'team/app:v1' });
    assert.deepEqual(fromDocker.tags, ['docker.io/team/app:v1'], 'skopeo writes the full reference; the short one still selects it');
    assert.equal(fromDocker.layers.length, 3);
    assert.deepEqual(await packagesOf(fromDocker.layers), DEBIAN_PACKAGES);
    const fromOci = await ociArchiveImage(ociFile, { tag: 'v1' });
    assert.deepEqual(await packagesOf(fromOci.layers), DEBIAN_PACKAGES);
  });

  it('refuses manifest.json paths that leave the archive', async () => {
    const file = save('escape.tar', await legacyDockerSave(image, 'team/app:v1', { manifestLayers: ['../../etc/passwd', 'a/layer.tar', 'b/layer.tar'] }));
    await assert.rejects(dockerArchiveImage(file), isArchiveError('unsafe-path', /Layers\[0\] names "\.\.\/\.\.\/etc\/passwd", which is absolute or leaves the archive/));
    const absolute = save('absolute.tar', await legacyDockerSave(image, 'team/app:v1', { manifestLayers: ['/etc/passwd', 'a/layer.tar', 'b/layer.tar'] }));
    await assert.rejects(dockerArchiveImage(absolute), isArchiveError('unsafe-path', /"\/etc\/passwd"/));
  });

  it('refuses archives with entries named ../ or /, and links that leave the archive', async () => {
    const dotdot = save('dotdot.tar', await makeTar([{ name: 'manifest.json', content: '[]' }, { name: '../evil', content: 'x' }]));
    await assert.rejects(dockerArchiveImage(dotdot), isArchiveError('unsafe-path', /"\.\.\/evil"/));
    const link = save('link.tar', await makeTar([{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: [], Layers: [] }]) }, { name: 'c.json', type: 'symlink', linkname: '../../etc/passwd' }]));
    await assert.rejects(dockerArchiveImage(link), isArchiveError('unsafe-path', /c\.json links to "\.\.\/\.\.\/etc\/passwd", outside the archive/));
  });

  it('fails clearly on a truncated tarball, a compressed one, and a layer that does not match its diff_id', async () => {
    const bytes = await legacyDockerSave(image, 'team/app:v1');
    const truncated = save('truncated.tar', bytes);
    truncateSync(truncated, Math.floor(bytes.length / 2) + 100);
    await assert.rejects(dockerArchiveImage(truncated), isArchiveError('truncated', /truncated/));
    const cut = save('cut.tar', bytes.subarray(0, bytes.length - 1024));
    await assert.rejects(dockerArchiveImage(cut), isArchiveError('truncated', /without an end-of-archive marker/));

    await assert.rejects(dockerArchiveImage(save('save.tar.gz', gzipSync(bytes))), isArchiveError('unsupported', /gzip-compressed/));
    await assert.rejects(dockerArchiveImage(save('garbage.tar', Buffer.alloc(4096, 7))), isArchiveError('corrupt', /not a tar archive/));
    await assert.rejects(dockerArchiveImage(save('empty.tar', Buffer.alloc(0))), isArchiveError('corrupt', /empty/));
    await assert.rejects(dockerArchiveImage(save('ok.tar', bytes), { limits: { maxManifestBytes: 16 } }), (e: unknown) => e instanceof ContentTooLargeError && /manifest\.json is larger than the 16-byte limit/.test(e.message));
    await assert.rejects(ociArchiveImage(save('ok-oci.tar', await docker25Save(image, 'app:v1')), { limits: { maxManifestBytes: 16 } }), (e: unknown) => e instanceof ContentTooLargeError && /index\.json is larger/.test(e.message));

    // The config claims diff_ids the layer.tar entries do not hash to.
    const configDoc = JSON.parse(image.config.bytes.toString()) as { rootfs: { diff_ids: string[] } };
    configDoc.rootfs.diff_ids[1] = `sha256:${'0'.repeat(64)}`;
    const lying = save('lying.tar', await legacyDockerSave(image, 'team/app:v1', { configOverride: Buffer.from(JSON.stringify(configDoc)) }));
    const artifact = await dockerArchiveImage(lying);
    await assert.rejects(scanLayers(artifact.layers, { analyzers }), new RegExp(`blob digest mismatch: expected sha256:${'0'.repeat(64)}, the archive holds content hashing to ${image.layers[1]!.diffId}`));
    const stream = await artifact.layers[1]!.open();
    await assert.rejects(
      (async () => {
        for await (const _ of stream);
      })(),
      DigestMismatchError,
    );
  });

  it('refuses a config whose content is not the digest its name claims', async () => {
    const bytes = await legacyDockerSave(image, 'team/app:v1');
    const manifest = JSON.parse(readFileSync(save('tmp.tar', bytes)).toString('latin1').match(/\[\{"Config".*?\]\}\]/)![0]) as Array<{ Config: string; Layers: string[] }>;
    const wrongName = `${'1'.repeat(64)}.json`;
    const file = save(
      'config-name.tar',
      await makeTar([
        { name: wrongName, content: image.config.bytes },
        { name: 'manifest.json', content: JSON.stringify([{ Config: wrongName, RepoTags: [], Layers: manifest[0]!.Layers }]) },
      ]),
    );
    await assert.rejects(dockerArchiveImage(file), (e: unknown) => e instanceof DigestMismatchError && /hashes to/.test(e.message));
  });
});

