/**
 * `openhss db update`: downloads the feeds from their upstream URLs and rebuilds the DB.
 *
 * - Conditional requests: the ETag and Last-Modified of each feed's last download are sent back
 *   (If-None-Match / If-Modified-Since); a 304 keeps that feed's data as it is.
 * - Each download goes to a temporary file (gzip transfer encoding is accepted and undone), is
 *   checked against Content-Length, and only then imported.
 * - The DB is rebuilt in a temporary copy and renamed over the old file (build.ts), so readers
 *   never see a half-built DB and a failed update leaves the old DB in place.
 * - Feeds fail one by one: a feed that cannot be downloaded or parsed (HTTP error, truncated body,
 *   malformed data, or no records where there were some) keeps its previous data and its previous
 *   ETag (so the next update retries it), is reported as failed, and the other feeds still update.
 *   When nothing was downloaded, or every download failed, the old file is not touched at all.
 * - The HTTP client is injected: an undici Dispatcher, and an optional base URL that every feed
 *   URL is rewritten onto (`<base>/<host><path>`), for mirrors and for tests.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { buildAtomically, readBaseState, removeStaleTemps, type BaseState } from './build.js';
import { IMPORTERS } from './importers/index.js';
import type { FeedImportResult, FeedKind } from './types.js';

export interface FeedSource {
  /** Feed name, also the key its data and ETag are stored under: `osv/npm`, `alpine-secdb/v3.19/main`, `debian-tracker`, `kev`, `k8s-cve-feed`. */
  name: string;
  kind: FeedKind;
  url: string;
}

export const OSV_BUCKET = 'https://osv-vulnerabilities.storage.googleapis.com';
export const ALPINE_SECDB = 'https://secdb.alpinelinux.org';
export const DEBIAN_TRACKER_URL = 'https://security-tracker.debian.org/tracker/data/json';
export const KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
export const K8S_CVE_FEED_URL = 'https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json';

/** Language ecosystems fetched from OSV by default. Debian and Alpine come from their own vendors' feeds, other distributions from OSV (below). */
export const DEFAULT_OSV_ECOSYSTEMS: readonly string[] = ['npm', 'PyPI', 'Go', 'Maven', 'crates.io', 'RubyGems', 'NuGet', 'Packagist'];
/**
 * Linux distributions whose vendors publish their advisories to OSV, fetched by default: one
 * feed (the family's all.zip) per family, matched per release by src/matchers.
 */
export const DEFAULT_OSV_OS_ECOSYSTEMS: readonly string[] = ['Ubuntu', 'Red Hat', 'Rocky Linux', 'AlmaLinux', 'openEuler', 'SUSE', 'openSUSE', 'Azure Linux', 'Wolfi', 'Chainguard'];
export const DEFAULT_ALPINE_RELEASES: readonly string[] = ['v3.19', 'v3.20', 'v3.21', 'v3.22'];
export const DEFAULT_ALPINE_REPOS: readonly string[] = ['main', 'community'];

export interface SourceOptions {
  osvEcosystems?: readonly string[];
  alpineReleases?: readonly string[];
  alpineRepos?: readonly string[];
  debian?: boolean;
  kev?: boolean;
  /** The official Kubernetes CVE feed: false to leave it out, or a URL to read it from instead of kubernetes.io. */
  kubernetesCveFeed?: boolean | string;
}

export function osvSource(ecosystem: string): FeedSource {
  return { name: `osv/${ecosystem}`, kind: 'osv', url: `${OSV_BUCKET}/${encodeURIComponent(ecosystem)}/all.zip` };
}

export function alpineSource(release: string, repo: string): FeedSource {
  return { name: `alpine-secdb/${release}/${repo}`, kind: 'alpine-secdb', url: `${ALPINE_SECDB}/${release}/${repo}.json` };
}

/**
 * The upstream feeds: OSV per language ecosystem, Alpine secdb per release and repository, the Debian
 * tracker, KEV, and the official Kubernetes CVE feed (whose version ranges come from OSV `Go`).
 */
