import { createHash } from 'node:crypto';

/**
 * A 52-bit integer key derived from a text key (the first 13 hex digits of
 * its SHA-256): exact in a JavaScript number, an SQLite integer and a
 * PostgreSQL bigint. Millions of host vulnerability rows are keyed by these
 * instead of by text, which makes them several times cheaper to write and
 * to index. The tables holding the text keys carry a unique constraint on
 * the derived one, so a collision is refused, never merged.
 */
export function key52(text: string): number {
  return Number.parseInt(createHash('sha256').update(text).digest('hex').slice(0, 13), 16);
}
