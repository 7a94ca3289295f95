import { MAX_COMMAND_WAIT_MS, type AgentCommand, type EnrollResponse, type InventoryUpload } from '../protocol.js';
import { ImageReporter } from './images/image-reporter.js';
import type { ImageSourcesOptions } from './images/collect-images.js';
import { AgentHttpClient, AgentHttpError, AgentRejectedError, type AgentHttpOptions } from './agent-http.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { collectInventory, type CollectOptions } from './collect.js';
import { CredentialsStore, DEFAULT_STATE_DIR, sameServer, type AgentCredentials } from './credentials-store.js';
import { collectIdentity } from './identity.js';
import { collectNodeReport } from './k8s-node/node-report.js';

export const EXIT_STOPPED = 0;
/** The server refused the agent's token or credentials: restarting will not help, an operator must act. */
export const EXIT_REJECTED = 3;

type LogFn = (fields: Record<string, unknown>, message: string) => void;
/** The subset of a pino logger the agent uses; every call is one line about one event. */
export interface AgentLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface RunAgentOptions {
  server: string;
  /** Enrolment token; only needed when the state dir holds no credentials for `server`. */
  token?: string;
  stateDir?: string;
  root?: string;
  excludes?: string[];
  /** Overrides the server's inventory_interval_ms. */
  intervalMs?: number;
  /** Aborting stops the agent: the long-poll and any backoff wait end at once. */
  signal?: AbortSignal;
  logger: AgentLogger;
  backoff?: BackoffOptions;
  http?: AgentHttpOptions;
  /** Where to look for local images; absent: images are not reported. */
  images?: ImageSourcesOptions;
  /** Also report the CIS node controls when the host is a Kubernetes node (default true). */
  kubernetesNode?: boolean;
  /** Collects the inventory; collectInventory by default (tests stand in a slow or failing disk). */
  collect?: (options: CollectOptions) => Promise<InventoryUpload>;
}

/** Thrown for a setup the agent cannot run with (not enrolled, bad state file); the CLI reports it and exits 2. */
export class AgentSetupError extends Error {
  override name = 'AgentSetupError';
}

/** The shortest upload interval and long-poll accepted, so a misconfigured server cannot make agents spin. */
const MIN_INTERVAL_MS = 1_000;
const MIN_POLL_WAIT_MS = 1_000;

/** A monotonic clock for scheduling, so a wall-clock jump neither skips nor postpones uploads. */
const now = () => performance.now();

function checkEnrollResponse(value: EnrollResponse): EnrollResponse {
  const v = value as Partial<EnrollResponse> | null;
  if (!v || typeof v.agent_id !== 'string' || typeof v.host_id !== 'string' || typeof v.agent_secret !== 'string') {
    throw new AgentHttpError('enrolment answer is missing agent_id, host_id or agent_secret', null, null, false);
  }
  return {
    agent_id: v.agent_id,
    host_id: v.host_id,
    agent_secret: v.agent_secret,
    inventory_interval_ms: typeof v.inventory_interval_ms === 'number' ? v.inventory_interval_ms : 3_600_000,
    poll_wait_ms: typeof v.poll_wait_ms === 'number' ? v.poll_wait_ms : 25_000,
  };
}

/** Why `token` cannot be an enrolment token (`ohssenrol_` and 32 base64url characters, as `agent-token create` prints), or null. */
export function tokenProblem(token: string): string | null {
  if (/[\r\n]/.test(token)) return 'it spans several lines; give the token alone (agent-token create prints only the token on standard output)';
  if (/\s/.test(token)) return 'it contains spaces; give the token alone';
  if (!token.startsWith('ohssenrol_')) return 'it does not start with ohssenrol_ (is it an X-Auth-Token or an AK rather than an enrolment token?)';
  if (!/^ohssenrol_[A-Za-z0-9_-]{32}$/.test(token)) return `it should be ohssenrol_ and 32 base64url characters, not ${token.length - 'ohssenrol_'.length}`;
  return null;
}

/**
 * Runs `openhss agent` until the signal aborts (resolves EXIT_STOPPED) or the
 * server rejects the agent (resolves EXIT_REJECTED). A server that is down
 * is waited for, with backoff, however long it takes.
 */
export async function runAgent(options: RunAgentOptions): Promise<number> {
  const run = new AgentRun(options);
  try {
    return await run.start();
  } finally {
    await run.close();
  }
}

