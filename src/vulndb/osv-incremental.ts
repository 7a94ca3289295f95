/**
 * Incremental OSV updates: instead of downloading an ecosystem's whole `all.zip` again, read its
 * `modified_id.csv` and fetch only the records that changed since the last import.
 *
 * The OSV bucket publishes, per ecosystem, `<bucket>/<ecosystem>/modified_id.csv` (one
 * `<ISO 8601 modified>,<id>` line per record, newest first) and each record as
 * `<bucket>/<ecosystem>/<id>.json`. The watermark of a feed is the newest `modified` it holds: the
 * larger of the one recorded by the last incremental run (meta `osv_watermark:<feed>`) and the
 * newest `modified` of its stored advisories (what a full all.zip import gives). The csv is read
 * only down to the watermark (the rest of the body is not downloaded), so "nothing changed" costs
 * one short request per ecosystem and no rebuild.
 *
 * Changed records are applied to a copy of the DB (build.ts) and swapped in; withdrawn records
 * delete the stored one (OsvImporter). A feed whose csv or records cannot be fetched, or with more
 * changes than `maxChanges`, is returned as `needs-full` so the caller downloads its all.zip.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { request, type Dispatcher } from 'undici';
import { buildAtomically, readBaseState } from './build.js';
import { OsvImporter } from './importers/osv.js';
import { openVulnDbReadonly } from './store.js';
import type { FeedImportResult } from './types.js';
import { eachLimited, rewriteUrl, type FeedSource, type VulnDbHttp } from './update.js';

export const WATERMARK_KEY = 'osv_watermark:';
/** More changed records than this and the whole all.zip is cheaper. */
export const DEFAULT_MAX_CHANGES = 5000;

export type IncrementalStatus = 'not-modified' | 'updated' | 'needs-full';

export interface IncrementalOutcome {
  name: string;
  status: IncrementalStatus;
  /** Records fetched and applied (updated). */
  changed: number;
  /** Why a full download is needed. */
  reason?: string;
  result?: FeedImportResult;
}

export interface IncrementalResult {
  swapped: boolean;
  feeds: IncrementalOutcome[];
}

/**
 * An OSV time as a string that sorts like the instant: UTC, nanosecond fraction. OSV writes
 * `2024-05-01T12:34:56Z` and `2024-05-01T12:34:56.123456Z`; Date would drop the microseconds.
 */
