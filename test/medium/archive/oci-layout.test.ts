import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanLayers } from '../../../src/scan/inventory-scan.js';
import { analyzers } from '../../../src/inventory/registry.js';
import { ArchiveError, archiveImage, ociArchiveImage, ociLayoutImage } from '../../../src/sources/archive/index.js';
import { ContentTooLargeError, DigestMismatchError, NoMatchingPlatformError } from '../../../src/sources/registry/index.js';
import { buildImage, buildIndex, type BuiltImage } from '../../support/oci-images.js';
import { buildDebianImage, DEBIAN_PACKAGES, tarDirectory, writeImageLayout, writeIndexLayout, writeLayout } from '../../support/archives.js';

const packagesOf = async (layers: Parameters<typeof scanLayers>[0]) =>
  (await scanLayers(layers, { analyzers })).inventory.packages.map((p) => `${p.type}:${p.name}@${p.version}`).sort();

describe('OCI image layouts (directory and tar)', () => {
  let work: string;
  let image: BuiltImage;
  let layout: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'openhss-oci-layout-'));
    image = await buildDebianImage('oci');
    layout = join(work, 'layout');
    writeImageLayout(layout, image, 'v1');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('reads a layout directory by tag and finds the packages its layers hold', async () => {
    const artifact = await ociLayoutImage(layout, { tag: 'v1' });
    assert.equal(artifact.digest, image.manifest.digest);
    assert.equal(artifact.platform, 'linux/amd64');
    assert.equal(artifact.name, `oci:${layout}:v1`);
    assert.deepEqual(artifact.tags, ['v1']);
    assert.deepEqual(artifact.layers.map((l) => l.digest), image.layers.map((l) => l.digest));
    assert.deepEqual(artifact.config.diffIds, image.layers.map((l) => l.diffId));
    assert.deepEqual(await packagesOf(artifact.layers), DEBIAN_PACKAGES);
    // Without a tag, the only image is taken.
    assert.equal((await ociLayoutImage(layout)).digest, image.manifest.digest);
  });

  it('reads the same layout packed in a tar, as byte ranges of the file', async () => {
    const file = join(work, 'layout.tar');
    tarDirectory(layout, file);
    const artifact = await ociArchiveImage(file, { tag: 'v1' });
    assert.equal(artifact.digest, image.manifest.digest);
    assert.equal(artifact.name, `oci-archive:${file}:v1`);
    assert.deepEqual(await packagesOf(artifact.layers), DEBIAN_PACKAGES);
    const detected = await archiveImage(file);
    assert.equal(detected.digest, image.manifest.digest);
    assert.equal((await archiveImage(layout)).digest, image.manifest.digest);
  });

  it('follows a nested index to the requested platform', async () => {
    const arm = await buildImage({ format: 'oci', architecture: 'arm64', variant: 'v8', layers: [{ 'etc/alpine-release': '3.19.1\n', 'lib/apk/db/installed': 'P:musl\nV:1.2.4-r2\no:musl\n\n' }] });
    const index = buildIndex([image, arm], 'oci', [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.config.digest, size: image.config.size, platform: { os: 'unknown', architecture: 'unknown' } }]);
    const dir = join(work, 'multi');
    writeIndexLayout(dir, index, 'multi');
    const amd = await ociLayoutImage(dir, { tag: 'multi' });
    assert.equal(amd.digest, image.manifest.digest);
    const armArtifact = await ociLayoutImage(dir, { tag: 'multi', platform: 'linux/arm64' });
    assert.equal(armArtifact.digest, arm.manifest.digest);
    assert.equal(armArtifact.platform, 'linux/arm64/v8');
    assert.deepEqual(await packagesOf(armArtifact.layers), ['apk:musl@1.2.4-r2']);
    await assert.rejects(ociLayoutImage(dir, { platform: 'linux/s390x' }), NoMatchingPlatformError);
    // Several images in index.json, told apart by ref name.
    const both = join(work, 'two-tags');
    writeLayout(both, [{ blob: image.manifest, refName: 'debian' }, { blob: arm.manifest, refName: 'alpine' }], [image, arm]);
    assert.equal((await ociLayoutImage(both, { tag: 'alpine' })).digest, arm.manifest.digest);
    await assert.rejects(ociLayoutImage(both, { tag: 'nope' }), (e: unknown) => e instanceof ArchiveError && e.code === 'not-found' && /tags: debian, alpine/.test(e.message));
    await assert.rejects(ociLayoutImage(both), (e: unknown) => e instanceof ArchiveError && e.code === 'ambiguous');
  });

  it('fails the scan when a layer’s bytes do not match its digest', async () => {
    const dir = join(work, 'bad-layer');
    writeImageLayout(dir, image);
    const victim = join(dir, 'blobs', 'sha256', image.layers[1]!.digest.slice(7));
    // Still a valid gzip of the very same tar, of the same length (only the gzip header's MTIME differs): only the digest can tell.
    const forged = Buffer.from(readFileSync(victim));
    forged.writeUInt32LE(0x5f5e100, 4);
    writeFileSync(victim, forged);
    const artifact = await ociLayoutImage(dir);
    await assert.rejects(scanLayers(artifact.layers, { analyzers }), new RegExp(`blob digest mismatch: expected ${image.layers[1]!.digest}`));
    // Read directly, the stream itself fails with the digest error.
    const stream = await artifact.layers[1]!.open();
    await assert.rejects(
      (async () => {
        for await (const _ of stream);
      })(),
      DigestMismatchError,
    );
  });

  it('refuses a tampered manifest, an oversized index.json and a blob linking out of the layout', async () => {
    const dir = join(work, 'hostile');
    writeImageLayout(dir, image);
    const manifestPath = join(dir, 'blobs', 'sha256', image.manifest.digest.slice(7));
    writeFileSync(manifestPath, Buffer.concat([image.manifest.bytes.subarray(0, -1), Buffer.from(' ')]));
    await assert.rejects(ociLayoutImage(dir), DigestMismatchError);
    writeFileSync(manifestPath, image.manifest.bytes);

    const configPath = join(dir, 'blobs', 'sha256', image.config.digest.slice(7));
    unlinkSync(configPath);
    symlinkSync('/etc/passwd', configPath);
    await assert.rejects(ociLayoutImage(dir), (e: unknown) => e instanceof ArchiveError && e.code === 'unsafe-path' && /outside the layout/.test(e.message));
    unlinkSync(configPath);
    writeFileSync(configPath, image.config.bytes);
    await ociLayoutImage(dir);

    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as object;
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index).replace(/}$/, `,"padding":"${'x'.repeat(5 * 1024 * 1024)}"}`));
    await assert.rejects(ociLayoutImage(dir), (e: unknown) => e instanceof ContentTooLargeError && /index\.json is larger than the 4194304-byte limit/.test(e.message));
    await assert.rejects(ociLayoutImage(dir, { limits: { maxManifestBytes: 100 } }), ContentTooLargeError);
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));

    // A layer missing from the layout, or of the wrong size, is reported before any scan.
    const layerPath = join(dir, 'blobs', 'sha256', image.layers[2]!.digest.slice(7));
    writeFileSync(layerPath, Buffer.concat([image.layers[2]!.bytes, Buffer.from('x')]));
    await assert.rejects(ociLayoutImage(dir), (e: unknown) => e instanceof DigestMismatchError && /its descriptor says/.test(e.message));
    unlinkSync(layerPath);
    await assert.rejects(ociLayoutImage(dir), (e: unknown) => e instanceof ArchiveError && e.code === 'not-found' && e.message.includes(image.layers[2]!.digest));
  });

  it('refuses an index.json entry whose digest is not a sha256 blob name', async () => {
    const dir = join(work, 'bad-digest');
    writeImageLayout(dir, image);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    index.manifests[0]!.digest = `sha512:${'a'.repeat(128)}`;
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    await assert.rejects(ociLayoutImage(dir), (e: unknown) => e instanceof ArchiveError && e.code === 'unsafe-path');
    index.manifests[0]!.digest = 'sha256:../../../etc/passwd';
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    await assert.rejects(ociLayoutImage(dir), /invalid or unverifiable digest/);
  });
});
