import { parseDigest } from './digest.js';
import { InvalidManifestError, UnsupportedMediaTypeError, type RegistryTarget } from './errors.js';
import { CONFIG_MEDIA_TYPES, INDEX_MEDIA_TYPES, LAYER_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType, SCHEMA1_MEDIA_TYPES, baseMediaType } from './media-types.js';
import type { Platform } from './platform.js';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
}

export interface IndexEntry extends Descriptor {
  platform?: Platform & { 'os.version'?: string; 'os.features'?: string[] };
}

/** A Docker manifest list or an OCI image index. */
export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: IndexEntry[];
}

/** A Docker schema 2 or OCI image manifest. */
export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest = ImageIndex | ImageManifest;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}

function parseDescriptor(value: unknown, where: string, target: RegistryTarget): Descriptor {
  if (!isObject(value)) throw new InvalidManifestError(target, `${where} is not an object`);
  const { mediaType, digest, size, urls, annotations } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw new InvalidManifestError(target, `${where} has no mediaType`);
  if (typeof digest !== 'string' || !parseDigest(digest)) throw new InvalidManifestError(target, `${where} has an invalid or unverifiable digest ${JSON.stringify(digest)}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new InvalidManifestError(target, `${where} has an invalid size ${JSON.stringify(size)}`);
  const descriptor: Descriptor = { mediaType, digest, size };
  if (Array.isArray(urls)) descriptor.urls = urls.filter((u): u is string => typeof u === 'string');
  const notes = stringRecord(annotations);
  if (notes) descriptor.annotations = notes;
  return descriptor;
}

function parsePlatformField(value: unknown): IndexEntry['platform'] {
  if (!isObject(value) || typeof value.os !== 'string' || typeof value.architecture !== 'string') return undefined;
  const platform: NonNullable<IndexEntry['platform']> = { os: value.os, architecture: value.architecture };
  if (typeof value.variant === 'string' && value.variant !== '') platform.variant = value.variant;
  if (typeof value['os.version'] === 'string') platform['os.version'] = value['os.version'];
  if (Array.isArray(value['os.features'])) platform['os.features'] = value['os.features'].filter((f): f is string => typeof f === 'string');
  return platform;
}

const schema1Error = (target: RegistryTarget, mediaType: string) =>
  new UnsupportedMediaTypeError(
    target,
    mediaType,
    `Docker schema 1 manifests (${mediaType}) are not supported: the format was deprecated in 2017 and carries no content digests for its layers; re-push the image with a current client to get a schema 2 or OCI manifest`,
  );

/**
 * Parses manifest bytes into an index or an image manifest. The media type
 * comes from the document's own `mediaType` field, else from the response's
 * Content-Type, else from its shape (OCI allows omitting it). Schema 1 and
 * anything that is not an image (Helm charts, signatures, other artifacts)
 * are refused with UnsupportedMediaTypeError.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, target: RegistryTarget): ParsedManifest {
  const headerType = baseMediaType(contentType);
  if (SCHEMA1_MEDIA_TYPES.has(headerType)) throw schema1Error(target, headerType);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InvalidManifestError(target, `the manifest is not valid JSON (Content-Type ${headerType || 'none'})`);
  }
  if (!isObject(doc)) throw new InvalidManifestError(target, 'the manifest is not a JSON object');
  if (doc.schemaVersion === 1) throw schema1Error(target, MediaType.dockerSchema1);
  if (doc.schemaVersion !== 2) throw new InvalidManifestError(target, `unsupported manifest schemaVersion ${JSON.stringify(doc.schemaVersion)}`);

  const declared = typeof doc.mediaType === 'string' && doc.mediaType !== '' ? doc.mediaType : undefined;
  const generic = headerType === '' || headerType === 'application/json' || headerType === 'application/octet-stream' || headerType === 'text/plain';
  let mediaType = declared ?? (generic ? undefined : headerType);
  if (mediaType === undefined) {
    if (Array.isArray(doc.manifests)) mediaType = MediaType.ociIndex;
    else if (isObject(doc.config) && Array.isArray(doc.layers)) mediaType = MediaType.ociManifest;
    else throw new InvalidManifestError(target, 'the document is neither an image index nor an image manifest');
  }
  if (SCHEMA1_MEDIA_TYPES.has(mediaType)) throw schema1Error(target, mediaType);

  if (INDEX_MEDIA_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw new InvalidManifestError(target, `the ${mediaType} has no manifests array`);
    const manifests = doc.manifests.map((entry: unknown, i: number): IndexEntry => {
      const descriptor: IndexEntry = parseDescriptor(entry, `manifests[${i}]`, target);
      const platform = parsePlatformField((entry as Record<string, unknown>).platform);
      if (platform) descriptor.platform = platform;
      return descriptor;
    });
    return { kind: 'index', mediaType, manifests };
  }

  if (MANIFEST_MEDIA_TYPES.has(mediaType)) {
    const config = parseDescriptor(doc.config, 'config', target);
    if (!Array.isArray(doc.layers)) throw new InvalidManifestError(target, 'the manifest has no layers array');
    const layers = doc.layers.map((layer: unknown, i: number) => parseDescriptor(layer, `layers[${i}]`, target));
    if (!CONFIG_MEDIA_TYPES.has(config.mediaType)) {
      throw new UnsupportedMediaTypeError(target, config.mediaType, `not a container image: its config has media type ${config.mediaType} (an OCI artifact such as a Helm chart or a signature?)`);
    }
    for (const layer of layers) {
      if (!LAYER_MEDIA_TYPES.has(layer.mediaType)) throw new UnsupportedMediaTypeError(target, layer.mediaType, `layer ${layer.digest} has unsupported media type ${layer.mediaType}`);
    }
    const manifest: ImageManifest = { kind: 'manifest', mediaType, config, layers };
    const notes = stringRecord(doc.annotations);
    if (notes) manifest.annotations = notes;
    return manifest;
  }

  throw new UnsupportedMediaTypeError(target, mediaType, `unsupported manifest media type ${mediaType}`);
}