class AgentRun {
  private readonly client: AgentHttpClient;
  private readonly store: CredentialsStore;
  private readonly backoff: Backoff;
  private readonly signal: AbortSignal;
  private readonly log: AgentLogger;
  private readonly root: string;
  private credentials: AgentCredentials | null = null;
  private lastHash: string | null = null;
  private lastIdentity: string | null = null;
  private failing = false;
  private nextUploadAt = 0;
  private images: ImageReporter | null = null;
  /** The collection and upload running beside the poll loop, if any. */
  private syncing: Promise<void> | null = null;
  /** collect_inventory commands that arrived during a collection; the next upload answers them. */
  private waitingCommands: string[] = [];

  constructor(private readonly options: RunAgentOptions) {
    this.client = new AgentHttpClient(options.server, options.http);
    this.store = new CredentialsStore(options.stateDir ?? DEFAULT_STATE_DIR);
    this.backoff = new Backoff(options.backoff);
    this.signal = options.signal ?? new AbortController().signal;
    this.log = options.logger;
    this.root = options.root ?? '/';
  }

  async close(): Promise<void> {
    await this.syncing;
    await this.images?.idle();
    await this.client.close();
  }

  async start(): Promise<number> {
    try {
      if (!(await this.loadOrEnroll())) return this.stopped();
      const credentials = this.credentials!;
      this.client.setAuth(credentials);
      this.lastHash = await this.store.loadLastHash(credentials.agent_id);
      await this.syncIdentity();
      this.startInventorySync();
      if (this.options.images) {
        this.images = new ImageReporter({
          client: this.client,
          stateDir: this.store.dir,
          sources: this.options.images,
          signal: this.signal,
          logger: this.log,
          retrying: (what, op) => this.retrying(what, op),
        });
        this.images.request();
      }
      await this.loop();
      return this.stopped();
    } catch (err) {
      if (!(err instanceof AgentRejectedError)) throw err;
      const enrolled = this.credentials !== null;
      this.log.error(
        { event: enrolled ? 'agent_rejected' : 'enrollment_rejected', status: err.status, code: err.code },
        enrolled
          ? `the server rejected this agent's credentials (host deleted or secret wrong); stopping. To enrol again, delete ${this.store.credentialsPath} and start with a new --token`
          : 'the server refused the enrolment token (unknown, already used or expired); ask for a new token',
      );
      return EXIT_REJECTED;
    }
  }

  private stopped(): number {
    this.log.info({ event: 'stopped' }, 'agent stopped');
    return EXIT_STOPPED;
  }

  /** False when stopped before enrolment finished. */
  private async loadOrEnroll(): Promise<boolean> {
    const { server, token } = this.options;
    let stored: AgentCredentials | null;
    try {
      stored = await this.store.load();
    } catch (err) {
      throw new AgentSetupError((err as Error).message);
    }
    if (stored && sameServer(stored.server, server)) {
      this.credentials = stored;
      this.log.info({ event: 'credentials_loaded', agent_id: stored.agent_id, host_id: stored.host_id }, `using the credentials in ${this.store.credentialsPath}`);
      return true;
    }
    if (!token) {
      throw new AgentSetupError(
        stored
          ? `${this.store.credentialsPath} is for ${stored.server}, not ${server}; give --token or --token-file to enrol with ${server}`
          : `not enrolled yet: give --token or --token-file (no credentials in ${this.store.dir})`,
      );
    }
    const malformed = tokenProblem(token);
    if (malformed) throw new AgentSetupError(`the enrolment token is malformed: ${malformed}`);
    const identity = await collectIdentity({ root: this.root });
    this.log.info({ event: 'enrolling', server, host_name: identity.host_name }, `enrolling with ${server}`);
    const answer = await this.retrying('enrolment', () => this.client.enroll({ token, identity }, this.signal));
    if (answer === undefined) return false;
    const enrolled = checkEnrollResponse(answer);
    this.credentials = { server, ...enrolled };
    try {
      await this.store.save(this.credentials);
    } catch (err) {
      // The token is spent; without the saved secret the agent could never come back after a restart.
      throw new AgentSetupError(`enrolled as agent ${enrolled.agent_id}, but could not save the credentials in ${this.store.dir}: ${(err as Error).message}`);
    }
    this.log.info({ event: 'enrolled', agent_id: enrolled.agent_id, host_id: enrolled.host_id }, `enrolled; credentials saved in ${this.store.credentialsPath}`);
    return true;
  }

  private get intervalMs(): number {
    return Math.max(MIN_INTERVAL_MS, this.options.intervalMs ?? this.credentials!.inventory_interval_ms);
  }

  private get pollWaitMs(): number {
    return Math.min(MAX_COMMAND_WAIT_MS, Math.max(MIN_POLL_WAIT_MS, this.credentials!.poll_wait_ms));
  }

