import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { strict: false, allErrors: false, useDefaults: true, removeAdditional: false };

const DECIMAL: Record<string, RegExp> = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Where an int64 above 2^53 is held: every stored value is below it, so comparisons keep their outcome. */
const SAFE_BOUND = 2 ** 53;

/**
 * `format: int64` (HSS's Long). A parsed number cannot tell 2^63-1 from 2^63,
 * so the exact bound is checked on the text: query strings below, JSON bodies
 * in plugins/json-body.ts, which rewrites an out-of-range literal to 1e300.
 */
const int64Format = { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 63 };

/** Whether the decimal text of an integer lies in int64. */
export function inInt64(text: string): boolean {
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX;
}

interface SchemaNode {
  type?: unknown;
  format?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
}

/** Holds every int64 of `data` that lies beyond ±2^53 at ±2^53, following the schema. */
function clampLongs(schema: SchemaNode, data: unknown): unknown {
  if (typeof data === 'number') return schema.format === 'int64' || schema.anyOf?.some((s) => s.format === 'int64') ? Math.max(-SAFE_BOUND, Math.min(SAFE_BOUND, data)) : data;
  if (Array.isArray(data)) {
    if (schema.items) for (let i = 0; i < data.length; i++) data[i] = clampLongs(schema.items, data[i]);
  } else if (data !== null && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    for (const [name, sub] of Object.entries(schema.properties ?? {})) if (name in record) record[name] = clampLongs(sub, record[name]);
  }
  for (const branch of schema.anyOf ?? []) if (branch.type === 'object' || branch.type === 'array') clampLongs(branch, data);
  return data;
}

/** Whether the schema holds an int64 anywhere, so validation must clamp. */
function hasLong(schema: SchemaNode): boolean {
  return (
    schema.format === 'int64' ||
    Object.values(schema.properties ?? {}).some(hasLong) ||
    (schema.items !== undefined && hasLong(schema.items)) ||
    (schema.anyOf ?? []).some(hasLong)
  );
}

const formatError = (name: string): ErrorObject => ({ instancePath: `/${name}`, schemaPath: `#/properties/${name}/format`, keyword: 'format', params: { format: 'int64' }, message: 'must match format "int64"' });

/** Names of the top-level properties that must be numbers, with their type and whether they are int64. */
function numericProperties(schema: SchemaNode): Array<{ name: string; type: string; int64: boolean }> {
  return Object.entries(schema.properties ?? {}).flatMap(([name, s]) => (typeof s.type === 'string' && s.type in DECIMAL ? [{ name, type: s.type, int64: s.format === 'int64' }] : []));
}

/**
 * Ajv coerces any string JavaScript reads as a number ("0x10", "1e3", " 7")
 * into one; a query or path parameter must be plain decimal digits instead,
 * so those are refused before coercion, and an int64 is checked exactly.
 */
function decimalOnly(validate: ValidateFunction, schema: SchemaNode) {
  const numeric = numericProperties(schema);
  const clamp = hasLong(schema);
  const wrapped = (data: unknown): boolean => {
    const record = data as Record<string, unknown> | null | undefined;
    for (const { name, type, int64 } of numeric) {
      const value = record?.[name];
      if (typeof value !== 'string') continue;
      if (!DECIMAL[type]!.test(value)) {
        wrapped.errors = [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type }, message: `must be ${type}` }];
        return false;
      }
      if (int64 && !inInt64(value)) {
        wrapped.errors = [formatError(name)];
        return false;
      }
    }
    const ok = validate(data);
    wrapped.errors = validate.errors ?? null;
    if (ok && clamp) clampLongs(schema, data);
    return ok;
  };
  wrapped.errors = null as ErrorObject[] | null;
  return wrapped;
}

/** A body validator that holds int64s beyond 2^53 at 2^53 once the body is valid. */
function clampingBody(validate: ValidateFunction, schema: SchemaNode) {
  if (!hasLong(schema)) return validate;
  const wrapped = (data: unknown): boolean => {
    const ok = validate(data);
    wrapped.errors = validate.errors ?? null;
    if (ok) clampLongs(schema, data);
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
  const coercing = new Ajv({ ...common, coerceTypes: 'array' }).addFormat('int64', int64Format);
  const strict = new Ajv({ ...common, coerceTypes: false }).addFormat('int64', int64Format);
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return clampingBody(strict.compile(schema as object), schema as SchemaNode);
    const validate = coercing.compile(schema as object);
    return numericProperties(schema as SchemaNode).length === 0 && !hasLong(schema as SchemaNode) ? validate : decimalOnly(validate, schema as SchemaNode);
  };
}
