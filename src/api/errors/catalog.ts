import type { DomainErrorReason } from '../../domain/errors.js';

/**
 * Every error code openhss sends, with its HTTP status. A test checks that
 * each code here is used somewhere and every code used is here.
 * HSS codes carry domain errors; APIGW codes come from the "gateway" layer
 * (authentication, unknown routes), as on Huawei Cloud.
 */
export const errorCatalog = {
  'HSS.0001': { status: 400, summary: 'Invalid parameter' },
  'HSS.0002': { status: 400, summary: 'The request could not be parsed' },
  'HSS.0011': { status: 404, summary: 'Resource not found' },
  'HSS.0013': { status: 403, summary: 'Insufficient permissions' },
  'HSS.0014': { status: 409, summary: 'Resource already exists' },
  'HSS.0041': { status: 500, summary: 'Internal query error' },
  'HSS.1001': { status: 400, summary: 'The selected server is not associated with any agent' },
  'APIGW.0101': { status: 404, summary: 'The API does not exist or has not been published in the environment' },
  'APIGW.0301': { status: 401, summary: 'Incorrect IAM authentication information' },
  'APIGW.0307': { status: 401, summary: 'The token must be updated' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export const codeForReason: Record<DomainErrorReason, ErrorCode> = {
  'invalid-parameter': 'HSS.0001',
  'not-found': 'HSS.0011',
  forbidden: 'HSS.0013',
  conflict: 'HSS.0014',
  'no-agent': 'HSS.1001',
  unauthenticated: 'APIGW.0301',
  'token-expired': 'APIGW.0307',
};
