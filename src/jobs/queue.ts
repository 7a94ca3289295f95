/**
 * The job queue contract. Two implementations: `SqliteJobQueue` (embedded,
 * in-process workers) and `PgBossJobQueue` (PostgreSQL, shared by several
 * `openhss worker` processes). Later features add their job kinds to
 * `JobPayloads` (in ./kinds.ts) and their handlers to ./handlers.ts.
 */
import type { JobPayloads } from './kinds.js';

export type JobKind = keyof JobPayloads & string;
export type JobState = 'queued' | 'active' | 'completed' | 'failed';

/** `lastError` of a job whose lease ran out while it was active: its worker died or froze. */
export const LEASE_EXPIRED_ERROR = 'lease expired (worker died)';

export interface EnqueueOptions {
  /** Earliest time the job may run (epoch ms). Default: now. */
  runAt?: number;
  /** Total tries including the first. Default 3. */
  maxAttempts?: number;
  /** First retry delay; doubles on each further retry. Default 1000 ms. PostgreSQL: whole seconds, rounded up, plus up to as much again of jitter. */
  backoffMs?: number;
  /** How long a claimed job stays leased without a heartbeat before another worker may take it. PostgreSQL: whole seconds, rounded up, under 24 h. */
  leaseMs?: number;
  /** At most one job with this key is ever created; a second enqueue returns null. */
  singletonKey?: string;
  /**
   * When every try has failed (the last one threw, or its worker died and
   * the lease ran out), queue a give-up for the kind's exhaustion handler
   * (see `JobQueue.onExhausted`), so the work's own record ends with a reason
   * instead of waiting for a sweep.
   */
  reportExhaustion?: boolean;
}

/** The internal kind of the give-up job queued for an exhausted job of `kind`. */
export const exhaustedKind = (kind: string): string => `${kind}.exhausted`;

/** A job of the kind that failed for good: its payload and why its last try ended. */
export interface ExhaustedJob<K extends JobKind> {
  /** The give-up job's own id (not the failed job's). */
  id: string;
  kind: K;
  payload: JobPayloads[K];
  lastError: string | null;
}

export type ExhaustedHandler<K extends JobKind> = (job: ExhaustedJob<K>) => Promise<void>;

export interface JobContext<K extends JobKind> {
  id: string;
  kind: K;
  payload: JobPayloads[K];
  /** 1 on the first try. */
  attempt: number;
  /** Aborted when the worker is stopping or the lease was lost. */
  signal: AbortSignal;
}

export type JobHandler<K extends JobKind> = (job: JobContext<K>) => Promise<void>;

export interface JobRecord {
  id: string;
  kind: string;
  state: JobState;
  attempts: number;
  lastError: string | null;
}

export interface JobQueue {
  enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K], options?: EnqueueOptions): Promise<string | null>;
  /** Registers the handler for a kind; call before start(). */
  work<K extends JobKind>(kind: K, handler: JobHandler<K>): void;
  /**
   * Registers what to do once a job of this kind, enqueued with
   * `reportExhaustion`, has failed for good; call before start(). It runs as
   * a job of its own in any process that registered it, at least once, soon
   * after the failure is known: the poll interval after the last try threw,
   * or the lease plus the lease-expiry check after its worker died. Make it
   * idempotent.
   */
  onExhausted<K extends JobKind>(kind: K, handler: ExhaustedHandler<K>): void;
  /** Starts polling for work (no-op when no handler is registered). */
  start(): Promise<void>;
  /**
   * Stops taking work and waits up to timeoutMs for jobs in flight; unfinished
   * ones are handed back to the queue (the try is not counted) and their
   * signals aborted. Idempotent. Afterwards the queue takes no work again.
   */
  stop(timeoutMs: number): Promise<void>;
  get(id: string): Promise<JobRecord | null>;
  /** Number of jobs per state, for metrics. */
  counts(): Promise<Record<JobState, number>>;
}