export function defaultSources(options: SourceOptions = {}): FeedSource[] {
  const sources: FeedSource[] = (options.osvEcosystems ?? [...DEFAULT_OSV_ECOSYSTEMS, ...DEFAULT_OSV_OS_ECOSYSTEMS]).map(osvSource);
  for (const release of options.alpineReleases ?? DEFAULT_ALPINE_RELEASES) {
    for (const repo of options.alpineRepos ?? DEFAULT_ALPINE_REPOS) sources.push(alpineSource(release, repo));
  }
  if (options.debian ?? true) sources.push({ name: 'debian-tracker', kind: 'debian-tracker', url: DEBIAN_TRACKER_URL });
  if (options.kev ?? true) sources.push({ name: 'kev', kind: 'kev', url: KEV_URL });
  const k8s = options.kubernetesCveFeed ?? true;
  if (k8s !== false) sources.push({ name: 'k8s-cve-feed', kind: 'k8s-cve-feed', url: k8s === true ? K8S_CVE_FEED_URL : k8s });
  return sources;
}

export interface VulnDbHttp {
  /** Every request goes through this dispatcher (an undici Agent, ProxyAgent, or MockAgent in tests). */
  dispatcher: Dispatcher;
  /** Rewrites each feed URL to `<baseUrl>/<host><path>` (a mirror, or a local test server). */
  baseUrl?: string;
  /** Time to wait for response headers (default 60 s) and between body chunks (default 120 s). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  userAgent?: string;
  /** Downloads at once (default 4). */
  concurrency?: number;
}

export type FeedOutcomeStatus = 'updated' | 'not-modified' | 'failed';

export interface FeedUpdateOutcome {
  name: string;
  kind: FeedKind;
  url: string;
  status: FeedOutcomeStatus;
  error?: string;
  httpStatus?: number;
  /** Bytes of the (decoded) download. */
  bytes?: number;
  result?: FeedImportResult;
}

export interface UpdateResult {
  dbFile: string;
  /** The DB file was replaced by a new build. */
  swapped: boolean;
  /** The old file could not be used as a base (other schema, unreadable) and was rebuilt from scratch. */
  rebuilt: boolean;
  /** Every feed updated or was not modified. */
  ok: boolean;
  feeds: FeedUpdateOutcome[];
}

export class FeedDownloadError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'FeedDownloadError';
  }
}

