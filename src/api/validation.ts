import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { strict: false, allErrors: false, useDefaults: true, removeAdditional: false };

const DECIMAL: Record<string, RegExp> = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ };

/** Names of the top-level properties that must be numbers, with their type. */
function numericProperties(schema: unknown): Array<[string, string]> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(properties).flatMap(([name, s]) => (typeof s.type === 'string' && s.type in DECIMAL ? [[name, s.type] as [string, string]] : []));
}

/**
 * Ajv coerces any string JavaScript reads as a number ("0x10", "1e3", " 7")
 * into one; a query or path parameter must be plain decimal digits instead,
 * so those are refused before coercion.
 */
function decimalOnly(validate: ValidateFunction, numeric: Array<[string, string]>) {
  const wrapped = (data: unknown): boolean => {
    const record = data as Record<string, unknown> | null | undefined;
    for (const [name, type] of numeric) {
      const value = record?.[name];
      if (typeof value === 'string' && !DECIMAL[type]!.test(value)) {
        const error: ErrorObject = { instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type }, message: `must be ${type}` };
        wrapped.errors = [error];
        return false;
      }
    }
    const ok = validate(data);
    wrapped.errors = validate.errors ?? null;
    return ok;
  };
  wrapped.errors = null as ErrorObject[] | null;
  return wrapped;
}

/**
 * Query strings, paths and headers arrive as text, so they are coerced to
 * the schema's types ("10" → 10). JSON bodies are not: a string where a
 * number belongs is a client error, reported as such.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  const strict = new Ajv({ ...common, coerceTypes: false });
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return strict.compile(schema as object);
    const validate = coercing.compile(schema as object);
    const numeric = numericProperties(schema);
    return numeric.length === 0 ? validate : decimalOnly(validate, numeric);
  };
}
