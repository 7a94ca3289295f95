import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { CATALOG_SCOPE, RegistryAuthenticator, pullScope, pushScope, type Credentials } from './auth.js';
import { ContentTooLargeError, DigestMismatchError, InvalidManifestError, NoMatchingPlatformError, RegistryDeniedError, RegistryHttpError, RegistryNotFoundError, RegistryUnauthorizedError, type RegistryTarget } from './errors.js';
import { DigestVerifier, computeDigest, parseDigest, requireDigest, verifyBytes } from './digest.js';
import { parseImageConfig, type ImageConfig } from './image-config.js';
import { parseManifest, type Descriptor, type ImageIndex, type ImageManifest, type IndexEntry, type ParsedManifest } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { nextLink } from './pagination.js';
import { DEFAULT_PLATFORM, formatPlatform, parsePlatform, selectPlatform, type Platform } from './platform.js';
import { readCapped, registryErrorDetail } from './read-capped.js';
import { isValidManifestReference, isValidRepository, manifestReference, parseReference, registryApiHost, type ImageReference } from './reference.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { DEFAULT_TIMEOUTS, Transport, createRegistryAgent, discard, header, toRegistryError, type RegistryTimeouts, type TransportRequest, type TransportResponse } from './transport.js';

/** How to reach one registry. */
export interface RegistryHostOptions {
  /** Plain http instead of https (and token realms and redirects over http allowed). */
  insecure?: boolean;
  credentials?: Credentials;
}

/** Caps on what is held in memory, so a hostile registry cannot exhaust it. */
export interface RegistryLimits {
  /** Largest manifest or index. */
  maxManifestBytes: number;
  /** Largest image config blob. */
  maxConfigBytes: number;
  /** Largest page of a tag list or catalog. */
  maxListBytes: number;
  /** Largest token endpoint response. */
  maxTokenBytes: number;
}

export const DEFAULT_LIMITS: RegistryLimits = { maxManifestBytes: 4 * 1024 ** 2, maxConfigBytes: 4 * 1024 ** 2, maxListBytes: 4 * 1024 ** 2, maxTokenBytes: 1024 ** 2 };

export interface RegistryClientOptions {
  /**
   * The undici dispatcher every request goes through (nothing global is
   * used). Without one the client makes its own Agent with the timeouts
   * and closes it in close(). Tests pass one that refuses non-loopback hosts.
   */
  dispatcher?: Dispatcher;
  /** Per-registry settings, keyed by the registry as written in references (`docker.io`, `127.0.0.1:5000`). */
  hosts?: Record<string, RegistryHostOptions>;
  /** Platform chosen from indexes: `linux/arm64/v8` or an object. Default linux/amd64. */
  platform?: Platform | string;
  timeouts?: Partial<RegistryTimeouts>;
  retry?: Partial<RetryPolicy>;
  limits?: Partial<RegistryLimits>;
  logger?: Logger;
  userAgent?: string;
  /** Clock for token expiry and Retry-After dates. */
  now?: () => number;
}

/** A repository in a registry. */
export interface RepositoryLocation {
  registry: string;
  repository: string;
}

/** A manifest or index as fetched, verified against its digest. */
export interface FetchedManifest {
  digest: string;
  /** Media type as declared by the document (or the response). */
  mediaType: string;
  size: number;
  bytes: Buffer;
  manifest: ParsedManifest;
}

/** A layer to fetch, bottom first, with its uncompressed digest from the config. */
export interface LayerDescriptor extends Descriptor {
  diffId: string;
}

