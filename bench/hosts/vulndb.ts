/**
 * A Debian security tracker JSON of ≥ 50,000 (source package, CVE) records over real source
 * package names, for bookworm (plus sid, as the real file carries several releases), with a
 * realistic mix of statuses, imported with importPath like `openhss db import`.
 *
 * Per bookworm record: 85 % fixed below the installed version (not affected), 4 % fixed in a
 * point release hosts that lag behind miss, 2 % fixed above the installed version, 3 % open
 * (some ignored, postponed, unimportant), 5 % not affected (fixed_version "0", the JSON's form
 * of the tracker's <not-affected>), 1 % undetermined. CVE counts per package follow a skewed
 * (Zipf-like) law, with the kernel and the usual suspects at the top, then one source the fleet
 * installs for every two it does not.
 */
import { writeFileSync } from 'node:fs';
import { importPath } from '../../src/vulndb/import-path.js';
import { VulnDbReader } from '../../src/vulndb/reader.js';
import { evaluate } from '../../src/matchers/evaluate.js';
import { olderVersion, prng, shuffle, lagsOn, type Fleet } from './fleet.js';

const HEAVY = ['linux', 'chromium', 'firefox-esr', 'thunderbird', 'imagemagick', 'php8.2', 'openjdk-17', 'glibc', 'openssl', 'qemu', 'tiff', 'binutils', 'vim', 'curl', 'systemd', 'python3.11', 'libxml2', 'ghostscript', 'poppler', 'ffmpeg', 'gnutls28', 'openssh', 'sudo', 'perl', 'git'];
const URGENCIES = ['low', 'low', 'medium', 'medium', 'medium', 'high', 'not yet assigned', 'unimportant'];
const WORDS = ['buffer overflow', 'use-after-free', 'integer overflow', 'NULL pointer dereference', 'out-of-bounds read', 'heap overflow', 'denial of service', 'path traversal', 'improper input validation', 'race condition'];

/** A version below `v` in dpkg order: a lower upstream major when there is one, else a `~` pre-release. */
function lowerVersion(v: string, k: number): string {
  const m = /^(\d+:)?(\d+)(.*)$/.exec(v);
  if (m && Number(m[2]) > 0 && k % 2 === 0) return `${m[1] ?? ''}${Number(m[2]) - 1}.${k % 9}-${1 + (k % 4)}`;
  return `${v}~rc${k % 5}`;
}

export interface GeneratedFeed {
  records: number;
  sources: number;
  bytes: number;
}

/** Writes the tracker JSON for `total` bookworm records to `file`. */
export function writeTrackerJson(file: string, fleet: Fleet, allSources: Map<string, string>, total: number, seed = 7): GeneratedFeed {
  const rand = prng(seed);
  const installed = new Map<string, string>();
  for (const p of fleet.packages) installed.set(p.sourceName, p.sourceVersion);
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

  const parts: string[] = [];
  let records = 0;
  let cveSerial = 0;
  const recent: string[] = [];
  for (let r = 0; r < ranked.length && records < total; r++) {
    const src = ranked[r]!;
    const v = allSources.get(src)!;
    const cves: string[] = [];
    const seen = new Set<string>();
    for (let c = 0; c < counts[r]! && records < total; c++) {
      // 4 % of CVEs are shared with another package (bundled code, forks).
      const shared = rand() < 0.04 && recent.length > 0 ? recent[Math.floor(rand() * recent.length)]! : null;
      const id = shared && !seen.has(shared) ? shared : `CVE-${2005 + (cveSerial % 20)}-${String(10000 + cveSerial++).padStart(5, '0')}`;
      if (seen.has(id)) continue;
      seen.add(id);
      if (recent.length < 500) recent.push(id);
      else recent[Math.floor(rand() * 500)] = id;
      const urgency = URGENCIES[Math.floor(rand() * URGENCIES.length)]!;
      const x = rand();
      let bookworm: Record<string, string>;
      if (x < 0.85) bookworm = { status: 'resolved', fixed_version: lowerVersion(v, Math.floor(rand() * 1000)), urgency };
      else if (x < 0.89) bookworm = { status: 'resolved', fixed_version: v, urgency };
      else if (x < 0.91) bookworm = { status: 'resolved', fixed_version: `${v}+deb12u${9 + Math.floor(rand() * 3)}`, urgency };
      else if (x < 0.94) {
        const y = rand();
        bookworm = y < 0.25 ? { status: 'open', urgency, nodsa: 'Minor issue', nodsa_reason: 'ignored' } : y < 0.4 ? { status: 'open', urgency, nodsa: 'Minor issue', nodsa_reason: 'postponed' } : { status: 'open', urgency };
      } else if (x < 0.99) bookworm = { status: 'resolved', fixed_version: '0', urgency: 'not yet assigned' };
      else bookworm = { status: 'undetermined', urgency: 'not yet assigned' };
      const sid = bookworm.status === 'resolved' ? { status: 'resolved', fixed_version: bookworm.fixed_version ?? '0', urgency } : { status: 'open', urgency };
      const what = WORDS[Math.floor(rand() * WORDS.length)]!;
      const description = `A ${what} was found in ${src} which could allow a ${rand() < 0.5 ? 'remote' : 'local'} attacker to cause a crash or possibly execute arbitrary code via crafted input.`;
      const releases = { bookworm: { ...bookworm, repositories: { bookworm: v } }, sid: { ...sid, repositories: { sid: v } } };
      cves.push(`${JSON.stringify(id)}:${JSON.stringify({ description, scope: 'remote', releases })}`);
      records++;
    }
    if (cves.length) parts.push(`${JSON.stringify(src)}:{${cves.join(',')}}`);
  }
  const text = `{${parts.join(',\n')}}`;
  writeFileSync(file, text);
  return { records, sources: parts.length, bytes: Buffer.byteLength(text) };
}

