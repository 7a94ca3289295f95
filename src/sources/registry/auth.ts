import type { Logger } from 'pino';
import { RegistryHttpError, RegistryUnauthorizedError, type RegistryTarget } from './errors.js';
import { readCapped, registryErrorDetail } from './read-capped.js';
import type { Transport, TransportResponse, RegistryTimeouts } from './transport.js';
import { parseChallenges, type Challenge } from './www-authenticate.js';

/** Username and password (or access token used as a password) for one registry. */
export interface Credentials {
  username: string;
  password: string;
}

interface CachedAuthorization {
  header: string;
  expiresAt: number;
}

export interface AuthContext {
  registry: string;
  /** The scope the request needs, e.g. `repository:library/alpine:pull`. */
  scope: string;
  credentials: Credentials | undefined;
  target: RegistryTarget;
  allowHttp: boolean;
  signal?: AbortSignal | undefined;
}

export interface AuthDeps {
  transport: Transport;
  timeouts: RegistryTimeouts;
  now: () => number;
  logger?: Logger | undefined;
  /** Largest token response read. */
  maxTokenBytes: number;
}

/** Tokens live this much shorter than they say, so one is not used as it expires. */
const EXPIRY_MARGIN_MS = 10_000;
/** Distribution's token spec: a token without expires_in lasts 60 s. */
const DEFAULT_TOKEN_SECONDS = 60;

export const pullScope = (repository: string) => `repository:${repository}:pull`;
export const pushScope = (repository: string) => `repository:${repository}:pull,push`;
export const CATALOG_SCOPE = 'registry:catalog:*';

/**
 * Answers registry auth challenges: Basic with the configured credentials,
 * or the Bearer token flow (WWW-Authenticate realm/service/scope → token
 * endpoint, with Basic credentials when there are any, anonymous otherwise).
 * Authorizations are cached per registry and scope until shortly before
 * they expire, so later requests skip the 401 round trip. Credentials and
 * tokens never go into log lines or error messages.
 */
export class RegistryAuthenticator {
  private readonly cache = new Map<string, CachedAuthorization>();

  constructor(private readonly deps: AuthDeps) {}

  /** The Authorization header to send up front, if one is cached for this scope. */
  cached(registry: string, scope: string): string | undefined {
    const now = this.deps.now();
    for (const key of [cacheKey(registry, scope), cacheKey(registry, '*basic')]) {
      const entry = this.cache.get(key);
      if (entry && entry.expiresAt > now) return entry.header;
      if (entry) this.cache.delete(key);
    }
    return undefined;
  }

  /** Drops a cached authorization the registry has just refused. */
  forget(registry: string, scope: string): void {
    this.cache.delete(cacheKey(registry, scope));
    this.cache.delete(cacheKey(registry, '*basic'));
  }

  /**
   * Works out an Authorization header for a 401 response. Throws
   * RegistryUnauthorizedError when the challenge cannot be met (no
   * credentials for Basic, token endpoint refusing them).
   */
  async answer(response: TransportResponse, context: AuthContext): Promise<string> {
    const challenges = parseChallenges(response.headers['www-authenticate']);
    const detail = await registryErrorDetail(response);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) return this.bearer(bearer, context);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (basic) {
      if (!context.credentials) throw new RegistryUnauthorizedError(context.target, `authentication required (Basic) and no credentials are configured for ${context.registry}${detail}`);
      const headerValue = basicHeader(context.credentials);
      this.cache.set(cacheKey(context.registry, '*basic'), { header: headerValue, expiresAt: Infinity });
      return headerValue;
    }
    throw new RegistryUnauthorizedError(context.target, `authentication required, but the registry sent no usable challenge${challenges.length ? ` (schemes: ${challenges.map((c) => c.scheme).join(', ')})` : ''}${detail}`);
  }

  private async bearer(challenge: Challenge, context: AuthContext): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm!);
    } catch {
      throw new RegistryUnauthorizedError(context.target, `the registry's Bearer challenge has an invalid realm ${JSON.stringify(challenge.params.realm)}`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && context.allowHttp)) {
      throw new RegistryUnauthorizedError(context.target, `refusing token realm ${realm.origin}: only https is allowed for a registry not marked insecure`);
    }
    const scopes = (challenge.params.scope ?? context.scope).split(' ').filter(Boolean);
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    for (const scope of scopes) realm.searchParams.append('scope', scope);
    if (context.credentials) realm.searchParams.set('account', context.credentials.username);

    const tokenTarget: RegistryTarget = { ...context.target };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (context.credentials) headers.authorization = basicHeader(context.credentials);
    const requestedAt = this.deps.now();
    const response = await this.deps.transport.send({ method: 'GET', url: realm, headers, target: tokenTarget, allowHttp: context.allowHttp, signal: context.signal });
    const where = `the token service ${realm.origin}${realm.pathname}`;
    if (response.status === 401 || response.status === 403) {
      const detail = await registryErrorDetail(response);
      throw new RegistryUnauthorizedError(
        context.target,
        `${where} refused ${context.credentials ? 'the configured credentials' : 'an anonymous token request'} for scope ${scopes.join(' ')}${detail}`,
        response.status,
      );
    }
    if (response.status !== 200) {
      const detail = await registryErrorDetail(response);
      throw new RegistryHttpError(context.target, response.status, `${where} answered HTTP ${response.status}${detail}`);
    }
    const body = await readCapped(response, this.deps.maxTokenBytes, context.target, 'token response', this.deps.timeouts);
    let token: string | undefined;
    let expiresIn = DEFAULT_TOKEN_SECONDS;
    try {
      const doc = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
      token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' && doc.access_token ? doc.access_token : undefined;
      if (typeof doc.expires_in === 'number' && doc.expires_in > 0) expiresIn = doc.expires_in;
    } catch {
      token = undefined;
    }
    if (!token) throw new RegistryUnauthorizedError(context.target, `${where} sent no token`);
    const lifetime = expiresIn * 1000;
    const expiresAt = requestedAt + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10);
    const headerValue = `Bearer ${token}`;
    this.cache.set(cacheKey(context.registry, context.scope), { header: headerValue, expiresAt });
    this.deps.logger?.debug({ registry: context.registry, scope: scopes.join(' '), expiresIn }, 'registry token obtained');
    return headerValue;
  }
}

const cacheKey = (registry: string, scope: string) => `${registry}\n${scope}`;
const basicHeader = (credentials: Credentials) => `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