export function timeKey(value: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [, date, hh, mm, ss, frac = '', zone] = m;
  let ms = Date.parse(`${date}T${hh}:${mm}:${ss}Z`);
  if (Number.isNaN(ms)) return null;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const digits = zone!.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}`;
}

/** `<bucket>/<ecosystem>/` of an OSV all.zip source, or null for other URLs. */
export function osvFolder(source: FeedSource): string | null {
  if (source.kind !== 'osv' || !source.url.endsWith('/all.zip')) return null;
  return source.url.slice(0, -'all.zip'.length);
}

/** The watermark of each OSV feed the DB holds. */
export function readWatermarks(dbFile: string, feeds: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const db = openVulnDbReadonly(dbFile);
  try {
    const meta = db.prepare('select value from meta where key = ?').pluck();
    const newest = db.prepare('select max(modified) from advisories where feed = ?').pluck();
    for (const feed of feeds) {
      const candidates = [meta.get(`${WATERMARK_KEY}${feed}`), newest.get(feed)]
        .filter((v): v is string => typeof v === 'string')
        .map(timeKey)
        .filter((v): v is string => v !== null)
        .sort();
      const best = candidates.at(-1);
      if (best) out.set(feed, best);
    }
  } finally {
    db.close();
  }
  return out;
}

class FetchError extends Error {}

async function get(url: string, http: VulnDbHttp): Promise<Dispatcher.ResponseData> {
  const res = await request(rewriteUrl(url, http.baseUrl), {
    method: 'GET',
    headers: { 'user-agent': http.userAgent ?? 'openhss-vulndb' },
    dispatcher: http.dispatcher,
    headersTimeout: http.headersTimeoutMs ?? 60_000,
    bodyTimeout: http.bodyTimeoutMs ?? 120_000,
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new FetchError(`HTTP ${res.statusCode} from ${url}`);
  }
  return res;
}

/**
 * Reads `modified_id.csv` newest first down to the watermark; returns the ids modified after it,
 * and the newest time seen. Stops reading (and downloading) at the first older line.
 */
export async function changedSince(folder: string, watermark: string, http: VulnDbHttp, limit: number): Promise<{ ids: string[]; newest: string | null } | 'too-many'> {
  const res = await get(`${folder}modified_id.csv`, http);
  const ids: string[] = [];
  let newest: string | null = null;
  const lines = createInterface({ input: res.body, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const comma = line.indexOf(',');
      const key = comma > 0 ? timeKey(line.slice(0, comma)) : null;
      const id = line.slice(comma + 1).trim();
      if (!key || id === '') throw new FetchError(`${folder}modified_id.csv: unreadable line ${JSON.stringify(line.slice(0, 80))}`);
      newest ??= key;
      if (key <= watermark) break;
      ids.push(id);
      if (ids.length > limit) return 'too-many';
    }
  } finally {
    lines.close();
    res.body.destroy();
  }
  return { ids, newest };
}

/**
 * Brings the OSV feeds in `sources` up to date from their `modified_id.csv`. Only feeds the DB
 * already holds take part; the others (and those that fail) come back as `needs-full`.
 */
export async function updateOsvIncrementally(
  dbFile: string,
  sources: readonly FeedSource[],
  http: VulnDbHttp,
  options: { now?: () => Date; maxChanges?: number } = {},
): Promise<IncrementalResult> {
  const target = resolve(dbFile);
  const now = options.now ?? (() => new Date());
  const limit = options.maxChanges ?? DEFAULT_MAX_CHANGES;
  const base = readBaseState(target);
  const outcomes: IncrementalOutcome[] = [];
  const work: Array<{ source: FeedSource; outcome: IncrementalOutcome; newest: string; records: Array<{ id: string; body: string }> }> = [];
  const held = base.usable ? sources.filter((s) => osvFolder(s) !== null && (base.feeds.get(s.name)?.records ?? 0) > 0) : [];
  const watermarks = held.length > 0 ? readWatermarks(target, held.map((s) => s.name)) : new Map<string, string>();
  for (const source of sources) {
    const outcome: IncrementalOutcome = { name: source.name, status: 'needs-full', changed: 0 };
    outcomes.push(outcome);
    const folder = osvFolder(source);
    const watermark = watermarks.get(source.name);
    if (!folder || !held.includes(source) || !watermark) {
      outcome.reason = folder ? 'not imported yet' : 'not an OSV all.zip feed';
      continue;
    }
    try {
      const changed = await changedSince(folder, watermark, http, limit);
      if (changed === 'too-many') {
        outcome.reason = `more than ${limit} records changed`;
        continue;
      }
      if (changed.ids.length === 0) {
        outcome.status = 'not-modified';
        continue;
      }
      const records: Array<{ id: string; body: string }> = [];
      await eachLimited(changed.ids, http.concurrency ?? 8, async (id) => {
        const res = await get(`${folder}${encodeURIComponent(id)}.json`, http);
        records.push({ id, body: await res.body.text() });
      });
      work.push({ source, outcome, newest: changed.newest ?? watermark, records });
    } catch (err) {
      outcome.reason = `incremental update failed: ${(err as Error).message}`;
    }
  }
  if (work.length === 0) return { swapped: false, feeds: outcomes };

  const builtAt = now();
  const built = await buildAtomically(target, { base: 'copy', now: () => builtAt }, async (ctx) => {
    const count = ctx.db.prepare('select count(*) from advisories where feed = ?').pluck();
    const affected = ctx.db.prepare('select count(*) from affected where advisory_uid in (select uid from advisories where feed = ?)').pluck();
    const feedRow = ctx.db.prepare('select * from feeds where name = ?');
    for (const item of work) {
      const importer = new OsvImporter(ctx.writer, item.source.name);
      // Each id once; sorted so a build does not depend on the order downloads finished in.
      for (const record of item.records.sort((a, b) => a.id.localeCompare(b.id))) importer.importText(record.body, `${item.source.name}/${record.id}.json`);
      const row = feedRow.get(item.source.name) as { etag: string | null; last_modified: string | null; sha256: string | null; bytes: number | null; fetched_at: string | null; skipped: number; warnings: string };
      ctx.writer.recordFeed({
        name: item.source.name,
        kind: 'osv',
        url: item.source.url,
        etag: row.etag,
        lastModified: row.last_modified,
        sha256: row.sha256,
        bytes: row.bytes,
        fetchedAt: builtAt.toISOString(),
        importedAt: builtAt.toISOString(),
        records: Number(count.get(item.source.name)),
        affected: Number(affected.get(item.source.name)),
        skipped: row.skipped,
        warnings: JSON.parse(row.warnings) as Record<string, number>,
      });
      ctx.writer.setMeta(`${WATERMARK_KEY}${item.source.name}`, `${item.newest}Z`);
      item.outcome.status = 'updated';
      item.outcome.changed = item.records.length;
      item.outcome.result = importer.log.result();
    }
    return { value: undefined, commit: true };
  });
  return { swapped: built.swapped, feeds: outcomes };
}
