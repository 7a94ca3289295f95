import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Cell } from './kinds.js';

/** Writes one table, row by row, to a file; `finish` leaves the whole file on disk (fsynced). */
export interface SheetWriter {
  row(values: readonly Cell[]): Promise<void>;
  finish(): Promise<void>;
  /** Stops writing after an error; the file is left incomplete for the caller to delete. */
  abort(): Promise<void>;
}

/**
 * A file written through a stream that honours backpressure, so a writer
 * never buffers more than the stream's high-water mark, and that is fsynced
 * before it is closed (`flush`): a file renamed into place once `close`
 * resolves is complete even after a power loss.
 */
export class FileSink {
  private constructor(readonly stream: WriteStream) {}

  static async open(path: string): Promise<FileSink> {
    const stream = createWriteStream(path, { mode: 0o600, flush: true, highWaterMark: 256 * 1024 });
    await once(stream, 'open');
    return new FileSink(stream);
  }

  async write(chunk: string): Promise<void> {
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Ends the stream (unless its producer did) and waits until the file is flushed and closed. */
  async close(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream);
    if (!this.stream.closed) await once(this.stream, 'close');
  }

  async destroy(): Promise<void> {
    if (this.stream.closed) return;
    const closed = once(this.stream, 'close');
    this.stream.destroy();
    await closed.catch(() => undefined);
  }
}
