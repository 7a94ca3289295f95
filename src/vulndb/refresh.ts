/**
 * The scheduled update of the vulnerability DB, as `openhss serve` and `openhss worker` run it:
 *
 * - On the demo DB (or a file this openhss cannot read) every feed is downloaded whole into a new
 *   file, which replaces the demo, so no demo record outlives the first real update.
 * - Otherwise OSV feeds are brought up to date from their `modified_id.csv` (osv-incremental.ts),
 *   and every other feed, and any OSV feed that cannot be updated that way, by a conditional
 *   download of the whole file (update.ts: a 304 costs one request).
 * - Each run's outcome is written to `<db>.update.json` beside the DB: the last attempt, the last
 *   success, and the last error with each failed feed's reason. A failed feed keeps its old data
 *   (update.ts), and a run that fails whole leaves the DB file untouched.
 * - Only one process per data directory updates at a time (`<db>.update.lock`, holding its pid;
 *   a lock whose process died is taken over).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { isAlive } from './build.js';
import { updateOsvIncrementally, type IncrementalResult } from './osv-incremental.js';
import { SCHEMA_VERSION } from './schema.js';
import { schemaVersionOf } from './store.js';
import { update, type FeedSource, type UpdateResult, type VulnDbHttp } from './update.js';

export type RefreshFeedStatus = 'updated' | 'not-modified' | 'failed';

export interface RefreshFeedOutcome {
  name: string;
  status: RefreshFeedStatus;
  /** How the feed was brought up to date: its changed OSV records only, or the whole file. */
  via: 'incremental' | 'full';
  /** Incremental: records fetched. */
  changed?: number;
  error?: string;
}

export interface RefreshResult {
  /** `full`: the demo (or an unreadable file) was replaced by a download of every feed. */
  mode: 'full' | 'incremental';
  swapped: boolean;
  ok: boolean;
  feeds: RefreshFeedOutcome[];
  startedAt: string;
  finishedAt: string;
}

export interface UpdateState {
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastError: { at: string; message: string; feeds: Array<{ name: string; error: string }> } | null;
  lastResult: RefreshResult | null;
}

const EMPTY_STATE: UpdateState = { lastAttemptAt: null, lastSuccessAt: null, lastError: null, lastResult: null };

export const stateFileOf = (dbFile: string) => `${resolve(dbFile)}.update.json`;
const lockFileOf = (dbFile: string) => `${resolve(dbFile)}.update.lock`;

export function readUpdateState(dbFile: string): UpdateState {
  try {
    return { ...EMPTY_STATE, ...(JSON.parse(readFileSync(stateFileOf(dbFile), 'utf8')) as Partial<UpdateState>) };
  } catch {
    return { ...EMPTY_STATE };
  }
}

async function writeUpdateState(dbFile: string, state: UpdateState): Promise<void> {
  const file = stateFileOf(dbFile);
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temp, file);
}

/** The DB is the demo, or cannot serve as the base of an update. */
export function needsFullBuild(dbFile: string): boolean {
  if (!existsSync(dbFile)) return true;
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(dbFile, { readonly: true, fileMustExist: true });
    if (schemaVersionOf(db) !== SCHEMA_VERSION) return true;
    return db.prepare("select value from meta where key = 'demo'").pluck().get() === 'true';
  } catch {
    return true;
  } finally {
    db?.close();
  }
}

/** Runs `fn` holding the data directory's update lock; 'busy' when another live process holds it. */
export async function withUpdateLock<T>(dbFile: string, fn: () => Promise<T>): Promise<T | 'busy'> {
  const lock = lockFileOf(dbFile);
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'busy';
        throw err;
      }
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return 'busy';
      await rm(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function fromUpdate(result: UpdateResult): RefreshFeedOutcome[] {
  return result.feeds.map((f) => ({ name: f.name, status: f.status, via: 'full' as const, ...(f.error ? { error: f.error } : {}) }));
}

/** One scheduled update (see the header). Never throws for a feed's failure; see `ok` and the state file. */
export async function refreshVulnDb(
  dbFile: string,
  sources: readonly FeedSource[],
  http: VulnDbHttp,
  options: { now?: () => Date; maxChanges?: number } = {},
): Promise<RefreshResult> {
  const now = options.now ?? (() => new Date());
  const target = resolve(dbFile);
  const startedAt = now().toISOString();
  const previous = readUpdateState(target);
  await writeUpdateState(target, { ...previous, lastAttemptAt: startedAt });
  let result: RefreshResult;
  try {
    if (needsFullBuild(target)) {
      // A name build.ts's stale-temp sweep recognises, should this process die mid-way.
      const fresh = join(dirname(target), `.${basename(target)}.fresh.building-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        const full = await update(fresh, sources, http, { now });
        if (full.swapped) await rename(fresh, target);
        result = { mode: 'full', swapped: full.swapped, ok: full.ok, feeds: fromUpdate(full), startedAt, finishedAt: now().toISOString() };
      } finally {
        await rm(fresh, { force: true });
      }
    } else {
      const inc: IncrementalResult = await updateOsvIncrementally(target, sources, http, options);
      const rest = sources.filter((_, i) => inc.feeds[i]?.status === 'needs-full');
      const full = rest.length > 0 ? await update(target, rest, http, { now }) : null;
      const byName = new Map((full ? fromUpdate(full) : []).map((f) => [f.name, f]));
      const feeds = inc.feeds.map(
        (f): RefreshFeedOutcome =>
          byName.get(f.name) ?? { name: f.name, status: f.status === 'updated' ? 'updated' : 'not-modified', via: 'incremental', changed: f.changed },
      );
      result = {
        mode: 'incremental',
        swapped: inc.swapped || (full?.swapped ?? false),
        ok: feeds.every((f) => f.status !== 'failed'),
        feeds,
        startedAt,
        finishedAt: now().toISOString(),
      };
    }
  } catch (err) {
    const at = now().toISOString();
    await writeUpdateState(target, { ...previous, lastAttemptAt: startedAt, lastError: { at, message: (err as Error).message, feeds: [] } });
    throw err;
  }
  const failed = result.feeds.filter((f) => f.status === 'failed').map((f) => ({ name: f.name, error: f.error ?? 'failed' }));
  await writeUpdateState(target, {
    lastAttemptAt: startedAt,
    lastSuccessAt: result.ok ? result.finishedAt : previous.lastSuccessAt,
    lastError: failed.length > 0 ? { at: result.finishedAt, message: `${failed.length} of ${result.feeds.length} feeds failed; their previous data is kept`, feeds: failed } : previous.lastError,
    lastResult: result,
  });
  return result;
}
