/**
 * Errors services raise. They say what went wrong in domain terms; the API
 * maps each reason to an HSS error code through its catalog, so services
 * never know about HTTP.
 */
export type DomainErrorReason =
  | 'invalid-parameter' // a value is out of range or inconsistent with another
  | 'not-found' // the named resource does not exist in the caller's project
  | 'forbidden' // the caller may not act on that project or enterprise project
  | 'conflict' // the resource already exists
  | 'no-agent' // the named server has no (known) agent
  | 'unauthenticated' // no valid credentials came with the request
  | 'token-expired'; // the token was valid once but has expired

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly reason: DomainErrorReason,
    message: string,
    /** The request field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const invalidParameter = (field: string, message: string) => new DomainError('invalid-parameter', message, field);
export const notFound = (message: string) => new DomainError('not-found', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const conflict = (message: string) => new DomainError('conflict', message);
export const unauthenticated = (message: string) => new DomainError('unauthenticated', message);