/** Everything needed to scan an image: the manifest chosen for the platform, its config and its layers in order. */
export interface ResolvedImage {
  reference: ImageReference;
  registry: string;
  repository: string;
  /** The digest that pins what the reference resolved to: the index's when the tag named one, else the manifest's. */
  digest: string;
  /** The index the manifest was chosen from, when the reference named one. */
  index?: { digest: string; mediaType: string; manifests: IndexEntry[] };
  manifest: { digest: string; mediaType: string; size: number; document: ImageManifest };
  config: { digest: string; mediaType: string; size: number; bytes: Buffer; document: ImageConfig };
  layers: LayerDescriptor[];
  /** The platform of the chosen image, from its config. */
  platform: Platform;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

const MAX_INDEX_DEPTH = 4;

interface ApiRequest {
  registry: string;
  /** Path and query under the registry's origin. */
  path: string;
  /** A full URL instead of `path` (an upload Location the registry gave, possibly on another origin). */
  url?: URL;
  scope: string;
  target: RegistryTarget;
  method?: TransportRequest['method'];
  accept?: string;
  headers?: Record<string, string>;
  body?: TransportRequest['body'];
  signal?: AbortSignal | undefined;
}

/** What `getRawManifest` returns: a manifest of any media type, verified against its digest, not parsed. */
export interface RawManifest {
  digest: string;
  contentType: string | undefined;
  bytes: Buffer;
}

/** A blob to push: its digest and size, and how to read it (called again if the request must be resent). */
export interface BlobSource {
  digest: string;
  size: number;
  open: (start: number, end: number) => Readable;
}

/** Uploads larger than this go in PATCH chunks of this size; smaller ones in one PUT. */
export const DEFAULT_UPLOAD_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * An OCI Distribution v2 client: resolves image references to a manifest,
 * config and layer list (choosing a platform from indexes), streams blobs
 * with digest verification, and lists tags and repositories.
 */
export class RegistryClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly hosts: Record<string, RegistryHostOptions>;
  private readonly platform: Platform;
  private readonly timeouts: RegistryTimeouts;
  private readonly limits: RegistryLimits;
  private readonly transport: Transport;
  private readonly auth: RegistryAuthenticator;
  private readonly logger: Logger | undefined;

  constructor(options: RegistryClientOptions = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createRegistryAgent(this.timeouts);
    this.hosts = options.hosts ?? {};
    this.platform = typeof options.platform === 'string' ? parsePlatform(options.platform) : (options.platform ?? DEFAULT_PLATFORM);
    this.logger = options.logger;
    const now = options.now ?? Date.now;
    this.transport = new Transport({
      dispatcher: this.dispatcher,
      timeouts: this.timeouts,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      userAgent: options.userAgent ?? 'openhss',
      logger: this.logger,
      now,
    });
    this.auth = new RegistryAuthenticator({ transport: this.transport, timeouts: this.timeouts, now, logger: this.logger, maxTokenBytes: this.limits.maxTokenBytes });
  }

  /** Closes the dispatcher if the client made it; an injected one is the caller's to close. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /**
   * Resolves a reference to the image to scan: follows an index to the
   * manifest for the platform (the client's, or `options.platform`), and
   * fetches and verifies the config. A reference naming a single manifest
   * is used whatever its platform; `platform` in the result says which.
   */
  async resolve(reference: string | ImageReference, options: RequestOptions & { platform?: Platform | string } = {}): Promise<ResolvedImage> {
    const ref = typeof reference === 'string' ? parseReference(reference) : reference;
    const wanted = typeof options.platform === 'string' ? parsePlatform(options.platform) : (options.platform ?? this.platform);
    const location = { registry: ref.registry, repository: ref.repository };
    const top = await this.getManifest(location, manifestReference(ref), options);

    let current = top;
    let index: ResolvedImage['index'];
    for (let depth = 0; current.manifest.kind === 'index'; depth++) {
      const doc: ImageIndex = current.manifest;
      const target = { ...location, reference: current.digest };
      if (depth >= MAX_INDEX_DEPTH) throw new InvalidManifestError(target, `indexes nested deeper than ${MAX_INDEX_DEPTH}`);
      if (!index) index = { digest: current.digest, mediaType: current.mediaType, manifests: doc.manifests };
      const entry = selectPlatform(doc.manifests, wanted);
      if (!entry) {
        const available = doc.manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatPlatform(m.platform!));
        throw new NoMatchingPlatformError({ ...location, reference: manifestReference(ref) }, formatPlatform(wanted), available);
      }
      current = await this.getManifest(location, entry.digest, { ...options, size: entry.size });
    }
    const manifest: ImageManifest = current.manifest;
    const manifestTarget = { ...location, reference: current.digest };

