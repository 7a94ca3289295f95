/**
 * Small local HTTP servers for the registry tests: a proxy in front of the
 * real registry that lets a test misbehave on chosen requests (wrong bytes,
 * stalls, 5xx, Bearer auth), and a token server for the Bearer flow.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  /** `127.0.0.1:PORT` */
  host: string;
  url: string;
  /** Every request seen: method, path and query, Authorization header. */
  requests: Array<{ method: string; url: string; authorization?: string }>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends a request on to the upstream registry (without the client's Authorization) and buffers the answer. */
export function fetchUpstream(upstreamUrl: string, req: IncomingMessage): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const target = new URL(req.url ?? '/', upstreamUrl);
    const { authorization: _a, host: _h, ...headers } = req.headers;
    const out = httpRequest(target, { method: req.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    out.on('error', reject);
    req.pipe(out);
  });
}

/** Writes an upstream answer back, rewriting absolute Locations and Links to the proxy's own origin. */
export function sendUpstream(res: ServerResponse, upstream: Upstream, upstreamUrl: string, proxyUrl: string, body: Buffer = upstream.body): void {
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(upstream.headers)) {
    if (value === undefined || key === 'content-length' || key === 'transfer-encoding' || key === 'connection') continue;
    headers[key] = Array.isArray(value) ? value.map((v) => v.replaceAll(upstreamUrl, proxyUrl)) : value.replaceAll(upstreamUrl, proxyUrl);
  }
  headers['content-length'] = String(body.length);
  res.writeHead(upstream.status, headers);
  res.end(body);
}

export type Intercept = (req: IncomingMessage, res: ServerResponse, forward: (mutate?: (upstream: Upstream) => Upstream | void) => Promise<void>) => void | Promise<void>;

/** A registry proxy: every request goes to `intercept`, which may answer itself or forward (optionally altering the answer). */
export async function startProxy(upstreamUrl: string, intercept: Intercept): Promise<LocalServer> {
  let proxyUrl = '';
  const server = await startServer((req, res) =>
    intercept(req, res, async (mutate) => {
      const upstream = await fetchUpstream(upstreamUrl, req);
      const changed = mutate?.(upstream) ?? upstream;
      sendUpstream(res, changed, upstreamUrl, proxyUrl, changed.body);
    }),
  );
  proxyUrl = server.url;
  return server;
}

/** The repository a `/v2/<name>/(manifests|blobs|tags)/…` path names. */
export function repositoryOf(path: string): string | undefined {
  return /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(path.split('?')[0]!)?.[1];
}

export interface IssuedToken {
  token: string;
  scopes: string[];
  expiresAt: number;
}

export interface TokenServer extends LocalServer {
  issued: IssuedToken[];
  /** Whether `authorization` carries an unexpired token granting `scope`. */
  grants(authorization: string | undefined, scope: string): boolean;
}

/**
 * A Distribution-style token server (`GET /token?service=&scope=`): checks
 * Basic credentials, grants the pull scopes asked for, and answers
 * `{token, access_token, expires_in, issued_at}`.
 */
export async function startTokenServer(options: { service: string; username: string; password: string; expiresIn?: number; now?: () => number }): Promise<TokenServer> {
  const now = options.now ?? Date.now;
  const issued: IssuedToken[] = [];
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    if (url.pathname !== '/token' || url.searchParams.get('service') !== options.service) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'INVALID_REQUEST', message: 'bad service' }] }));
      return;
    }
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    const expiresIn = options.expiresIn ?? 300;
    const token = randomBytes(24).toString('base64url');
    issued.push({ token, scopes, expiresAt: now() + expiresIn * 1000 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date(now()).toISOString() }));
  });
  return Object.assign(server, {
    issued,
    grants(authorization: string | undefined, scope: string) {
      const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      const found = issued.find((t) => t.token === token);
      return !!found && found.expiresAt > now() && found.scopes.includes(scope);
    },
  });
}
