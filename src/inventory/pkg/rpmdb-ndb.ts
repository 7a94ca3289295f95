import type { RpmdbContents } from './rpmdb-bdb.js';

/**
 * rpm's NDB backend (`Packages.db`, SUSE): little-endian. A 32-byte header
 * ("RpmP", version 0, generation, slot page count, next index), then slot pages
 * of 16-byte slots ("Slot", package index, block offset, block count; blocks
 * are 16 bytes); each used slot points at a blob: "BlbS", package index,
 * timestamp, length, the header blob, then adler32, length, "BlbE".
 */
const PKGDB_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOBHEAD_MAGIC = 0x53626c42; // "BlbS"
const BLOBTAIL_MAGIC = 0x45626c42; // "BlbE"
const PAGE_SIZE = 4096;
const SLOT_SIZE = 16;
const BLK_SIZE = 16;
const HEADER_SIZE = 32;
const BLOBHEAD_SIZE = 16;
const BLOBTAIL_SIZE = 12;

export function readNdbRpmdb(content: Buffer): RpmdbContents {
  if (content.length < HEADER_SIZE || content.readUInt32LE(0) !== PKGDB_MAGIC) throw new Error('not an rpm NDB package database');
  const version = content.readUInt32LE(4);
  if (version !== 0) throw new Error(`unsupported NDB version ${version}`);
  const slotPages = content.readUInt32LE(12);
  if (slotPages === 0 || slotPages * PAGE_SIZE > content.length) throw new Error(`slot page count ${slotPages} does not fit the file`);
  const fileBlocks = Math.floor(content.length / BLK_SIZE);
  const minBlock = (slotPages * PAGE_SIZE) / BLK_SIZE;

  const result: RpmdbContents = { blobs: [], warnings: [] };
  const warn = (msg: string): void => {
    if (result.warnings.length < 100) result.warnings.push(msg);
  };
  for (let at = HEADER_SIZE; at < slotPages * PAGE_SIZE; at += SLOT_SIZE) {
    if (content.readUInt32LE(at) !== SLOT_MAGIC) {
      warn(`slot at byte ${at}: bad magic, slot table abandoned`);
      break;
    }
    const pkgIdx = content.readUInt32LE(at + 4);
    const blkOff = content.readUInt32LE(at + 8);
    const blkCnt = content.readUInt32LE(at + 12);
    if (blkOff === 0) continue; // free slot
    if (pkgIdx === 0 || blkOff < minBlock || blkCnt * BLK_SIZE < BLOBHEAD_SIZE + BLOBTAIL_SIZE || blkOff + blkCnt > fileBlocks) {
      warn(`package ${pkgIdx}: slot points outside the file, skipped`);
      continue;
    }
    const start = blkOff * BLK_SIZE;
    const end = start + blkCnt * BLK_SIZE;
    const length = content.readUInt32LE(start + 12);
    if (
      content.readUInt32LE(start) !== BLOBHEAD_MAGIC ||
      content.readUInt32LE(start + 4) !== pkgIdx ||
      BLOBHEAD_SIZE + length + BLOBTAIL_SIZE > blkCnt * BLK_SIZE ||
      content.readUInt32LE(end - 8) !== length ||
      content.readUInt32LE(end - 4) !== BLOBTAIL_MAGIC
    ) {
      warn(`package ${pkgIdx}: damaged blob, skipped`);
      continue;
    }
    result.blobs.push({ key: pkgIdx, blob: content.subarray(start + BLOBHEAD_SIZE, start + BLOBHEAD_SIZE + length) });
  }
  return result;
}
