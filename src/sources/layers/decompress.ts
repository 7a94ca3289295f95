import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Layers say their compression in the media type, but registries lie: trust the magic bytes. */
export function detectCompression(head: Uint8Array): Compression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

export class DecompressionLimitError extends Error {
  override name = 'DecompressionLimitError';
  constructor(readonly limit: number) {
    super(`layer expands beyond the limit of ${limit} bytes (possible decompression bomb)`);
  }
}

/** zstd as a stream transform (Node 20's zlib has no zstd). */
class ZstdTransform extends Transform {
  private readonly decoder = new ZstdDecompress((chunk) => {
    this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

function decoderFor(compression: Compression): Transform {
  if (compression === 'gzip') return createGunzip();
  if (compression === 'zstd') return new ZstdTransform();
  return new Transform({ transform: (chunk, _enc, done) => done(null, chunk) });
}

async function* prepend(first: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** Fails the stream once more than `maxBytes` have passed through it. */
class ByteLimit extends Transform {
  private seen = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) done(new DecompressionLimitError(this.maxBytes));
    else done(null, chunk);
  }
}

/**
 * Sniffs a layer's first bytes and returns the stages that decompress it:
 * the (compressed) bytes, the decoder, and a limit that fails once more than
 * `maxBytes` come out, so a decompression bomb ends as an error rather than
 * exhausted memory. The decompressed side is plain piped streams: no
 * per-chunk async iteration where the data is largest.
 */
export async function decompressLayer(source: AsyncIterable<Buffer>, maxBytes: number): Promise<{ compression: Compression; stages: [Readable, Transform, Transform] }> {
  const input = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < ZSTD_MAGIC.length) {
    const next = await input.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  const compression = detectCompression(Buffer.concat(head).subarray(0, ZSTD_MAGIC.length));
  return { compression, stages: [Readable.from(prepend(head, input)), decoderFor(compression), new ByteLimit(maxBytes)] };
}
