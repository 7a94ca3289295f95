/**
 * Errors about the structure of an image archive (an OCI layout or a
 * `docker save` tarball). Digest and size-cap failures use the registry
 * client's DigestMismatchError and ContentTooLargeError, and manifests its
 * InvalidManifestError, so callers handle one family of errors whatever the
 * source.
 */
export type ArchiveErrorCode = 'not-found' | 'unsafe-path' | 'truncated' | 'corrupt' | 'unsupported' | 'invalid' | 'ambiguous' | 'too-large';

export class ArchiveError extends Error {
  override name = 'ArchiveError';
  constructor(
    readonly code: ArchiveErrorCode,
    /** The archive as a transport string: `oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`. */
    readonly archive: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${archive}: ${detail}`, options);
  }
}
