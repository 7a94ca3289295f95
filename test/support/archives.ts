/**
 * Image archives built in the test from buildImage() output: OCI layout
 * directories, the same packed in a tar, and `docker save` tarballs in the
 * legacy and the Docker 25+ layouts (real tar bytes, from tar-stream).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, sha256, type Blob, type BuiltImage, type BuiltIndex } from './oci-images.js';
import { makeTar, type TarEntry } from './tar.js';

export const dpkgStatus = (...pkgs: Array<[string, string, string]>) =>
  pkgs.map(([name, version, source]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nSource: ${source}\nVersion: ${version}\n`).join('\n');

/** Three layers: Debian 12 with dpkg packages (the second layer updates libssl3), then npm and pypi packages. */
export const debianLayers = (): Array<Record<string, string>> => [
  { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', 'var/lib/dpkg/status': dpkgStatus(['libssl3', '3.0.11-1~deb12u1', 'openssl']) },
  { 'var/lib/dpkg/status': dpkgStatus(['libssl3', '3.0.11-1~deb12u2', 'openssl'], ['zlib1g', '1:1.2.13.dfsg-1', 'zlib (1:1.2.13.dfsg-1)']) },
  { 'app/node_modules/lodash/package.json': '{"name":"lodash","version":"4.17.20"}', 'app/requirements.txt': 'flask==1.0.2\n' },
];

export const DEBIAN_PACKAGES = ['deb:libssl3@3.0.11-1~deb12u2', 'deb:zlib1g@1:1.2.13.dfsg-1', 'npm:lodash@4.17.20', 'pypi:flask@1.0.2'];

export const buildDebianImage = (format: 'oci' | 'docker' = 'oci') => buildImage({ format, layers: debianLayers() });

const hexOf = (digest: string) => digest.slice('sha256:'.length);

const descriptor = (b: Blob, extra: object = {}) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra });

/** Writes an OCI layout: every blob of the images (and the index, if any), and index.json with the given top entries. */
export function writeLayout(dir: string, top: Array<{ blob: Blob; refName?: string; platform?: object }>, images: BuiltImage[], extraBlobs: Blob[] = []): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = (b: Blob) => writeFileSync(join(dir, 'blobs', 'sha256', hexOf(b.digest)), b.bytes);
  for (const image of images) {
    for (const layer of image.layers) put(layer);
    put(image.config);
    put(image.manifest);
  }
  for (const b of extraBlobs) put(b);
  for (const t of top) put(t.blob);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: top.map((t) => descriptor(t.blob, { ...(t.platform ? { platform: t.platform } : {}), ...(t.refName ? { annotations: { 'org.opencontainers.image.ref.name': t.refName } } : {}) })),
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
}

export function writeImageLayout(dir: string, image: BuiltImage, refName = 'v1'): void {
  writeLayout(dir, [{ blob: image.manifest, refName }], [image]);
}

export function writeIndexLayout(dir: string, index: BuiltIndex, refName = 'multi'): void {
  writeLayout(dir, [{ blob: index.manifest, refName }], index.images);
}

/** Packs a directory with GNU tar (entries named `./…`, as `tar -C DIR .` makes them). */
export function tarDirectory(dir: string, file: string): void {
  execFileSync('tar', ['-C', dir, '-cf', file, '.']);
}

/**
 * A legacy `docker save` (Docker < 25): `<id>/layer.tar` (uncompressed),
 * `<id>/json`, `<id>/VERSION`, `<config hex>.json`, `manifest.json`,
 * `repositories`. With `duplicateLastLayer`, the image gets one more layer
 * identical to the last, stored (as Docker does) as a symbolic link
 * `<id2>/layer.tar -> ../<id>/layer.tar`.
 */
