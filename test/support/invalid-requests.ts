import fc from 'fast-check';

/** The subset of JSON schema the route schemas use. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minProperties?: number;
  default?: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface RouteUnderTest {
  method: string;
  /** OpenAPI path template, e.g. /v5/{project_id}/vulnerability/scan-policy */
  path: string;
  parameters: OpenApiParameter[];
  body?: JsonSchema;
  public: boolean;
}

/** A request that must be refused with a 4xx and an HSS error body. */
export interface InvalidRequest {
  description: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

const typeOf = (schema: JsonSchema): string | undefined => (Array.isArray(schema.type) ? schema.type[0] : schema.type);

/** A value the schema accepts, built from its bounds, so one mutation at a time makes it invalid. */
export function validExample(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  switch (typeOf(schema)) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => validExample(schema.items ?? {}));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = validExample(schema.properties?.[key] ?? {});
      if ((schema.minProperties ?? 0) > Object.keys(out).length) {
        const firstKey = Object.keys(schema.properties ?? {})[0];
        if (firstKey) out[firstKey] = validExample(schema.properties![firstKey]!);
      }
      return out;
    }
    default:
      return null;
  }
}

/** JSON values the schema refuses, by type, range, length, enum, item and nesting rules. */
export function invalidValues(schema: JsonSchema, rng: () => number): unknown[] {
  const junkString = 'z'.repeat(1 + Math.floor(rng() * 50));
  const out: unknown[] = [];
  const type = typeOf(schema);
  if (schema.enum) out.push(`not-${String(schema.enum[0])}-${junkString}`, 12345);
  switch (type) {
    case 'integer':
    case 'number':
      out.push('12', true, null, {}, [], junkString);
      if (type === 'integer') out.push(1.5);
      if (schema.minimum !== undefined) out.push(schema.minimum - 1 - Math.floor(rng() * 1e6));
      if (schema.maximum !== undefined) out.push(schema.maximum + 1 + Math.floor(rng() * 1e6));
      break;
    case 'boolean':
      out.push('true', 1, null, {});
      break;
    case 'string':
      out.push(7, true, null, { a: 1 }, ['x']);
      if (schema.maxLength !== undefined) out.push('s'.repeat(schema.maxLength + 1), 'h'.repeat(schema.maxLength + 100_000));
      if ((schema.minLength ?? 0) > 0) out.push('');
      break;
    case 'array':
      out.push('not-an-array', 3, { 0: 'x' }, null);
      if (schema.items) for (const bad of invalidValues(schema.items, rng).slice(0, 4)) out.push([bad]);
      if (schema.maxItems !== undefined) out.push(Array.from({ length: schema.maxItems + 1 }, () => validExample(schema.items ?? {})));
      break;
    case 'object':
      out.push('not-an-object', 42, ['x'], null);
      break;
    default:
      break;
  }
  return out;
}

/** Every (path, value) mutation of a valid body that breaks exactly one rule somewhere in it. */
export function bodyMutations(schema: JsonSchema, rng: () => number, base = validExample(schema), path: string[] = []): Array<{ field: string; body: unknown }> {
  const mutations: Array<{ field: string; body: unknown }> = [];
  const field = path.join('.') || 'body';
  for (const value of invalidValues(schema, rng)) mutations.push({ field, body: value });
  if (typeOf(schema) === 'object' && schema.properties && base && typeof base === 'object' && !Array.isArray(base)) {
    for (const key of schema.required ?? []) {
      const { [key]: _removed, ...rest } = base as Record<string, unknown>;
      mutations.push({ field: [...path, key].join('.'), body: rest });
    }
    for (const [key, child] of Object.entries(schema.properties)) {
      const childBase = (base as Record<string, unknown>)[key] ?? validExample(child);
      for (const m of bodyMutations(child, rng, childBase, [...path, key])) {
        mutations.push({ field: m.field, body: { ...(base as Record<string, unknown>), [key]: m.body } });
      }
    }
  }
  return mutations;
}

/** Query-string values the parameter refuses (as text on the wire). */
function invalidQueryValues(schema: JsonSchema, rng: () => number): string[] {
  const out: string[] = [];
  if (schema.enum) out.push(`nope${Math.floor(rng() * 1000)}`);
  switch (typeOf(schema)) {
    case 'integer':
      out.push('abc', '1.5', '0x10', '1e400', '--1');
      if (schema.minimum !== undefined) out.push(String(schema.minimum - 1));
      if (schema.maximum !== undefined) out.push(String(schema.maximum + 1), '99999999999999999999');
      break;
    case 'boolean':
      out.push('maybe', '2');
      break;
    case 'string':
      if (schema.maxLength !== undefined) out.push('q'.repeat(schema.maxLength + 1 + Math.floor(rng() * 5000)));
      break;
    default:
      break;
  }
  return out;
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? 'x'));

const brokenJsonArbitrary = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => `{${s}`),
  fc.string({ maxLength: 200 }).map((s) => `{"a": ${s}`),
  fc.constant('{"a":1,}'),
  fc.constant("{'single': 'quotes'}"),
  fc.constant('[1, 2'),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => `{${Buffer.from(bytes).toString('latin1')}`),
);

/**
 * Builds invalid requests for one route: bad path and query parameters, body
 * mutations, broken JSON, oversized and mistyped bodies, wrong methods and
 * missing or broken credentials.
 */
