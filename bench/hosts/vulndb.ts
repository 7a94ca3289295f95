/**
 * A Debian security tracker JSON of ≥ 50,000 (source package, CVE) records over real source
 * package names, for bookworm (plus sid, as the real file carries several releases), with a
 * realistic mix of statuses, imported with importPath like `openhss db import`; and the answer a
 * correct scan must give, decided by the generator itself.
 *
 * Ground truth by construction. Every source package the fleet installs is at one of three
 * versions on a host (fleet.ts): its index version v (rung 0), or, on hosts that lag, one or two
 * point releases back (rungs 1 and 2, built by olderVersion: `X+deb12u(N-k)` or `X` from
 * `X+deb12uN`, else `v~pre2` and `v~pre1`). Each record's fixed version is built from v by a rule
 * that fixes where it falls on that ladder, so which rungs it affects is known without comparing
 * versions:
 *
 * | kind           | share | tracker entry                         | fixed version built as          | affects rungs |
 * | -------------- | ----: | ------------------------------------- | ------------------------------- | ------------- |
 * | `older`        | ~42 % | resolved                              | upstream major − 1 (`(M−1).x-y`) | none          |
 * | `prerelease`   | ~43 % | resolved                              | `v~rcN` (above both `~pre`s and `X+deb12u(N−k)`) | 1, 2 |
 * | `point`        |   4 % | resolved                              | v                               | 1, 2          |
 * | `point1`       | (updates) | resolved                          | rung 1                          | 2, when rung 2 ≠ rung 1 |
 * | `above`        |   2 % | resolved                              | `X+deb12u(N+j)` or `v+deb12uj`  | 0, 1, 2       |
 * | `open`         |   3 % | open (some nodsa ignored / postponed, urgency unimportant) | —   | 0, 1, 2       |
 * | `not-affected` |   5 % | resolved, fixed_version "0"           | —                               | none          |
 * | `undetermined` |   1 % | undetermined                          | —                               | 0, 1, 2       |
 *
 * (The tracker's meaning of each entry: open and undetermined mean every version of the release is
 * vulnerable, "0" means never affected, fixed V means versions below V are affected.) A host's
 * vulnerabilities are the distinct ids of the records affecting any source it installs: ids are
 * shared by a few sources (4 % of records reuse a recent id, as bundled code does).
 *
 * CVE counts per package follow a skewed (Zipf-like) law, with the kernel and the usual suspects
 * at the top, then one source the fleet installs for every two it does not.
 */
import { writeFileSync } from 'node:fs';
import { importPath } from '../../src/vulndb/import-path.js';
import { olderVersion, prng, shuffle, lagsOn, type Fleet } from './fleet.js';

const HEAVY = ['linux', 'chromium', 'firefox-esr', 'thunderbird', 'imagemagick', 'php8.2', 'openjdk-17', 'glibc', 'openssl', 'qemu', 'tiff', 'binutils', 'vim', 'curl', 'systemd', 'python3.11', 'libxml2', 'ghostscript', 'poppler', 'ffmpeg', 'gnutls28', 'openssh', 'sudo', 'perl', 'git'];
const URGENCIES = ['low', 'low', 'medium', 'medium', 'medium', 'high', 'not yet assigned', 'unimportant'];
const WORDS = ['buffer overflow', 'use-after-free', 'integer overflow', 'NULL pointer dereference', 'out-of-bounds read', 'heap overflow', 'denial of service', 'path traversal', 'improper input validation', 'race condition'];

export type RecordKind = 'older' | 'prerelease' | 'point' | 'point1' | 'above' | 'open' | 'not-affected' | 'undetermined';

export interface TrackerRecord {
  source: string;
  id: string;
  kind: RecordKind;
  /** The bookworm entry, as written to the JSON (status, fixed_version, urgency, nodsa…). */
  bookworm: Record<string, string>;
  description: string;
}

export interface Feed {
  records: TrackerRecord[];
  /** Source package → its index version (rung 0), the version the records were built against. */
  versions: Map<string, string>;
  /** Next serial for new CVE ids. */
  serial: number;
}

