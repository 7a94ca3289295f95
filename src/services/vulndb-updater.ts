/**
 * Keeps the vulnerability DB current inside `openhss serve` and `openhss worker`.
 *
 * - Due: the DB is the demo, or this data directory has had no successful update (or any attempt)
 *   for `updateIntervalHours`. Checked at start and on every scheduler tick.
 * - One job per interval for the whole deployment: `vulndb.update` is queued with the singleton key
 *   `vulndb.update:<slot>` (slot = now / interval), so however many processes find the DB due, the
 *   queue (embedded or pg-boss) creates one job, which one worker runs.
 * - The worker that runs it updates the DB file in its own data directory (an atomic rename), and
 *   every process using that directory switches to the new file on its next look (VulnDbProvider),
 *   then re-matches stored inventories (background.ts).
 * - Processes on other machines (their own data directory) still find their copy due after that
 *   job ran elsewhere. A process that has found its copy due, with the interval's job taken, for
 *   `LOCAL_GRACE_MS` updates it itself, one process per data directory (refresh.ts's lock). On the
 *   machine that ran the job the update's start is written beside the DB at once, so its other
 *   processes do not find the copy due and download nothing.
 * - A failed attempt waits for the next interval (the job itself retries once); the demo DB is due
 *   until a first attempt.
 */
import { Agent, type Dispatcher } from 'undici';
import { defaultSources, status as vulnDbStatus, type FeedSource, type VulnDbStatus } from '../vulndb/index.js';
import type { VulnDbProvider } from '../vulndb/provider.js';
import { readUpdateState, refreshVulnDb, withUpdateLock, type RefreshResult, type UpdateState } from '../vulndb/refresh.js';

/** How long a due copy waits for the interval's job (queued elsewhere) before updating itself. */
export const LOCAL_GRACE_MS = 10 * 60_000;

export interface VulnDbUpdaterOptions {
  /** 0: never (by hand only). */
  updateIntervalHours: number;
  /** `<mirrorUrl>/<host><path>` instead of upstream; empty for upstream. */
  mirrorUrl: string;
  sources?: () => FeedSource[];
  dispatcher?: Dispatcher;
}

export interface VulnDbOverview {
  status: VulnDbStatus;
  update: UpdateState;
  updateIntervalHours: number;
  /** Epoch ms of the newest successful update check, or the build, whichever is later. */
  checkedAt: number | null;
  /** The DB is older than the interval (or never updated). */
  stale: boolean;
}

/** How current the DB is, from its meta entries and the update state only (no counting): for pages shown often. */
export interface VulnDbFreshness {
  demo: boolean;
  builtAt: string | null;
  ageSeconds: number | null;
  stale: boolean;
  updateIntervalHours: number;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
}

/** What the scheduler tick did. */
export type UpdateTick = { action: 'off' | 'not-due' | 'queued' | 'already-queued' } | { action: 'ran-locally'; result: RefreshResult | 'busy' };

/** Queues one update job now under the given singleton key; the job id, or null when that key was taken. */
export type VulnDbUpdateStarter = (singletonKey: string) => Promise<string | null>;

/** Updates asked for by hand share a key per minute: repeated clicks queue one job. */
const REQUEST_SLOT_MS = 60_000;

export class VulnDbUpdater {
  private readonly sources: () => FeedSource[];
  private starter: VulnDbUpdateStarter | undefined;
  private dispatcher: Dispatcher | undefined;
  /** When this process first found its copy due with the interval's job already taken. */
  private dueSince: number | undefined;

  constructor(
    private readonly provider: VulnDbProvider,
    private readonly options: VulnDbUpdaterOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.sources = options.sources ?? (() => defaultSources());
    this.dispatcher = options.dispatcher;
  }

  get intervalMs(): number {
    return this.options.updateIntervalHours * 3_600_000;
  }

  async overview(): Promise<VulnDbOverview> {
    const status = await vulnDbStatus(this.provider.file, { now: () => new Date(this.now()) });
    const update = readUpdateState(this.provider.file);
    const checkedAt = this.checkedAt(status, update);
    const stale = status.demo === true || checkedAt === null || (this.intervalMs > 0 && this.now() - checkedAt >= this.intervalMs);
    return { status, update, updateIntervalHours: this.options.updateIntervalHours, checkedAt, stale };
  }

  useStarter(starter: VulnDbUpdateStarter): void {
    this.starter = starter;
  }

  /**
   * "Update now": queues the update job for a worker (the one that serves
   * scheduled updates). Requests within the same minute share one job;
   * `jobId` is null for the repeats.
   */
  async requestUpdate(): Promise<{ jobId: string | null }> {
    // A process built without a job queue (an embedding or a test app) queues nothing, like every other starter.
    if (!this.starter) return { jobId: null };
    return { jobId: await this.starter(`vulndb.update:requested:${Math.floor(this.now() / REQUEST_SLOT_MS)}`) };
  }