  /**
   * Collects and uploads the inventory beside the poll loop: reading a large
   * disk takes minutes, and polling is the heartbeat that keeps the host
   * online. A failure that must stop the agent (401) ends the loop too.
   */
  private startInventorySync(commandId?: string): void {
    if (commandId !== undefined) this.waitingCommands.push(commandId);
    if (this.syncing) return;
    this.nextUploadAt = now() + this.intervalMs;
    const run = async () => {
      // Commands that arrive while this collection runs are answered by it (a scan waits minutes, not two
      // collections); those that arrive while it uploads get a collection of their own.
      do await this.syncInventory(() => this.waitingCommands.splice(0));
      while (this.waitingCommands.length > 0 && !this.signal.aborted);
    };
    this.syncing = run()
      .catch((err: unknown) => {
        this.fatal ??= err;
        this.stopLoop.abort();
      })
      .finally(() => {
        this.syncing = null;
      });
  }

  private fatal: unknown = undefined;
  private readonly stopLoop = new AbortController();

  private async loop(): Promise<void> {
    const signal = AbortSignal.any([this.signal, this.stopLoop.signal]);
    while (!signal.aborted) {
      if (now() >= this.nextUploadAt && !this.syncing) {
        await this.syncIdentity();
        this.startInventorySync();
        this.images?.request();
        continue;
      }
      // A collection that outlasts the interval makes the next upload overdue: poll meanwhile, no longer than an interval.
      const untilUpload = this.nextUploadAt - now();
      const wait = Math.min(this.pollWaitMs, untilUpload > 0 ? untilUpload : this.intervalMs);
      // Any refusal but 401 is waited out too: polling is the heartbeat, and giving it up would take the host offline.
      const batch = await this.retrying('command poll', () => this.client.pollCommands(wait, signal), true, signal);
      if (this.fatal !== undefined) throw this.fatal;
      if (batch === undefined) return;
      this.log.debug({ event: 'polled', commands: batch.commands.length }, 'command poll answered');
      for (const command of batch.commands) {
        if (this.signal.aborted) return;
        await this.handle(command);
      }
    }
  }

  private async handle(command: AgentCommand): Promise<void> {
    if (command.type === 'collect_inventory') {
      this.log.info({ event: 'command', command_id: command.id, type: command.type }, 'server asked for the inventory');
      this.startInventorySync(command.id);
    } else if (command.type === 'images' && this.images) {
      this.log.info({ event: 'command', command_id: command.id, type: command.type }, 'server asked for the local images');
      this.images.request(command.id);
    } else {
      this.log.warn({ event: 'command_unknown', command_id: command.id, type: String(command.type) }, 'ignoring a command this agent does not know');
    }
  }

  /** Tells the server about a changed host name, address, OS or kernel; unchanged identities are not resent. */
  private async syncIdentity(): Promise<void> {
    const identity = await collectIdentity({ root: this.root });
    const text = JSON.stringify(identity);
    if (text === this.lastIdentity) return;
    let done: boolean | undefined;
    try {
      done = await this.retrying('identity update', async () => {
        await this.client.putIdentity(identity, this.signal);
        return true;
      });
    } catch (err) {
      if (err instanceof AgentRejectedError || !(err instanceof AgentHttpError)) throw err;
      // Not fatal: the inventory matters more than the identity, which is tried again at the next interval.
      this.log.error({ event: 'identity_refused', status: err.status, code: err.code, error: err.message }, 'the server refused the host identity');
      return;
    }
    if (done) {
      this.lastIdentity = text;
      this.log.info({ event: 'identity_sent', host_name: identity.host_name, ips: identity.ips, os: identity.os_name, kernel: identity.kernel }, 'host identity sent');
    }
  }

  /**
   * Collects the inventory once and sends it for each command waiting (or
   * once, unasked): only its hash when the server already holds it, else in full.
   */
  private async syncInventory(takeCommands: () => string[]): Promise<void> {
    this.nextUploadAt = now() + this.intervalMs;
    let upload: InventoryUpload;
    try {
      upload = await (this.options.collect ?? collectInventory)({
        root: this.root,
        excludes: this.options.excludes ?? [],
        stateDir: this.store.dir,
        signal: this.signal,
        onSkip: (path) => this.log.warn({ event: 'path_skipped', path }, `${path} cannot be read; skipped`),
      });
    } catch (err) {
      // The commands stay unanswered: the server fails their scans with a reason when they time out.
      takeCommands();
      if (this.signal.aborted) return;
      this.log.error({ event: 'collect_failed', error: (err as Error).message }, 'could not collect the inventory');
      return;
    }
    this.log.info(
      {
        event: 'collected',
        packages: upload.packages.length,
        os: upload.os ? `${upload.os.id} ${upload.os.versionId}` : null,
        warnings: upload.warnings.length,
        skipped_paths: upload.skipped_paths ?? 0,
        content_hash: upload.content_hash,
      },
      'inventory collected',
    );
    const commandIds = takeCommands();
    for (const commandId of commandIds.length > 0 ? commandIds : [undefined]) {
      if (this.signal.aborted) return;
      await this.deliver(commandId === undefined ? upload : { ...upload, command_id: commandId }, commandId);
    }
    if (this.options.kubernetesNode !== false && !this.signal.aborted) await this.syncKubernetesNode();
  }

