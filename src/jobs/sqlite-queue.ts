import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely, Selectable } from 'kysely';
import type { DB, JobsTable } from '../db/schema.js';
import type { JobPayloads } from './kinds.js';
import { LEASE_EXPIRED_ERROR, exhaustedKind, type EnqueueOptions, type ExhaustedHandler, type JobHandler, type JobKind, type JobQueue, type JobRecord, type JobState } from './queue.js';
import { PollLoop } from './poll-loop.js';
import { DEFAULT_ENQUEUE, type QueueLogger, type QueueSettings } from './settings.js';

type JobRow = Selectable<JobsTable>;

/** Runs a claimed row: a kind's handler, or the exhaustion handler of the kind a give-up job names. */
type Runner = (row: JobRow, signal: AbortSignal) => Promise<void>;

/** A job this process claimed and is running. */
interface RunningJob {
  row: JobRow;
  abort: AbortController;
  heartbeat: NodeJS.Timeout;
  /** This worker's view of its lease; past it the job may already belong to another worker. */
  leaseUntil: number;
  heartbeatInFlight: boolean;
  /** The handler returned or threw; only recording its outcome remains. */
  settled: boolean;
  /** stop() handed the job back, or the lease was lost: its outcome is no longer ours to record. */
  disowned: boolean;
  /** Settles once the job is entirely done here. */
  done: Promise<void>;
}

