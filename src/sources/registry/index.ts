/**
 * OCI Distribution v2 client: image references → manifest (platform chosen
 * from indexes), config and ordered layers; blobs streamed with digest
 * verification; tag and catalog listing. See client.ts for the contract,
 * and DigestVerifier (digest.ts) for how callers must treat streamed bytes.
 */
export { RegistryClient, DEFAULT_LIMITS, DEFAULT_UPLOAD_CHUNK_BYTES } from './client.js';
export type { BlobSource, FetchedManifest, LayerDescriptor, RawManifest, RegistryClientOptions, RegistryHostOptions, RegistryLimits, RepositoryLocation, RequestOptions, ResolvedImage } from './client.js';
export type { Credentials } from './auth.js';
export { parseReference, formatReference, manifestReference, registryApiHost, isValidRepository, DOCKER_HUB } from './reference.js';
export type { ImageReference } from './reference.js';
export { DEFAULT_PLATFORM, parsePlatform, formatPlatform, selectPlatform } from './platform.js';
export type { Platform } from './platform.js';
export { parseManifest } from './manifest.js';
export type { Descriptor, ImageIndex, ImageManifest, IndexEntry, ParsedManifest } from './manifest.js';
export { parseImageConfig } from './image-config.js';
export type { ImageConfig } from './image-config.js';
export { MediaType, MANIFEST_ACCEPT } from './media-types.js';
export { DigestVerifier, computeDigest, parseDigest } from './digest.js';
export { createRegistryAgent, DEFAULT_TIMEOUTS } from './transport.js';
export type { RegistryTimeouts } from './transport.js';
export { DEFAULT_RETRY_POLICY } from './retry.js';
export type { RetryPolicy } from './retry.js';
export {
  RegistryError,
  InvalidReferenceError,
  RegistryUnauthorizedError,
  RegistryDeniedError,
  RegistryNotFoundError,
  DigestMismatchError,
  ContentTooLargeError,
  UnsupportedMediaTypeError,
  InvalidManifestError,
  NoMatchingPlatformError,
  RegistryTimeoutError,
  RegistryNetworkError,
  RegistryHttpError,
} from './errors.js';
export type { RegistryErrorCode, RegistryTarget } from './errors.js';
