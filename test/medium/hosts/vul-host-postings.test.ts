import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Kysely } from 'kysely';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends, createTestDatabase } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, uploadInventory } from '../../support/hosts.js';
import { ensureSchema } from '../../../src/db/connect.js';
import { migrations } from '../../../src/db/migrations/index.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import type { DB } from '../../../src/db/schema.js';
import { key52 } from '../../../src/domain/keys.js';
import { VulListRepository } from '../../../src/repositories/vul-list-repository.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';

const LIBC = deb('libc6', '2.36-9+deb12u1', 'glibc', '2.36-9+deb12u1');
const CURL = deb('curl', '7.88.1-10+deb12u3');
const CURL_CVE = 'CVE-2023-38545';

/** The listed hosts of each vulnerability (sorted), whatever the backend stores a list as. */
async function listed(db: Kysely<DB>, postgres: boolean): Promise<Map<number, number[]>> {
  const rows = postgres
    ? await sql<{ vul_seq: string; host_seq: string }>`select p.vul_seq, unnest(p.host_seqs) as host_seq from vul_host_postings p`.execute(db)
    : await sql<{ vul_seq: number; host_seq: number }>`select p.vul_seq, j.value as host_seq from vul_host_postings p, json_each(p.host_seqs) j`.execute(db);
  const out = new Map<number, number[]>();
  for (const r of rows.rows) out.set(Number(r.vul_seq), [...(out.get(Number(r.vul_seq)) ?? []), Number(r.host_seq)]);
  for (const hosts of out.values()) hosts.sort((a, b) => a - b);
  return out;
}

for (const backend of backends) {
  describe(`vulnerability postings instead of a (vul, host) index (${backend})`, () => {
    it('migration 0012 lists every stored host of every vulnerability', async () => {
      const tdb = await createTestDatabase(backend, { migrate: false });
      try {
        const db = tdb.database.db;
        await ensureSchema(tdb.database);
        const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(tdb.database.postgres ? { migrationTableSchema: tdb.database.postgres.schema } : {}) });
        const { error } = await migrator.migrateTo('0011_overview_indexes');
        assert.equal(error, undefined);
        const expected = new Map<number, number[]>();
        const rows = [];
        for (let host = 1; host <= 30; host++) {
          for (let vul = 100; vul < 100 + (host % 7) + 1; vul++) {
            rows.push({ host_seq: host * 1_000_003, vul_seq: vul * 7_919, affect_seq: vul, kind: 1, status: 0, handled_fingerprint: null, remark: null, first_scan_time: 1 });
            expected.set(vul * 7_919, [...(expected.get(vul * 7_919) ?? []), host * 1_000_003]);
          }
        }
        await db.insertInto('host_vuls').values(rows).execute();
        await migrateToLatest(tdb.database);
        assert.deepEqual(await listed(db, backend === 'postgres'), expected);
      } finally {
        await tdb.cleanup();
      }
    });

    describe('lists read through postings stay exact when hosts lose and regain a vulnerability', () => {
      let t: TestApp;
      let pid: string;
      const creds: EnrollResponse[] = [];
      const get = async (url: string) => {
        const res = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } });
        assert.equal(res.statusCode, 200, res.body);
        return res.json() as { total_num: number; data_list: Array<Record<string, unknown>> };
      };
      const scan = async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: `/v5/${pid}/vulnerability/scan-task`,
          headers: { 'x-auth-token': t.token },
          payload: { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: creds.map((c) => c.agent_id) },
        });
        assert.equal(res.statusCode, 200, res.body);
        await t.runtime.services.vulScans.runTask((res.json() as { task_id: string }).task_id);
      };
      const hostsOfCurl = async () => (await get(`/v5/${pid}/vulnerability/hosts?vul_id=${CURL_CVE}&type=linux_vul&limit=200`)).data_list.map((r) => r.host_name as string).sort();

      before(async () => {
        t = await createTestApp(backend);
        pid = t.account.project.id;
        for (const name of ['web-1', 'web-2', 'web-3']) creds.push(await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity(name)));
        for (const c of creds) assert.equal((await uploadInventory(t.app, c, inventoryOf([LIBC, CURL]))).statusCode, 200);
        await scan();
      });
      after(async () => {
        await t.close();
      });

      it('a host that lost the vulnerability stays listed but is not shown; regained, it is shown once', async () => {
        assert.deepEqual(await hostsOfCurl(), ['web-1', 'web-2', 'web-3']);
        // web-1 upgrades curl away: its row goes, its posting stays.
        assert.equal((await uploadInventory(t.app, creds[0]!, inventoryOf([LIBC]))).statusCode, 200);
        await scan();
        assert.deepEqual(await hostsOfCurl(), ['web-2', 'web-3']);
        const curlSeq = key52(CURL_CVE);
        assert.ok((await listed(t.runtime.database.db, backend === 'postgres')).get(curlSeq)!.length >= 3, 'postings are a superset');
        let summary = (await get(`/v5/${pid}/vulnerability/vulnerabilities?type=linux_vul&vul_id=${CURL_CVE}`)).data_list[0]!;
        assert.equal(summary.host_num, 2);
        assert.equal((summary.host_id_list as string[]).length, 2);
        // Downgraded again: listed twice now, shown once.
        assert.equal((await uploadInventory(t.app, creds[0]!, inventoryOf([LIBC, CURL]))).statusCode, 200);
        await scan();
        assert.deepEqual(await hostsOfCurl(), ['web-1', 'web-2', 'web-3']);
        assert.equal((await get(`/v5/${pid}/vulnerability/hosts?vul_id=${CURL_CVE}&type=linux_vul&limit=200`)).total_num, 3);
        summary = (await get(`/v5/${pid}/vulnerability/vulnerabilities?type=linux_vul&vul_id=${CURL_CVE}`)).data_list[0]!;
        assert.equal(summary.host_num, 3);
        assert.equal(new Set(summary.host_id_list as string[]).size, 3);
        assert.equal((summary.host_id_list as string[]).length, 3);
      });

      it('an export in vulnerability order reads every row once, in key order, across pages of any size', async () => {
        const lists = new VulListRepository(t.runtime.database.db);
        const filter = { type: 'linux_vul' as const, enterpriseProjectIds: null };
        const all = await lists.hostVulKeysetPage(pid, filter, 'vul', null, 10_000);
        const keys = all.map((r) => [r.vulSeq, r.hostSeq] as const);
        const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(keys, sorted);
        assert.equal(all.length, await lists.countHostVuls(pid, filter));
        assert.ok(all.length > 3);
        for (const size of [1, 2, 3]) {
          const paged: Array<readonly [number, number]> = [];
          let after: { hostSeq: number; vulSeq: number } | null = null;
          for (;;) {
            const page = await lists.hostVulKeysetPage(pid, filter, 'vul', after, size);
            paged.push(...page.map((r) => [r.vulSeq, r.hostSeq] as const));
            if (page.length < size) break;
            after = { hostSeq: page.at(-1)!.hostSeq, vulSeq: page.at(-1)!.vulSeq };
          }
          assert.deepEqual(paged, keys, `pages of ${size}`);
        }
      });
    });
  });
}
