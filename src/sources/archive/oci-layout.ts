/**
 * OCI image layouts (a directory, or the same packed in a tar) as
 * ImageArtifacts: `index.json` → (tag, nested indexes, platform) →
 * manifest → config → layers, every document verified against its digest
 * and size-capped, every layer verified while it streams.
 */
import type { Readable, TransformCallback } from 'node:stream';
import type { LayerSource } from '../../scan/inventory-scan.js';
import type { ImageArtifact } from '../image/artifact.js';
import {
  DEFAULT_PLATFORM,
  DigestMismatchError,
  DigestVerifier,
  InvalidManifestError,
  NoMatchingPlatformError,
  computeDigest,
  formatPlatform,
  parseDigest,
  parseImageConfig,
  parseManifest,
  parsePlatform,
  selectPlatform,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  type IndexEntry,
  type Platform,
} from '../registry/index.js';
import { ArchiveError } from './errors.js';
import { LayoutDirectoryFiles, TarFiles, type ArchiveFiles } from './files.js';
import type { TarIndexLimits } from './tar-index.js';

export interface ArchiveLimits {
  /** Largest index.json, manifest.json, manifest or index. */
  maxManifestBytes: number;
  /** Largest image config. */
  maxConfigBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxManifestBytes: 4 * 1024 ** 2, maxConfigBytes: 4 * 1024 ** 2 };

export interface ArchiveImageOptions {
  /** Platform chosen from indexes: `linux/arm64/v8` or an object. Default linux/amd64. A docker save holds one image per tag, so there it is not consulted. */
  platform?: Platform | string;
  /**
   * Which image: for OCI layouts, the `org.opencontainers.image.ref.name`
   * annotation in index.json (`latest`, or a full reference as containerd
   * writes it); for docker-save tarballs, one of the RepoTags
   * (`repo:tag`, or just `tag` when that is unambiguous).
   */
  tag?: string;
  limits?: Partial<ArchiveLimits>;
  tarLimits?: TarIndexLimits;
}

/** An image read from an archive: the artifact, plus what the archive said about it. */
export interface ArchiveImage extends ImageArtifact {
  config: ImageConfig;
  /** Tags the archive gives the image (docker-save RepoTags, or the OCI ref name). */
  tags: string[];
}

export const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
const MAX_INDEX_DEPTH = 4;

/** `blobs/sha256/<hex>`: the only way a digest becomes a path. */
export function blobPath(digest: string, label: string): string {
  const parsed = parseDigest(digest);
  if (!parsed || parsed.algorithm !== 'sha256') throw new ArchiveError('unsafe-path', label, `refusing blob digest ${JSON.stringify(digest)}: only sha256:<64 hex> digests name blobs`);
  return `blobs/sha256/${parsed.hex}`;
}

