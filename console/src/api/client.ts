import { clearSession, loadSession, type Session } from '../auth/session';

/** An HSS-style error answer (error_code / error_msg), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A multipart or other body sent as is. */
  rawBody?: BodyInit;
  /** Return the Response itself (downloads). */
  raw?: boolean;
  /** Headers besides the token. */
  headers?: Record<string, string>;
  /** Do not treat a 401 as "session expired" (sign-in). */
  anonymous?: boolean;
}

/** Where the app goes when the server says the token is no longer valid. */
export const EXPIRED_PATH = '/sign-in?expired=1';

function expire(): never {
  // The shell re-renders on this and its guard moves to the sign-in page with the "expired" message
  // (client-side: a full reload here would race with a user already signing in again).
  clearSession('expired');
  throw new ApiError(401, 'APIGW.0301', 'The session has expired');
}

/** Fills `{project_id}` in an API path with the session's project. */
export function apiPath(path: string, session: Session | null = loadSession()): string {
  if (!path.includes('{project_id}')) return path;
  if (!session) expire();
  return path.replaceAll('{project_id}', encodeURIComponent(session.project.id));
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `HTTP.${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error_code?: string; error_msg?: string; error?: { code?: string; message?: string } };
    code = body.error_code ?? body.error?.code ?? code;
    message = body.error_msg ?? body.error?.message ?? message;
  } catch {
    /* not JSON */
  }
  return new ApiError(response.status, code, message, response.headers.get('x-request-id') ?? undefined);
}

/** Calls the public API with the session's token, the same API SDK users call. */
export async function request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const session = loadSession();
  const headers: Record<string, string> = { ...options.headers };
  if (session && !options.anonymous) headers['X-Auth-Token'] = session.token;
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(apiPath(path, session), options.query), { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `The server cannot be reached: ${(err as Error).message}`);
  }
  if (response.status === 401 && !options.anonymous) expire();
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await request(method, path, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, { query });
export const post = <T>(path: string, body?: unknown, query?: Query) => api<T>('POST', path, { body: body ?? {}, query });
export const put = <T>(path: string, body?: unknown, query?: Query) => api<T>('PUT', path, { body: body ?? {}, query });
export const del = <T>(path: string, query?: Query) => api<T>('DELETE', path, { query });

/** The enterprise-project query every HSS route takes, from the session. */
export function epQuery(session: Session | null = loadSession()): Query {
  const ep = session?.enterpriseProjectId;
  return ep && ep !== '0' ? { enterprise_project_id: ep } : {};
}

/** An HSS list answer. */
export interface HssList<T> {
  total_num: number;
  data_list: T[];
}

/** Saves a file the API answers (exports), without putting the token in a URL. */
export async function download(path: string, fallbackName: string, query?: Query): Promise<void> {
  const response = await request('GET', path, { query });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name ? decodeURIComponent(name) : fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
