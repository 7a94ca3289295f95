import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Cell } from './kinds.js';

/** Writes one table, row by row, to a file or a stream; `finish` ends it (a file is left whole on disk, fsynced). */
export interface SheetWriter {
  row(values: readonly Cell[]): Promise<void>;
  finish(): Promise<void>;
  /** Stops writing after an error; the file is left incomplete for the caller to delete. */
  abort(): Promise<void>;
}

/**
 * Where a writer's bytes go, through a stream that honours backpressure, so
 * a writer never buffers more than the stream's high-water mark: a file
 * (fsynced before it is closed, `flush`: a file renamed into place once
 * `close` resolves is complete even after a power loss), or any Writable,
 * such as the body of a file-store upload.
 */
export class FileSink {
  /** Rejects when the stream fails or is destroyed before it finished: waits on the stream race it, so none hangs. */
  readonly failed: Promise<never>;

  private constructor(readonly stream: Writable) {
    this.failed = new Promise<never>((_resolve, reject) => {
      stream.once('error', reject);
      stream.once('close', () => {
        if (!stream.writableFinished) reject(new Error('the export stream was closed before it was complete'));
      });
    });
    this.failed.catch(() => undefined);
  }

  static async open(path: string): Promise<FileSink> {
    const stream = createWriteStream(path, { mode: 0o600, flush: true, highWaterMark: 256 * 1024 });
    await once(stream, 'open');
    return new FileSink(stream);
  }

  /** A sink over a stream someone else reads (a file-store upload). */
  static over(stream: Writable): FileSink {
    return new FileSink(stream);
  }

  async write(chunk: string): Promise<void> {
    if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }

  /** Ends the stream (unless its producer did) and waits until it is finished (a file: flushed and closed). */
  async close(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    await Promise.race([finished(this.stream, { readable: false }), this.failed]);
    if ('fd' in this.stream && !this.stream.closed) await once(this.stream, 'close');
  }

  async destroy(): Promise<void> {
    if (this.stream.closed || this.stream.destroyed) return;
    const closed = once(this.stream, 'close');
    this.stream.destroy();
    await closed.catch(() => undefined);
  }
}
