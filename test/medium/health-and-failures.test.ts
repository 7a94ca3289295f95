import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { backends } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/app.js';

for (const backend of backends) {
  describe(`readiness and unexpected failures (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(async () => {
      await t.close();
    });

    it('/healthz and /readyz answer without credentials', async () => {
      assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(ready.json(), { status: 'ready' });
    });

    it('/readyz is 503 naming a migration the database lacks', async () => {
      await sql`delete from kysely_migration where name = '0003_vul_scan_policies'`.execute(t.runtime.database.db);
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { status: 'not ready', reasons: ['migrations not applied: 0003_vul_scan_policies'] });
      await sql`insert into kysely_migration (name, timestamp) values ('0003_vul_scan_policies', ${new Date().toISOString()})`.execute(t.runtime.database.db);
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    });

    it('a failing database gives /readyz 503 and routes a generic 500 HSS.0041 with the request id, leaking nothing', async () => {
      await t.runtime.database.close();
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json().reasons, ['database unreachable']);
      const res = await t.app.inject({ method: 'GET', url: `/v5/${t.account.project.id}/vulnerability/scan-policy`, headers: { 'x-auth-token': t.token, 'x-request-id': 'trace-500' } });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), { error_code: 'HSS.0041', error_msg: 'Internal error; quote request id trace-500 when reporting it' });
    });
  });
}