  freshness(): VulnDbFreshness {
    const meta = this.provider.reader().meta();
    const update = readUpdateState(this.provider.file);
    const builtAt = meta.built_at ?? null;
    const demo = meta.demo === 'true';
    const checkedAt = this.checkedAt({ demo, ...(builtAt ? { builtAt } : {}) }, update);
    return {
      demo,
      builtAt,
      ageSeconds: builtAt ? Math.max(0, Math.round((this.now() - Date.parse(builtAt)) / 1000)) : null,
      stale: demo || checkedAt === null || (this.intervalMs > 0 && this.now() - checkedAt >= this.intervalMs),
      updateIntervalHours: this.options.updateIntervalHours,
      lastSuccessAt: update.lastSuccessAt ?? null,
      lastAttemptAt: update.lastAttemptAt ?? null,
      lastError: update.lastError?.message ?? null,
    };
  }

  /** The singleton key of the interval `now` falls in. */
  slotKey(): string {
    return `vulndb.update:${Math.floor(this.now() / this.intervalMs)}`;
  }

  /**
   * The scheduler's step: queue the interval's job when this copy is due, or update the copy here
   * when it has stayed due, with that job taken, for LOCAL_GRACE_MS (the job ran elsewhere).
   */
  async tick(enqueue: (singletonKey: string) => Promise<string | null>): Promise<UpdateTick> {
    if (this.intervalMs <= 0) return { action: 'off' };
    const { status, update } = await this.overview();
    const since = this.lastTouched(status, update);
    if (since !== null && this.now() - since < this.intervalMs) {
      this.dueSince = undefined;
      return { action: 'not-due' };
    }
    if ((await enqueue(this.slotKey())) !== null) return { action: 'queued' };
    this.dueSince ??= this.now();
    if (this.now() - this.dueSince < Math.min(LOCAL_GRACE_MS, this.intervalMs / 2)) return { action: 'already-queued' };
    this.dueSince = undefined;
    return { action: 'ran-locally', result: await this.run() };
  }

  /** Updates this data directory's DB now (the job's body); 'busy' when another process here is at it. */
  async run(): Promise<RefreshResult | 'busy'> {
    const result = await withUpdateLock(this.provider.file, () =>
      refreshVulnDb(this.provider.file, this.sources(), this.http(), { now: () => new Date(this.now()) }),
    );
    // This process switches at once; others using the directory on their next look.
    this.provider.refresh();
    return result;
  }

  async close(): Promise<void> {
    if (this.dispatcher && !this.options.dispatcher) await this.dispatcher.close();
    this.dispatcher = undefined;
  }

  private http() {
    this.dispatcher ??= new Agent({ connect: { timeout: 30_000 } });
    return { dispatcher: this.dispatcher, ...(this.options.mirrorUrl ? { baseUrl: this.options.mirrorUrl } : {}) };
  }

  private checkedAt(status: Pick<VulnDbStatus, 'demo' | 'builtAt'>, update: UpdateState): number | null {
    const times = [update.lastSuccessAt, status.demo ? null : status.builtAt].filter((t): t is string => !!t).map(Date.parse);
    return times.length > 0 ? Math.max(...times) : null;
  }

  /** The last success or attempt (a failed attempt waits for the next interval, not the next tick). */
  private lastTouched(status: VulnDbStatus, update: UpdateState): number | null {
    const checked = this.checkedAt(status, update);
    const attempted = update.lastAttemptAt ? Date.parse(update.lastAttemptAt) : null;
    if (checked === null) return attempted;
    return attempted === null ? checked : Math.max(checked, attempted);
  }
}

interface UpdateLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** One line per update: what changed, or (warn) which feeds failed and why. */
export function logVulnDbUpdate(logger: UpdateLogger, jobId: string | null, result: RefreshResult): void {
  const count = (s: string) => result.feeds.filter((f) => f.status === s).length;
  const summary = { jobId, mode: result.mode, swapped: result.swapped, updated: count('updated'), notModified: count('not-modified'), failed: count('failed') };
  if (result.ok) logger.info(summary, result.swapped ? 'vulnerability DB updated' : 'vulnerability DB checked: nothing changed');
  else logger.warn({ ...summary, errors: result.feeds.filter((f) => f.status === 'failed').map((f) => ({ feed: f.name, error: f.error })) }, 'vulnerability DB update failed for some feeds; their previous data is kept');
}

/** The start-up line: a warning when the DB is the demo or older than the update interval. */
export async function logVulnDbAtStart(logger: UpdateLogger, updater: VulnDbUpdater): Promise<VulnDbOverview> {
  const o = await updater.overview();
  const fields = { vulndb: { file: o.status.file, demo: o.status.demo ?? false, built_at: o.status.builtAt ?? null, age_seconds: o.status.ageSeconds ?? null, update_interval_hours: o.updateIntervalHours } };
  if (o.status.demo) {
    logger.warn(fields, `the vulnerability DB is the built-in demo (a few sample advisories): findings are not real. ${o.updateIntervalHours > 0 ? 'An update is starting now' : 'Automatic updates are off'}; "openhss db update" (or "db import PATH" offline) updates it by hand`);
  } else if (o.stale) {
    logger.warn(fields, `the vulnerability DB is older than its update interval (${o.updateIntervalHours} h)${o.update.lastError ? `; last update error: ${o.update.lastError.message}` : ''}`);
  } else logger.info(fields, 'vulnerability DB in use');
  return o;
}
