import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { inventoryHash, type AgentCommand, type InventoryUpload } from '../../../src/agent/protocol.js';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The JSON body, gunzipped when it came gzipped. */
  body: unknown;
}

/**
 * A stand-in for the server side of /agent/v1, small enough to reason about
 * in a test: it holds one hash per agent, queues commands, and can be made
 * to fail (503) or disappear (stop listening) and come back on the same port.
 */
export class FakeAgentServer {
  readonly requests: SeenRequest[] = [];
  readonly tokens = new Set<string>();
  readonly agents = new Map<string, string>();
  readonly heldHash = new Map<string, string>();
  failWith: number | null = null;
  inventoryIntervalMs = 3_600_000;
  pollWaitMs = 25_000;
  private readonly commands: AgentCommand[] = [];
  private readonly waiting = new Set<() => void>();
  private server: Server | null = null;
  private next = 1;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops every connection, as a crashed server would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const wake of this.waiting) wake();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  issueToken(token: string): void {
    this.tokens.add(token);
  }

  pushCommand(type: AgentCommand['type'] = 'collect_inventory'): string {
    const command = { id: `cmd-${this.next++}`, type, issued_at: Date.now() };
    this.commands.push(command);
    for (const wake of this.waiting) wake();
    return command.id;
  }

  seen(method: string, path: string): SeenRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const url = new URL(req.url ?? '/', 'http://x');
    const body = raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : null;
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const refuse = () => send(401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information', request_id: 'r' });
    if (this.failWith !== null) return send(this.failWith, { error_code: 'HSS.0041', error_msg: 'Internal query error' });

    const route = `${req.method} ${url.pathname}`;
    if (route === 'POST /agent/v1/enroll') {
      const { token } = body as { token: string };
      if (!this.tokens.delete(token)) return refuse();
      const agentId = `agent-${this.next++}`;
      const secret = `secret-${agentId}-${Math.random().toString(16).slice(2)}`;
      this.agents.set(agentId, secret);
      return send(201, { agent_id: agentId, host_id: `host-${agentId}`, agent_secret: secret, inventory_interval_ms: this.inventoryIntervalMs, poll_wait_ms: this.pollWaitMs });
    }
    const auth = /^OpenHSS-Agent ([^:]+):(.+)$/.exec(req.headers.authorization ?? '');
    const agentId = auth?.[1];
    if (!auth || !agentId || this.agents.get(agentId) !== auth[2]) return refuse();
    switch (route) {
      case 'PUT /agent/v1/identity':
        return send(200, {});
      case 'POST /agent/v1/inventory': {
        const upload = body as InventoryUpload;
        if (req.headers['content-type'] !== 'application/json' || inventoryHash(upload) !== upload.content_hash) return send(400, { error_code: 'HSS.0001', error_msg: 'bad inventory' });
        const changed = this.heldHash.get(agentId) !== upload.content_hash;
        this.heldHash.set(agentId, upload.content_hash);
        return send(200, { changed, content_hash: upload.content_hash });
      }
      case 'POST /agent/v1/inventory/unchanged': {
        const { content_hash } = body as { content_hash: string };
        if (this.heldHash.get(agentId) !== content_hash) return send(409, { error_code: 'HSS.0014', error_msg: 'unknown hash' });
        return send(200, { changed: false, content_hash });
      }
      case 'GET /agent/v1/commands': {
        const wait = Number(url.searchParams.get('wait_ms') ?? 25_000);
        if (this.commands.length === 0 && wait > 0) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              this.waiting.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, wait);
            this.waiting.add(wake);
            req.socket.once('close', wake);
          });
        }
        if (res.destroyed) return;
        return send(200, { commands: this.commands.splice(0) });
      }
      default:
        return send(404, { error_code: 'APIGW.0101', error_msg: 'no such API' });
    }
  }
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
