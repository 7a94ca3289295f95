import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, InvalidManifestError, type RegistryTarget } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Parses `sha256:<64 hex>` (or sha512); null for anything else, including algorithms we cannot verify. */
export function parseDigest(digest: string): ParsedDigest | null {
  const match = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!match) return null;
  const algorithm = match[1] as DigestAlgorithm;
  const hex = match[2]!;
  return hex.length === HEX_LENGTH[algorithm] ? { algorithm, hex } : null;
}

/** Like parseDigest, but a digest we cannot verify is an error naming the target. */
export function requireDigest(digest: string, target: RegistryTarget, what: string): ParsedDigest {
  const parsed = parseDigest(digest);
  if (!parsed) throw new InvalidManifestError(target, `${what} has a digest that cannot be verified: ${JSON.stringify(digest)} (expected sha256:<64 hex> or sha512:<128 hex>)`);
  return parsed;
}

export function computeDigest(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws DigestMismatchError unless `bytes` hash to `expected` (and have `size` bytes, when given). */
export function verifyBytes(bytes: Uint8Array, expected: string, target: RegistryTarget, size?: number): void {
  const parsed = requireDigest(expected, target, 'content');
  if (size !== undefined && bytes.length !== size) {
    throw new DigestMismatchError(target, expected, `${bytes.length} bytes`, `content size mismatch for ${expected}: the descriptor says ${size} bytes, the registry sent ${bytes.length}`);
  }
  const actual = computeDigest(bytes, parsed.algorithm);
  if (actual !== expected) throw new DigestMismatchError(target, expected, actual);
}

/**
 * Passes bytes through while hashing them, and fails the stream instead of
 * ending it when the digest (or the size) is not the expected one.
 *
 * Bytes reach the consumer before they are verified: that is what lets a
 * layer be streamed once without being held in memory or on disk. So a
 * consumer must treat everything it derived from the stream as provisional
 * until the stream has ended without error (`await pipeline(...)` resolved,
 * or 'end' seen), and must discard it on error. In practice: analyse the
 * layer as it streams, but write the per-layer cache entry, or any result,
 * only after the pipeline resolves.
 *
 * More bytes than the expected size fail the stream at once, so a registry
 * cannot stream without end.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private readonly algorithm: DigestAlgorithm;
  private received = 0;

  constructor(
    private readonly expected: string,
    private readonly target: RegistryTarget,
    /** The descriptor's size; checked when given. */
    private readonly size?: number,
  ) {
    super();
    this.algorithm = requireDigest(expected, target, 'blob').algorithm;
    this.hash = createHash(this.algorithm);
  }

  /** Bytes seen so far. */
  get bytesReceived(): number {
    return this.received;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.size !== undefined && this.received > this.size) {
      done(new DigestMismatchError(this.target, this.expected, `more than ${this.size} bytes`, `blob ${this.expected} is longer than its descriptor's ${this.size} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.size !== undefined && this.received !== this.size) {
      done(new DigestMismatchError(this.target, this.expected, `${this.received} bytes`, `blob ${this.expected} ended after ${this.received} of ${this.size} bytes`));
      return;
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    done(actual === this.expected ? null : new DigestMismatchError(this.target, this.expected, actual, `blob digest mismatch: expected ${this.expected}, the registry sent content hashing to ${actual}`));
  }
}
