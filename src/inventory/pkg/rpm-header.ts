/**
 * The rpm header blob as rpmdb stores it (headerExport): a big-endian index
 * count and data length, the index entries (tag, type, offset, count: 16 bytes
 * each), then the data store. Headers read from .rpm files carry an 8-byte
 * magic prefix, which is accepted too. Every offset is checked against the
 * blob before it is read: hostile input gives an RpmHeaderError, never a read
 * past the end or a large allocation.
 */

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  ARCH: 1022,
  SOURCERPM: 1044,
  MODULARITYLABEL: 5096,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** rpm's own limits (header_internal.h): at most 0xffff tags and 256 MiB of data. */
const MAX_TAGS = 0xffff;
const MAX_DATA = 0x0fffffff;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);

export class RpmHeaderError extends Error {
  override name = 'RpmHeaderError';
}

/** The fields an inventory needs; a tag absent from the header is undefined. */
export interface RpmHeaderFields {
  name?: string;
  version?: string;
  release?: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  /** RHEL 8+ packages built in a module stream: "name:stream:version:context". */
  modularityLabel?: string;
}

interface Entry {
  type: number;
  offset: number;
  count: number;
}

/** Reads NAME, VERSION, RELEASE, EPOCH, ARCH, SOURCERPM and MODULARITYLABEL from a header blob; throws RpmHeaderError on a malformed one. */
export function parseRpmHeader(blob: Buffer): RpmHeaderFields {
  let base = 0;
  if (blob.length >= 8 && blob.subarray(0, 4).equals(HEADER_MAGIC)) base = 8;
  if (blob.length - base < 8) throw new RpmHeaderError(`header blob of ${blob.length} bytes is too short`);
  const il = blob.readUInt32BE(base);
  const dl = blob.readUInt32BE(base + 4);
  if (il < 1 || il > MAX_TAGS) throw new RpmHeaderError(`header index count ${il} is out of range`);
  if (dl > MAX_DATA) throw new RpmHeaderError(`header data length ${dl} is out of range`);
  const indexStart = base + 8;
  const dataStart = indexStart + il * 16;
  if (dataStart + dl > blob.length) throw new RpmHeaderError(`header declares ${il} tags and ${dl} data bytes, more than its ${blob.length} bytes`);
  const data = blob.subarray(dataStart, dataStart + dl);

  const entries = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = indexStart + i * 16;
    const tag = blob.readUInt32BE(at);
    const entry: Entry = { type: blob.readUInt32BE(at + 4), offset: blob.readUInt32BE(at + 8), count: blob.readUInt32BE(at + 12) };
    if (entry.offset > dl) throw new RpmHeaderError(`tag ${tag}: data offset ${entry.offset} is past the data store (${dl} bytes)`);
    if (!entries.has(tag)) entries.set(tag, entry);
  }

  const string = (tag: number): string | undefined => {
    const e = entries.get(tag);
    if (!e) return undefined;
    if (e.type !== TYPE_STRING && e.type !== TYPE_STRING_ARRAY && e.type !== TYPE_I18NSTRING) throw new RpmHeaderError(`tag ${tag}: type ${e.type} is not a string`);
    if (e.count < 1) throw new RpmHeaderError(`tag ${tag}: empty string entry`);
    const end = data.indexOf(0, e.offset);
    if (end < 0) throw new RpmHeaderError(`tag ${tag}: string is not terminated inside the data store`);
    return data.toString('utf8', e.offset, end);
  };
  const int32 = (tag: number): number | undefined => {
    const e = entries.get(tag);
    if (!e) return undefined;
    if (e.type !== TYPE_INT32) throw new RpmHeaderError(`tag ${tag}: type ${e.type} is not int32`);
    if (e.count < 1 || e.offset + 4 > dl) throw new RpmHeaderError(`tag ${tag}: int32 is outside the data store`);
    return data.readUInt32BE(e.offset);
  };

  const fields: RpmHeaderFields = {};
  const name = string(RPMTAG.NAME);
  const version = string(RPMTAG.VERSION);
  const release = string(RPMTAG.RELEASE);
  const epoch = int32(RPMTAG.EPOCH);
  const arch = string(RPMTAG.ARCH);
  const sourceRpm = string(RPMTAG.SOURCERPM);
  const modularityLabel = string(RPMTAG.MODULARITYLABEL);
  if (name !== undefined) fields.name = name;
  if (version !== undefined) fields.version = version;
  if (release !== undefined) fields.release = release;
  if (epoch !== undefined) fields.epoch = epoch;
  if (arch !== undefined) fields.arch = arch;
  if (sourceRpm !== undefined) fields.sourceRpm = sourceRpm;
  if (modularityLabel) fields.modularityLabel = modularityLabel;
  return fields;
}

/** A tag value to put into a built header (tests and fixtures). */
export type RpmHeaderValue = { tag: number; string: string } | { tag: number; int32: number };

/** Builds a header blob (no magic prefix), as rpmdb stores one. Used to make fixtures. */
export function buildRpmHeader(values: readonly RpmHeaderValue[]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let dl = 0;
  for (const v of values) {
    let bytes: Buffer;
    let type: number;
    if ('int32' in v) {
      const pad = (4 - (dl % 4)) % 4;
      if (pad) {
        data.push(Buffer.alloc(pad));
        dl += pad;
      }
      bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(v.int32 >>> 0);
      type = TYPE_INT32;
    } else {
      bytes = Buffer.concat([Buffer.from(v.string, 'utf8'), Buffer.alloc(1)]);
      type = TYPE_STRING;
    }
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(v.tag, 0);
    entry.writeUInt32BE(type, 4);
    entry.writeUInt32BE(dl, 8);
    entry.writeUInt32BE(1, 12);
    index.push(entry);
    data.push(bytes);
    dl += bytes.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(values.length, 0);
  head.writeUInt32BE(dl, 4);
  return Buffer.concat([head, ...index, ...data]);
}