export async function legacyDockerSave(image: BuiltImage, repoTag: string, options: { manifestLayers?: string[]; configOverride?: Buffer } = {}): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const layerPaths: string[] = [];
  image.layers.forEach((layer, i) => {
    const id = sha256(Buffer.from(`layer-id-${i}-${layer.diffId}`)).slice(7);
    entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/VERSION`, content: '1.0' }, { name: `${id}/json`, content: JSON.stringify({ id }) }, { name: `${id}/layer.tar`, content: layer.tar });
    layerPaths.push(`${id}/layer.tar`);
  });
  const configBytes = options.configOverride ?? image.config.bytes;
  entries.push({ name: `${sha256(configBytes).slice(7)}.json`, content: configBytes });
  const [repo, tag] = [repoTag.slice(0, repoTag.lastIndexOf(':')), repoTag.slice(repoTag.lastIndexOf(':') + 1)];
  entries.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `${sha256(configBytes).slice(7)}.json`, RepoTags: [repoTag], Layers: options.manifestLayers ?? layerPaths }]) });
  entries.push({ name: 'repositories', content: JSON.stringify({ [repo]: { [tag]: layerPaths.at(-1)!.split('/')[0] } }) });
  return makeTar(entries);
}

/** A legacy save whose config lists the last layer twice, the second time through a symbolic link, as Docker writes shared layers. */
export async function legacyDockerSaveWithLink(image: BuiltImage, repoTag: string): Promise<Buffer> {
  const last = image.layers.at(-1)!;
  const configDoc = JSON.parse(image.config.bytes.toString()) as { rootfs: { diff_ids: string[] }; history: object[] };
  configDoc.rootfs.diff_ids.push(last.diffId);
  configDoc.history.push({ created_by: 'same layer again' });
  const configBytes = Buffer.from(JSON.stringify(configDoc));
  const entries: TarEntry[] = [];
  const layerPaths: string[] = [];
  image.layers.forEach((layer, i) => {
    const id = sha256(Buffer.from(`layer-id-${i}`)).slice(7);
    entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/layer.tar`, content: layer.tar });
    layerPaths.push(`${id}/layer.tar`);
  });
  const linkId = sha256(Buffer.from('layer-id-link')).slice(7);
  entries.push({ name: `${linkId}/`, type: 'directory' }, { name: `${linkId}/layer.tar`, type: 'symlink', linkname: `../${layerPaths.at(-1)!}` });
  layerPaths.push(`${linkId}/layer.tar`);
  entries.push({ name: `${sha256(configBytes).slice(7)}.json`, content: configBytes });
  entries.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `${sha256(configBytes).slice(7)}.json`, RepoTags: [repoTag], Layers: layerPaths }]) });
  return makeTar(entries);
}

/**
 * A Docker 25+ `docker save`: an OCI layout (uncompressed layer blobs, OCI
 * manifest, index.json with the image name) plus manifest.json whose Layers
 * and Config point into blobs/sha256/.
 */
export async function docker25Save(image: BuiltImage, repoTag: string): Promise<Buffer> {
  const layerBlobs: Blob[] = image.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.diffId, size: l.tar.length, bytes: l.tar }));
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor({ ...image.config, mediaType: 'application/vnd.oci.image.config.v1+json' }), layers: layerBlobs.map((b) => descriptor(b)) }),
  );
  const manifest: Blob = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifestBytes), size: manifestBytes.length, bytes: manifestBytes };
  const tag = repoTag.slice(repoTag.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [descriptor(manifest, { annotations: { 'io.containerd.image.name': `docker.io/library/${repoTag}`, 'org.opencontainers.image.ref.name': tag } })],
  };
  const entries: TarEntry[] = [{ name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' }];
  for (const b of [...layerBlobs, image.config, manifest]) entries.push({ name: `blobs/sha256/${hexOf(b.digest)}`, content: b.bytes });
  entries.push({ name: 'index.json', content: JSON.stringify(index) });
  entries.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${hexOf(image.config.digest)}`, RepoTags: [repoTag], Layers: layerBlobs.map((b) => `blobs/sha256/${hexOf(b.digest)}`) }]) });
  entries.push({ name: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) });
  entries.push({ name: 'repositories', content: JSON.stringify({ [repoTag.split(':')[0]!]: { [tag]: hexOf(layerBlobs.at(-1)!.digest) } }) });
  return makeTar(entries);
}