/** A version below every rung by its upstream major (kind `older`), or `v~rcN` (kind `prerelease`). */
function lowerVersion(v: string, k: number): { version: string; kind: RecordKind } {
  const m = /^(\d+:)?(\d+)(.*)$/.exec(v);
  if (m && Number(m[2]) > 0 && k % 2 === 0) return { version: `${m[1] ?? ''}${Number(m[2]) - 1}.${k % 9}-${1 + (k % 4)}`, kind: 'older' };
  return { version: `${v}~rc${k % 5}`, kind: 'prerelease' };
}

/** The next point release above v: `X+deb12u(N+j)` from `X+deb12uN`, else `v+deb12uj`. */
function pointAbove(v: string, j: number): string {
  const m = /^(.*)\+deb12u(\d+)$/.exec(v);
  return m ? `${m[1]}+deb12u${Number(m[2]) + j}` : `${v}+deb12u${j}`;
}

/** The rungs of a source at index version v: [v, one point release back, two back]. */
export const rungsOf = (v: string): [string, string, string] => [v, olderVersion(v, 1), olderVersion(v, 2)];

/** Whether a record of this kind affects a host at rung k (0–2) of its source; rungs as rungsOf gives them. */
export function affectsRung(kind: RecordKind, k: number, rungs: readonly string[]): boolean {
  switch (kind) {
    case 'older':
    case 'not-affected':
      return false;
    case 'prerelease':
    case 'point':
      return k >= 1;
    case 'point1':
      return k === 2 && rungs[2] !== rungs[1];
    case 'above':
    case 'open':
    case 'undetermined':
      return true;
  }
}

function describe(src: string, rand: () => number): string {
  const what = WORDS[Math.floor(rand() * WORDS.length)]!;
  return `A ${what} was found in ${src} which could allow a ${rand() < 0.5 ? 'remote' : 'local'} attacker to cause a crash or possibly execute arbitrary code via crafted input.`;
}

/** The generated records for `total` bookworm records over the index's source packages. */
export function generateFeed(fleet: Fleet, allSources: Map<string, string>, total: number, seed = 7): Feed {
  const rand = prng(seed);
  const installed = new Map<string, string>();
  for (const p of fleet.packages) installed.set(p.sourceName, p.sourceVersion);
  for (const [src, v] of installed) if (allSources.get(src) !== v) throw new Error(`fleet source ${src} ${v} is not the index's ${allSources.get(src)}`);
  const heavy = HEAVY.filter((s) => allSources.has(s));
  const inFleet = shuffle([...installed.keys()].filter((s) => !heavy.includes(s)), rand);
  const others = shuffle([...allSources.keys()].filter((s) => !installed.has(s) && !heavy.includes(s)), rand);
  // Zipf over ranks: heavy first, then the fleet's and the others' sources interleaved.
  const ranked: string[] = [...heavy];
  // One installed source for every two others: most of the tracker is about packages a given fleet lacks.
  for (let i = 0, o = 0; i < inFleet.length || o < others.length; i++) {
    if (i < inFleet.length) ranked.push(inFleet[i]!);
    for (let k = 0; k < 2 && o < others.length; k++) ranked.push(others[o++]!);
  }
  const weights = ranked.map((_, r) => 1 / (r + 100));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.round((w / sum) * total)));
  let assigned = counts.reduce((a, b) => a + b, 0);
  for (let i = 0; assigned < total; i = (i + 1) % counts.length, assigned++) counts[i]!++;

  const records: TrackerRecord[] = [];
  const versions = new Map<string, string>();
  let cveSerial = 0;
  const recent: string[] = [];
  for (let r = 0; r < ranked.length && records.length < total; r++) {
    const src = ranked[r]!;
    const v = allSources.get(src)!;
    const seen = new Set<string>();
    for (let c = 0; c < counts[r]! && records.length < total; c++) {
      // 4 % of CVEs are shared with another package (bundled code, forks).
      const shared = rand() < 0.04 && recent.length > 0 ? recent[Math.floor(rand() * recent.length)]! : null;
      const id = shared && !seen.has(shared) ? shared : `CVE-${2005 + (cveSerial % 20)}-${String(10000 + cveSerial++).padStart(5, '0')}`;
      if (seen.has(id)) continue;
      seen.add(id);
      if (recent.length < 500) recent.push(id);
      else recent[Math.floor(rand() * 500)] = id;
      const urgency = URGENCIES[Math.floor(rand() * URGENCIES.length)]!;
      const x = rand();
      let kind: RecordKind;
      let bookworm: Record<string, string>;
      if (x < 0.85) {
        const lower = lowerVersion(v, Math.floor(rand() * 1000));
        kind = lower.kind;
        bookworm = { status: 'resolved', fixed_version: lower.version, urgency };
      } else if (x < 0.89) {
        kind = 'point';
        bookworm = { status: 'resolved', fixed_version: v, urgency };
      } else if (x < 0.91) {
        kind = 'above';
        bookworm = { status: 'resolved', fixed_version: pointAbove(v, 9 + Math.floor(rand() * 3)), urgency };
      } else if (x < 0.94) {
        const y = rand();
        kind = 'open';
        bookworm = y < 0.25 ? { status: 'open', urgency, nodsa: 'Minor issue', nodsa_reason: 'ignored' } : y < 0.4 ? { status: 'open', urgency, nodsa: 'Minor issue', nodsa_reason: 'postponed' } : { status: 'open', urgency };
      } else if (x < 0.99) {
        kind = 'not-affected';
        bookworm = { status: 'resolved', fixed_version: '0', urgency: 'not yet assigned' };
      } else {
        kind = 'undetermined';
        bookworm = { status: 'undetermined', urgency: 'not yet assigned' };
      }
      versions.set(src, v);
      records.push({ source: src, id, kind, bookworm, description: describe(src, rand) });
    }
  }
  return { records, versions, serial: cveSerial };
}

