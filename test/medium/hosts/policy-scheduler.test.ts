import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, enroll, identity, inventoryOf, deb, uploadInventory } from '../../support/hosts.js';
import { PolicyScheduler } from '../../../src/services/policy-scheduler.js';

const utc = (iso: string) => Date.parse(iso);

for (const backend of backends) {
  describe(`the policy scheduler fires each slot exactly once (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let creds: Awaited<ReturnType<typeof enroll>>;
    const scheduledTasks = async () => (await t.runtime.services.vulScans.list(pid, { scanType: 'schedule' }, { offset: 0, limit: 100 })).tasks;

    before(async () => {
      t = await createTestApp(backend, {}, { clockStart: utc('2026-11-23T08:00:00Z') });
      pid = t.account.project.id;
      creds = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('app-1'));
      await uploadInventory(t.app, creds, inventoryOf([deb('curl', '7.88.1-10+deb12u3')]));
    });
    after(async () => {
      await t.close();
    });

    it('shows next_scan_time for one_week on Monday and Wednesday in GMT+8', async () => {
      const put = await t.app.inject({
        method: 'PUT',
        url: `/v5/${pid}/vulnerability/scan-policy`,
        headers: { 'x-auth-token': t.token },
        payload: { scan_period: 'one_week', scan_range_type: 'all_host', status: 'open', scan_vul_types: ['linux_vul'], time: { day_part: [1, 3], hour_part: 22, minute_part: 0, timezone_offset: -480 } },
      });
      assert.equal(put.statusCode, 200, put.body);
      const show = await t.app.inject({ method: 'GET', url: `/v5/${pid}/vulnerability/scan-policy`, headers: { 'x-auth-token': t.token } });
      // Monday 2026-11-23 22:00 GMT+8 is 14:00 UTC, still ahead of 08:00 UTC.
      assert.equal(show.json().time.next_scan_time, utc('2026-11-23T14:00:00Z'));
      assert.equal(show.json().total_host_num, 1);
    });

    it('creates no task before the slot, one when the clock passes it, none on the next ticks or after a restart', async () => {
      assert.deepEqual((await t.runtime.services.scheduler.tick()).created, []);
      t.clock.current = utc('2026-11-23T14:00:30Z');
      const fired = await t.runtime.services.scheduler.tick();
      assert.equal(fired.created.length, 1);
      assert.equal(fired.created[0]!.slot, utc('2026-11-23T14:00:00Z'));
      assert.deepEqual((await t.runtime.services.scheduler.tick()).created, []);
      // A fresh scheduler (a restarted process) over the same database.
      const restarted = new PolicyScheduler(t.runtime.database.db, t.runtime.services.scanPolicies, t.runtime.services.vulScans, t.clock.now);
      assert.deepEqual((await restarted.tick()).created, []);
      const tasks = await scheduledTasks();
      assert.equal(tasks.length, 1);
      assert.deepEqual(tasks[0]!.scanVulTypes, ['linux_vul']);
      // The agent is online and has just reported (as it does on its interval).
      await uploadInventory(t.app, creds, inventoryOf([deb('curl', '7.88.1-10+deb12u3')]));
      await t.runtime.services.vulScans.runTask(tasks[0]!.id);
      const done = await t.runtime.services.vulScans.get(pid, tasks[0]!.id);
      assert.deepEqual([done.status, done.successHostNum], ['finished', 1]);
    });

    it('racing schedulers create one task per slot', async () => {
      t.clock.current = utc('2026-11-25T14:05:00Z');
      const racers = Array.from({ length: 4 }, () => new PolicyScheduler(t.runtime.database.db, t.runtime.services.scanPolicies, t.runtime.services.vulScans, t.clock.now));
      const results = await Promise.allSettled(racers.map((r) => r.tick()));
      const created = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.created : []));
      assert.equal(created.length, 1, JSON.stringify(results.map((r) => r.status)));
      assert.equal((await scheduledTasks()).length, 2);
    });

    it('after downtime across several slots, only the latest missed slot runs, once', async () => {
      // Down from Wednesday the 25th until Thursday 3 December: Mon 30 Nov and Wed 2 Dec were missed.
      t.clock.current = utc('2026-12-03T09:00:00Z');
      const fired = await t.runtime.services.scheduler.tick();
      assert.deepEqual(fired.created.map((c) => c.slot), [utc('2026-12-02T14:00:00Z')]);
      assert.deepEqual((await t.runtime.services.scheduler.tick()).created, []);
      assert.equal((await scheduledTasks()).length, 3);
    });

    it('a closed policy fires nothing', async () => {
      await t.runtime.services.scanPolicies.change(pid, { scanPeriod: 'one_day', scanRangeType: 'all_host', status: 'close' });
      t.clock.current = utc('2026-12-10T09:00:00Z');
      assert.deepEqual((await t.runtime.services.scheduler.tick()).created, []);
    });
  });
}
