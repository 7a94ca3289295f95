import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { JobPayloads } from './kinds.js';
import { LEASE_EXPIRED_ERROR, exhaustedKind, type EnqueueOptions, type ExhaustedHandler, type JobHandler, type JobKind, type JobQueue, type JobRecord, type JobState } from './queue.js';
import { PollLoop } from './poll-loop.js';
import { DEFAULT_ENQUEUE, type QueueLogger, type QueueSettings } from './settings.js';

export interface PgBossConnection {
  connectionString: string;
  /** pg-boss keeps its tables in this schema (created when missing). */
  schema: string;
}

export interface PgBossQueueSettings extends QueueSettings {
  /**
   * How often pg-boss's maintenance runs: it fails (and so retries) active
   * jobs whose lease ran out, and archives finished ones. pg-boss accepts
   * 1 s at least. Default: half the lease, between 1 and 30 s, so a dead
   * worker's job is retried (or given up) at most 30 s after its lease.
   */
  maintenanceIntervalSeconds?: number;
}

type Payload = JobPayloads[JobKind];

/** What a fetched job's runner gets: a handler, or an exhaustion handler reading the failed job's output. */
type Runner = (job: { id: string; payload: Payload; attempt: number; signal: AbortSignal; output: JobRow['output'] }) => Promise<void>;

/** A job this process fetched and is running. */
interface RunningJob {
  /** A job kind, or the give-up queue of one (`<kind>.exhausted`). */
  kind: string;
  id: string;
  /** pg-boss's retry_count at fetch: identifies this try in every later write. */
  retryCount: number;
  leaseMs: number;
  /** This worker's view of its lease; past it the job may already belong to another worker. */
  leaseUntil: number;
  abort: AbortController;
  heartbeat: NodeJS.Timeout;
  heartbeatInFlight: boolean;
  /** The handler returned or threw; only recording its outcome remains. */
  settled: boolean;
  /** stop() handed the job back, or the lease was lost: its outcome is no longer ours to record. */
  disowned: boolean;
  done: Promise<void>;
}

interface JobRow {
  id: string;
  name: string;
  state: string;
  retry_count: number;
  started: boolean;
  output: { message?: unknown; value?: { message?: unknown } } | null;
}

const STATES: Record<string, JobState> = {
  created: 'queued',
  retry: 'queued',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'failed',
};

/** What pg-boss's maintenance writes into a job whose lease (expire_in) ran out. */
const PG_BOSS_EXPIRY_MESSAGE = 'job failed by timeout in active state';
/** pg-boss rejects expirations of 24 h or more. */
const MAX_LEASE_SECONDS = 24 * 3600 - 1;

/**
 * The PostgreSQL queue, on pg-boss 10's tables: every process connected to
 * the same database shares the work (pg-boss fetches with SKIP LOCKED).
 *
 * pg-boss provides storage, retries with backoff, and the lease: a job's
 * expire_in. Its maintenance, run by whichever live process gets there
 * first, fails an active job whose started_on + expire_in has passed, which
 * retries it when attempts remain. pg-boss itself has no heartbeat (its
 * expiry is a time limit on the whole handler), so this queue runs its own
 * fetch loop instead of boss.work() and renews a running job's lease by
 * moving started_on forward every lease/3. Running its own loop also lets
 * stop() hand unfinished jobs back uncounted, where boss.stop() would fail
 * them.
 */
export class PgBossJobQueue implements JobQueue {
  private readonly handlers = new Map<string, Runner>();
  private readonly queuesCreated = new Map<string, Promise<void>>();
  private readonly running = new Map<string, RunningJob>();
  private booting: Promise<PgBoss> | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  /** stop() finished: pg-boss's pool is closed. */
  private closed = false;
  private readonly loop: PollLoop;
  private nextKind = 0;

  constructor(
    private readonly connection: PgBossConnection,
    private readonly settings: PgBossQueueSettings,
    private readonly logger?: QueueLogger,
  ) {
    this.loop = new PollLoop(() => this.fetchWhileFree(), settings.pollIntervalMs, (err) => this.logger?.error({ err }, 'job queue poll failed'));
  }

