/**
 * A synthetic fleet over real Debian packages: every host runs a common base (the index's
 * required/important/standard packages, a kernel and common libraries) plus extras drawn from a
 * pool with a skewed popularity, 400–1,500 packages in all. Some hosts lag one or two point
 * releases behind on a share of their packages, so the fleet holds several versions of a package.
 * Everything follows from the seed, so runs are repeatable.
 */
import type { DebPackage } from '../../src/domain/package.js';
import type { IndexPackage } from './debian-packages.js';

/** mulberry32: small, fast, and good enough to sample packages. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const BASE_SIZE = 380;
const POOL_SIZE = 8000;
export const MIN_PACKAGES = 400;
export const MAX_PACKAGES = 1500;
/** Packages every real server has and that carry many advisories. */
const ALWAYS = ['libc6', 'libssl3', 'openssl', 'openssh-server', 'openssh-client', 'systemd', 'sudo', 'curl', 'libcurl4', 'bash', 'coreutils', 'tar', 'gzip', 'perl', 'python3.11', 'libpython3.11-stdlib', 'vim-tiny', 'libxml2', 'zlib1g', 'libgnutls30', 'libsqlite3-0', 'git', 'libexpat1', 'libpam-modules', 'login', 'passwd', 'util-linux', 'libkrb5-3', 'libldap-2.5-0', 'libtiff6', 'libpng16-16', 'libjpeg62-turbo', 'libfreetype6', 'ca-certificates', 'rsync', 'wget', 'less', 'procps', 'cron', 'rsyslog'];

export interface Host {
  /** Indexes into Fleet.packages. */
  packages: Uint32Array;
  /** 0: up to date; 1 or 2: that many point releases behind on a share of its packages. */
  lag: number;
}

export interface Fleet {
  packages: IndexPackage[];
  hosts: Host[];
}

/** One point release back: `+deb12uN` → `+deb12u(N-1)` (or none), otherwise a `~` pre-release of the same version. */
export function olderVersion(v: string, steps: number): string {
  const m = /^(.*)\+deb12u(\d+)$/.exec(v);
  if (m) {
    const n = Number(m[2]) - steps;
    return n > 0 ? `${m[1]}+deb12u${n}` : m[1]!;
  }
  return `${v}~pre${3 - steps}`;
}

/** A cheap stable hash of a string, for "does this package lag on that host". */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Each source package's version as the index first lists it (a source may have binaries of two versions, e.g. linux). */
export function firstSourceVersions(index: IndexPackage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of index) if (!out.has(p.sourceName)) out.set(p.sourceName, p.sourceVersion);
  return out;
}

export function buildFleet(index: IndexPackage[], hostCount: number, seed = 20240601): Fleet {
  const rand = prng(seed);
  // One entry per binary name (the index may list a name twice).
  const byName = new Map<string, IndexPackage>();
  // One version per source package (the first the index lists, as the tracker records are written
  // for): the generator decides which installed versions a record affects from how it built them.
  const sourceVersion = firstSourceVersions(index);
  for (const p of index) {
    if (byName.has(p.name) || (p.architecture !== 'amd64' && p.architecture !== 'all')) continue;
    if (p.sourceVersion === sourceVersion.get(p.sourceName)) byName.set(p.name, p);
  }
  const all = [...byName.values()];
  const kernel = all.filter((p) => /^linux-image-[0-9.]+-\d+-amd64$/.test(p.name)).sort((a, b) => (a.name < b.name ? 1 : -1))[0];
  const base = new Set<IndexPackage>();
  for (const name of ALWAYS) {
    const p = byName.get(name);
    if (p) base.add(p);
  }
  if (kernel) base.add(kernel);
  for (const p of all) if (['required', 'important', 'standard'].includes(p.priority)) base.add(p);
  const libs = shuffle(all.filter((p) => p.section === 'libs' && !base.has(p)), rand);
  for (const p of libs) {
    if (base.size >= BASE_SIZE) break;
    base.add(p);
  }
  const rest = shuffle(all.filter((p) => !base.has(p) && !/-(dbg|dbgsym|doc)$/.test(p.name)), rand).slice(0, POOL_SIZE);
  const packages = [...base, ...rest];
  const baseCount = base.size;
  const hosts: Host[] = [];
  for (let h = 0; h < hostCount; h++) {
    const count = MIN_PACKAGES + Math.floor(rand() * (MAX_PACKAGES - MIN_PACKAGES + 1));
    const chosen = new Set<number>();
    for (let i = 0; i < baseCount && chosen.size < count; i++) chosen.add(i);
    while (chosen.size < count) chosen.add(baseCount + Math.floor(rest.length * rand() ** 2));
    const r = rand();
    hosts.push({ packages: Uint32Array.from(chosen), lag: r < 0.6 ? 0 : r < 0.9 ? 1 : 2 });
  }
  return { packages, hosts };
}

/** Whether a host of this lag runs an older version of this source package. */
export const lagsOn = (lag: number, sourceName: string): boolean => lag > 0 && hashString(sourceName) % 10 < 2 * lag;

/** The dpkg view of one host. */
export function hostPackages(fleet: Fleet, host: Host): DebPackage[] {
  const out: DebPackage[] = [];
  for (const i of host.packages) {
    const p = fleet.packages[i]!;
    const behind = lagsOn(host.lag, p.sourceName);
    out.push({
      type: 'deb',
      name: p.name,
      version: behind ? olderVersion(p.version, host.lag) : p.version,
      architecture: p.architecture,
      source: { name: p.sourceName, version: behind ? olderVersion(p.sourceVersion, host.lag) : p.sourceVersion },
      location: { path: 'var/lib/dpkg/status' },
    });
  }
  return out;
}

/** Distinct (package, version, architecture) triples installed across the fleet. */
export function distinctTriples(fleet: Fleet): number {
  const used = [0, 1, 2].map(() => new Uint8Array(fleet.packages.length));
  for (const host of fleet.hosts) {
    const row = used[host.lag]!;
    for (const i of host.packages) row[i] = 1;
  }
  const triples = new Set<string>();
  used.forEach((row, lag) =>
    row.forEach((isUsed, i) => {
      if (!isUsed) return;
      const p = fleet.packages[i]!;
      triples.add(`${p.name}\u0000${lagsOn(lag, p.sourceName) ? olderVersion(p.version, lag) : p.version}\u0000${p.architecture}`);
    }),
  );
  return triples.size;
}