export interface GeneratedFeed {
  records: number;
  sources: number;
  bytes: number;
}

/** Writes the feed as the tracker's JSON (records grouped by source package, in first-seen order). */
export function writeTrackerJson(file: string, feed: Feed): GeneratedFeed {
  const bySource = new Map<string, string[]>();
  for (const rec of feed.records) {
    const v = feed.versions.get(rec.source)!;
    const b = rec.bookworm;
    const sid = b.status === 'resolved' ? { status: 'resolved', fixed_version: b.fixed_version ?? '0', urgency: b.urgency } : { status: 'open', urgency: b.urgency };
    const releases = { bookworm: { ...b, repositories: { bookworm: v } }, sid: { ...sid, repositories: { sid: v } } };
    const entry = `${JSON.stringify(rec.id)}:${JSON.stringify({ description: rec.description, scope: 'remote', releases })}`;
    const list = bySource.get(rec.source);
    if (list) list.push(entry);
    else bySource.set(rec.source, [entry]);
  }
  const parts = [...bySource].map(([src, entries]) => `${JSON.stringify(src)}:{${entries.join(',')}}`);
  const text = `{${parts.join(',\n')}}`;
  writeFileSync(file, text);
  return { records: feed.records.length, sources: bySource.size, bytes: Buffer.byteLength(text) };
}

/** Builds `<dataDir>/vulndb.sqlite` (or any file) from the generated JSON; on an existing file, replaces the feed as `openhss db import` does. */
export async function buildVulnDb(dbFile: string, jsonFile: string): Promise<{ ms: number; affected: number }> {
  const start = performance.now();
  const result = await importPath(dbFile, jsonFile);
  return { ms: performance.now() - start, affected: result.feeds.reduce((a, f) => a + f.affected, 0) };
}

export interface Truth {
  /** Distinct (source, version) pairs installed across the fleet. */
  sourceVersions: number;
  /** Bookworm records affecting at least one host. */
  matchingRecords: number;
  /** Distinct vulnerability ids affecting at least one host. */
  matchingVulIds: number;
  /** Σ over hosts of the distinct vulnerability ids affecting it: the host vulnerabilities a full scan stores. */
  hostVulRows: number;
  /** Per fleet host (in fleet order), its number of vulnerabilities. */
  perHost: Uint32Array;
  /** The id on the most hosts, and on how many. */
  widest: { id: string; hosts: number };
  /** Per vulnerability id, on how many hosts. */
  perVul: Map<string, number>;
}

