import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { TEST_POSTGRES_URL } from '../support/databases.js';

// Migrating one schema while other schemas of the same PostgreSQL database are created and dropped
// (other tenants, other deployments, test runs) must succeed: Kysely's migrator looks its tables up
// with a catalog query over every schema, which a concurrent `drop schema` can make fail.
describe('migrations while other schemas of the database come and go (postgres)', () => {
  it('every migration succeeds', { timeout: 600_000 }, async () => {
    const churn = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await churn.connect();
    let stop = false;
    const churning = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `churn_${process.pid}_${i}`;
        await churn.query(`create schema "${name}"`);
        await churn.query(`create table "${name}".t (id serial primary key, a text, b text, c text)`);
        await churn.query(`drop schema "${name}" cascade`);
      }
    })();
    const dataDir = mkdtempSync(join(tmpdir(), 'openhss-migrate-race-'));
    const failures: string[] = [];
    try {
      for (let round = 0; round < 12; round++) {
        const schema = `t_${process.pid}_${randomBytes(5).toString('hex')}`;
        const database = openDatabase({ url: TEST_POSTGRES_URL, dataDir, schema, poolSize: 2 });
        try {
          await migrateToLatest(database);
        } catch (err) {
          failures.push((err as Error).message);
        } finally {
          await database.close();
          await churn.query(`drop schema if exists "${schema}" cascade`);
        }
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.deepEqual(failures, []);
  });
});
