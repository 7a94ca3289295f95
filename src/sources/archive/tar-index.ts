/**
 * A one-pass index of a tar file: each entry's name, type, and where its
 * bytes lie in the file, so that entries can later be opened as byte ranges
 * (`createReadStream(file, { start, end })`) without extracting anything.
 *
 * Hand-written rather than tar-stream: tar-stream's extractor is a stream
 * parser that does not report entry offsets, and it would have to read every
 * byte of every layer just to find the next header. This reader reads only
 * the 512-byte headers (plus pax / GNU long-name records), seeking over the
 * entry data, so indexing a multi-gigabyte `docker save` costs a few reads.
 *
 * Handled: ustar (with its 155-byte prefix), GNU long names and link names
 * (`L`, `K`), pax extended headers (`x`: path, linkpath, size), base-256
 * sizes, header checksums. Global pax headers (`g`) are skipped.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { ArchiveError } from './errors.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface TarIndexEntry {
  /** Normalised: no leading `./` or `/`, no trailing `/`. */
  name: string;
  type: TarEntryType;
  /** Offset of the entry's first data byte in the file. */
  offset: number;
  size: number;
  linkname?: string;
}

export interface TarIndex {
  file: string;
  fileSize: number;
  /** By normalised name; a later entry of the same name replaces an earlier one, as when extracting. */
  entries: Map<string, TarIndexEntry>;
}

export interface TarIndexLimits {
  /** Entries an archive may hold. */
  maxEntries: number;
  /** Bytes of one pax extended header or GNU long name. */
  maxMetaBytes: number;
}

export const DEFAULT_TAR_INDEX_LIMITS: TarIndexLimits = { maxEntries: 100_000, maxMetaBytes: 1024 * 1024 };

const BLOCK = 512;

const cstring = (block: Buffer, start: number, length: number): string => {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
};

/** Octal (space / NUL terminated) or GNU base-256 numbers; null when unreadable. */
function readNumber(block: Buffer, start: number, length: number): number | null {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) return null; // negative
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + field[i]!;
      if (!Number.isSafeInteger(value)) return null;
    }
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : null;
}

function checksumOk(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Pax records: `<len> <key>=<value>\n`. */
function parsePax(data: Buffer, archive: string): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? NaN : Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isSafeInteger(length) || length <= 0 || pos + length > data.length) throw new ArchiveError('corrupt', archive, 'a pax extended header is malformed');
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

/**
 * An archive entry name made relative to the archive root, or null when it
 * is absolute or climbs with `..` (such archives are refused outright).
 */
export function normalizeArchivePath(name: string): string | null {
  if (name === '' || name.startsWith('/') || name.includes('\0') || /^[a-zA-Z]:/.test(name) || name.includes('\\')) return null;
  const parts = name.split('/');
  if (parts.includes('..')) return null;
  const normalized = posix.normalize(name).replace(/\/+$/, '');
  if (normalized === '' || normalized === '.') return '.';
  return normalized.replace(/^(\.\/)+/, '');
}

const typeOf = (flag: string): TarEntryType => {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
};

async function readExact(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** Walks the headers of the tar `file` once; throws ArchiveError on corrupt, truncated or unsafe archives. */
export async function indexTar(file: string, archive: string, limits: TarIndexLimits = DEFAULT_TAR_INDEX_LIMITS): Promise<TarIndex> {
  const handle = await open(file, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const entries = new Map<string, TarIndexEntry>();
    let position = 0;
    let count = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    if (fileSize < BLOCK) throw new ArchiveError('corrupt', archive, fileSize === 0 ? 'the file is empty, not a tar archive' : `not a tar archive (${fileSize} bytes, shorter than one tar header)`);
    const first = await readExact(handle, 4, 0);
    if (first[0] === 0x1f && first[1] === 0x8b) throw new ArchiveError('unsupported', archive, 'the archive is gzip-compressed; decompress it first (gunzip), since layers are read as byte ranges of an uncompressed tar');
    if (first.readUInt32BE(0) === 0x28b52ffd) throw new ArchiveError('unsupported', archive, 'the archive is zstd-compressed; decompress it first (unzstd)');

    for (;;) {
      const block = await readExact(handle, BLOCK, position);
      if (block.length < BLOCK) {
        throw new ArchiveError('truncated', archive, `the tar is truncated: it ends at byte ${fileSize} without an end-of-archive marker`);
      }
      if (block.every((b) => b === 0)) break;
      if (!checksumOk(block)) {
        throw new ArchiveError('corrupt', archive, position === 0 ? 'not a tar archive (the first header has a bad checksum)' : `corrupt tar header at byte ${position} (bad checksum)`);
      }
      const size = readNumber(block, 124, 12);
      if (size === null) throw new ArchiveError('corrupt', archive, `corrupt tar header at byte ${position} (unreadable size)`);
      const flag = String.fromCharCode(block[156]!);
      const dataOffset = position + BLOCK;
      const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > limits.maxMetaBytes) throw new ArchiveError('too-large', archive, `a tar metadata record at byte ${position} is ${size} bytes, over the ${limits.maxMetaBytes}-byte limit`);
        const data = await readExact(handle, size, dataOffset);
        if (data.length < size) throw new ArchiveError('truncated', archive, `the tar is truncated inside a metadata record at byte ${position}`);
        if (flag === 'x') pax = parsePax(data, archive);
        else if (flag === 'L') longName = cstring(data, 0, data.length);
        else if (flag === 'K') longLink = cstring(data, 0, data.length);
        position = next;
        continue;
      }

      const magic = block.subarray(257, 263).toString('latin1');
      const ustarPrefix = magic === 'ustar\0' ? cstring(block, 345, 155) : '';
      const headerName = ustarPrefix ? `${ustarPrefix}/${cstring(block, 0, 100)}` : cstring(block, 0, 100);
      const rawName = pax?.get('path') ?? longName ?? headerName;
      const paxSize = pax?.get('size');
      const entrySize = paxSize !== undefined && /^\d+$/.test(paxSize) ? Number(paxSize) : size;
      const rawLink = pax?.get('linkpath') ?? longLink ?? cstring(block, 157, 100);
      pax = undefined;
      longName = undefined;
      longLink = undefined;

      const name = normalizeArchivePath(rawName);
      if (name === null) throw new ArchiveError('unsafe-path', archive, `the archive holds an entry named ${JSON.stringify(rawName)}, which is absolute or climbs out of the archive with ..; refused`);
      const type = typeOf(flag);
      const dataEnd = dataOffset + (type === 'file' || type === 'other' ? entrySize : 0);
      if (dataEnd > fileSize) throw new ArchiveError('truncated', archive, `the tar is truncated: entry ${JSON.stringify(name)} needs ${entrySize} bytes from byte ${dataOffset}, the file has ${fileSize}`);
      if (++count > limits.maxEntries) throw new ArchiveError('too-large', archive, `the archive has more than ${limits.maxEntries} entries`);
      const entry: TarIndexEntry = { name, type, offset: dataOffset, size: type === 'file' ? entrySize : 0 };
      if ((type === 'symlink' || type === 'link') && rawLink) entry.linkname = rawLink;
      if (name !== '.') entries.set(name, entry);
      position = paxSize !== undefined ? dataOffset + Math.ceil(entrySize / BLOCK) * BLOCK : next;
    }
    return { file, fileSize, entries };
  } finally {
    await handle.close();
  }
}
