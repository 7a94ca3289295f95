/**
 * The BerkeleyDB hash file `var/lib/rpm/Packages` (rpm < 4.16: RHEL ≤ 8,
 * CentOS 7, Amazon Linux 2): keys are 4-byte header numbers, values are header
 * blobs, mostly on chains of overflow pages. Like rpm's own bdb_ro reader we
 * need only the page format; every page is scanned in order and each key/value
 * pair on a hash page is taken, so no bucket arithmetic is trusted. Byte order
 * follows the magic (BerkeleyDB writes in the host's order).
 */

/** Header blobs found in an rpmdb file, keyed by header number, and what was skipped. */
export interface RpmdbContents {
  blobs: { key: number; blob: Buffer }[];
  warnings: string[];
}

const HASH_MAGIC = 0x00061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;

export function readBdbRpmdb(content: Buffer): RpmdbContents {
  if (content.length < 512) throw new Error(`file of ${content.length} bytes is too short for a BerkeleyDB database`);
  let le: boolean;
  if (content.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (content.readUInt32BE(12) === HASH_MAGIC) le = false;
  else throw new Error('not a BerkeleyDB hash database');
  const u32 = (at: number): number => (le ? content.readUInt32LE(at) : content.readUInt32BE(at));
  const u16 = (at: number): number => (le ? content.readUInt16LE(at) : content.readUInt16BE(at));

  const version = u32(16);
  if (version < 8 || version > 10) throw new Error(`unsupported BerkeleyDB hash version ${version}`);
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new Error(`invalid page size ${pageSize}`);
  if (content[24] !== 0) throw new Error('encrypted BerkeleyDB databases are not supported');
  const pageCount = Math.floor(content.length / pageSize);
  const lastPage = Math.min(u32(32), pageCount - 1);

  const result: RpmdbContents = { blobs: [], warnings: [] };
  const warn = (msg: string): void => {
    if (result.warnings.length < 100) result.warnings.push(msg);
  };

  /**
   * Follows an overflow chain. In a sound file every overflow page belongs to
   * exactly one chain, so a page claimed twice (a loop, or chains sharing pages)
   * is an error: the total work stays linear in the file's size, and nothing is
   * allocated before the chain has proved to hold the declared length.
   */
  const claimed = new Set<number>();
  const overflow = (first: number, length: number): Buffer => {
    if (length === 0 || length > content.length) throw new Error(`overflow item of ${length} bytes cannot fit in the file`);
    const chunks: Buffer[] = [];
    let filled = 0;
    let pgno = first;
    while (filled < length) {
      if (pgno === 0 || pgno > lastPage || claimed.has(pgno)) throw new Error(`overflow chain reaches bad or already used page ${pgno}`);
      claimed.add(pgno);
      const at = pgno * pageSize;
      if (content[at + 25] !== P_OVERFLOW || u32(at + 8) !== pgno) throw new Error(`page ${pgno} is not an overflow page`);
      const n = u16(at + 22);
      if (n === 0 || n + PAGE_HEADER > pageSize || n > length - filled) throw new Error(`overflow page ${pgno} holds ${n} bytes, not what the chain needs`);
      chunks.push(content.subarray(at + PAGE_HEADER, at + PAGE_HEADER + n));
      filled += n;
      pgno = u32(at + 16);
    }
    return Buffer.concat(chunks, length);
  };

  const item = (page: number, off: number, len: number): Buffer => {
    if (len <= 0 || off + len > pageSize) throw new Error('item is out of the page');
    const at = page * pageSize + off;
    const type = content[at];
    if (type === H_KEYDATA) return content.subarray(at + 1, at + len);
    if (type === H_OFFPAGE) {
      if (len !== 12) throw new Error('off-page item of the wrong size');
      return overflow(u32(at + 4), u32(at + 8));
    }
    throw new Error(`unsupported hash item type ${type}`);
  };

  const seenKeys = new Set<number>();
  for (let pgno = 1; pgno <= lastPage; pgno++) {
    const at = pgno * pageSize;
    const type = content[at + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    if (u32(at + 8) !== pgno) {
      warn(`page ${pgno}: page number mismatch, skipped`);
      continue;
    }
    const entries = u16(at + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      warn(`page ${pgno}: ${entries} entries cannot fit, skipped`);
      continue;
    }
    const offset = (i: number): number => u16(at + PAGE_HEADER + 2 * i);
    for (let i = 0; i + 1 < entries; i += 2) {
      const koff = offset(i);
      const voff = offset(i + 1);
      const kend = i === 0 ? pageSize : offset(i - 1);
      try {
        if (koff < PAGE_HEADER + entries * 2 || voff < PAGE_HEADER + entries * 2) throw new Error('item offset inside the page index');
        const key = item(pgno, koff, kend - koff);
        const value = item(pgno, voff, koff - voff);
        if (key.length !== 4) throw new Error(`key of ${key.length} bytes`);
        const hnum = le ? key.readUInt32LE(0) : key.readUInt32BE(0);
        if (hnum === 0) continue; // rpm's own bookkeeping record, not a header
        if (seenKeys.has(hnum)) throw new Error(`header number ${hnum} appears twice`);
        seenKeys.add(hnum);
        result.blobs.push({ key: hnum, blob: value });
      } catch (err) {
        warn(`page ${pgno} entry ${i / 2}: ${(err as Error).message}, skipped`);
      }
    }
  }
  return result;
}