/** What a correct scan stores, from the feed's kinds and the fleet's rungs alone (no version comparison). */
export function groundTruth(feed: Feed, fleet: Fleet): Truth {
  const bySource = new Map<string, TrackerRecord[]>();
  for (const rec of feed.records) {
    const list = bySource.get(rec.source);
    if (list) list.push(rec);
    else bySource.set(rec.source, [rec]);
  }
  // Per (source, rung): the ids affecting it, one shared array, so a host's binaries of one source count once.
  const cache = new Map<string, string[]>();
  const sourceRecords = new Map<string[], Array<{ source: string; id: string }>>();
  const idsAt = (source: string, k: number): string[] => {
    const key = `${source}\u0000${k}`;
    let ids = cache.get(key);
    if (!ids) {
      const v = feed.versions.get(source);
      const rungs = v === undefined ? null : rungsOf(v);
      const hit = rungs ? (bySource.get(source) ?? []).filter((r) => affectsRung(r.kind, k, rungs)) : [];
      ids = hit.map((r) => r.id);
      cache.set(key, ids);
      sourceRecords.set(ids, hit.map((r) => ({ source, id: r.id })));
    }
    return ids;
  };
  for (const p of fleet.packages) {
    const v = feed.versions.get(p.sourceName);
    if (v !== undefined && v !== p.sourceVersion) throw new Error(`ground truth: ${p.name} is built from ${p.sourceName} ${p.sourceVersion}, the records from ${v}`);
  }
  const table = [0, 1, 2].map((lag) => fleet.packages.map((p) => idsAt(p.sourceName, lagsOn(lag, p.sourceName) ? lag : 0)));
  const perHost = new Uint32Array(fleet.hosts.length);
  const perVul = new Map<string, number>();
  const installed = new Set<string[]>();
  const sourceVersions = new Set<string>();
  let hostVulRows = 0;
  const used = [0, 1, 2].map(() => new Uint8Array(fleet.packages.length));
  fleet.hosts.forEach((host, h) => {
    const row = table[host.lag]!;
    const lists = new Set<string[]>();
    const usedAtLag = used[host.lag]!;
    for (const i of host.packages) {
      lists.add(row[i]!);
      usedAtLag[i] = 1;
    }
    const mine = new Set<string>();
    for (const ids of lists) {
      installed.add(ids);
      for (const id of ids) mine.add(id);
    }
    perHost[h] = mine.size;
    hostVulRows += mine.size;
    for (const id of mine) perVul.set(id, (perVul.get(id) ?? 0) + 1);
  });
  used.forEach((row, lag) =>
    row.forEach((isUsed, i) => {
      if (!isUsed) return;
      const p = fleet.packages[i]!;
      sourceVersions.add(`${p.sourceName}\u0000${lagsOn(lag, p.sourceName) ? lag : 0}`);
    }),
  );
  const matchingRecords = new Set<string>();
  for (const ids of installed) for (const r of sourceRecords.get(ids)!) matchingRecords.add(`${r.source}\u0000${r.id}`);
  let widest = { id: '', hosts: 0 };
  for (const [id, n] of perVul) if (n > widest.hosts || (n === widest.hosts && id < widest.id)) widest = { id, hosts: n };
  return { sourceVersions: sourceVersions.size, matchingRecords: matchingRecords.size, matchingVulIds: perVul.size, hostVulRows, perHost, widest, perVul };
}

export type UpdateAction = 'fix-published' | 'fixed-in-installed' | 'lag2-point-release' | 'withdrawn' | 'not-affected' | 'new-record' | 'urgency' | 'older-fix';

/**
 * A feed update as the tracker publishes one: `fraction` of the records touched (at least one),
 * each by one action that applies to it —
 * - fix-published: an open or undetermined record gets its fix in a point release hosts have not installed (`above`);
 * - fixed-in-installed: an open or `above` record turns out fixed in the version the fleet runs (`point`);
 * - lag2-point-release: a record's fix is dated to the previous point release (`point1`);
 * - withdrawn: the CVE is rejected and the record disappears;
 * - not-affected: triage finds bookworm never affected (fixed_version "0");
 * - new-record: a new CVE for the same source package (open, or fixed above the installed version);
 * - urgency: the urgency (severity) changes only;
 * - older-fix: a `prerelease` fix is corrected to an older upload (`older`).
 * Returns a new feed; the old one is left as it was.
 */
