/**
 * Reads zip archives entry by entry with yauzl: the archive is never loaded whole, and each
 * entry is inflated on its own (bounded in size) and checked against its CRC-32.
 *
 * yauzl parses the central directory and local headers; the bytes come through a reader that
 * keeps a few 4 MB windows of the file, because an OSV `all.zip` holds 100,000+ entries of a few
 * kilobytes and one read (and stream) per entry would spend most of the import waiting on I/O.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';

/** The largest entry read into memory; an OSV record is a few kilobytes. */
export const MAX_ZIP_ENTRY_BYTES = 16 * 1024 * 1024;
const WINDOW_BYTES = 4 * 1024 * 1024;
const WINDOWS = 3;

/** A yauzl reader over a file that serves reads from a few cached windows (bounded memory). */
class WindowedFileReader extends yauzl.RandomAccessReader {
  private readonly windows: Array<{ start: number; buf: Buffer }> = [];

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {
    super();
  }

  async readRange(start: number, end: number): Promise<Buffer> {
    for (const w of this.windows) {
      if (start >= w.start && end <= w.start + w.buf.length) return w.buf.subarray(start - w.start, end - w.start);
    }
    const length = end - start;
    const size = Math.min(Math.max(WINDOW_BYTES, length), this.size - start);
    const buf = Buffer.allocUnsafe(Math.max(size, 0));
    const { bytesRead } = await this.handle.read(buf, 0, buf.length, start);
    if (bytesRead < length) throw new Error(`unexpected end of zip file at byte ${start + bytesRead}`);
    if (length <= WINDOW_BYTES) {
      this.windows.unshift({ start, buf: buf.subarray(0, bytesRead) });
      if (this.windows.length > WINDOWS) this.windows.pop();
    }
    return buf.subarray(0, length);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const stream = new PassThrough();
    this.readRange(start, end).then(
      (buf) => stream.end(buf),
      (err: Error) => stream.destroy(err),
    );
    return stream;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.readRange(position, position + length).then(
      (buf) => {
        buf.copy(buffer, offset);
        callback(null);
      },
      (err: Error) => callback(err),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    this.handle.close().then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}

/**
 * Calls `onEntry(name, data)` for each file entry, in archive order. Throws on a malformed or
 * truncated archive, an entry over the size cap, an unsupported compression method or a CRC mismatch.
 */
export async function forEachZipEntry(file: string, onEntry: (name: string, data: Buffer) => void | Promise<void>): Promise<number> {
  const handle = await open(file, 'r');
  let zip: yauzl.ZipFile;
  let reader: WindowedFileReader;
  try {
    const { size } = await handle.stat();
    reader = new WindowedFileReader(handle, size);
    zip = await yauzl.fromRandomAccessReaderPromise(reader, size, { lazyEntries: true, autoClose: true, validateEntrySizes: true });
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  let count = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      if (entry.uncompressedSize > MAX_ZIP_ENTRY_BYTES) throw new Error(`${entry.fileName} is over ${MAX_ZIP_ENTRY_BYTES} bytes`);
      if (entry.isEncrypted()) throw new Error(`${entry.fileName} is encrypted`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw new Error(`${entry.fileName} uses compression method ${entry.compressionMethod}`);
      }
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      const raw = await reader.readRange(fileDataStart, fileDataStart + entry.compressedSize);
      // Inflating in one call is far cheaper than a zlib stream per small entry.
      const data = entry.compressionMethod === 8 ? inflateRawSync(raw, { maxOutputLength: MAX_ZIP_ENTRY_BYTES }) : raw;
      if (data.length !== entry.uncompressedSize) throw new Error(`${entry.fileName}: size ${data.length}, expected ${entry.uncompressedSize}`);
      if (crc32(data) >>> 0 !== entry.crc32 >>> 0) throw new Error(`${entry.fileName}: CRC-32 mismatch`);
      count++;
      await onEntry(entry.fileName, data);
    }
  } finally {
    if (zip.isOpen) zip.close();
  }
  return count;
}
