/**
 * Real rpm databases for the rpm analyzer's tests. Packages are built with
 * Debian's rpmbuild and installed (--justdb) into a fresh sqlite rpmdb with
 * Debian's rpm; rpm 4.18 here cannot write BerkeleyDB or NDB, so those files
 * are written byte by byte from the formats (BerkeleyDB hash pages as rpm's
 * bdb_ro reads them; NDB as lib/backend/ndb/rpmpkg.c writes them) around the
 * header blobs rpm itself wrote. The BerkeleyDB files are then read back with
 * rpm's own bdb_ro backend, so they are checked by rpm, not only by us.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface SpecPackage {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  /** noarch unless given (built with --target). */
  arch?: string;
  /** Long description, to make headers that span many BerkeleyDB overflow pages. */
  description?: string;
  /** Binary packages built from the same source besides the main one, by full name (`%package -n`): "openssl-libs". */
  subpackages?: readonly string[];
  /** RHEL 8+ module builds: the ModularityLabel tag ("nodejs:20:9040020240708111207:rhel9"). */
  modularityLabel?: string;
}

/** Builds binary rpms with rpmbuild into dir/top; returns their paths. */
export function buildRpms(dir: string, packages: readonly SpecPackage[]): string[] {
  const top = join(dir, 'top');
  mkdirSync(top, { recursive: true });
  for (const p of packages) {
    const spec = [
      `Name: ${p.name}`,
      `Version: ${p.version}`,
      `Release: ${p.release}`,
      ...(p.epoch !== undefined ? [`Epoch: ${p.epoch}`] : []),
      'Summary: openhss test package',
      'License: MIT',
      ...(p.arch ? [] : ['BuildArch: noarch']),
      ...(p.modularityLabel ? [`ModularityLabel: ${p.modularityLabel}`] : []),
      '%description',
      p.description ?? 'openhss test package',
      ...(p.subpackages ?? []).flatMap((sub) => [`%package -n ${sub}`, 'Summary: openhss test subpackage', `%description -n ${sub}`, 'openhss test subpackage', `%files -n ${sub}`]),
      '%files',
      '',
    ].join('\n');
    const specPath = join(dir, `${p.name}.spec`);
    writeFileSync(specPath, spec);
    execFileSync('rpmbuild', ['--define', `_topdir ${top}`, ...(p.arch ? ['--target', p.arch] : []), '-bb', specPath], { stdio: 'ignore' });
  }
  const out: string[] = [];
  const rpmsDir = join(top, 'RPMS');
  for (const arch of readdirSync(rpmsDir)) for (const f of readdirSync(join(rpmsDir, arch))) out.push(join(rpmsDir, arch, f));
  return out;
}

/** rpm --initdb and rpm -i --justdb into dbpath (sqlite, rpm 4.18's default backend). */
export function installIntoRpmdb(dbpath: string, rpms: readonly string[]): void {
  mkdirSync(dbpath, { recursive: true });
  execFileSync('rpm', ['--dbpath', dbpath, '--initdb'], { stdio: 'ignore' });
  execFileSync('rpm', ['--dbpath', dbpath, '-i', '--nodeps', '--justdb', ...rpms], { stdio: 'ignore' });
}

