import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Turns Ajv's first error into "query.limit must be >= 10", naming the field and what is allowed. */
export function describeValidationError(errors: FastifySchemaValidationError[], context: string | undefined): { field: string; message: string } {
  const first = errors[0];
  const location = LOCATION[context ?? ''] ?? context ?? 'request';
  if (!first) return { field: location, message: `${location} is invalid` };
  const params = first.params as Record<string, unknown>;
  const path = first.instancePath
    .split('/')
    .filter(Boolean)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('');
  let field = `${location}${path}`;
  let detail = first.message ?? 'is invalid';
  if (first.keyword === 'required' && typeof params.missingProperty === 'string') {
    field = `${field}.${params.missingProperty}`;
    detail = 'is required';
  } else if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    detail = `must be one of: ${params.allowedValues.join(', ')}`;
  } else if (first.keyword === 'format' && params.format === 'int64') {
    detail = 'must be a 64-bit integer, at most 9223372036854775807';
  } else if (first.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    field = `${field}.${params.additionalProperty}`;
    detail = 'is not a known field';
  }
  return { field, message: `${field} ${detail}` };
}