  /** On a Kubernetes node, the CIS node controls decided here, sent with each inventory. Not fatal when refused. */
  private async syncKubernetesNode(): Promise<void> {
    let report;
    try {
      report = await collectNodeReport({ root: this.root });
    } catch (err) {
      this.log.error({ event: 'k8s_node_failed', error: (err as Error).message }, 'could not check this Kubernetes node');
      return;
    }
    if (report === null) return;
    try {
      const accepted = await this.retrying('Kubernetes node report', () => this.client.reportKubernetesNode(report, this.signal));
      if (accepted) this.log.info({ event: 'k8s_node_sent', node: report.node_name, roles: report.roles, results: report.results.length }, 'Kubernetes node checks sent');
    } catch (err) {
      if (err instanceof AgentRejectedError || !(err instanceof AgentHttpError)) throw err;
      this.log.error({ event: 'k8s_node_refused', status: err.status, code: err.code, error: err.message }, 'the server refused the Kubernetes node checks');
    }
  }

  private async deliver(upload: InventoryUpload, commandId: string | undefined): Promise<void> {
    let sent: { full: boolean; changed: boolean } | undefined;
    try {
      sent = await this.retrying('inventory upload', () => this.send(upload));
    } catch (err) {
      if (err instanceof AgentRejectedError || !(err instanceof AgentHttpError)) throw err;
      // A refused upload (too big, malformed) will be refused again; try afresh at the next interval.
      this.log.error({ event: 'upload_refused', status: err.status, code: err.code, error: err.message }, 'the server refused the inventory');
      return;
    }
    if (sent === undefined) return;
    this.nextUploadAt = now() + this.intervalMs;
    this.log.info(
      { event: sent.full ? 'inventory_uploaded' : 'inventory_unchanged', content_hash: upload.content_hash, changed: sent.changed, ...(commandId ? { command_id: commandId } : {}) },
      sent.full ? 'inventory uploaded' : 'inventory unchanged; sent its hash only',
    );
    if (this.lastHash === upload.content_hash) return;
    this.lastHash = upload.content_hash;
    try {
      await this.store.saveLastHash(this.credentials!.agent_id, upload.content_hash);
    } catch (err) {
      this.log.warn({ event: 'state_write_failed', error: (err as Error).message }, 'could not remember the inventory hash; the next start uploads in full');
    }
  }

  private async send(upload: InventoryUpload): Promise<{ full: boolean; changed: boolean }> {
    if (upload.content_hash === this.lastHash) {
      const report = { content_hash: upload.content_hash, collected_at: upload.collected_at, ...(upload.command_id ? { command_id: upload.command_id } : {}) };
      const accepted = await this.client.reportUnchanged(report, this.signal);
      if (accepted) return { full: false, changed: accepted.changed };
      this.log.info({ event: 'hash_unknown', content_hash: upload.content_hash }, 'the server does not hold this inventory; uploading it in full');
    }
    const accepted = await this.client.uploadInventory(upload, this.signal);
    return { full: true, changed: accepted.changed };
  }

  /**
   * Runs `op` until it succeeds, waiting with backoff while the server is
   * unreachable or failing (network errors, 5xx). Refusals (4xx) are thrown
   * unless `retryRefusals`; a 401 always is.
   * Undefined means the agent was stopped meanwhile.
   */
  private async retrying<T>(what: string, op: () => Promise<T>, retryRefusals = false, signal = this.signal): Promise<T | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      try {
        const result = await op();
        if (this.failing) this.log.info({ event: 'server_back', after_failures: this.backoff.attempts }, 'server reachable again');
        this.failing = false;
        this.backoff.reset();
        return result;
      } catch (err) {
        if (signal.aborted) return undefined;
        if (!(err instanceof AgentHttpError) || err instanceof AgentRejectedError || !(err.retryable || retryRefusals)) throw err;
        const delay = this.backoff.next();
        this.failing = true;
        this.log.warn({ event: 'retry', what, attempt: this.backoff.attempts, delay_ms: delay, error: err.message }, `${what} failed; retrying in ${(delay / 1000).toFixed(1)}s`);
        await sleep(delay, signal);
      }
    }
  }
}
