/**
 * Why a cluster could not be scanned. The job layer counts these as failed
 * clusters and shows `reason` to the user, so a reason never carries a token,
 * password, key or the kubeconfig itself.
 */
export type ClusterScanErrorKind = 'unreachable' | 'unauthorized' | 'forbidden' | 'invalid-input' | 'api-error';

export class ClusterScanError extends Error {
  override readonly name = 'ClusterScanError';

  constructor(
    readonly kind: ClusterScanErrorKind,
    readonly reason: string,
    /** The API server's HTTP status, when it answered. */
    readonly httpStatus?: number,
  ) {
    super(`${kind}: ${reason}`);
  }
}
