import type { Kysely } from 'kysely';

/**
 * The embedded queue's give-up jobs (PostgreSQL uses pg-boss's dead letter):
 * - dead_letter: the kind of the job to queue when this one fails for good
 *   (its last try threw, or its worker died on it), or null;
 * - exhausted_error: on such a give-up job, why the failed job ended.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('dead_letter', 'varchar(160)').execute();
  await db.schema.alterTable('jobs').addColumn('exhausted_error', 'text').execute();
}
