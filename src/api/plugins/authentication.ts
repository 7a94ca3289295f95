import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthenticated } from '../../domain/errors.js';
import type { AuthService, Principal } from '../../services/auth-service.js';
import type { Host } from '../../domain/host.js';
import { parseSdkAuthorization, verifySdkSignature } from '../../security/aksk-signature.js';
import { ApiError } from '../errors/api-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every authenticated route before validation runs. */
    principal?: Principal;
    /** The body bytes exactly as received (AK/SK signatures cover them). */
    rawBody?: Buffer;
    /** Set on agent routes: the host whose agent credentials came with the request. */
    agentHost?: Host;
  }
}

export interface AuthenticationOptions {
  auth: AuthService;
  /** Resolves agent credentials (`Authorization: OpenHSS-Agent …`) on agent routes. */
  authenticateAgent: (authorization: string | undefined) => Promise<Host>;
  bodyLimit: number;
  signatureMaxSkewSeconds: number;
  now?: () => number;
}

async function readBody(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw new ApiError('HSS.0001', `body exceeds the limit of ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * A route is public when its schema says so the OpenAPI way, `security: []`:
 * health checks, the API description and the token endpoint. The same
 * schema thus drives both the document and the check.
 */
const isPublic = (request: FastifyRequest): boolean => {
  const security = (request.routeOptions.schema as { security?: unknown[] } | undefined)?.security;
  return Array.isArray(security) && security.length === 0;
};

/** Agent routes say so the same way: `security: [{ agent: [] }]`. They take agent credentials only. */
const isAgentRoute = (request: FastifyRequest): boolean => {
  const security = (request.routeOptions.schema as { security?: Array<Record<string, unknown>> } | undefined)?.security;
  return Array.isArray(security) && security.length === 1 && Object.keys(security[0] ?? {}).join() === 'agent';
};

const EMPTY = Buffer.alloc(0);

/** As Node's parser decides it: a body follows only with a non-zero Content-Length or a Transfer-Encoding. */
const hasBody = (request: FastifyRequest): boolean => {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
};

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Only update last-used times once a minute per key, so a busy client does not turn every read into a write. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Authenticates every non-public request before its body is parsed or
 * validated: an `X-Auth-Token`, or an `SDK-HMAC-SHA256` signature over the
 * raw request (the body is buffered once here and handed on to the parser).
 */
export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const now = options.now ?? Date.now;
  const lastTouched = new Map<string, number>();

  async function authenticate(request: FastifyRequest, body: Buffer): Promise<Principal> {
    const token = single(request.headers['x-auth-token']);
    if (token) return options.auth.verifyToken(token);
    const authorization = single(request.headers.authorization);
    if (!authorization) throw unauthenticated('Incorrect IAM authentication information: x-auth-token not found');
    const parsed = parseSdkAuthorization(authorization);
    if (!parsed) throw unauthenticated('Incorrect IAM authentication information: unsupported Authorization scheme');
    const credential = await options.auth.signingCredential(parsed.accessKey);
    const check = verifySdkSignature(
      { method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers, body },
      parsed,
      credential.secretKey,
      new Date(now()),
      options.signatureMaxSkewSeconds,
    );
    if (!check.ok) throw unauthenticated(`Incorrect IAM authentication information: verify aksk signature fail (${check.reason})`);
    const last = lastTouched.get(parsed.accessKey) ?? 0;
    if (now() - last > TOUCH_INTERVAL_MS) {
      lastTouched.set(parsed.accessKey, now());
      await options.auth.recordUse(parsed.accessKey);
    }
    return credential.principal;
  }

  app.addHook('preParsing', async (request, _reply, payload) => {
    if (isPublic(request) || request.is404) return payload;
    if (isAgentRoute(request)) {
      request.agentHost = await options.authenticateAgent(single(request.headers.authorization));
      return payload;
    }
    const consumed = hasBody(request);
    // A route may take more than the server's default (uploads, inventories); the signature still covers every byte.
    const body = consumed ? await readBody(payload, request.routeOptions.bodyLimit ?? options.bodyLimit) : EMPTY;
    request.rawBody = body;
    request.principal = await authenticate(request, body);
    // The parser reads a fresh stream of the bytes we consumed; an untouched request keeps its own.
    return consumed ? Readable.from(body.length > 0 ? [body] : []) : payload;
  });
}