    const configBytes = await this.readBlob(location, manifest.config, this.limits.maxConfigBytes, 'image config', options);
    const config = parseImageConfig(configBytes, { ...location, reference: manifest.config.digest });
    if (config.diffIds.length !== manifest.layers.length) {
      throw new InvalidManifestError(manifestTarget, `the manifest lists ${manifest.layers.length} layers but its config has ${config.diffIds.length} diff_ids`);
    }
    const layers = manifest.layers.map((layer, i) => ({ ...layer, diffId: config.diffIds[i]! }));
    const platform: Platform = config.variant ? { os: config.os, architecture: config.architecture, variant: config.variant } : { os: config.os, architecture: config.architecture };

    const resolved: ResolvedImage = {
      reference: ref,
      registry: ref.registry,
      repository: ref.repository,
      digest: top.digest,
      manifest: { digest: current.digest, mediaType: current.mediaType, size: current.size, document: manifest },
      config: { digest: manifest.config.digest, mediaType: manifest.config.mediaType, size: manifest.config.size, bytes: configBytes, document: config },
      layers,
      platform,
    };
    if (index) resolved.index = index;
    return resolved;
  }

  /**
   * Fetches a manifest or index by tag or digest, capped at maxManifestBytes.
   * By digest, the bytes must hash to it (and have `size` bytes when given);
   * by tag, they must hash to the registry's Docker-Content-Digest when it
   * sends one.
   */
  async getManifest(location: RepositoryLocation, reference: string, options: RequestOptions & { size?: number } = {}): Promise<FetchedManifest> {
    const raw = await this.getRawManifest(location, reference, { ...options, accept: MANIFEST_ACCEPT });
    const manifest = parseManifest(raw.bytes, raw.contentType, { ...location, reference });
    return { digest: raw.digest, mediaType: manifest.mediaType, size: raw.bytes.length, bytes: raw.bytes, manifest };
  }

  /**
   * A manifest of any kind (OCI artifacts included) read whole, capped at maxManifestBytes and
   * verified as getManifest does, but not parsed: the caller checks the media types it expects.
   */
  async getRawManifest(location: RepositoryLocation, reference: string, options: RequestOptions & { size?: number; accept: string }): Promise<RawManifest> {
    const target = { ...location, reference };
    this.checkLocation(location, reference);
    const response = await this.api({
      registry: location.registry,
      path: `/v2/${location.repository}/manifests/${reference}`,
      scope: pullScope(location.repository),
      target,
      accept: options.accept,
      signal: options.signal,
    });
    if (response.status !== 200) throw await this.failure(response, target, 'manifest');
    const bytes = await readCapped(response, this.limits.maxManifestBytes, target, 'manifest', this.timeouts);
    let digest: string;
    if (reference.includes(':')) {
      verifyBytes(bytes, reference, target, options.size);
      digest = reference;
    } else {
      const announced = header(response.headers, 'docker-content-digest');
      const parsed = announced ? parseDigest(announced) : null;
      digest = computeDigest(bytes, parsed?.algorithm ?? 'sha256');
      if (parsed && digest !== announced) throw new DigestMismatchError(target, announced!, digest, `manifest digest mismatch: the registry announced ${announced}, the bytes hash to ${digest}`);
    }
    return { digest, contentType: header(response.headers, 'content-type'), bytes };
  }

  /** Whether the repository already has a blob (HEAD), so a push can skip it. */
  async hasBlob(location: RepositoryLocation, digest: string, options: RequestOptions & { push?: boolean } = {}): Promise<boolean> {
    const target = { ...location, reference: digest };
    this.checkLocation(location, digest);
    requireDigest(digest, target, 'blob');
    const response = await this.api({ registry: location.registry, path: `/v2/${location.repository}/blobs/${digest}`, scope: options.push ? pushScope(location.repository) : pullScope(location.repository), target, method: 'HEAD', signal: options.signal });
    await response.body.dump().catch(() => undefined);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.failure(response, target, 'blob');
  }

  /**
   * Uploads a blob unless the repository has it: `POST /v2/<repo>/blobs/uploads/`, then one
   * monolithic `PUT …?digest=` for blobs up to `chunkBytes`, else `PATCH` chunks with Content-Range
   * and a closing `PUT …?digest=`. Returns whether it was uploaded (false: it was there already).
   */
  async pushBlob(location: RepositoryLocation, blob: BlobSource, options: RequestOptions & { chunkBytes?: number } = {}): Promise<boolean> {
    const target = { ...location, reference: blob.digest };
    if (await this.hasBlob(location, blob.digest, { ...options, push: true })) return false;
    const scope = pushScope(location.repository);
    const started = await this.api({ registry: location.registry, path: `/v2/${location.repository}/blobs/uploads/`, scope, target, method: 'POST', headers: { 'content-length': '0' }, signal: options.signal });
    if (started.status !== 202) throw await this.failure(started, target, 'blob upload');
    await started.body.dump().catch(() => undefined);
    let uploadUrl = this.uploadLocation(started, target);
    const chunk = Math.max(1, options.chunkBytes ?? DEFAULT_UPLOAD_CHUNK_BYTES);
    let offset = 0;
    if (blob.size > chunk) {
      for (; offset < blob.size; ) {
        const end = Math.min(offset + chunk, blob.size);
        const from = offset;
        const response = await this.api({
          registry: location.registry,
          path: '',
          url: uploadUrl,
          scope,
          target,
          method: 'PATCH',
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - from), 'content-range': `${from}-${end - 1}` },
          body: () => blob.open(from, end),
          signal: options.signal,
        });
        if (response.status !== 202) throw await this.failure(response, target, `blob upload chunk ${from}-${end - 1}`);
        await response.body.dump().catch(() => undefined);
        uploadUrl = this.uploadLocation(response, target);
        offset = end;
      }
    }
    const finish = new URL(uploadUrl);
    finish.searchParams.set('digest', blob.digest);
    const remaining = blob.size - offset;
    const response = await this.api({
      registry: location.registry,
      path: '',
      url: finish,
      scope,
      target,
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(remaining) },
      ...(remaining > 0 ? { body: () => blob.open(offset, blob.size) } : {}),
      signal: options.signal,
    });
    if (response.status !== 201) throw await this.failure(response, target, 'blob upload');
    await response.body.dump().catch(() => undefined);
    const stored = header(response.headers, 'docker-content-digest');
    if (stored && stored !== blob.digest) throw new DigestMismatchError(target, blob.digest, stored, `the registry stored blob ${stored}, not ${blob.digest}`);
    return true;
  }

  /** `PUT /v2/<repo>/manifests/<tag>`: stores a manifest (its blobs must be pushed first); returns its digest. */
  async putManifest(location: RepositoryLocation, reference: string, manifest: Buffer, mediaType: string, options: RequestOptions = {}): Promise<string> {
    const target = { ...location, reference };
    this.checkLocation(location, reference);
    const response = await this.api({
      registry: location.registry,
      path: `/v2/${location.repository}/manifests/${reference}`,
      scope: pushScope(location.repository),
      target,
      method: 'PUT',
      headers: { 'content-type': mediaType, 'content-length': String(manifest.length) },
      body: manifest,
      signal: options.signal,
    });
    if (response.status !== 201 && response.status !== 200) throw await this.failure(response, target, 'manifest upload');
    await response.body.dump().catch(() => undefined);
    const digest = computeDigest(manifest, 'sha256');
    const stored = header(response.headers, 'docker-content-digest');
    if (stored && stored !== digest) throw new DigestMismatchError(target, digest, stored, `the registry stored manifest ${stored}, not ${digest}`);
    return digest;
  }

  /** The upload URL a 202 names in Location (relative to the request's URL, as the spec allows). */
  private uploadLocation(response: TransportResponse, target: RegistryTarget): URL {
    const location = header(response.headers, 'location');
    if (!location) throw new RegistryHttpError(target, response.status, 'the registry started a blob upload but sent no Location');
    const url = new URL(location, response.url);
    if (url.protocol !== response.url.protocol && !(url.protocol === 'https:')) throw new RegistryHttpError(target, response.status, `the registry's upload Location ${url.origin} downgrades to ${url.protocol}`);
    return url;
  }

  /** The digest a tag points at now, by HEAD when the registry announces it (else by GET). Cheap check for warm re-scans. */
  async resolveDigest(reference: string | ImageReference, options: RequestOptions = {}): Promise<string> {
    const ref = typeof reference === 'string' ? parseReference(reference) : reference;
    if (ref.digest) return ref.digest;
    const location = { registry: ref.registry, repository: ref.repository };
    const target = { ...location, reference: manifestReference(ref) };
    this.checkLocation(location, target.reference);
    const response = await this.api({ registry: ref.registry, path: `/v2/${ref.repository}/manifests/${target.reference}`, scope: pullScope(ref.repository), target, method: 'HEAD', accept: MANIFEST_ACCEPT, signal: options.signal });
    await response.body.dump().catch(() => undefined);
    const announced = header(response.headers, 'docker-content-digest');
    if (response.status === 200 && announced && parseDigest(announced)) return announced;
    return (await this.getManifest(location, target.reference, options)).digest;
  }

  /**
   * Streams a blob. The stream passes bytes on as they arrive and fails at
   * the end (or as soon as it has too many bytes) with DigestMismatchError
   * if they are not the descriptor's; it fails with RegistryTimeoutError if
   * the registry stalls for longer than timeouts.bodyIdleMs.
   *
   * Callers must not act on the bytes until the stream has ended cleanly:
   * consume it with `await pipeline(blob, ...)` and commit results (cache
   * entries, files, findings) only after that resolves; on rejection,
   * discard whatever was derived from it.
   */
  async openBlob(location: RepositoryLocation, descriptor: Pick<Descriptor, 'digest' | 'size'>, options: RequestOptions = {}): Promise<Readable> {
    const target = { ...location, reference: descriptor.digest };
    this.checkLocation(location, descriptor.digest);
    requireDigest(descriptor.digest, target, 'blob');
    const response = await this.api({ registry: location.registry, path: `/v2/${location.repository}/blobs/${descriptor.digest}`, scope: pullScope(location.repository), target, signal: options.signal });
    if (response.status !== 200) throw await this.failure(response, target, 'blob');
    const declared = header(response.headers, 'content-length');
    if (declared !== undefined && Number(declared) !== descriptor.size) {
      discard(response.body);
      throw new DigestMismatchError(target, descriptor.digest, `${declared} bytes`, `blob ${descriptor.digest} is ${declared} bytes long, its descriptor says ${descriptor.size}`);
    }
    const verifier = new DigestVerifier(descriptor.digest, target, descriptor.size);
    const body = response.body;
    body.on('error', (error) => verifier.destroy(toRegistryError(error, target, this.timeouts, `downloading blob ${descriptor.digest}`)));
    verifier.on('close', () => {
      if (!body.destroyed) body.destroy();
    });
    body.pipe(verifier);
    return verifier;
  }

  /** A small blob (an image config) read whole, refused when over `limit`, verified before it is returned. */
  async readBlob(location: RepositoryLocation, descriptor: Pick<Descriptor, 'digest' | 'size'>, limit: number, what = 'blob', options: RequestOptions = {}): Promise<Buffer> {
    const target = { ...location, reference: descriptor.digest };
    this.checkLocation(location, descriptor.digest);
    requireDigest(descriptor.digest, target, what);
    if (descriptor.size > limit) throw new ContentTooLargeError(target, what, limit, descriptor.size);
    const response = await this.api({ registry: location.registry, path: `/v2/${location.repository}/blobs/${descriptor.digest}`, scope: pullScope(location.repository), target, signal: options.signal });
    if (response.status !== 200) throw await this.failure(response, target, what);
    const bytes = await readCapped(response, limit, target, what, this.timeouts);
    verifyBytes(bytes, descriptor.digest, target, descriptor.size);
    return bytes;
  }

  /** Every tag of a repository, following the registry's Link pagination; `pageSize` sets `n=`. */
  async *tags(location: RepositoryLocation, options: RequestOptions & { pageSize?: number } = {}): AsyncGenerator<string> {
    this.checkLocation(location);
    const target = { ...location };
    yield* this.paginate(location.registry, `/v2/${location.repository}/tags/list`, pullScope(location.repository), target, 'tags', 'tag list', options);
  }

  /**
   * `GET /v2/`: resolves when the registry speaks the Distribution API and
   * accepts the configured credentials (or anonymous access); otherwise
   * throws the typed error saying why (unauthorized, network, timeout, HTTP).
   */
  async ping(registry: string, options: RequestOptions = {}): Promise<void> {
    const target = { registry };
    const response = await this.api({ registry, path: '/v2/', scope: '', target, signal: options.signal });
    if (response.status !== 200) throw await this.failure(response, target, 'API version check (/v2/)');
    await response.body.dump().catch(() => undefined);
  }

  /** Every repository in the registry (`/v2/_catalog`), following Link pagination. */
  async *repositories(registry: string, options: RequestOptions & { pageSize?: number } = {}): AsyncGenerator<string> {
    yield* this.paginate(registry, '/v2/_catalog', CATALOG_SCOPE, { registry }, 'repositories', 'catalog', options);
  }

  private async *paginate(registry: string, path: string, scope: string, target: RegistryTarget, field: 'tags' | 'repositories', what: string, options: RequestOptions & { pageSize?: number }): AsyncGenerator<string> {
    let next: string | undefined = options.pageSize ? `${path}?n=${options.pageSize}` : path;
    const seen = new Set<string>();
    while (next !== undefined) {
      seen.add(next);
      const response = await this.api({ registry, path: next, scope, target, signal: options.signal });
      if (response.status !== 200) throw await this.failure(response, target, what);
      const bytes = await readCapped(response, this.limits.maxListBytes, target, `${what} page`, this.timeouts);
      let items: unknown;
      try {
        items = (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>)[field];
      } catch {
        throw new InvalidManifestError(target, `the ${what} page is not valid JSON`);
      }
      if (items !== null && items !== undefined && !Array.isArray(items)) throw new InvalidManifestError(target, `the ${what} page has no ${field} array`);
      for (const item of (items ?? []) as unknown[]) if (typeof item === 'string') yield item;

      const link = nextLink(response.headers.link);
      if (link === undefined) return;
      const url = new URL(link, response.url);
      if (url.origin !== response.url.origin) throw new InvalidManifestError(target, `the ${what}'s next page points to another origin (${url.origin})`);
      next = `${url.pathname}${url.search}`;
      if (seen.has(next)) throw new InvalidManifestError(target, `the ${what}'s pagination loops back to ${next}`);
    }
  }

  private hostOptions(registry: string): RegistryHostOptions {
    return this.hosts[registry] ?? {};
  }

  private checkLocation(location: RepositoryLocation, reference?: string): void {
    if (!isValidRepository(location.repository)) throw new InvalidManifestError(location, `invalid repository name ${JSON.stringify(location.repository)}`);
    if (reference !== undefined && !isValidManifestReference(reference)) throw new InvalidManifestError({ ...location }, `invalid tag or digest ${JSON.stringify(reference)}`);
  }

  /** One API request, answering auth challenges (at most once, after dropping a refused cached token). */
  private async api(request: ApiRequest): Promise<TransportResponse> {
    const host = this.hostOptions(request.registry);
    const insecure = host.insecure === true;
    const url = request.url ?? new URL(`${insecure ? 'http' : 'https'}://${registryApiHost(request.registry)}${request.path}`);
    const headers: Record<string, string> = { ...request.headers };
    if (request.accept) headers.accept = request.accept;
    let authorization = this.auth.cached(request.registry, request.scope);
    for (let round = 0; ; round++) {
      const response = await this.transport.send({
        method: request.method ?? 'GET',
        url,
        headers: authorization ? { ...headers, authorization } : headers,
        target: request.target,
        allowHttp: insecure,
        signal: request.signal,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      if (response.status !== 401) return response;
      if (round > 0) {
        const detail = await registryErrorDetail(response);
        throw new RegistryUnauthorizedError(request.target, `the registry refused ${host.credentials ? 'the configured credentials' : 'anonymous access'}${detail}`);
      }
      if (authorization) this.auth.forget(request.registry, request.scope);
      authorization = await this.auth.answer(response, {
        registry: request.registry,
        scope: request.scope,
        credentials: host.credentials,
        target: request.target,
        allowHttp: insecure,
        signal: request.signal,
      });
    }
  }

  /** The typed error for a response that is not the 200 asked for. */
  private async failure(response: TransportResponse, target: RegistryTarget, what: string): Promise<Error> {
    const detail = await registryErrorDetail(response);
    switch (response.status) {
      case 403:
        return new RegistryDeniedError(target, `access to the ${what} is denied${detail}`);
      case 404:
        return new RegistryNotFoundError(target, `${what} not found${detail}`);
      default:
        return new RegistryHttpError(target, response.status, `the registry answered HTTP ${response.status} for the ${what}${detail}`);
    }
  }
}