/** What rpm itself lists, one "name evr arch sourcerpm" line per package, sorted; evr is "[epoch:]version-release". */
export function rpmQueryAll(dbpath: string, backend?: string): string[] {
  const out = execFileSync(
    'rpm',
    [...(backend ? ['--define', `_db_backend ${backend}`] : []), '--dbpath', dbpath, '-qa', '--qf', '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\\n'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out.split('\n').filter(Boolean).sort();
}

/** The header blobs of an rpmdb.sqlite, as rpm stored them. */
export function sqliteHeaderBlobs(file: string): { key: number; blob: Buffer }[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: Buffer }[]).map((r) => ({ key: r.hnum, blob: r.blob }));
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------- BerkeleyDB hash

export interface BdbOptions {
  pageSize?: number;
  bigEndian?: boolean;
}

/**
 * A BerkeleyDB (version 9) hash database with two buckets, keys (4-byte header
 * numbers in the file's byte order) in the bucket BerkeleyDB's hash puts them,
 * values on overflow page chains, hash pages chained when full. Key 0 holds
 * rpm's 4-byte bookkeeping value inline, as in real Packages files.
 */
export function buildBdbHashRpmdb(records: readonly { key: number; blob: Buffer }[], options: BdbOptions = {}): Buffer {
  const pageSize = options.pageSize ?? 512;
  const be = options.bigEndian ?? false;
  const pages: Buffer[] = [Buffer.alloc(pageSize)];
  const w32 = (b: Buffer, at: number, v: number): void => void (be ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
  const w16 = (b: Buffer, at: number, v: number): void => void (be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const newPage = (type: number): { pgno: number; page: Buffer } => {
    const page = Buffer.alloc(pageSize);
    const pgno = pages.length;
    pages.push(page);
    w32(page, 8, pgno);
    page[25] = type;
    return { pgno, page };
  };
  const maxBucket = 1;
  const highMask = 1;
  const lowMask = 0;
  // bucket pages first: bucket b lives at page b + spares[bitlength(b)] = 1 + b
  const buckets = [newPage(13), newPage(13)];

  const keyBytes = (key: number): Buffer => {
    const k = Buffer.alloc(4);
    w32(k, 0, key);
    return k;
  };
  const bucketOf = (k: Buffer): number => {
    let h = 0;
    for (const byte of k) h = (Math.imul(h, 16777619) ^ byte) >>> 0;
    let b = h & highMask;
    if (b > maxBucket) b &= lowMask;
    return b;
  };
  const overflowChain = (data: Buffer): number => {
    const per = pageSize - 26;
    let first = 0;
    let prev: { pgno: number; page: Buffer } | undefined;
    for (let off = 0; off < data.length; off += per) {
      const p = newPage(7);
      const n = Math.min(per, data.length - off);
      w16(p.page, 20, 1); // reference count
      w16(p.page, 22, n);
      data.copy(p.page, 26, off, off + n);
      if (prev) {
        w32(prev.page, 16, p.pgno);
        w32(p.page, 12, prev.pgno);
      } else first = p.pgno;
      prev = p;
    }
    return first;
  };

  const tails = buckets.map((b) => ({ ...b, entries: 0, free: pageSize }));
  const put = (bucket: number, keyItem: Buffer, valueItem: Buffer): void => {
    let t = tails[bucket]!;
    const need = keyItem.length + valueItem.length + 4;
    if (26 + t.entries * 2 + need > t.free) {
      const next = newPage(13);
      w32(t.page, 16, next.pgno);
      w32(next.page, 12, t.pgno);
      t = tails[bucket] = { ...next, entries: 0, free: pageSize };
    }
    for (const itemBytes of [keyItem, valueItem]) {
      t.free -= itemBytes.length;
      itemBytes.copy(t.page, t.free);
      w16(t.page, 26 + 2 * t.entries, t.free);
      t.entries++;
    }
    w16(t.page, 20, t.entries);
    w16(t.page, 22, t.free);
  };
  const keyItem = (k: Buffer): Buffer => Buffer.concat([Buffer.from([1]), k]);

  const zero = keyBytes(0);
  const nextInstance = Buffer.alloc(4);
  w32(nextInstance, 0, Math.max(0, ...records.map((r) => r.key)) + 1);
  put(bucketOf(zero), keyItem(zero), Buffer.concat([Buffer.from([1]), nextInstance]));
  for (const { key, blob } of records) {
    const k = keyBytes(key);
    const off = Buffer.alloc(12);
    off[0] = 3;
    w32(off, 4, overflowChain(blob));
    w32(off, 8, blob.length);
    put(bucketOf(k), keyItem(k), off);
  }

  const meta = pages[0]!;
  w32(meta, 12, 0x00061561);
  w32(meta, 16, 9);
  w32(meta, 20, pageSize);
  meta[25] = 8; // P_HASHMETA
  w32(meta, 32, pages.length - 1);
  w32(meta, 40, records.length + 1);
  w32(meta, 44, records.length + 1);
  w32(meta, 72, maxBucket);
  w32(meta, 76, highMask);
  w32(meta, 80, lowMask);
  w32(meta, 84, 0);
  w32(meta, 88, records.length + 1);
  w32(meta, 96, 1); // spares[0]
  w32(meta, 100, 1); // spares[1]
  return Buffer.concat(pages);
}

// ---------------------------------------------------------------- NDB

function adler32(adler: number, data: Buffer): number {
  let s1 = adler & 0xffff;
  let s2 = (adler >>> 16) & 0xffff;
  for (const byte of data) {
    s1 = (s1 + byte) % 65521;
    s2 = (s2 + s1) % 65521;
  }
  return ((s2 << 16) | s1) >>> 0;
}

/** An NDB Packages.db with one slot page, laid out as rpmpkg.c writes it. */
export function buildNdbRpmdb(records: readonly { key: number; blob: Buffer }[]): Buffer {
  const page = Buffer.alloc(4096);
  for (let at = 0; at < 4096; at += 16) page.writeUInt32LE(0x746f6c53, at);
  page.writeUInt32LE(0x506d7052, 0);
  page.writeUInt32LE(0, 4);
  page.writeUInt32LE(records.length + 1, 8);
  page.writeUInt32LE(1, 12);
  page.writeUInt32LE(Math.max(0, ...records.map((r) => r.key)) + 1, 16);
  page.fill(0, 20, 32);
  const blobs: Buffer[] = [];
  let blkOff = 4096 / 16;
  records.forEach(({ key, blob }, i) => {
    const blkCnt = Math.ceil((16 + blob.length + 12) / 16);
    const head = Buffer.alloc(16);
    head.writeUInt32LE(0x53626c42, 0);
    head.writeUInt32LE(key, 4);
    head.writeUInt32LE(1_700_000_000, 8);
    head.writeUInt32LE(blob.length, 12);
    const pad = Buffer.alloc(blkCnt * 16 - (16 + blob.length + 12));
    const tail = Buffer.alloc(12);
    tail.writeUInt32LE(adler32(adler32(adler32(1, head), blob), pad), 0);
    tail.writeUInt32LE(blob.length, 4);
    tail.writeUInt32LE(0x45626c42, 8);
    blobs.push(head, blob, pad, tail);
    const slot = 32 + i * 16;
    page.writeUInt32LE(key, slot + 4);
    page.writeUInt32LE(blkOff, slot + 8);
    page.writeUInt32LE(blkCnt, slot + 12);
    blkOff += blkCnt;
  });
  return Buffer.concat([page, ...blobs]);
}
