import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { strict: false, allErrors: false, useDefaults: true, removeAdditional: false };

/**
 * Query strings, paths and headers arrive as text, so they are coerced to
 * the schema's types ("10" → 10). JSON bodies are not: a string where a
 * number belongs is a client error, reported as such.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  const strict = new Ajv({ ...common, coerceTypes: false });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
