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

/** HSS paging. `limit` 0 means the default (10), as some older HSS pages allow. */
export const PagingQuery = {
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000, default: 0, description: 'Offset of the first record' })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 200, default: 10, description: 'Records per page, 10-200 (0 means 10)' })),
};

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

/** An HSS list response: every match counted in `total_num`, one page in `data_list`. */
export const ListOf = <T extends TSchema>(item: T) => Type.Object({ total_num: Type.Integer(), data_list: Type.Array(item) });

export const Epoch = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
