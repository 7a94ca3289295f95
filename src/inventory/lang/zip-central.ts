import type { RandomAccessFile } from '../../sources/random-access.js';

/** One entry of a zip's central directory: what is needed to find and inflate its data. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** A zip this reader does not handle (ZIP64 oddities, encryption, other methods, names to validate): the caller uses yauzl. */
export class NotPlainZip extends Error {}

const EOCD = 0x06054b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Non-ASCII, a backslash, an absolute path. */
const NAME_TO_LEAVE = /[\x80-\xff\\]|^\/|^[a-zA-Z]:/;

const unsupported = (why: string): never => {
  throw new NotPlainZip(why);
};

async function exactly(file: RandomAccessFile, position: number, length: number): Promise<Buffer> {
  const bytes = await file.read(position, length);
  if (bytes.length !== length) unsupported('truncated');
  return bytes;
}

/**
 * The central directory of a zip read by position: the end record (and the
 * ZIP64 one), then the directory in one read. Only plain archives: one disk,
 * ASCII names that need no validation, no encryption, stored or deflated
 * entries. Anything else throws NotPlainZip.
 */
export async function readCentralDirectory(file: RandomAccessFile): Promise<ZipEntry[]> {
  const tailLength = Math.min(file.size, EOCD_BYTES + MAX_COMMENT);
  const tail = await exactly(file, file.size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) unsupported('no end of central directory record');
  if (tail.readUInt16LE(at + 20) !== tail.length - at - EOCD_BYTES) unsupported('comment length');
  if (tail.readUInt16LE(at + 4) !== 0) unsupported('multiple disks');
  let count = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  const eocdPosition = file.size - tailLength + at;
  if (eocdPosition >= 20) {
    const locator = await exactly(file, eocdPosition - 20, 20);
    if (locator.readUInt32LE(0) === ZIP64_LOCATOR) {
      const zip64 = await exactly(file, Number(locator.readBigUInt64LE(8)), 56);
      if (zip64.readUInt32LE(0) !== ZIP64_EOCD) unsupported('ZIP64 end record');
      count = Number(zip64.readBigUInt64LE(32));
      size = Number(zip64.readBigUInt64LE(40));
      offset = Number(zip64.readBigUInt64LE(48));
    }
  }
  if (offset + size > file.size) unsupported('central directory out of bounds');
  const dir = await exactly(file, offset, size);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL) unsupported('central directory record');
    const flags = dir.readUInt16LE(p + 8);
    const method = dir.readUInt16LE(p + 10);
    let compressedSize = dir.readUInt32LE(p + 20);
    let uncompressedSize = dir.readUInt32LE(p + 24);
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    let localHeaderOffset = dir.readUInt32LE(p + 42);
    const nameStart = p + 46;
    const extraStart = nameStart + nameLength;
    p = extraStart + extraLength + commentLength;
    if (p > dir.length) unsupported('central directory record');
    if ((flags & 0x41) !== 0) unsupported('encrypted');
    if (method !== 0 && method !== 8) unsupported('compression method');
    const name = dir.toString('latin1', nameStart, extraStart);
    // yauzl decodes non-ASCII names (CP437 or UTF-8, or an Info-ZIP Unicode path field) and refuses some names: left to it.
    if (NAME_TO_LEAVE.test(name) || (name.includes('..') && name.split('/').includes('..'))) unsupported('name to decode or validate');
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      // ZIP64 extended information: the 8-byte values of the fields that overflowed, in this order.
      let e = extraStart;
      let found = false;
      while (e + 4 <= extraStart + extraLength) {
        const id = dir.readUInt16LE(e);
        const length = dir.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          const end = q + length;
          const next = () => (q + 8 <= end ? Number(dir.readBigUInt64LE((q += 8) - 8)) : unsupported('ZIP64 extra field'));
          if (uncompressedSize === 0xffffffff) uncompressedSize = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
          found = true;
          break;
        }
        e += 4 + length;
      }
      if (!found) unsupported('ZIP64 extra field');
    }
    if (method === 0 && compressedSize !== uncompressedSize) unsupported('stored sizes differ');
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
  }
  return entries;
}

/** An entry's compressed bytes: after its local header, whose name and extra field lengths may differ from the central record's. */
export async function readRawEntry(file: RandomAccessFile, entry: ZipEntry): Promise<Buffer> {
  const header = await exactly(file, entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL) throw new Error('invalid local file header signature');
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + entry.compressedSize > file.size) throw new Error('file data overflows file bounds');
  return exactly(file, start, entry.compressedSize);
}
