import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export type TakeResult = { granted: true } | { granted: false; retryAt: number };

const HOUR_MS = 3_600_000;

/**
 * Token buckets in the database, so a rate holds across every worker
 * process. A bucket holds at most one token (no bursts): at `perHour`
 * images an hour, takes are at least 3600/perHour seconds apart. Updates
 * are compare-and-set on the row, which works alike on SQLite and PostgreSQL.
 */
export class RateBucketRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async take(key: string, perHour: number, now: number): Promise<TakeResult> {
    const intervalMs = HOUR_MS / perHour;
    for (let attempt = 0; attempt < 20; attempt++) {
      const row = await this.db.selectFrom('rate_buckets').select(['tokens', 'refilled_at']).where('key', '=', key).executeTakeFirst();
      if (!row) {
        // A new bucket starts full; the insert after taking its token leaves it empty.
        const inserted = await this.db
          .insertInto('rate_buckets')
          .values({ key, tokens: 0, refilled_at: now })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { granted: true };
        continue;
      }
      const refilledAt = Number(row.refilled_at);
      const tokens = Math.min(1, Number(row.tokens) + Math.max(0, now - refilledAt) / intervalMs);
      if (tokens < 1 - 1e-9) return { granted: false, retryAt: now + Math.ceil((1 - tokens) * intervalMs) };
      const updated = await this.db
        .updateTable('rate_buckets')
        .set({ tokens: tokens - 1, refilled_at: now })
        .where('key', '=', key)
        .where('refilled_at', '=', row.refilled_at)
        .where('tokens', '=', row.tokens)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return { granted: true };
    }
    return { granted: false, retryAt: now + 1000 };
  }

  async remove(key: string): Promise<void> {
    await this.db.deleteFrom('rate_buckets').where('key', '=', key).execute();
  }
}
