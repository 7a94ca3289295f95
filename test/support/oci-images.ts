/**
 * Real container images built in the test: each layer is a real tar
 * (tar-stream) compressed with gzip (zlib), a config JSON with the layers'
 * diff_ids, a Docker schema 2 or OCI manifest, and indexes over several
 * platforms; pushed with the Distribution API (monolithic or chunked blob
 * uploads, then PUT manifest).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Dispatcher } from 'undici';

import { makeTar, type TarEntry } from './tar.js';

export type ImageFormat = 'docker' | 'oci';

const TYPES = {
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
} as const;

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

export interface BuiltLayer extends Blob {
  /** Digest of the uncompressed tar. */
  diffId: string;
  tar: Buffer;
}

export interface BuiltImage {
  format: ImageFormat;
  platform: { os: string; architecture: string; variant?: string };
  config: Blob;
  layers: BuiltLayer[];
  manifest: Blob;
}

export interface BuiltIndex {
  manifest: Blob;
  images: BuiltImage[];
}

const blob = (mediaType: string, bytes: Buffer): Blob => ({ mediaType, digest: sha256(bytes), size: bytes.length, bytes });

/** A tar of the given files (directories are made for their parents), as real tar bytes. */
export async function buildTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ name: `${dir}/`, type: 'directory' });
      }
    }
    entries.push({ name: path, content });
  }
  return makeTar(entries);
}

export async function buildLayer(files: Record<string, string | Buffer>, format: ImageFormat = 'docker'): Promise<BuiltLayer> {
  return layerOfTar(await buildTar(files), format);
}

/** A layer from tar bytes made any way (hostile entries included); `compressed` when the gzip was made separately (streamed). */
export function layerOfTar(tar: Buffer, format: ImageFormat = 'docker', compressed?: { bytes: Buffer; diffId: string }): BuiltLayer {
  return { ...blob(TYPES[format].layer, compressed?.bytes ?? gzipSync(tar)), diffId: compressed?.diffId ?? sha256(tar), tar };
}

export interface ImageSpec {
  format?: ImageFormat;
  os?: string;
  architecture?: string;
  variant?: string;
  /** Files of each layer, bottom first. */
  layers: Array<Record<string, string | Buffer>>;
}

export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const format = spec.format ?? 'docker';
  return imageOfLayers(await Promise.all(spec.layers.map((files) => buildLayer(files, format))), { ...spec, format });
}

/** An image (config with the layers' diff_ids, manifest) over layers already built. */
export function imageOfLayers(layers: BuiltLayer[], spec: Omit<ImageSpec, 'layers'> = {}): BuiltImage {
  const format = spec.format ?? 'docker';
  const platform = { os: spec.os ?? 'linux', architecture: spec.architecture ?? 'amd64', ...(spec.variant ? { variant: spec.variant } : {}) };
  const configDoc = {
    ...platform,
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], Labels: { 'org.openhss.test': 'yes' } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
  };
  const config = blob(TYPES[format].config, Buffer.from(JSON.stringify(configDoc)));
  const descriptor = (b: Blob) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size });
  const manifestDoc = { schemaVersion: 2, mediaType: TYPES[format].manifest, config: descriptor(config), layers: layers.map(descriptor) };
  return { format, platform, config, layers, manifest: blob(TYPES[format].manifest, Buffer.from(JSON.stringify(manifestDoc, null, 2))) };
}

/** An index (OCI) or manifest list (Docker) over the images, with their platforms; `extra` entries are appended as is. */
export function buildIndex(images: BuiltImage[], format: ImageFormat = 'oci', extra: object[] = []): BuiltIndex {
  const doc = {
    schemaVersion: 2,
    mediaType: TYPES[format].index,
    manifests: [...images.map((image) => ({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size, platform: image.platform })), ...extra],
  };
  return { manifest: blob(TYPES[format].index, Buffer.from(JSON.stringify(doc, null, 2))), images };
}

