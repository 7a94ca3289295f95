/**
 * `openhss db push` / `db pull`: the DB bundle (bundle.ts) carried through any OCI registry as an
 * artifact, the way Trivy distributes its DB, so a Harbor or a registry mirror can bring it inside.
 *
 * The artifact is an OCI image manifest (`application/vnd.oci.image.manifest.v1+json`) with
 * - `artifactType` `application/vnd.openhss.vulndb.v1`;
 * - a config blob of media type `application/vnd.openhss.vulndb.config.v1+json`: the bundle's
 *   metadata JSON, so a pull refuses a DB of another schema version before downloading it;
 * - one layer, `application/vnd.openhss.vulndb.bundle.v1.tar+gzip`: the bundle file, byte for byte
 *   what `db export` writes (title annotation `openhss-vulndb.tar.gz`).
 *
 * Registries that predate `artifactType` (Distribution 2.8 ignores the field) still tell the
 * artifact by its config media type, which is what a pull checks. Pulls go through the scanner's
 * registry client (src/sources/registry: auth, retries, digest verification), pushes through its
 * push side (blob upload by POST then one PUT, or PATCH chunks for large blobs, then manifest PUT).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { MANIFEST_ACCEPT, MediaType, RegistryClient, parseReference, type Credentials, type RegistryTimeouts } from '../sources/registry/index.js';
import { BundleError, exportBundle, importBundle, readBundleMetadata, validateMetadata, type BundleMetadata, type InstallResult } from './bundle.js';

export const VULNDB_ARTIFACT_TYPE = 'application/vnd.openhss.vulndb.v1';
export const VULNDB_CONFIG_MEDIA_TYPE = 'application/vnd.openhss.vulndb.config.v1+json';
export const VULNDB_LAYER_MEDIA_TYPE = 'application/vnd.openhss.vulndb.bundle.v1.tar+gzip';
export const VULNDB_LAYER_TITLE = 'openhss-vulndb.tar.gz';
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface OciTransferOptions {
  /** undici dispatcher for every request (tests pass one that refuses non-loopback hosts). */
  dispatcher?: Dispatcher;
  credentials?: Credentials;
  /** Plain http (a registry without TLS). */
  insecure?: boolean;
  /** Blobs over this size are uploaded in PATCH chunks of this size (default 64 MiB). */
  chunkBytes?: number;
  timeouts?: Partial<RegistryTimeouts>;
  /** Directory for the temporary bundle of `pushDb` (default the OS temp directory). */
  workDir?: string;
}

export interface PushResult {
  reference: string;
  /** The manifest digest: `REGISTRY/REPO@DIGEST` pins exactly this DB. */
  digest: string;
  bundleBytes: number;
  metadata: BundleMetadata;
}

