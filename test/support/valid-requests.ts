import fc from 'fast-check';
import type { JsonSchema, OpenApiParameter, RouteUnderTest } from './invalid-requests.js';

/** The JSON schema keywords beyond invalid-requests.ts's subset that the routes' TypeBox schemas produce. */
export interface FullJsonSchema extends JsonSchema {
  anyOf?: FullJsonSchema[];
  oneOf?: FullJsonSchema[];
  uniqueItems?: boolean;
  nullable?: boolean;
  format?: string;
  additionalProperties?: boolean | FullJsonSchema;
  items?: FullJsonSchema;
  properties?: Record<string, FullJsonSchema>;
}

/** Arbitraries that replace a property's generated value wherever the property appears (keyed by name). */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

const INT64_MAX = 9223372036854775807n;
/** Longest string generated at random; longer maxLength bounds are still hit exactly by the boundary case. */
const RANDOM_STRING_MAX = 64;
const BOUNDARY_STRING_MAX = 8192;

const text = (minLength: number, maxLength: number) =>
  fc.oneof(fc.string({ minLength, maxLength }), fc.string({ minLength, maxLength, unit: 'grapheme' }), fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }));

function integerArbitrary(schema: FullJsonSchema): fc.Arbitrary<number> {
  const min = Math.max(schema.minimum ?? -(2 ** 31), Number.MIN_SAFE_INTEGER);
  const max = Math.min(schema.maximum ?? (schema.format === 'int64' ? Number.MAX_SAFE_INTEGER : 2 ** 31 - 1), Number.MAX_SAFE_INTEGER);
  return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max }) }, fc.constantFrom(min, max), fc.integer({ min, max: Math.min(max, min + 20) }));
}

function stringArbitrary(schema: FullJsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  if (schema.pattern) {
    const maxPatterned = schema.maxLength ?? Infinity;
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= maxPatterned);
  }
  const maxLength = schema.maxLength ?? minLength + RANDOM_STRING_MAX;
  const random = text(minLength, Math.min(maxLength, minLength + RANDOM_STRING_MAX));
  if (maxLength > BOUNDARY_STRING_MAX) return random;
  // Now and then the longest string allowed, in 1-, 2- and 4-byte characters.
  const longest = fc.constantFrom('a', 'é', '😀').map((c) => c.repeat(Math.max(minLength, c === '😀' ? Math.floor(maxLength / 2) : maxLength))).filter((s) => s.length <= maxLength && s.length >= minLength);
  return fc.oneof({ weight: 5, arbitrary: random }, { weight: 1, arbitrary: longest });
}

/** An arbitrary of the values the schema accepts (the JSON schema subset the route schemas use). */
export function arbitraryFor(schema: FullJsonSchema, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => arbitraryFor(s, overrides)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryFor({ ...schema, type }, overrides)));
  const base = ((): fc.Arbitrary<unknown> => {
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return integerArbitrary(schema);
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
      case 'string':
        return stringArbitrary(schema);
      case 'array': {
        const minLength = schema.minItems ?? 0;
        const maxLength = Math.min(schema.maxItems ?? minLength + 4, minLength + 4);
        const items = arbitraryFor(schema.items ?? {}, overrides);
        return schema.uniqueItems ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(items, { minLength, maxLength });
      }
      case 'object': {
        const properties = schema.properties ?? {};
        const record = fc.record(
          Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, overrides[key] ?? arbitraryFor(child, overrides)])),
          { requiredKeys: (schema.required ?? []).filter((k) => k in properties) },
        );
        const open = Object.keys(properties).length === 0 && schema.additionalProperties !== false;
        const value = open ? fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) : record;
        return schema.minProperties ? value.filter((v) => Object.keys(v).length >= schema.minProperties!) : value;
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return schema.nullable ? fc.oneof(base, fc.constant(null)) : base;
}

/** A schema-valid request, before any route-specific fix-up (e.g. a content hash over the body). */
export interface ValidRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

const queryText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function parameterArbitrary(p: OpenApiParameter, overrides: Overrides): fc.Arbitrary<string[]> {
  const schema = p.schema as FullJsonSchema;
  const one = (s: FullJsonSchema) => (overrides[p.name] ?? arbitraryFor(s, overrides)).map(queryText);
  if (schema.type === 'array') return fc.array(one(schema.items ?? {}), { minLength: schema.minItems ?? 1, maxLength: Math.min(schema.maxItems ?? 3, 3) });
  const values = schema.type === 'integer' && schema.format === 'int64' && schema.maximum === undefined ? fc.oneof(one(schema), fc.constant(String(INT64_MAX))) : one(schema);
  return values.map((v) => [v]);
}

/**
 * Schema-valid requests for one route: path, query and header parameters
 * and the JSON body drawn from their schemas (optional ones sometimes left
 * out), with the given credentials.
 */
export function validRequestArbitrary(route: RouteUnderTest, context: { pathValues: Record<string, string>; headers: Record<string, string>; overrides?: Overrides }): fc.Arbitrary<ValidRequest> {
  const overrides = context.overrides ?? {};
  const optional = (p: OpenApiParameter) => (p.required ? parameterArbitrary(p, overrides) : fc.option(parameterArbitrary(p, overrides), { nil: undefined }));
  const params = route.parameters.filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header');
  const paramValues = fc.tuple(...params.map((p) => (p.in === 'path' && context.pathValues[p.name] !== undefined ? fc.constant([context.pathValues[p.name]!]) : optional(p))));
  const body = route.body ? arbitraryFor(route.body as FullJsonSchema, overrides) : fc.constant(undefined);
  return fc.tuple(paramValues, body).map(([values, payload]) => {
    const query = new URLSearchParams();
    const headers: Record<string, string> = { ...context.headers };
    let path = route.path;
    params.forEach((p, i) => {
      const v = values[i];
      if (v === undefined) return;
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(v[0] ?? 'x'));
      else if (p.in === 'header') headers[p.name] = v[0] ?? '';
      else for (const item of v) query.append(p.name, item);
    });
    if (route.body) headers['content-type'] = 'application/json';
    return { method: route.method, url: `${path}${query.size > 0 ? `?${query}` : ''}`, headers, ...(route.body ? { body: payload } : {}) };
  });
}
