import type { Kysely } from 'kysely';

/**
 * Hosts record the vulnerability DB generation their stored vulnerabilities
 * were matched against, as image contents do, so a process that starts on
 * a DB file replaced while none ran can tell that they need re-matching.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('hosts').addColumn('matched_generation', 'varchar(128)').execute();
}
