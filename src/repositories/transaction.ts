import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Runs `work` in a transaction: a new one, or the one `db` already is, so a
 * repository bound to a caller's transaction joins it instead of failing
 * (Kysely refuses nested transactions).
 */
export function inTransaction<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