export function rewriteUrl(url: string, baseUrl?: string): string {
  if (!baseUrl) return url;
  const u = new URL(url);
  return `${baseUrl.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

interface Downloaded {
  file: string;
  etag: string | null;
  lastModified: string | null;
  sha256: string;
  bytes: number;
  fetchedAt: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

async function download(
  source: FeedSource,
  previous: { etag: string | null; lastModified: string | null } | undefined,
  http: VulnDbHttp,
  file: string,
  now: () => Date,
): Promise<Downloaded | 'not-modified'> {
  const headers: Record<string, string> = {
    'user-agent': http.userAgent ?? 'openhss-vulndb',
    'accept-encoding': 'gzip, deflate, br',
  };
  if (previous?.etag) headers['if-none-match'] = previous.etag;
  if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
  let url = rewriteUrl(source.url, http.baseUrl);
  for (let hop = 0; ; hop++) {
    const res = await request(url, {
      method: 'GET',
      headers,
      dispatcher: http.dispatcher,
      headersTimeout: http.headersTimeoutMs ?? 60_000,
      bodyTimeout: http.bodyTimeoutMs ?? 120_000,
    });
    const location = header(res.headers, 'location');
    if (REDIRECTS.has(res.statusCode) && location) {
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) throw new FeedDownloadError(`too many redirects from ${source.url}`);
      url = new URL(location, url).href;
      continue;
    }
    if (res.statusCode === 304) {
      await res.body.dump();
      return 'not-modified';
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new FeedDownloadError(`HTTP ${res.statusCode} from ${url}`, res.statusCode);
    }
    const encoding = (header(res.headers, 'content-encoding') ?? 'identity').toLowerCase();
    const declared = header(res.headers, 'content-length');
    let received = 0;
    let decoded = 0;
    const hash = createHash('sha256');
    const countRaw = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        done(null, chunk);
      },
    });
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        decoded += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? createGunzip()
        : encoding === 'deflate'
          ? createInflate()
          : encoding === 'br'
            ? createBrotliDecompress()
            : encoding === 'identity'
              ? null
              : undefined;
    if (decoder === undefined) {
      await res.body.dump();
      throw new FeedDownloadError(`unsupported Content-Encoding ${encoding} from ${url}`);
    }
    try {
      if (decoder) await pipeline(res.body, countRaw, decoder, tap, createWriteStream(file));
      else await pipeline(res.body, countRaw, tap, createWriteStream(file));
    } catch (err) {
      throw new FeedDownloadError(`download of ${url} broke off after ${received} bytes: ${(err as Error).message}`);
    }
    if (declared !== null && Number(declared) !== received) {
      throw new FeedDownloadError(`download of ${url} is truncated: ${received} of ${declared} bytes`);
    }
    return {
      file,
      etag: header(res.headers, 'etag'),
      lastModified: header(res.headers, 'last-modified'),
      sha256: hash.digest('hex'),
      bytes: decoded,
      fetchedAt: now().toISOString(),
    };
  }
}

export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Downloads the feeds that changed and swaps a rebuilt DB in. Never throws for a feed's failure; see `ok`. */
export async function update(
  dbFile: string,
  sources: readonly FeedSource[],
  http: VulnDbHttp,
  options: { now?: () => Date } = {},
): Promise<UpdateResult> {
  const now = options.now ?? (() => new Date());
  const target = resolve(dbFile);
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new Error(`feed ${s.name} is listed twice`);
    names.add(s.name);
  }
  const base: BaseState = readBaseState(target);
  const outcomes: FeedUpdateOutcome[] = sources.map((s) => ({ name: s.name, kind: s.kind, url: s.url, status: 'not-modified' }));
  const downloads = new Map<number, Downloaded>();

  await mkdir(dirname(target), { recursive: true });
  await removeStaleTemps(dirname(target));
  const workDir = await mkdtemp(join(dirname(target), `.vulndb-download-${process.pid}-`));
  try {
    await eachLimited(sources, http.concurrency ?? 4, async (source, i) => {
      const outcome = outcomes[i] as FeedUpdateOutcome;
      try {
        const got = await download(source, base.usable ? base.feeds.get(source.name) : undefined, http, join(workDir, `feed-${i}`), now);
        if (got === 'not-modified') outcome.status = 'not-modified';
        else {
          downloads.set(i, got);
          outcome.bytes = got.bytes;
        }
      } catch (err) {
        outcome.status = 'failed';
        outcome.error = messageOf(err);
        if (err instanceof FeedDownloadError && err.httpStatus !== undefined) outcome.httpStatus = err.httpStatus;
      }
    });

    let swapped = false;
    let rebuilt = false;
    if (downloads.size > 0) {
      const builtAt = now();
      const built = await buildAtomically(target, { base: base.usable ? 'copy' : 'empty', now: () => builtAt }, async (ctx) => {
        let applied = 0;
        for (const [i, got] of [...downloads].sort((a, b) => a[0] - b[0])) {
          const source = sources[i] as FeedSource;
          const outcome = outcomes[i] as FeedUpdateOutcome;
          try {
            outcome.result = await ctx.savepoint(async () => {
              ctx.writer.deleteFeed(source.name);
              const result = (await IMPORTERS[source.kind](ctx.writer, got.file, source.name)).result();
              const previous = base.feeds.get(source.name)?.records ?? 0;
              if (result.records === 0 && previous > 0) {
                throw new FeedDownloadError(`${source.url} gave no records (the DB has ${previous}); keeping the old data`);
              }
              ctx.writer.recordFeed({
                name: source.name,
                kind: source.kind,
                url: source.url,
                etag: got.etag,
                lastModified: got.lastModified,
                sha256: got.sha256,
                bytes: got.bytes,
                fetchedAt: got.fetchedAt,
                importedAt: builtAt.toISOString(),
                records: result.records,
                affected: result.affected,
                skipped: result.skipped,
                warnings: result.warnings,
              });
              return result;
            });
            outcome.status = 'updated';
            applied++;
          } catch (err) {
            outcome.status = 'failed';
            outcome.error = messageOf(err);
            delete outcome.result;
          }
        }
        return { value: applied, commit: applied > 0 };
      });
      swapped = built.swapped;
      rebuilt = built.swapped && built.rebuilt;
    }
    return { dbFile: target, swapped, rebuilt, ok: outcomes.every((o) => o.status !== 'failed'), feeds: outcomes };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