function clientFor(registry: string, options: OciTransferOptions): RegistryClient {
  return new RegistryClient({
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    hosts: { [registry]: { ...(options.insecure ? { insecure: true } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) } },
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    userAgent: 'openhss-vulndb',
  });
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Pushes a bundle file (from `db export`) as the artifact `reference` (`registry/repo:tag`). */
export async function pushBundle(bundleFile: string, reference: string, options: OciTransferOptions = {}): Promise<PushResult> {
  const ref = parseReference(reference);
  if (ref.digest) throw new BundleError(`push to a tag, not a digest: ${reference}`);
  const tag = ref.tag ?? 'latest';
  // Any schema version: mirroring a bundle made by another openhss is fine; the openhss that pulls it decides.
  const metadata = await readBundleMetadata(bundleFile, { anySchema: true });
  const size = (await stat(bundleFile)).size;
  const layerDigest = `sha256:${await sha256File(bundleFile)}`;
  const config = Buffer.from(JSON.stringify(metadata));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: VULNDB_ARTIFACT_TYPE,
    config: { mediaType: VULNDB_CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
    layers: [{ mediaType: VULNDB_LAYER_MEDIA_TYPE, digest: layerDigest, size, annotations: { 'org.opencontainers.image.title': VULNDB_LAYER_TITLE } }],
    annotations: {
      'org.opencontainers.image.created': metadata.builtAt ?? metadata.exportedAt,
      'org.openhss.vulndb.schema-version': String(metadata.schemaVersion),
    },
  };
  const location = { registry: ref.registry, repository: ref.repository };
  const client = clientFor(ref.registry, options);
  try {
    const chunk = options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {};
    await client.pushBlob(location, { digest: configDigest, size: config.length, open: (start, end) => Readable.from([config.subarray(start, end)]) }, chunk);
    await client.pushBlob(location, { digest: layerDigest, size, open: (start, end) => createReadStream(bundleFile, { start, end: end - 1 }) }, chunk);
    const digest = await client.putManifest(location, tag, Buffer.from(JSON.stringify(manifest)), MediaType.ociManifest);
    return { reference: `${ref.registry}/${ref.repository}:${tag}`, digest, bundleBytes: size, metadata };
  } finally {
    await client.close();
  }
}

/** Exports `dbFile` to a temporary bundle and pushes it. */
export async function pushDb(dbFile: string, reference: string, options: OciTransferOptions = {}): Promise<PushResult> {
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), 'openhss-db-push-'));
  try {
    const bundle = join(work, VULNDB_LAYER_TITLE);
    await exportBundle(dbFile, bundle);
    return await pushBundle(bundle, reference, options);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface ArtifactManifest {
  config: { mediaType: string; digest: string; size: number };
  layer: { digest: string; size: number };
}

function parseArtifactManifest(bytes: Buffer, where: string): ArtifactManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new BundleError(`${where}: the manifest is not valid JSON`);
  }
  const config = doc.config as ArtifactManifest['config'] | undefined;
  const layers = doc.layers as Array<{ mediaType?: unknown; digest?: unknown; size?: unknown }> | undefined;
  const isOurs = config?.mediaType === VULNDB_CONFIG_MEDIA_TYPE || doc.artifactType === VULNDB_ARTIFACT_TYPE;
  if (doc.schemaVersion !== 2 || !config || !isOurs) {
    throw new BundleError(`${where} is not an openhss vulnerability DB artifact (config media type ${JSON.stringify(config?.mediaType)}, expected ${VULNDB_CONFIG_MEDIA_TYPE})`);
  }
  const bundles = (Array.isArray(layers) ? layers : []).filter((l) => l.mediaType === VULNDB_LAYER_MEDIA_TYPE);
  const layer = bundles[0];
  if (bundles.length !== 1 || !layer || typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest) || typeof layer.size !== 'number' || !Number.isSafeInteger(layer.size)) {
    throw new BundleError(`${where}: the artifact must have exactly one ${VULNDB_LAYER_MEDIA_TYPE} layer with a sha256 digest`);
  }
  if (typeof config.digest !== 'string' || typeof config.size !== 'number') throw new BundleError(`${where}: the artifact's config descriptor is invalid`);
  return { config, layer: { digest: layer.digest, size: layer.size } };
}

export interface PullResult extends InstallResult {
  reference: string;
  digest: string;
  bundleBytes: number;
}

/**
 * Pulls the artifact `reference` and installs its DB as `dbFile` (verified and atomic, as
 * `importBundle`). The config is read first: a DB of another schema version is refused before
 * its bundle is downloaded. A failure leaves `dbFile` as it was.
 */
export async function pullDb(reference: string, dbFile: string, options: OciTransferOptions = {}): Promise<PullResult> {
  const ref = parseReference(reference);
  const tag = ref.digest ?? ref.tag ?? 'latest';
  const where = `${ref.registry}/${ref.repository}${ref.digest ? '@' : ':'}${tag}`;
  const location = { registry: ref.registry, repository: ref.repository };
  const target = resolve(dbFile);
  const client = clientFor(ref.registry, options);
  await mkdir(dirname(target), { recursive: true });
  // Named as update.ts names its download directories, so one left by a crash is removed the same way.
  const work = await mkdtemp(join(dirname(target), `.vulndb-download-${process.pid}-`));
  try {
    // Accept image manifests of every kind: Distribution 2.x rewrites a Docker manifest to schema 1 for a client that accepts only OCI.
    const manifest = await client.getRawManifest(location, tag, { accept: MANIFEST_ACCEPT });
    const artifact = parseArtifactManifest(manifest.bytes, where);
    const configBytes = await client.readBlob(location, artifact.config, MAX_CONFIG_BYTES, 'DB metadata');
    let configDoc: unknown;
    try {
      configDoc = JSON.parse(configBytes.toString('utf8'));
    } catch {
      throw new BundleError(`${where}: the artifact's config is not valid JSON`);
    }
    const announced = validateMetadata(configDoc, where);
    const file = join(work, VULNDB_LAYER_TITLE);
    await pipeline(await client.openBlob(location, artifact.layer), createWriteStream(file));
    const inside = await readBundleMetadata(file);
    if (inside.files[0]?.sha256 !== announced.files[0]?.sha256) throw new BundleError(`${where}: the bundle's DB is not the one the artifact's config describes`);
    const installed = await importBundle(target, file, { expectSha256: artifact.layer.digest.slice('sha256:'.length) });
    return { ...installed, reference: where, digest: manifest.digest, bundleBytes: artifact.layer.size };
  } finally {
    await rm(work, { recursive: true, force: true });
    await client.close();
  }
}