export function updateFeed(feed: Feed, fraction: number, seed = 11): { feed: Feed; touched: number; actions: Record<UpdateAction, number> } {
  const rand = prng(seed);
  const records = feed.records.map((r) => ({ ...r, bookworm: { ...r.bookworm } }));
  const n = Math.max(1, Math.round(records.length * fraction));
  const picks = shuffle(records.map((_, i) => i), rand).slice(0, n);
  const actions: Record<UpdateAction, number> = { 'fix-published': 0, 'fixed-in-installed': 0, 'lag2-point-release': 0, withdrawn: 0, 'not-affected': 0, 'new-record': 0, urgency: 0, 'older-fix': 0 };
  const removed = new Set<number>();
  const added: TrackerRecord[] = [];
  let serial = feed.serial;
  for (const i of picks) {
    const rec = records[i]!;
    const v = feed.versions.get(rec.source)!;
    const urgency = rec.bookworm.urgency ?? 'medium';
    const applicable: UpdateAction[] = ['withdrawn', 'not-affected', 'new-record', 'urgency', 'lag2-point-release'];
    if (rec.kind === 'open' || rec.kind === 'undetermined') applicable.push('fix-published', 'fix-published', 'fixed-in-installed');
    if (rec.kind === 'above') applicable.push('fixed-in-installed');
    const major = /^(\d+:)?(\d+)/.exec(v);
    if (rec.kind === 'prerelease' && major && Number(major[2]) > 0) applicable.push('older-fix');
    const action = applicable[Math.floor(rand() * applicable.length)]!;
    actions[action]++;
    switch (action) {
      case 'fix-published':
        rec.kind = 'above';
        rec.bookworm = { status: 'resolved', fixed_version: pointAbove(v, 1 + Math.floor(rand() * 3)), urgency };
        break;
      case 'fixed-in-installed':
        rec.kind = 'point';
        rec.bookworm = { status: 'resolved', fixed_version: v, urgency };
        break;
      case 'lag2-point-release':
        rec.kind = 'point1';
        rec.bookworm = { status: 'resolved', fixed_version: rungsOf(v)[1], urgency };
        break;
      case 'withdrawn':
        removed.add(i);
        break;
      case 'not-affected':
        rec.kind = 'not-affected';
        rec.bookworm = { status: 'resolved', fixed_version: '0', urgency: 'not yet assigned' };
        break;
      case 'new-record': {
        const id = `CVE-2026-${String(90000 + serial++ - feed.serial).padStart(5, '0')}`;
        const open = rand() < 0.6;
        added.push({
          source: rec.source,
          id,
          kind: open ? 'open' : 'above',
          bookworm: open ? { status: 'open', urgency: 'not yet assigned' } : { status: 'resolved', fixed_version: pointAbove(v, 1), urgency: 'high' },
          description: describe(rec.source, rand),
        });
        break;
      }
      case 'urgency':
        rec.bookworm.urgency = urgency === 'high' ? 'low' : 'high';
        break;
      case 'older-fix':
        rec.kind = 'older';
        rec.bookworm = { ...rec.bookworm, fixed_version: `${major![1] ?? ''}${Number(major![2]) - 1}.0-1` };
        break;
    }
  }
  // New records go after their source's others (the JSON groups by source).
  const out: TrackerRecord[] = [];
  const addedBySource = new Map<string, TrackerRecord[]>();
  for (const a of added) addedBySource.set(a.source, [...(addedBySource.get(a.source) ?? []), a]);
  records.forEach((rec, i) => {
    if (!removed.has(i)) out.push(rec);
    const next = records[i + 1];
    if (!next || next.source !== rec.source) {
      out.push(...(addedBySource.get(rec.source) ?? []));
      addedBySource.delete(rec.source);
    }
  });
  return { feed: { records: out, versions: feed.versions, serial }, touched: n, actions };
}
