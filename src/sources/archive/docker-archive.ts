/**
 * `docker save` tarballs as ImageArtifacts, read in place: the tar is
 * indexed once and each layer is a byte range of it.
 *
 * Two layouts are understood, both described by `manifest.json`
 * (`[{ Config, RepoTags, Layers }]`):
 * - legacy (Docker < 25, skopeo's docker-archive): `<id>/layer.tar` or
 *   `<hex>.tar` uncompressed layers, `<hex>.json` config. Their names are not
 *   content addresses we can trust, so each layer is keyed (and verified
 *   while streaming) by its config's `rootfs.diff_ids[i]`;
 * - Docker 25+: an OCI layout inside the tar, with Layers pointing into
 *   `blobs/sha256/`; each layer is keyed and verified by its blob digest.
 *
 * The artifact's digest is the image ID (the config's digest), which is
 * what Docker identifies the image by; legacy saves have no manifest digest.
 */
import { computeDigest, DigestMismatchError, formatPlatform, InvalidManifestError, parseImageConfig, type Platform } from '../registry/index.js';
import { ArchiveError } from './errors.js';
import { isDirectory, LayoutDirectoryFiles, TarFiles, type ArchiveFiles } from './files.js';
import { archiveLayer, DEFAULT_ARCHIVE_LIMITS, imageFromLayout, type ArchiveImage, type ArchiveImageOptions } from './oci-layout.js';
import { normalizeArchivePath } from './tar-index.js';

interface SaveEntry {
  config: string;
  repoTags: string[];
  layers: string[];
}

const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;
const LEGACY_CONFIG = /^([a-f0-9]{64})\.json$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A path named by manifest.json, checked before it is looked up. */
function safePath(value: unknown, where: string, label: string): string {
  if (typeof value !== 'string' || value === '') throw new ArchiveError('invalid', label, `manifest.json: ${where} is not a path`);
  const path = normalizeArchivePath(value);
  if (path === null || path === '.') throw new ArchiveError('unsafe-path', label, `manifest.json: ${where} names ${JSON.stringify(value)}, which is absolute or leaves the archive; refused`);
  return path;
}

function parseSaveManifest(bytes: Buffer, label: string): SaveEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ArchiveError('invalid', label, 'manifest.json is not valid JSON');
  }
  if (!Array.isArray(doc)) throw new ArchiveError('invalid', label, 'manifest.json is not an array of images');
  return doc.map((item: unknown, i: number): SaveEntry => {
    if (!isObject(item)) throw new ArchiveError('invalid', label, `manifest.json: image ${i} is not an object`);
    if (!Array.isArray(item.Layers)) throw new ArchiveError('invalid', label, `manifest.json: image ${i} has no Layers array`);
    return {
      config: safePath(item.Config, `image ${i} Config`, label),
      repoTags: Array.isArray(item.RepoTags) ? item.RepoTags.filter((t): t is string => typeof t === 'string') : [],
      layers: item.Layers.map((layer: unknown, j: number) => safePath(layer, `image ${i} Layers[${j}]`, label)),
    };
  });
}

/** `docker.io/library/nginx:1` and `nginx:1` name the same image. */
const shortTag = (tag: string) => tag.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');

function tagMatches(repoTag: string, wanted: string): boolean {
  if (shortTag(repoTag) === shortTag(wanted)) return true;
  return !wanted.includes(':') && !wanted.includes('/') && repoTag.endsWith(`:${wanted}`);
}

function pickEntry(entries: SaveEntry[], tag: string | undefined, label: string): SaveEntry {
  const available = () => entries.flatMap((e) => e.repoTags).join(', ') || 'none';
  const candidates = tag === undefined ? entries : entries.filter((e) => e.repoTags.some((t) => tagMatches(t, tag)));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) {
    throw new ArchiveError('not-found', label, tag === undefined ? 'manifest.json lists no images' : `no image tagged ${JSON.stringify(tag)} in manifest.json (tags: ${available()})`);
  }
  throw new ArchiveError('ambiguous', label, `manifest.json lists ${candidates.length} images${tag ? ` tagged ${JSON.stringify(tag)}` : ''}; choose one with a tag (tags: ${available()})`);
}

/** Reads the docker-save image behind `files`. */
export async function imageFromDockerSave(files: ArchiveFiles, options: ArchiveImageOptions = {}): Promise<ArchiveImage> {
  const label = files.label;
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const entry = pickEntry(parseSaveManifest(await files.read('manifest.json', limits.maxManifestBytes, 'manifest.json'), label), options.tag, label);

  const configBytes = await files.read(entry.config, limits.maxConfigBytes, 'image config');
  const imageId = computeDigest(configBytes);
  const named = BLOB_PATH.exec(entry.config) ?? LEGACY_CONFIG.exec(entry.config);
  if (named && `sha256:${named[1]}` !== imageId) {
    throw new DigestMismatchError({ registry: label, reference: entry.config }, `sha256:${named[1]}`, imageId, `image config ${entry.config} hashes to ${imageId}, not to the digest its name claims`);
  }
  const config = parseImageConfig(configBytes, { registry: label, reference: imageId });
  if (config.diffIds.length !== entry.layers.length) {
    throw new InvalidManifestError({ registry: label, reference: imageId }, `manifest.json lists ${entry.layers.length} layers but the image config has ${config.diffIds.length} diff_ids`);
  }
  const layers = await Promise.all(
    entry.layers.map(async (path, i) => {
      const stored = await files.stat(path);
      if (!stored) throw new ArchiveError('not-found', label, `layer ${i} (${path}) named by manifest.json is not in the archive`);
      // A blob path is a content address the verifier checks; anything else is keyed by the diff_id, which the uncompressed layer.tar must hash to.
      const blob = BLOB_PATH.exec(stored.path) ?? BLOB_PATH.exec(path);
      const digest = blob ? `sha256:${blob[1]}` : config.diffIds[i]!;
      return archiveLayer(files, path, digest, stored.size);
    }),
  );
  const platform: Platform = config.variant ? { os: config.os, architecture: config.architecture, variant: config.variant } : { os: config.os, architecture: config.architecture };
  return {
    name: options.tag !== undefined ? `${label}:${options.tag}` : label,
    digest: imageId,
    platform: formatPlatform(platform),
    layers,
    config,
    tags: entry.repoTags,
  };
}

/** A `docker save` tarball (legacy or Docker 25+ layout; uncompressed). */
export async function dockerArchiveImage(file: string, options: ArchiveImageOptions = {}): Promise<ArchiveImage> {
  return imageFromDockerSave(await TarFiles.open(file, `docker-archive:${file}`, options.tarLimits), options);
}

/**
 * Any image archive: a directory is an OCI layout; a tar holding
 * `manifest.json` is read as a docker save (Docker 25+ saves hold an OCI
 * layout too, but manifest.json carries the RepoTags), else as an OCI layout.
 */
export async function archiveImage(path: string, options: ArchiveImageOptions = {}): Promise<ArchiveImage> {
  if (await isDirectory(path)) return imageFromLayout(new LayoutDirectoryFiles(path), options);
  const files = await TarFiles.open(path, `archive:${path}`, options.tarLimits);
  if (await files.stat('manifest.json')) return imageFromDockerSave(files.relabel(`docker-archive:${path}`), options);
  if (await files.stat('index.json')) return imageFromLayout(files.relabel(`oci-archive:${path}`), options);
  throw new ArchiveError('unsupported', files.label, 'neither a docker save (no manifest.json) nor an OCI layout (no index.json)');
}