/** Builds `<dataDir>/vulndb.sqlite` (or any file) from the generated JSON. */
export async function buildVulnDb(dbFile: string, jsonFile: string): Promise<{ ms: number; affected: number }> {
  const start = performance.now();
  const result = await importPath(dbFile, jsonFile);
  return { ms: performance.now() - start, affected: result.feeds.reduce((a, f) => a + f.affected, 0) };
}

export interface Expected {
  /** Distinct (source, version) pairs installed across the fleet. */
  sourceVersions: number;
  /** Bookworm records affecting at least one host. */
  matchingRecords: number;
  /** Distinct vulnerability ids affecting at least one host. */
  matchingVulIds: number;
  /** Σ over hosts of the distinct vulnerability ids affecting it: the host_vuls rows a full scan should store. */
  hostVulRows: number;
}

/** What a correct scan finds, computed directly with the matcher's evaluate(). */
export function expectedMatches(dbFile: string, fleet: Fleet): Expected {
  const reader = VulnDbReader.open(dbFile);
  const hits = new Map<string, string[]>();
  const sourceOf = new Map<string[], string>();
  const idsOf = (name: string, version: string): string[] => {
    const key = `${name}\u0000${version}`;
    let ids = hits.get(key);
    if (!ids) {
      ids = [];
      for (const record of reader.affectedFor('Debian:12', name)) {
        if (evaluate(record, { ecosystem: 'Debian:12', name, version, scheme: 'deb' }).affected) {
          ids.push(record.advisory.id);
        }
      }
      hits.set(key, ids);
      sourceOf.set(ids, name);
    }
    return ids;
  };
  // Per fleet package and lag (0–2), the ids its source version is affected by: one shared array per
  // (source, version), so a host's binaries of one source are looked at once.
  const table = [0, 1, 2].map((lag) =>
    fleet.packages.map((p) => idsOf(p.sourceName, lagsOn(lag, p.sourceName) ? olderVersion(p.sourceVersion, lag) : p.sourceVersion)),
  );
  let hostVulRows = 0;
  const vulIds = new Set<string>();
  const installed = new Set<string[]>();
  for (const host of fleet.hosts) {
    const row = table[host.lag]!;
    const lists = new Set<string[]>();
    for (const i of host.packages) lists.add(row[i]!);
    for (const ids of lists) installed.add(ids);
    const mine = new Set<string>();
    for (const ids of lists) for (const id of ids) mine.add(id);
    hostVulRows += mine.size;
    for (const id of mine) vulIds.add(id);
  }
  const matchingRecords = new Set<string>();
  for (const ids of installed) for (const id of ids) matchingRecords.add(`${sourceOf.get(ids)}\u0000${id}`);
  return { sourceVersions: installed.size, matchingRecords: matchingRecords.size, matchingVulIds: vulIds.size, hostVulRows };
}
