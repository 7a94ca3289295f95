import type { Logger } from 'pino';
import type { RegistryConnectionStatus } from '../../domain/registry.js';
import { RegistryClient, RegistryError, createRegistryAgent, DEFAULT_TIMEOUTS, type RegistryTimeouts, type RetryPolicy } from '../../sources/registry/index.js';

/** How to reach one stored registry; the password is in clear only for the length of one operation. */
export interface RegistryEndpoint {
  host: string;
  plainHttp: boolean;
  skipTlsVerify: boolean;
  username: string;
  password: string | null;
}

export interface RegistryConnectorOptions {
  timeouts?: Partial<RegistryTimeouts>;
  /** Retries of the connectivity check; a user waits on it, so fewer than a sync's. */
  checkRetry?: Partial<RetryPolicy>;
  syncRetry?: Partial<RetryPolicy>;
  logger?: Logger;
}

export interface ConnectionState {
  status: RegistryConnectionStatus;
  reason: string;
}

/**
 * A failure that says the registry as a whole cannot be read with its stored
 * settings (refused credentials, no answer, a server error), as opposed to
 * one image being unreadable. Anything else is not classified (null).
 */
export function connectionFailure(error: unknown): ConnectionState | null {
  if (!(error instanceof RegistryError)) return null;
  if (error.code === 'unauthorized' || error.code === 'denied') return { status: 'unauthorized', reason: error.message };
  if (error.code === 'network' || error.code === 'timeout' || error.code === 'http') return { status: 'unreachable', reason: error.message };
  return null;
}

/** Opens registry clients for stored registries (their own dispatcher, TLS verification as configured) and checks connectivity. */
export class RegistryConnector {
  private readonly timeouts: RegistryTimeouts;

  constructor(private readonly options: RegistryConnectorOptions = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  /** Runs `work` with a client for the endpoint, then closes its connections. */
  async withClient<T>(endpoint: RegistryEndpoint, purpose: 'check' | 'sync', work: (client: RegistryClient) => Promise<T>): Promise<T> {
    const agent = createRegistryAgent(this.timeouts, endpoint.skipTlsVerify ? { connect: { timeout: this.timeouts.connectMs, rejectUnauthorized: false } } : {});
    const credentials = endpoint.username !== '' || endpoint.password !== null ? { username: endpoint.username, password: endpoint.password ?? '' } : undefined;
    const retry = purpose === 'check' ? (this.options.checkRetry ?? { retries: 1 }) : this.options.syncRetry;
    const client = new RegistryClient({
      dispatcher: agent,
      hosts: { [endpoint.host]: { insecure: endpoint.plainHttp, ...(credentials ? { credentials } : {}) } },
      timeouts: this.timeouts,
      ...(retry ? { retry } : {}),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
    try {
      return await work(client);
    } finally {
      await client.close();
      await agent.close();
    }
  }

  /** `GET /v2/` with the stored credentials: connected, unauthorized or unreachable, with the reason. */
  async check(endpoint: RegistryEndpoint): Promise<ConnectionState> {
    return this.withClient(endpoint, 'check', async (client) => {
      try {
        await client.ping(endpoint.host);
        return { status: 'connected', reason: '' };
      } catch (error) {
        return connectionFailure(error) ?? { status: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
      }
    });
  }
}
