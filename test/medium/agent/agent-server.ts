import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../../src/config/schema.js';
import type { HostsTable } from '../../../src/db/schema.js';
import { HostInventoryRepository, type StoredInventory } from '../../../src/repositories/host-inventory-repository.js';
import { startLiveServer, type LiveServer } from '../../support/live-server.js';

/** Generous, for a loaded 2-core machine: every wait below ends as soon as its condition holds. */
export const WAIT_MS = 30_000;

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The answer's status, once sent. */
  status?: number;
}

/**
 * The real server (test/support/live-server.ts) for agent tests, plus a
 * record of the requests it was sent. The record is read off the real HTTP
 * server's 'request' event next to Fastify's own handler: it only looks
 * (method, path, headers, status), it does not answer or read bodies.
 * Bodies are checked where the server keeps them: the database.
 */
export class AgentTestServer {
  readonly requests: SeenRequest[] = [];
  private constructor(public live: LiveServer) {
    this.observe();
  }

  /** Agents are told a 1 s long-poll (so shutdowns are quick) unless `hosts` says otherwise. */
  static async start(hosts: Partial<Config['hosts']> = {}): Promise<AgentTestServer> {
    return new AgentTestServer(await startLiveServer('sqlite', undefined, { hosts: { pollWaitSeconds: 1, offlineAfterSeconds: 5, ...hosts } }));
  }

  get url(): string {
    return this.live.server.url;
  }

  get runtime() {
    return this.live.server.runtime;
  }

  get db() {
    return this.live.server.runtime.database.db;
  }

  get projectId(): string {
    return this.live.account.project.id;
  }

  async enrolmentToken(): Promise<string> {
    return (await this.runtime.services.agents.createEnrolmentToken(this.projectId)).token;
  }

  /** Stops the server for real: the port refuses connections until `restart()`. */
  async stop(): Promise<void> {
    await this.live.shutdown();
  }

  /** A new server on the same port over the same database: the first one, restarted. */
  async restart(): Promise<void> {
    const hosts = this.live.server.runtime.config.hosts;
    this.live = await startLiveServer('sqlite', undefined, { port: this.live.port, reuse: this.live, hosts });
    this.observe();
  }

  async close(): Promise<void> {
    await this.live.close();
  }

  seen(method: string, path: string, status?: number): SeenRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path && (status === undefined || r.status === status));
  }

  /** The project's hosts, as the server stores them. */
  async hosts(): Promise<HostsTable[]> {
    return this.db.selectFrom('hosts').selectAll().where('project_id', '=', this.projectId).execute();
  }

  async onlyHost(): Promise<HostsTable> {
    const hosts = await this.hosts();
    if (hosts.length !== 1) throw new Error(`expected one host, found ${hosts.length}`);
    return hosts[0]!;
  }

  async command(id: string) {
    return this.db.selectFrom('agent_commands').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The packages of the host's stored inventory. */
  async storedInventory(hostId: string): Promise<StoredInventory | undefined> {
    return (await new HostInventoryRepository(this.db).load([hostId]))[0];
  }

  private observe(): void {
    this.live.server.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers };
      this.requests.push(seen);
      res.once('finish', () => (seen.status = res.statusCode));
    });
  }
}

/** Waits until `check` holds, looking every 25 ms; the error names what never happened. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
