import { readSync } from 'node:fs';

/**
 * Positional reads of one file, for analyzers that need a few parts of a
 * large file (an executable's headers and one section), not all of it.
 */
export interface RandomAccessFile {
  size: number;
  /** Up to `length` bytes from `position`; fewer at the end of the file. */
  read(position: number, length: number): Promise<Buffer>;
}

/** The bytes of a file already in memory (a tar entry, which cannot be seeked), read by position. */
export function bufferFile(content: Buffer): RandomAccessFile {
  return {
    size: content.length,
    read: async (position, length) => content.subarray(Math.min(position, content.length), Math.min(position + length, content.length)),
  };
}

/** One positional read of an open file descriptor (`pread`): bytes read, 0 at the end. A test passes a counting one. */
export type PositionalRead = (fd: number, buffer: Buffer, position: number) => number;

export const preadSync: PositionalRead = (fd, buffer, position) => readSync(fd, buffer, 0, buffer.length, position);

/**
 * An open file on disk: each read is one `pread` at an offset, so only the
 * bytes asked for are read. The reads are synchronous: the few kilobytes an
 * analyzer asks for cost less than a round trip through libuv's thread pool.
 */
export function descriptorFile(fd: number, size: number, read: PositionalRead = preadSync): RandomAccessFile {
  return {
    size,
    async read(position, length) {
      const wanted = Math.max(0, Math.min(length, size - position));
      const buffer = Buffer.allocUnsafe(wanted);
      let filled = 0;
      while (filled < wanted) {
        const n = read(fd, buffer.subarray(filled), position + filled);
        if (n === 0) break;
        filled += n;
      }
      return buffer.subarray(0, filled);
    },
  };
}

/** The whole file, for an analyzer that reads content when the source handed an open file. */
export const readWhole = (file: RandomAccessFile): Promise<Buffer> => file.read(0, file.size);
