import Database from 'better-sqlite3';
import type { RpmdbContents } from './rpmdb-bdb.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * rpm ≥ 4.16's rpmdb.sqlite: table Packages(hnum, blob). The file's bytes are
 * opened in memory (better-sqlite3 deserializes a Buffer), read-only. rpm keeps
 * the database in WAL mode, which an in-memory image cannot open, so a copy of
 * the header has its read/write versions set back to the rollback journal.
 * Changes still in a -wal file beside it are not seen. Throws on a file that
 * is not a readable rpm sqlite database.
 */
export function readSqliteRpmdb(content: Buffer): RpmdbContents {
  if (content.length < 100 || !content.subarray(0, 16).equals(SQLITE_MAGIC)) throw new Error('not an SQLite database');
  const bytes = Buffer.from(content);
  if (bytes[18] === 2) bytes[18] = 1;
  if (bytes[19] === 2) bytes[19] = 1;
  const db = new Database(bytes, { readonly: true });
  try {
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').raw(true).all() as unknown[][];
    const result: RpmdbContents = { blobs: [], warnings: [] };
    for (const [hnum, blob] of rows) {
      if (typeof hnum !== 'number' || !Buffer.isBuffer(blob)) {
        result.warnings.push(`Packages row ${String(hnum)}: not an (integer, blob) pair, skipped`);
        continue;
      }
      result.blobs.push({ key: hnum, blob });
    }
    return result;
  } finally {
    db.close();
  }
}
