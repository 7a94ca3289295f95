/**
 * Typed errors of the registry client. Each names the registry, and the
 * repository and reference (tag or digest) when there is one, so a failed
 * scan says which image and which registry were at fault.
 */

/** What the error is about. */
export interface RegistryTarget {
  /** Registry as written in the reference: `docker.io`, `127.0.0.1:5000`. */
  registry: string;
  repository?: string;
  /** Tag, manifest digest or blob digest. */
  reference?: string;
}

export type RegistryErrorCode =
  | 'invalid-reference'
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'digest-mismatch'
  | 'too-large'
  | 'unsupported-media-type'
  | 'invalid-manifest'
  | 'no-matching-platform'
  | 'timeout'
  | 'network'
  | 'http';

/** `registry/repository:tag`, `registry/repository@sha256:…`, or the registry alone. */
export function describeTarget(target: RegistryTarget): string {
  let text = target.registry;
  if (target.repository) text += `/${target.repository}`;
  if (target.reference) text += target.reference.includes(':') ? `@${target.reference}` : `:${target.reference}`;
  return text;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly registry: string;
  readonly repository: string | undefined;
  readonly reference: string | undefined;

  constructor(
    readonly code: RegistryErrorCode,
    target: RegistryTarget,
    detail: string,
    /** The HTTP status that caused it, when one did. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${describeTarget(target)}: ${detail}`, options);
    this.registry = target.registry;
    this.repository = target.repository;
    this.reference = target.reference;
  }
}

export class InvalidReferenceError extends RegistryError {
  override name = 'InvalidReferenceError';
  constructor(input: string, why: string) {
    super('invalid-reference', { registry: '(none)' }, `invalid image reference ${JSON.stringify(input)}: ${why}`);
  }
}

/** 401: no credentials, wrong credentials, or the token endpoint refused them. */
export class RegistryUnauthorizedError extends RegistryError {
  override name = 'RegistryUnauthorizedError';
  constructor(target: RegistryTarget, detail: string, status = 401) {
    super('unauthorized', target, detail, status);
  }
}

/** 403: the credentials are valid but may not read this. */
export class RegistryDeniedError extends RegistryError {
  override name = 'RegistryDeniedError';
  constructor(target: RegistryTarget, detail: string) {
    super('denied', target, detail, 403);
  }
}

export class RegistryNotFoundError extends RegistryError {
  override name = 'RegistryNotFoundError';
  constructor(target: RegistryTarget, detail: string) {
    super('not-found', target, detail, 404);
  }
}

/** Content whose digest or size is not the one it was asked for by. */
export class DigestMismatchError extends RegistryError {
  override name = 'DigestMismatchError';
  constructor(
    target: RegistryTarget,
    readonly expected: string,
    readonly actual: string,
    detail?: string,
  ) {
    super('digest-mismatch', target, detail ?? `content digest mismatch: expected ${expected}, got ${actual}`);
  }
}

/** A manifest, index, config or listing larger than the configured cap. */
export class ContentTooLargeError extends RegistryError {
  override name = 'ContentTooLargeError';
  constructor(
    target: RegistryTarget,
    readonly what: string,
    readonly limit: number,
    size?: number,
  ) {
    super('too-large', target, `${what} is larger than the ${limit}-byte limit${size !== undefined ? ` (${size} bytes)` : ''}`);
  }
}

/** Schema 1 manifests, non-image artifacts, unknown layer types. */
export class UnsupportedMediaTypeError extends RegistryError {
  override name = 'UnsupportedMediaTypeError';
  constructor(
    target: RegistryTarget,
    readonly mediaType: string,
    detail?: string,
  ) {
    super('unsupported-media-type', target, detail ?? `unsupported media type ${mediaType}`);
  }
}

export class InvalidManifestError extends RegistryError {
  override name = 'InvalidManifestError';
  constructor(target: RegistryTarget, detail: string) {
    super('invalid-manifest', target, detail);
  }
}

export class NoMatchingPlatformError extends RegistryError {
  override name = 'NoMatchingPlatformError';
  constructor(
    target: RegistryTarget,
    readonly wanted: string,
    readonly available: string[],
  ) {
    super('no-matching-platform', target, `no manifest for platform ${wanted} (the index has: ${available.join(', ') || 'none'})`);
  }
}

/** Connect, response headers, or the body went idle for longer than allowed. */
export class RegistryTimeoutError extends RegistryError {
  override name = 'RegistryTimeoutError';
  constructor(target: RegistryTarget, detail: string, options?: { cause?: unknown }) {
    super('timeout', target, detail, undefined, options);
  }
}

/** Connection refused or reset, DNS failure, TLS failure, after the retries. */
export class RegistryNetworkError extends RegistryError {
  override name = 'RegistryNetworkError';
  constructor(target: RegistryTarget, detail: string, options?: { cause?: unknown }) {
    super('network', target, detail, undefined, options);
  }
}

/** Any other unexpected status (including 429/5xx once the retries are spent). */
export class RegistryHttpError extends RegistryError {
  override name = 'RegistryHttpError';
  constructor(target: RegistryTarget, status: number, detail: string) {
    super('http', target, detail, status);
  }
}
