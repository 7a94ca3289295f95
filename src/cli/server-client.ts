import { gzipSync } from 'node:zlib';
import { request } from 'undici';

/** Where a CLI sends results: an openhss server, a project on it, and a token. */
export interface ServerTarget {
  /** The openhss server, e.g. https://openhss.example.com. */
  url: string;
  projectId: string;
  /** An X-Auth-Token (from `openhss token` or POST /v3/auth/tokens). */
  token: string;
}

/** The token comes only from the environment, so it stays out of shell history and process lists. */
export function serverTarget(option: string, url: string, projectId: string | undefined): ServerTarget {
  const token = process.env.OPENHSS_TOKEN;
  const project = projectId ?? process.env.OPENHSS_PROJECT_ID;
  if (!token) throw new Error(`${option} needs a token in OPENHSS_TOKEN (from \`openhss token\` or POST /v3/auth/tokens)`);
  if (!project) throw new Error(`${option} needs --project-id or OPENHSS_PROJECT_ID`);
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`${option}: ${url} is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`${option}: use an http:// or https:// URL`);
  return { url, projectId: project, token };
}

/**
 * POSTs JSON to a project path of the server, gzip'd when `compress` (routes
 * that take inventories accept it); an HSS error becomes an Error with its code and message.
 */
export async function postToServer<T>(target: ServerTarget, path: string, body: unknown, options: { compress?: boolean; option?: string } = {}): Promise<T> {
  const option = options.option ?? '--report-to';
  const base = new URL(target.url);
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/v5/${encodeURIComponent(target.projectId)}${path}`, base);
  const json = Buffer.from(JSON.stringify(body));
  const gzip = options.compress === true;
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': target.token, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    body: gzip ? gzipSync(json) : json,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    let detail = text.slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error_code?: string; error_msg?: string };
      if (parsed.error_msg) detail = `${parsed.error_code ?? ''} ${parsed.error_msg}`.trim();
    } catch {
      // not JSON: the raw text says what went wrong
    }
    throw new Error(`${option}: the server answered ${response.statusCode}: ${detail}`);
  }
  return JSON.parse(text) as T;
}
