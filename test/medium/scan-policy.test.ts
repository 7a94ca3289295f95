import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createEnrolmentToken, enroll, identity } from '../support/hosts.js';

for (const backend of backends) {
  describe(`vulnerability scan policy (${backend})`, () => {
    let t: TestApp;
    let url: string;
    let hostA: string;
    let hostB: string;
    const headers = () => ({ 'x-auth-token': t.token });
    before(async () => {
      t = await createTestApp(backend);
      url = `/v5/${t.account.project.id}/vulnerability/scan-policy`;
      const pid = t.account.project.id;
      hostA = (await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('policy-a'))).host_id;
      hostB = (await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('policy-b'))).host_id;
    });
    after(async () => {
      await t.close();
    });

    it('gives a project that never set a policy the HSS default', async () => {
      t.clock.current = Date.parse('2026-11-23T10:00:00Z');
      const res = await t.app.inject({ method: 'GET', url, headers: headers() });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        scan_period: 'one_day',
        scan_vul_types: ['linux_vul'],
        scan_range_type: 'all_host',
        host_ids: [],
        total_host_num: 2,
        status: 'open',
        time: { day_part: [], hour_part: 0, minute_part: 0, next_scan_time: Date.parse('2026-11-24T00:00:00Z'), timezone_offset: 0 },
      });
    });

    it('stores a changed policy and computes next_scan_time in its time zone (one_week, day_part [1,3], GMT+8)', async () => {
      t.clock.current = Date.parse('2026-11-23T02:00:00Z'); // Monday 10:00 in GMT+8
      const put = await t.app.inject({
        method: 'PUT',
        url,
        headers: headers(),
        payload: {
          scan_period: 'one_week',
          scan_range_type: 'specific_host',
          host_ids: [hostA, hostB, hostA],
          scan_vul_types: ['linux_vul', 'app_vul'],
          status: 'open',
          time: { day_part: [3, 1], hour_part: 9, minute_part: 15, timezone_offset: -480 },
        },
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal(put.body, '', 'HSS answers ChangeVulScanPolicy with an empty body');
      const res = await t.app.inject({ method: 'GET', url, headers: headers() });
      const body = res.json();
      assert.equal(body.scan_period, 'one_week');
      assert.deepEqual(body.host_ids, [hostA, hostB]);
      assert.equal(body.total_host_num, 2);
      assert.deepEqual(body.scan_vul_types, ['linux_vul', 'app_vul']);
      assert.deepEqual(body.time.day_part, [1, 3]);
      // Monday 09:15 GMT+8 has passed; the next is Wednesday 2026-11-25 09:15 GMT+8 = 01:15 UTC.
      assert.equal(body.time.next_scan_time, Date.parse('2026-11-25T01:15:00Z'));
    });

    it('reports next_scan_time 0 while the policy is closed', async () => {
      const put = await t.app.inject({ method: 'PUT', url, headers: headers(), payload: { scan_period: 'one_day', scan_range_type: 'all_host', status: 'close' } });
      assert.equal(put.statusCode, 200, put.body);
      const body = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
      assert.equal(body.status, 'close');
      assert.equal(body.time.next_scan_time, 0);
      assert.deepEqual(body.host_ids, [], 'all_host keeps no host list');
    });

    const invalid: Array<[string, unknown, RegExp]> = [
      ['unknown period', { scan_period: 'hourly', scan_range_type: 'all_host', status: 'open' }, /body\.scan_period must be one of: one_day, three_day, one_week, one_month/],
      ['missing status', { scan_period: 'one_day', scan_range_type: 'all_host' }, /body\.status is required/],
      ['hour out of range', { scan_period: 'one_day', scan_range_type: 'all_host', status: 'open', time: { hour_part: 24 } }, /body\.time\.hour_part must be <= 23/],
      ['timezone out of range', { scan_period: 'one_day', scan_range_type: 'all_host', status: 'open', time: { timezone_offset: 900 } }, /body\.time\.timezone_offset must be <= 720/],
      ['weekday 8', { scan_period: 'one_week', scan_range_type: 'all_host', status: 'open', time: { day_part: [8] } }, /time\.day_part must list weekdays 1 \(Monday\) to 7/],
      ['day 32 of a month', { scan_period: 'one_month', scan_range_type: 'all_host', status: 'open', time: { day_part: [32] } }, /body\.time\.day_part\[0\] must be <= 31/],
      ['an empty scan_vul_types', { scan_period: 'one_day', scan_range_type: 'all_host', status: 'open', scan_vul_types: [] }, /body\.scan_vul_types must NOT have fewer than 1 items/],
      ['specific_host without hosts', { scan_period: 'one_day', scan_range_type: 'specific_host', status: 'open' }, /host_ids must name at least one host/],
      ['wrong type', { scan_period: 'one_day', scan_range_type: 'all_host', status: 'open', time: { minute_part: '5' } }, /body\.time\.minute_part must be integer/],
      ['unknown vul type', { scan_period: 'one_day', scan_range_type: 'all_host', status: 'open', scan_vul_types: ['mac_vul'] }, /body\.scan_vul_types\[0\] must be one of/],
    ];
    for (const [name, payload, message] of invalid) {
      it(`rejects ${name} with HSS.0001 naming the field, and keeps the stored policy`, async () => {
        const before = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
        const res = await t.app.inject({ method: 'PUT', url, headers: headers(), payload: payload as object });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error_code, 'HSS.0001');
        assert.match(res.json().error_msg, message);
        const afterwards = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
        assert.deepEqual(afterwards, before);
      });
    }

    // The SDKs' ChangeVulScanPolicyRequestInfo: scan_period, scan_range_type, host_ids, scan_vul_types, status; no time block.
    for (const [period, days] of [['one_week', [1]], ['one_month', [1]], ['one_day', []], ['three_day', []]] as const) {
      it(`sets ${period} without a time block, whatever was stored before: day_part ${JSON.stringify(days)} at the stored hour`, async () => {
        // An earlier policy of another period, with its own days and hour.
        const earlier = { scan_period: period === 'one_week' ? 'one_month' : 'one_week', scan_range_type: 'all_host', status: 'open', time: { day_part: [5], hour_part: 7, minute_part: 30 } };
        assert.equal((await t.app.inject({ method: 'PUT', url, headers: headers(), payload: earlier })).statusCode, 200);
        for (const previous of ['stored days of another period', 'its own result']) {
          const put = await t.app.inject({ method: 'PUT', url, headers: headers(), payload: { scan_period: period, scan_range_type: 'all_host', status: 'open', scan_vul_types: ['linux_vul'] } });
          assert.equal(put.statusCode, 200, `after ${previous}: ${put.body}`);
          const body = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
          assert.equal(body.scan_period, period);
          assert.deepEqual(body.time.day_part, days);
          assert.equal(body.time.hour_part, 7);
          assert.equal(body.time.minute_part, 30);
          assert.ok(body.time.next_scan_time > t.clock.current, 'an open policy has a next scan');
        }
      });
    }

    it('keeps the stored days of the same period when time names none, and takes an empty day_part as none', async () => {
      const set = { scan_period: 'one_week', scan_range_type: 'all_host', status: 'open', time: { day_part: [2, 6] } };
      assert.equal((await t.app.inject({ method: 'PUT', url, headers: headers(), payload: set })).statusCode, 200);
      // Raw text: JSON.stringify cannot write 2^63-1.
      const raw = '{"scan_period":"one_week","scan_range_type":"all_host","status":"close","time":{"day_part":[],"next_scan_time":9223372036854775807}}';
      const again = await t.app.inject({ method: 'PUT', url, headers: { ...headers(), 'content-type': 'application/json' }, payload: raw });
      assert.equal(again.statusCode, 200, again.body);
      const body = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
      assert.deepEqual(body.time.day_part, [2, 6]);
      assert.equal(body.time.next_scan_time, 0, 'next_scan_time is computed by the server, never taken from the request');
    });

    it('refuses host_ids that are not hosts of the project with HSS.1001, and counts only real hosts', async () => {
      const stranger = await createTestApp(backend);
      try {
        const otherHost = (await enroll(stranger.app, await createEnrolmentToken(stranger.app, stranger.account.project.id, stranger.token), identity('policy-elsewhere'))).host_id;
        const before = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
        for (const ids of [[hostA, 'no-such-host'], [otherHost]]) {
          const res = await t.app.inject({ method: 'PUT', url, headers: headers(), payload: { scan_period: 'one_day', scan_range_type: 'specific_host', status: 'open', host_ids: ids } });
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().error_code, 'HSS.1001');
          assert.match(res.json().error_msg, /host_ids/);
          assert.match(res.json().error_msg, new RegExp(ids.at(-1)!));
        }
        assert.deepEqual((await t.app.inject({ method: 'GET', url, headers: headers() })).json(), before, 'a refused change stores nothing');
        const ok = await t.app.inject({ method: 'PUT', url, headers: headers(), payload: { scan_period: 'one_day', scan_range_type: 'specific_host', status: 'open', host_ids: [hostB] } });
        assert.equal(ok.statusCode, 200, ok.body);
        const body = (await t.app.inject({ method: 'GET', url, headers: headers() })).json();
        assert.deepEqual([body.host_ids, body.total_host_num], [[hostB], 1]);
      } finally {
        await stranger.close();
      }
    });

    it('rejects malformed JSON, an oversized body and a bad enterprise_project_id length with HSS.0001', async () => {
      const broken = await t.app.inject({ method: 'PUT', url, headers: { ...headers(), 'content-type': 'application/json' }, payload: '{"scan_period": ' });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().error_code, 'HSS.0001');
      assert.match(broken.json().error_msg, /body is not valid JSON/);
      const huge = await t.app.inject({ method: 'PUT', url, headers: { ...headers(), 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'a'.repeat(2 * 1024 * 1024) }) });
      assert.equal(huge.statusCode, 400);
      assert.match(huge.json().error_msg, /body exceeds the limit of 1048576 bytes/);
      const longEp = await t.app.inject({ method: 'GET', url: `${url}?enterprise_project_id=${'e'.repeat(257)}`, headers: headers() });
      assert.equal(longEp.statusCode, 400);
      assert.match(longEp.json().error_msg, /query\.enterprise_project_id must NOT have more than 256 characters/);
    });
  });
}
