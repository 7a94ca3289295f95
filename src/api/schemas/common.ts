import Type, { type TSchema } from 'typebox';

/** A string limited to the given values; rendered as a JSON-schema enum so errors list them. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Enum([...values] as unknown as T[number][], options);

export const ProjectIdParams = Type.Object({
  project_id: Type.String({ minLength: 1, maxLength: 256, description: 'Project ID' }),
});

export const EnterpriseProjectQuery = {
  enterprise_project_id: Type.Optional(
    Type.String({ minLength: 0, maxLength: 256, description: '0 for the default enterprise project, all_granted_eps for every granted one, or an ID' }),
  ),
};

/**
 * HSS paging with a given smallest `limit`. The HSS pages and SDK models of
 * every list openhss serves give `limit` 10-200 (default 10), or state no
 * range (ListVulScanTask, ListImageLocal), where the newer pages' 10-200 is
 * kept; ListRegistryImages alone documents 1-200.
 */
export const pagingQuery = (minLimit: number) => ({
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000, default: 0, description: 'Offset of the first record, 0-2000000' })),
  limit: Type.Optional(Type.Integer({ minimum: minLimit, maximum: 200, default: 10, description: `Records per page, ${minLimit}-200` })),
});

/** HSS paging: `offset` 0-2,000,000 (default 0), `limit` 10-200 (default 10). */
export const PagingQuery = pagingQuery(10);

export const RegionHeader = Type.Object({
  region: Type.Optional(Type.String({ maxLength: 128, description: 'Accepted and ignored: one openhss instance is one region' })),
});

export const ErrorResponse = Type.Object(
  {
    error_code: Type.String(),
    error_msg: Type.String(),
    request_id: Type.Optional(Type.String()),
  },
  { description: 'HSS error' },
);

/** The error responses every authenticated route can give. */
export const standardErrors: Record<number, TSchema> = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  500: ErrorResponse,
};

/** A 200 that is not JSON (a file, Prometheus text), so /openapi.json still lists it. */
export const RawResponse = (contentType: string, description: string) => ({ description, content: { [contentType]: { schema: { type: 'string', format: 'binary' } } } });

/** An HSS list response: every match counted in `total_num`, one page in `data_list`. */
export const ListOf = <T extends TSchema>(item: T) => Type.Object({ total_num: Type.Integer(), data_list: Type.Array(item) });

/**
 * An HSS Long: a non-negative int64, up to 9223372036854775807. The bound is
 * checked on the request's text (src/api/validation.ts, plugins/json-body.ts),
 * as a JavaScript number cannot tell 2^63-1 from 2^63; a value above 2^53 is
 * then held as 2^53, which orders and compares with every stored value
 * (all below 2^53) exactly as the value sent does.
 */
export const Long = (description: string, options: { minimum?: number } = {}) => Type.Integer({ minimum: 0, format: 'int64', description, ...options });

/** Epoch milliseconds, an HSS Long. */
export const Epoch = (description: string) => Long(description);
