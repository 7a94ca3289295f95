import type { Kysely } from 'kysely';

/**
 * Hosts keep why their OS packages could not be matched at all (an OS or a
 * release without advisory data), so every scan says so, including scans
 * that find the host unchanged and do no matching work.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('hosts').addColumn('match_gap', 'text').execute();
}