export function invalidRequestsFor(
  route: RouteUnderTest,
  context: { projectId: string; authHeaders: Record<string, string>; bodyLimit: number; seed: number },
): InvalidRequest[] {
  let state = context.seed;
  const rng = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pathValues = Object.fromEntries(route.parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.name === 'project_id' ? context.projectId : String(validExample(p.schema))]));
  const validQuery = new URLSearchParams();
  for (const p of route.parameters.filter((q) => q.in === 'query' && q.required)) validQuery.set(p.name, String(validExample(p.schema)));
  const url = (query = validQuery, values = pathValues) => `${fill(route.path, values)}${query.size > 0 ? `?${query}` : ''}`;
  const auth = route.public ? {} : context.authHeaders;
  const json = { 'content-type': 'application/json' };
  const validBody = route.body ? JSON.stringify(validExample(route.body)) : undefined;
  const withBody = (payload: string | Buffer | undefined) => (payload === undefined ? {} : { payload });
  const requests: InvalidRequest[] = [];

  for (const p of route.parameters) {
    if (p.in === 'path') {
      for (const bad of invalidQueryValues(p.schema, rng)) {
        requests.push({ description: `path ${p.name}=${bad.slice(0, 20)}`, method: route.method, url: url(validQuery, { ...pathValues, [p.name]: bad }), headers: { ...auth, ...(validBody ? json : {}) }, ...withBody(validBody) });
      }
      if (p.name === 'project_id') {
        requests.push({ description: 'another project', method: route.method, url: url(validQuery, { ...pathValues, project_id: 'f'.repeat(32) }), headers: { ...auth, ...(validBody ? json : {}) }, ...withBody(validBody) });
      }
    }
    if (p.in === 'query') {
      for (const bad of invalidQueryValues(p.schema, rng)) {
        const query = new URLSearchParams(validQuery);
        query.set(p.name, bad);
        requests.push({ description: `query ${p.name}=${bad.slice(0, 20)}`, method: route.method, url: url(query), headers: { ...auth, ...(validBody ? json : {}) }, ...withBody(validBody) });
      }
    }
    if (p.in === 'header') {
      for (const bad of invalidQueryValues(p.schema, rng)) {
        requests.push({ description: `header ${p.name}`, method: route.method, url: url(), headers: { ...auth, [p.name]: bad, ...(validBody ? json : {}) }, ...withBody(validBody) });
      }
    }
  }

  if (route.body) {
    for (const m of bodyMutations(route.body, rng)) {
      requests.push({ description: `body ${m.field}`, method: route.method, url: url(), headers: { ...auth, ...json }, payload: JSON.stringify(m.body) });
    }
    for (const broken of fc.sample(brokenJsonArbitrary, { seed: context.seed, numRuns: 12 })) {
      requests.push({ description: 'broken JSON', method: route.method, url: url(), headers: { ...auth, ...json }, payload: broken });
    }
    requests.push({ description: 'oversized body', method: route.method, url: url(), headers: { ...auth, ...json }, payload: JSON.stringify({ pad: 'p'.repeat(context.bodyLimit + 10) }) });
    requests.push({ description: 'empty JSON body', method: route.method, url: url(), headers: { ...auth, ...json }, payload: '' });
    requests.push({ description: 'xml body', method: route.method, url: url(), headers: { ...auth, 'content-type': 'application/xml' }, payload: '<a/>' });
    requests.push({ description: 'text body', method: route.method, url: url(), headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
    requests.push({ description: 'JSON null', method: route.method, url: url(), headers: { ...auth, ...json }, payload: 'null' });
  }

  const otherMethod = route.method === 'GET' ? 'DELETE' : 'PATCH';
  requests.push({ description: `wrong method ${otherMethod}`, method: otherMethod, url: url(), headers: { ...auth } });
  requests.push({ description: 'unknown sub-path', method: route.method, url: `${fill(route.path, pathValues)}/zz-${Math.floor(rng() * 1e6)}`, headers: { ...auth } });

  if (!route.public) {
    const extra = validBody ? json : {};
    requests.push({ description: 'no credentials', method: route.method, url: url(), headers: { ...extra }, ...withBody(validBody) });
    requests.push({ description: 'garbage token', method: route.method, url: url(), headers: { ...extra, 'x-auth-token': `ohss1.${Math.floor(rng() * 1e9)}.x` }, ...withBody(validBody) });
    requests.push({ description: 'huge token', method: route.method, url: url(), headers: { ...extra, 'x-auth-token': 't'.repeat(30_000) }, ...withBody(validBody) });
    requests.push({ description: 'unknown scheme', method: route.method, url: url(), headers: { ...extra, authorization: 'Bearer abc' }, ...withBody(validBody) });
    requests.push({
      description: 'unsigned SDK header',
      method: route.method,
      url: url(),
      headers: { ...extra, authorization: 'SDK-HMAC-SHA256 Access=NOSUCHKEY0000000000, SignedHeaders=host;x-sdk-date, Signature=00', 'x-sdk-date': '20261123T000000Z' },
      ...withBody(validBody),
    });
    requests.push({ description: 'malformed SDK header', method: route.method, url: url(), headers: { ...extra, authorization: 'SDK-HMAC-SHA256 garbage' }, ...withBody(validBody) });
  }
  return requests;
}
