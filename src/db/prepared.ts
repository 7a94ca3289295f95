import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';

/**
 * Hot read paths (the scan-task list, the overview) run fixed SQL texts
 * without building them through Kysely on every request. On PostgreSQL each
 * such text is a named prepared statement on every pooled connection (parsed
 * and planned once per connection, see connect.ts); on SQLite the connection
 * keeps prepared statements by text anyway. Only texts written in the code
 * are registered, so their number is bounded.
 */
const names = new Map<string, string>();

/** The prepared statement name of a registered text (PostgreSQL connections look it up on every query). */
export const preparedName = (text: string): string | undefined => names.get(text);

export interface PreparedQuery<R> {
  /** Runs the statement with positional parameters, in the order its `?` placeholders appear. */
  run(db: Kysely<never> | Kysely<any>, params: readonly unknown[]): Promise<R[]>;
}

/**
 * A fixed SQL text written with `?` placeholders; on PostgreSQL they become
 * $1, $2, … and the text is registered as a named prepared statement.
 */
export function prepared<R>(text: string): PreparedQuery<R> {
  let postgresText: string | undefined;
  return {
    async run(db, params) {
      const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
      let sql = text;
      if (postgres) {
        if (postgresText === undefined) {
          let i = 0;
          postgresText = text.replace(/\?/g, () => `$${++i}`);
          if (!names.has(postgresText)) names.set(postgresText, `openhss_${names.size + 1}`);
        }
        sql = postgresText;
      }
      const result = await db.executeQuery<R>(CompiledQuery.raw(sql, params as unknown[]));
      return result.rows;
    },
  };
}