/** Reads a blob whole (capped), checking its size and digest. */
export async function readVerifiedBlob(files: ArchiveFiles, descriptor: Pick<Descriptor, 'digest' | 'size'>, limit: number, what: string): Promise<Buffer> {
  const target = { registry: files.label, reference: descriptor.digest };
  const bytes = await files.read(blobPath(descriptor.digest, files.label), limit, what);
  if (bytes.length !== descriptor.size) throw new DigestMismatchError(target, descriptor.digest, `${bytes.length} bytes`, `${what} ${descriptor.digest} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
  const actual = computeDigest(bytes);
  if (actual !== descriptor.digest) throw new DigestMismatchError(target, descriptor.digest, actual, `${what} digest mismatch: expected ${descriptor.digest}, the archive holds content hashing to ${actual}`);
  return bytes;
}

/** A layer of the archive, opened as a stream verified against `digest` (and `size`) as it is read. */
export function archiveLayer(files: ArchiveFiles, path: string, digest: string, size: number): LayerSource {
  return {
    digest,
    size,
    open: async (): Promise<Readable> => {
      const target = { registry: files.label, reference: digest };
      const stored = await files.stat(path);
      if (!stored) throw new ArchiveError('not-found', files.label, `layer ${digest} is missing (no ${path} in the archive)`);
      const verifier = new ArchiveDigestVerifier(digest, target, size);
      const source = await files.open(path);
      source.on('error', (error) => verifier.destroy(error));
      verifier.on('close', () => {
        if (!source.destroyed) source.destroy();
      });
      source.pipe(verifier);
      return verifier;
    },
  };
}

/** DigestVerifier, with errors that blame the archive rather than a registry. */
class ArchiveDigestVerifier extends DigestVerifier {
  private static reword(error: Error | null | undefined): Error | null | undefined {
    if (error instanceof DigestMismatchError) error.message = error.message.replace('the registry sent', 'the archive holds');
    return error;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback): void {
    super._transform(chunk, encoding, (error, data) => done(ArchiveDigestVerifier.reword(error), data));
  }

  override _flush(done: TransformCallback): void {
    super._flush((error, data) => done(ArchiveDigestVerifier.reword(error), data));
  }
}

function parseJson(bytes: Buffer, label: string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ArchiveError('invalid', label, `${what} is not valid JSON`);
  }
}

const wantedPlatform = (platform: ArchiveImageOptions['platform']): Platform => (typeof platform === 'string' ? parsePlatform(platform) : (platform ?? DEFAULT_PLATFORM));

/** The entries of index.json the options select: by ref name when a tag is given, else all. */
function pickFromTopIndex(entries: IndexEntry[], options: ArchiveImageOptions, label: string): IndexEntry {
  const names = (e: IndexEntry) => [e.annotations?.[REF_NAME], e.annotations?.[CONTAINERD_NAME]].filter((n): n is string => n !== undefined);
  const available = () => entries.flatMap(names).join(', ') || 'none';
  let candidates = entries;
  if (options.tag !== undefined) {
    candidates = entries.filter((e) => names(e).includes(options.tag!));
    if (candidates.length === 0) throw new ArchiveError('not-found', label, `no image tagged ${JSON.stringify(options.tag)} in index.json (tags: ${available()})`);
  }
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) throw new ArchiveError('not-found', label, 'index.json lists no images');
  if (candidates.some((e) => e.platform)) {
    const wanted = wantedPlatform(options.platform);
    const chosen = selectPlatform(candidates, wanted);
    if (!chosen) throw new NoMatchingPlatformError({ registry: label }, formatPlatform(wanted), candidates.filter((e) => e.platform).map((e) => formatPlatform(e.platform!)));
    return chosen;
  }
  throw new ArchiveError('ambiguous', label, `index.json lists ${candidates.length} images; choose one with a tag (tags: ${available()})`);
}

/** Reads the layout behind `files` into an image. */
export async function imageFromLayout(files: ArchiveFiles, options: ArchiveImageOptions = {}): Promise<ArchiveImage> {
  const label = files.label;
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const layoutDoc = parseJson(await files.read('oci-layout', 64 * 1024, 'oci-layout'), label, 'oci-layout');
  const version = (layoutDoc as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
  if (typeof version !== 'string' || !version.startsWith('1.')) throw new ArchiveError('unsupported', label, `unsupported OCI layout version ${JSON.stringify(version)} (expected 1.x)`);

  const top = parseManifest(await files.read('index.json', limits.maxManifestBytes, 'index.json'), undefined, { registry: label, reference: 'index.json' });
  if (top.kind !== 'index') throw new InvalidManifestError({ registry: label, reference: 'index.json' }, 'index.json is not an image index');
  const entry = pickFromTopIndex(top.manifests, options, label);
  const tags = [entry.annotations?.[REF_NAME]].filter((t): t is string => t !== undefined);

  let descriptor: Descriptor = entry;
  let document = parseManifest(await readVerifiedBlob(files, descriptor, limits.maxManifestBytes, 'manifest'), descriptor.mediaType, { registry: label, reference: descriptor.digest });
  for (let depth = 0; document.kind === 'index'; depth++) {
    if (depth >= MAX_INDEX_DEPTH) throw new InvalidManifestError({ registry: label, reference: descriptor.digest }, `indexes nested deeper than ${MAX_INDEX_DEPTH}`);
    const wanted = wantedPlatform(options.platform);
    const next = selectPlatform(document.manifests, wanted);
    if (!next) {
      const available = document.manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatPlatform(m.platform!));
      throw new NoMatchingPlatformError({ registry: label, reference: descriptor.digest }, formatPlatform(wanted), available);
    }
    descriptor = next;
    document = parseManifest(await readVerifiedBlob(files, descriptor, limits.maxManifestBytes, 'manifest'), descriptor.mediaType, { registry: label, reference: descriptor.digest });
  }
  const manifest: ImageManifest = document;
  const config = parseImageConfig(await readVerifiedBlob(files, manifest.config, limits.maxConfigBytes, 'image config'), { registry: label, reference: manifest.config.digest });
  if (config.diffIds.length !== manifest.layers.length) {
    throw new InvalidManifestError({ registry: label, reference: descriptor.digest }, `the manifest lists ${manifest.layers.length} layers but its config has ${config.diffIds.length} diff_ids`);
  }
  // Missing or wrongly sized layers are reported now, not halfway through a scan; their content is verified as they stream.
  for (const layer of manifest.layers) {
    const stored = await files.stat(blobPath(layer.digest, label));
    if (!stored) throw new ArchiveError('not-found', label, `layer ${layer.digest} is not in the archive`);
    if (stored.size !== layer.size) {
      throw new DigestMismatchError({ registry: label, reference: layer.digest }, layer.digest, `${stored.size} bytes`, `layer ${layer.digest} is ${stored.size} bytes in the archive, its descriptor says ${layer.size}`);
    }
  }
  const platform: Platform = config.variant ? { os: config.os, architecture: config.architecture, variant: config.variant } : { os: config.os, architecture: config.architecture };
  return {
    name: options.tag !== undefined ? `${label}:${options.tag}` : label,
    digest: descriptor.digest,
    platform: formatPlatform(platform),
    layers: manifest.layers.map((layer) => archiveLayer(files, blobPath(layer.digest, label), layer.digest, layer.size)),
    config,
    tags,
  };
}

/** An OCI image layout directory. */
export async function ociLayoutImage(dir: string, options: ArchiveImageOptions = {}): Promise<ArchiveImage> {
  return imageFromLayout(new LayoutDirectoryFiles(dir), options);
}

/** An OCI image layout packed in a (uncompressed) tar: indexed once, layers read as byte ranges. */
export async function ociArchiveImage(file: string, options: ArchiveImageOptions = {}): Promise<ArchiveImage> {
  return imageFromLayout(await TarFiles.open(file, `oci-archive:${file}`, options.tarLimits), options);
}