  async enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K], options: EnqueueOptions = {}): Promise<string | null> {
    const boss = await this.queueFor(kind);
    // pg-boss 10 enforces singletonKey only with a throttling slot or a special queue policy,
    // so the key becomes the job id instead: inserting a second job with it conflicts.
    const id = options.singletonKey === undefined ? undefined : idForSingletonKey(options.singletonKey);
    // The id of a finished job may have moved to the archive, where the insert cannot see it.
    if (id && (await this.get(id))) return null;
    const maxAttempts = options.maxAttempts ?? DEFAULT_ENQUEUE.maxAttempts;
    // pg-boss's dead letter: a job failed for good (thrown or expired) is copied, payload and output, into this queue.
    const deadLetter = options.reportExhaustion ? exhaustedKind(kind) : undefined;
    if (deadLetter) await this.queueFor(deadLetter);
    const sentId = await boss.send(kind, payload as object, {
      ...(id ? { id } : {}),
      ...(deadLetter ? { deadLetter } : {}),
      retryLimit: maxAttempts - 1,
      // Whole seconds only; pg-boss waits delay × 2^(n−1) to twice that (jitter) before try n+1.
      retryDelay: Math.max(1, Math.ceil((options.backoffMs ?? DEFAULT_ENQUEUE.backoffMs) / 1000)),
      retryBackoff: true,
      expireInSeconds: leaseSeconds(options.leaseMs ?? this.settings.leaseMs),
      ...(options.runAt === undefined ? {} : { startAfter: new Date(options.runAt) }),
    });
    if (sentId && this.handlers.has(kind)) this.loop.wake(0);
    return sentId;
  }

  work<K extends JobKind>(kind: K, handler: JobHandler<K>): void {
    this.handlers.set(kind, (job) => (handler as unknown as JobHandler<JobKind>)({ id: job.id, kind, payload: job.payload, attempt: job.attempt, signal: job.signal }));
  }

  onExhausted<K extends JobKind>(kind: K, handler: ExhaustedHandler<K>): void {
    this.handlers.set(exhaustedKind(kind), (job) =>
      (handler as unknown as ExhaustedHandler<JobKind>)({ id: job.id, kind, payload: job.payload, lastError: lastErrorOf(job.output) }),
    );
  }

  async start(): Promise<void> {
    if (this.stopping) throw new Error('this job queue was stopped; create a new one');
    if (this.started || this.handlers.size === 0) return;
    for (const kind of this.handlers.keys()) await this.queueFor(kind);
    this.started = true;
    this.loop.start();
  }

  stop(timeoutMs: number): Promise<void> {
    this.stopping ??= this.shutDown(timeoutMs);
    return this.stopping;
  }

  async get(id: string): Promise<JobRecord | null> {
    const rows = await this.query<JobRow>(
      `select id, name, state::text as state, retry_count, started_on is not null as started, output from ${this.table('job')} where id = $1
       union all
       select id, name, state::text, retry_count, started_on is not null, output from ${this.table('archive')} where id = $1
       limit 1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    const state = STATES[row.state] ?? 'failed';
    return {
      id: row.id,
      kind: row.name,
      state,
      // retry_count counts re-fetches, so a job that ever started has had retry_count + 1 tries.
      attempts: row.started ? row.retry_count + 1 : 0,
      lastError: state === 'completed' ? null : lastErrorOf(row.output),
    };
  }

  /** Jobs still in pg-boss's job table; archived ones (after 12 h) are no longer counted. */
  async counts(): Promise<Record<JobState, number>> {
    const rows = await this.query<{ state: string; n: number }>(`select state::text as state, count(*)::int as n from ${this.table('job')} group by state`, []);
    const counts: Record<JobState, number> = { queued: 0, active: 0, completed: 0, failed: 0 };
    for (const row of rows) counts[STATES[row.state] ?? 'failed'] += row.n;
    return counts;
  }

  private get polling(): boolean {
    return this.started && !this.stopping;
  }

  private async fetchWhileFree(): Promise<void> {
    const boss = await this.boss();
    const kinds = [...this.handlers.keys()];
    // Start with a different kind each time, so one busy kind cannot starve the others.
    this.nextKind = (this.nextKind + 1) % kinds.length;
    for (let i = 0; i < kinds.length; i++) {
      const free = this.settings.concurrency - this.running.size;
      if (free <= 0 || !this.polling) return;
      const kind = kinds[(this.nextKind + i) % kinds.length]!;
      const fetchedAt = Date.now();
      const jobs = await boss.fetch<Payload>(kind, { batchSize: free, includeMetadata: true });
      for (const job of jobs) {
        // stop() began while the fetch was on its way: give the job straight back.
        if (this.polling) this.run(kind, job, fetchedAt);
        else await this.release(kind, job.id, job.retryCount);
      }
    }
  }

  private run(kind: string, fetched: PgBoss.JobWithMetadata<Payload>, fetchedAt: number): void {
    const handler = this.handlers.get(kind)!;
    const leaseMs = Number(fetched.expireInSeconds) * 1000;
    const job: RunningJob = {
      kind,
      id: fetched.id,
      retryCount: fetched.retryCount,
      leaseMs,
      // Counted from before the fetch, so this worker never believes in a lease the database already ended.
      leaseUntil: fetchedAt + leaseMs,
      abort: new AbortController(),
      heartbeat: setInterval(() => void this.heartbeat(job), Math.max(10, Math.floor(leaseMs / 3))),
      heartbeatInFlight: false,
      settled: false,
      disowned: false,
      done: Promise.resolve(),
    };
    const attempt = fetched.retryCount + 1;
    job.done = (async () => {
      let error: string | null = null;
      try {
        await handler({ id: job.id, payload: fetched.data, attempt, signal: job.abort.signal, output: fetched.output as JobRow['output'] });
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      } finally {
        job.settled = true;
        clearInterval(job.heartbeat);
      }
      if (job.disowned || Date.now() >= job.leaseUntil) return;
      const boss = await this.boss();
      if (error === null) {
        await boss.complete(kind, job.id);
      } else {
        this.logger?.warn({ jobId: job.id, kind, attempt, error }, 'job failed');
        await boss.fail(kind, job.id, { message: error });
      }
    })()
      .catch((err: unknown) => this.logger?.error({ err, jobId: job.id }, 'could not record the end of a job'))
      .finally(() => {
        this.running.delete(job.id);
        this.loop.wake(0);
      });
    this.running.set(job.id, job);
  }

  private async heartbeat(job: RunningJob): Promise<void> {
    if (job.settled || job.disowned || job.heartbeatInFlight) return;
    const sentAt = Date.now();
    // Heartbeats failed (or the process was frozen) for a whole lease: another worker may own the job now.
    if (sentAt >= job.leaseUntil) return this.loseLease(job);
    job.heartbeatInFlight = true;
    try {
      const rows = await this.query(
        `update ${this.table('job')} set started_on = now()
         where name = $1 and id = $2 and state = 'active' and retry_count = $3 returning id`,
        [job.kind, job.id, job.retryCount],
      );
      if (job.settled || job.disowned) return;
      if (rows.length === 0) this.loseLease(job);
      else job.leaseUntil = sentAt + job.leaseMs;
    } catch (err) {
      this.logger?.warn({ err, jobId: job.id }, 'lease heartbeat failed');
    } finally {
      job.heartbeatInFlight = false;
    }
  }

  private loseLease(job: RunningJob): void {
    job.disowned = true;
    clearInterval(job.heartbeat);
    this.logger?.warn({ jobId: job.id, kind: job.kind, attempt: job.retryCount + 1 }, 'job lease lost; abandoning the job');
    job.abort.abort(new Error('lease lost'));
  }

  /**
   * Puts a fetched job back as it was before the fetch, so the interrupted try
   * is not counted: pg-boss's fetch adds one to retry_count when started_on is
   * set, so a first try goes back to 'created' with no started_on, a later one
   * to 'retry' with one taken off retry_count.
   */
  private async release(kind: string, id: string, retryCount: number): Promise<void> {
    const state = `${this.connection.schema}.job_state`;
    await this.query(
      `update ${this.table('job')} set
         state = (case when retry_count = 0 then 'created' else 'retry' end)::${state},
         started_on = case when retry_count = 0 then null else started_on end,
         retry_count = greatest(retry_count - 1, 0),
         start_after = now()
       where name = $1 and id = $2 and state = 'active' and retry_count = $3`,
      [kind, id, retryCount],
    );
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    await this.loop.halt();
    const inFlight = [...this.running.values()];
    if (inFlight.length > 0 && !(await settlesWithin(Promise.allSettled(inFlight.map((j) => j.done)), timeoutMs))) {
      const unfinished = [...this.running.values()].filter((j) => !j.settled && !j.disowned);
      for (const job of unfinished) {
        job.disowned = true;
        clearInterval(job.heartbeat);
        job.abort.abort(new Error('worker stopping'));
      }
      for (const job of unfinished) {
        await this.release(job.kind, job.id, job.retryCount).catch((err: unknown) => this.logger?.error({ err, jobId: job.id }, 'could not hand a job back'));
      }
      if (unfinished.length > 0) this.logger?.warn({ jobs: unfinished.map((j) => j.id) }, 'queue stopped with jobs in flight; they were handed back');
      await Promise.allSettled([...this.running.values()].filter((j) => !j.disowned).map((j) => j.done));
    }
    const boss = await this.booting?.catch(() => undefined);
    // No pg-boss workers exist (this queue fetches itself), so an immediate stop fails nothing; it closes the pool.
    this.closed = true;
    await boss?.stop({ graceful: false, close: true });
  }

  private boss(): Promise<PgBoss> {
    // A stopping queue finishes with the pg-boss it has, but never opens a new one.
    if (this.closed || (this.stopping && !this.booting)) return Promise.reject(new Error('this job queue was stopped'));
    this.booting ??= (async () => {
      const leaseSecondsDefault = leaseSeconds(this.settings.leaseMs);
      const boss = new PgBoss({
        connectionString: this.connection.connectionString,
        schema: this.connection.schema,
        application_name: 'openhss-jobs',
        // Fetches, heartbeats and completions of `concurrency` jobs, plus maintenance.
        max: this.settings.concurrency + 2,
        supervise: true,
        maintenanceIntervalSeconds:
          this.settings.maintenanceIntervalSeconds ?? Math.min(30, Math.max(1, Math.round(leaseSecondsDefault / 2))),
        // Cron schedules and state-count events are not used.
        schedule: false,
      });
      boss.on('error', (err: Error) => this.logger?.error({ err }, 'pg-boss error'));
      await boss.start();
      return boss;
    })();
    return this.booting;
  }

  private queueFor(kind: string): Promise<PgBoss> {
    let created = this.queuesCreated.get(kind);
    if (!created) {
      // pg-boss 10 needs a queue before its first job; creating one that exists does nothing.
      created = this.boss().then((boss) => createQueueRacing(boss, kind));
      created.catch(() => this.queuesCreated.delete(kind));
      this.queuesCreated.set(kind, created);
    }
    return created.then(() => this.boss());
  }

  private async query<Row = unknown>(text: string, values: unknown[]): Promise<Row[]> {
    const boss = await this.boss();
    const result = await boss.getDb().executeSql(text, values);
    // pg-boss's executeSql answers undefined, not an error, once its pool is closed.
    if (!result) throw new Error('this job queue was stopped');
    return result.rows as Row[];
  }

  private table(name: 'job' | 'archive'): string {
    return `${this.connection.schema}.${name}`;
  }
}

/** PostgreSQL's codes for a deadlock and a serialization failure: the loser of a race, safe to try again. */
const RETRYABLE = new Set(['40P01', '40001']);
const CREATE_QUEUE_ATTEMPTS = 5;

/**
 * pg-boss 10 creates a queue's partition inside create_queue(); two
 * processes starting at once (two `openhss worker`s) can deadlock there, and
 * PostgreSQL then aborts one of them. The queue the winner made is all the
 * loser needs; if it is not there yet, try again after a short random wait.
 */
async function createQueueRacing(boss: PgBoss, kind: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(kind);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= CREATE_QUEUE_ATTEMPTS) throw err;
      if (await boss.getQueue(kind)) return;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
    }
  }
}

/** A stable UUID for a singleton key (pg-boss job ids are uuids). */
function idForSingletonKey(key: string): string {
  const h = createHash('sha256').update(`openhss-job:${key}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function leaseSeconds(leaseMs: number): number {
  return Math.min(MAX_LEASE_SECONDS, Math.max(1, Math.ceil(leaseMs / 1000)));
}

function lastErrorOf(output: JobRow['output']): string | null {
  const message = output?.message ?? output?.value?.message;
  if (typeof message !== 'string') return null;
  return message === PG_BOSS_EXPIRY_MESSAGE ? LEASE_EXPIRED_ERROR : message;
}

/** True when the promise settled before the time ran out. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