/** Pushes blobs and manifests with the registry API. */
export class ImagePusher {
  private readonly authorization: string | undefined;

  constructor(
    private readonly dispatcher: Dispatcher,
    /** `http://127.0.0.1:PORT` */
    private readonly url: string,
    credentials?: { username: string; password: string },
  ) {
    this.authorization = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
  }

  private async call(method: Dispatcher.HttpMethod, pathOrUrl: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Dispatcher.ResponseData> {
    const target = new URL(pathOrUrl, this.url);
    const all = { ...headers, ...(this.authorization ? { authorization: this.authorization } : {}) };
    return this.dispatcher.request({ origin: target.origin, path: `${target.pathname}${target.search}`, method, headers: all, body: body ?? null });
  }

  private async expect(response: Dispatcher.ResponseData, status: number, what: string): Promise<void> {
    const text = await response.body.text();
    if (response.statusCode !== status) throw new Error(`${what}: HTTP ${response.statusCode} (wanted ${status}): ${text}`);
  }

  /** POST an upload, then one PUT with the bytes (monolithic), or PATCHes of `chunkSize` then a closing PUT (chunked). */
  async pushBlob(repository: string, data: Blob, options: { chunkSize?: number } = {}): Promise<void> {
    const head = await this.call('HEAD', `/v2/${repository}/blobs/${data.digest}`);
    await head.body.dump();
    if (head.statusCode === 200) return;
    const start = await this.call('POST', `/v2/${repository}/blobs/uploads/`);
    await this.expect(start, 202, `start upload of ${data.digest}`);
    let location = String(start.headers.location);
    if (options.chunkSize) {
      for (let offset = 0; offset < data.bytes.length; offset += options.chunkSize) {
        const chunk = data.bytes.subarray(offset, offset + options.chunkSize);
        const patch = await this.call('PATCH', location, chunk, {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.length - 1}`,
          'content-length': String(chunk.length),
        });
        await this.expect(patch, 202, `upload chunk at ${offset} of ${data.digest}`);
        location = String(patch.headers.location);
      }
      const put = await this.call('PUT', appendQuery(location, 'digest', data.digest), Buffer.alloc(0), { 'content-length': '0' });
      await this.expect(put, 201, `finish upload of ${data.digest}`);
    } else {
      const put = await this.call('PUT', appendQuery(location, 'digest', data.digest), data.bytes, { 'content-type': 'application/octet-stream', 'content-length': String(data.size) });
      await this.expect(put, 201, `upload ${data.digest}`);
    }
  }

  async pushManifest(repository: string, reference: string, manifest: Blob): Promise<void> {
    const put = await this.call('PUT', `/v2/${repository}/manifests/${reference}`, manifest.bytes, { 'content-type': manifest.mediaType });
    await this.expect(put, 201, `put manifest ${repository}:${reference}`);
  }

  async pushImage(repository: string, tag: string, image: BuiltImage, options: { chunkSize?: number } = {}): Promise<void> {
    for (const layer of image.layers) await this.pushBlob(repository, layer, options);
    await this.pushBlob(repository, image.config, options);
    await this.pushManifest(repository, tag, image.manifest);
  }

  /** Pushes each image by digest, then the index under `tag`. */
  async pushIndex(repository: string, tag: string, index: BuiltIndex): Promise<void> {
    for (const image of index.images) {
      for (const layer of image.layers) await this.pushBlob(repository, layer);
      await this.pushBlob(repository, image.config);
      await this.pushManifest(repository, image.manifest.digest, image.manifest);
    }
    await this.pushManifest(repository, tag, index.manifest);
  }
}

function appendQuery(location: string, key: string, value: string): string {
  const url = new URL(location, 'http://placeholder');
  url.searchParams.set(key, value);
  return /^https?:/.test(location) ? url.toString() : `${url.pathname}${url.search}`;
}