/**
 * The embedded queue: a `jobs` table worked by this process. A claimed job
 * carries a lease that a heartbeat extends (every lease/3) while its handler
 * runs; a job whose worker died (kill -9) is claimable again once the lease
 * ends. Claims are single UPDATE … RETURNING statements, atomic because SQLite
 * has one writer, so several processes may share the file safely. Every write
 * about a claimed job is guarded by worker id and attempt number, so a worker
 * that lost its lease can never overwrite the new owner's result.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly handlers = new Map<string, Runner>();
  private readonly running = new Map<string, RunningJob>();
  private readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly loop: PollLoop;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly settings: QueueSettings,
    private readonly logger?: QueueLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.loop = new PollLoop(() => this.claimWhileFree(), settings.pollIntervalMs, (err) => this.logger?.error({ err }, 'job queue poll failed'));
  }

  async enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K], options: EnqueueOptions = {}): Promise<string | null> {
    const now = this.now();
    const id = randomUUID();
    const result = await this.db
      .insertInto('jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify(payload),
        state: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts ?? DEFAULT_ENQUEUE.maxAttempts,
        backoff_ms: options.backoffMs ?? DEFAULT_ENQUEUE.backoffMs,
        run_at: options.runAt ?? now,
        lease_ms: options.leaseMs ?? this.settings.leaseMs,
        lease_until: null,
        locked_by: null,
        singleton_key: options.singletonKey ?? null,
        dead_letter: options.reportExhaustion ? exhaustedKind(kind) : null,
        last_error: null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .onConflict((oc) => oc.column('singleton_key').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return null;
    if (this.handlers.has(kind)) this.loop.wake(0);
    return id;
  }

  work<K extends JobKind>(kind: K, handler: JobHandler<K>): void {
    this.handlers.set(kind, (row, signal) =>
      (handler as unknown as JobHandler<JobKind>)({ id: row.id, kind: row.kind as JobKind, payload: JSON.parse(row.payload) as JobPayloads[JobKind], attempt: row.attempts, signal }),
    );
  }

  onExhausted<K extends JobKind>(kind: K, handler: ExhaustedHandler<K>): void {
    // A give-up job carries the failed job's payload, and its error as its own last_error until it runs.
    this.handlers.set(exhaustedKind(kind), (row) =>
      (handler as unknown as ExhaustedHandler<JobKind>)({ id: row.id, kind, payload: JSON.parse(row.payload) as JobPayloads[JobKind], lastError: row.exhausted_error }),
    );
  }

  async start(): Promise<void> {
    if (this.stopping) throw new Error('this job queue was stopped; create a new one');
    if (this.started || this.handlers.size === 0) return;
    this.started = true;
    this.loop.start();
  }

  stop(timeoutMs: number): Promise<void> {
    this.stopping ??= this.shutDown(timeoutMs);
    return this.stopping;
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom('jobs').select(['id', 'kind', 'state', 'attempts', 'last_error']).where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, kind: row.kind, state: row.state, attempts: row.attempts, lastError: row.last_error } : null;
  }

  async counts(): Promise<Record<JobState, number>> {
    const rows = await this.db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
    const counts: Record<JobState, number> = { queued: 0, active: 0, completed: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.n);
    return counts;
  }

  private get polling(): boolean {
    return this.started && !this.stopping;
  }

  private async claimWhileFree(): Promise<void> {
    if (this.running.size >= this.settings.concurrency) return;
    await this.failExhaustedLeases();
    while (this.polling && this.running.size < this.settings.concurrency) {
      const row = await this.claim();
      if (!row) return;
      // stop() began while the claim was on its way: give the job straight back.
      if (!this.polling) {
        await this.release(row);
        return;
      }
      this.run(row);
    }
  }

  /** A dead worker's job that has no attempts left fails here (with its give-up job, if it asked for one), instead of being claimed again. */
  private async failExhaustedLeases(): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (tx) => {
      const failed = await tx
        .updateTable('jobs')
        .set({ state: 'failed', last_error: LEASE_EXPIRED_ERROR, lease_until: null, locked_by: null, finished_at: now, updated_at: now })
        .where('state', '=', 'active')
        .where('lease_until', '<', now)
        .whereRef('attempts', '>=', 'max_attempts')
        .returningAll()
        .execute();
      for (const row of failed) await this.queueGiveUp(tx, row, LEASE_EXPIRED_ERROR, now);
    });
  }

  /** Queues the give-up job of a job that failed for good, in the transaction that failed it. */
  private async queueGiveUp(tx: Kysely<DB>, row: JobRow, error: string, now: number): Promise<void> {
    if (row.dead_letter === null) return;
    await tx
      .insertInto('jobs')
      .values({
        id: randomUUID(),
        kind: row.dead_letter,
        payload: row.payload,
        state: 'queued',
        attempts: 0,
        max_attempts: row.max_attempts,
        backoff_ms: row.backoff_ms,
        run_at: now,
        lease_ms: row.lease_ms,
        lease_until: null,
        locked_by: null,
        singleton_key: null,
        dead_letter: null,
        exhausted_error: error,
        last_error: null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .execute();
  }

  /** Takes the next due job, or one whose worker's lease ran out, in one atomic statement. */
  private async claim(): Promise<JobRow | undefined> {
    const now = this.now();
    const kinds = [...this.handlers.keys()];
    return this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'active',
        attempts: eb('attempts', '+', 1),
        lease_until: eb('lease_ms', '+', now),
        locked_by: this.workerId,
        // A job taken from a dead worker says so until this try ends.
        last_error: eb.case().when('state', '=', 'active').then(LEASE_EXPIRED_ERROR).else(eb.ref('last_error')).end(),
        updated_at: now,
      }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('kind', 'in', kinds)
          .where((w) =>
            w.or([
              w.and([w('state', '=', 'queued'), w('run_at', '<=', now)]),
              w.and([w('state', '=', 'active'), w('lease_until', '<', now), w('attempts', '<', w.ref('max_attempts'))]),
            ]),
          )
          .orderBy('run_at')
          .orderBy('created_at')
          .limit(1),
      )
      .returningAll()
      .executeTakeFirst();
  }

  private run(row: JobRow): void {
    const runner = this.handlers.get(row.kind)!;
    const job: RunningJob = {
      row,
      abort: new AbortController(),
      heartbeat: setInterval(() => void this.heartbeat(job), Math.max(10, Math.floor(row.lease_ms / 3))),
      leaseUntil: row.lease_until ?? this.now() + row.lease_ms,
      heartbeatInFlight: false,
      settled: false,
      disowned: false,
      done: Promise.resolve(),
    };
    job.done = (async () => {
      let error: string | null = null;
      try {
        await runner(row, job.abort.signal);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      } finally {
        job.settled = true;
        clearInterval(job.heartbeat);
      }
      if (!job.disowned) await this.finish(row, error);
    })()
      .catch((err: unknown) => this.logger?.error({ err, jobId: row.id }, 'could not record the end of a job'))
      .finally(() => {
        this.running.delete(row.id);
        this.loop.wake(0);
      });
    this.running.set(row.id, job);
  }

  private async heartbeat(job: RunningJob): Promise<void> {
    if (job.settled || job.disowned || job.heartbeatInFlight) return;
    const now = this.now();
    // Heartbeats failed (or the process was frozen) for a whole lease: another worker may own the job now.
    if (now >= job.leaseUntil) return this.loseLease(job);
    job.heartbeatInFlight = true;
    try {
      const result = await this.updateOurClaim(job.row)
        .set({ lease_until: now + job.row.lease_ms, updated_at: now })
        .executeTakeFirst();
      if (job.settled || job.disowned) return;
      if (Number(result.numUpdatedRows) === 0) this.loseLease(job);
      else job.leaseUntil = now + job.row.lease_ms;
    } catch (err) {
      this.logger?.warn({ err, jobId: job.row.id }, 'lease heartbeat failed');
    } finally {
      job.heartbeatInFlight = false;
    }
  }

  private loseLease(job: RunningJob): void {
    job.disowned = true;
    clearInterval(job.heartbeat);
    this.logger?.warn({ jobId: job.row.id, kind: job.row.kind, attempt: job.row.attempts }, 'job lease lost; abandoning the job');
    job.abort.abort(new Error('lease lost'));
  }

  /** Records success (error null) or failure; a retry waits backoff × 2^(attempt−1). */
  private async finish(row: JobRow, error: string | null): Promise<void> {
    const now = this.now();
    const update = this.updateOurClaim(row);
    if (error === null) {
      await update.set({ state: 'completed', lease_until: null, locked_by: null, last_error: null, finished_at: now, updated_at: now }).execute();
      return;
    }
    this.logger?.warn({ jobId: row.id, kind: row.kind, attempt: row.attempts, error }, 'job failed');
    if (row.attempts < row.max_attempts) {
      const runAt = now + row.backoff_ms * 2 ** (row.attempts - 1);
      await update.set({ state: 'queued', run_at: runAt, lease_until: null, locked_by: null, last_error: error, updated_at: now }).execute();
    } else {
      await this.db.transaction().execute(async (tx) => {
        const failed = await this.updateOurClaim(row, tx)
          .set({ state: 'failed', lease_until: null, locked_by: null, last_error: error, finished_at: now, updated_at: now })
          .executeTakeFirst();
        if (Number(failed.numUpdatedRows) > 0) await this.queueGiveUp(tx, row, error, now);
      });
    }
  }

  /** Puts a claimed job back as it was before the claim, so the interrupted try is not counted. */
  private async release(row: JobRow): Promise<void> {
    await this.updateOurClaim(row)
      .set({ state: 'queued', attempts: row.attempts - 1, lease_until: null, locked_by: null, updated_at: this.now() })
      .execute();
  }

  /** An update of this very claim: ours, still active, and the same try. */
  private updateOurClaim(row: JobRow, db: Kysely<DB> = this.db) {
    return db
      .updateTable('jobs')
      .where('id', '=', row.id)
      .where('locked_by', '=', this.workerId)
      .where('state', '=', 'active')
      .where('attempts', '=', row.attempts);
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    await this.loop.halt();
    const inFlight = [...this.running.values()];
    if (inFlight.length === 0) return;
    if (await settlesWithin(Promise.allSettled(inFlight.map((j) => j.done)), timeoutMs)) return;
    const unfinished = [...this.running.values()].filter((j) => !j.settled && !j.disowned);
    for (const job of unfinished) {
      job.disowned = true;
      clearInterval(job.heartbeat);
      job.abort.abort(new Error('worker stopping'));
    }
    for (const job of unfinished) {
      await this.release(job.row).catch((err: unknown) => this.logger?.error({ err, jobId: job.row.id }, 'could not hand a job back'));
    }
    if (unfinished.length > 0) this.logger?.warn({ jobs: unfinished.map((j) => j.row.id) }, 'queue stopped with jobs in flight; they were handed back');
    // Jobs whose handlers already returned are only recording their outcome: let them.
    await Promise.allSettled([...this.running.values()].filter((j) => !j.disowned).map((j) => j.done));
  }
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
