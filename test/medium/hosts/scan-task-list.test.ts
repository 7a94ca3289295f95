import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { VulScanTaskRepository } from '../../../src/repositories/vul-scan-task-repository.js';
import type { ScanTaskType } from '../../../src/domain/vul-scan-task.js';

const DAY = 86_400_000;
const BASE = Date.parse('2026-09-01T00:00:00Z');

/** A seeded generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Task = { id: string; scanType: ScanTaskType; startTime: number };

/** Inserts `count` finished tasks through the repository, their start times from `startOf`. */
async function seedTasks(t: TestApp, pid: string, count: number, prefix: string, rand: () => number, startOf: (i: number) => number): Promise<Task[]> {
  const repo = new VulScanTaskRepository(t.runtime.database.db);
  const tasks: Task[] = [];
  for (let i = 0; i < count; i++) {
    const startTime = startOf(i);
    const scanType: ScanTaskType = rand() < 0.4 ? 'manual' : 'schedule';
    const id = `${prefix}-${String(i).padStart(5, '0')}`;
    tasks.push({ id, scanType, startTime });
    await repo.insert(
      { id, projectId: pid, scanType, scanVulTypes: ['linux_vul'], urgentVulIds: [], status: 'finished', startTime, endTime: startTime, hostNum: 0, scanningHostNum: 0, successHostNum: 0, failedHostNum: 0, scheduleSlot: null, deadline: startTime },
      [],
    );
  }
  return tasks;
}

/** Random filters, offsets and limits: each page and total equal a plain count and sort of `tasks`. */
async function checkRandomPages(t: TestApp, pid: string, tasks: readonly Task[], rand: () => number, rounds: number, pick: () => number, limits: number[]): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const query: Record<string, string> = {};
    const scanType = rand() < 0.3 ? 'manual' : rand() < 0.3 ? 'schedule' : undefined;
    if (scanType) query.scan_type = scanType;
    const min = rand() < 0.5 ? pick() : undefined;
    const max = rand() < 0.5 ? pick() : undefined;
    if (min !== undefined) query.min_start_time = String(min);
    if (max !== undefined) query.max_start_time = String(max);
    const limit = limits[Math.floor(rand() * limits.length)]!;
    const expected = tasks
      .filter((x) => (!scanType || x.scanType === scanType) && (min === undefined || x.startTime >= min) && (max === undefined || x.startTime <= max))
      .sort((a, b) => b.startTime - a.startTime || (a.id < b.id ? 1 : -1));
    const offset = rand() < 0.5 ? Math.floor(rand() * (expected.length + 20)) : Math.floor(rand() * 30);
    query.limit = String(limit);
    query.offset = String(offset);
    const res = await t.app.inject({ method: 'GET', url: `/v5/${pid}/vulnerability/scan-tasks?${new URLSearchParams(query)}`, headers: { 'x-auth-token': t.token } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { total_num: number; data_list: Array<{ id: string }> };
    const where = JSON.stringify(query);
    assert.equal(body.total_num, expected.length, where);
    assert.deepEqual(body.data_list.map((d) => d.id), expected.slice(offset, offset + limit).map((x) => x.id), where);
  }
}

for (const backend of backends) {
  describe(`the scan task list: totals from day buckets and deep pages agree with counting (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    const tasks: Task[] = [];

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      const rand = prng(7);
      // Some tasks exactly on day boundaries, the rest anywhere in 60 days.
      tasks.push(...(await seedTasks(t, pid, 2500, 'task', rand, (i) => (i % 50 === 0 ? BASE + Math.floor(rand() * 60) * DAY : BASE + Math.floor(rand() * 60 * DAY)))));
    });
    after(async () => {
      await t.close();
    });

    it('seeks deep pages by day: the rows equal skipping row by row', async () => {
      const sorted = (type?: ScanTaskType) => tasks.filter((x) => !type || x.scanType === type).sort((a, b) => b.startTime - a.startTime || (a.id < b.id ? 1 : -1));
      for (const [query, expected, offset] of [
        ['offset=2000&limit=50', sorted(), 2000],
        ['offset=1200&limit=200&scan_type=schedule', sorted('schedule'), 1200],
        ['offset=2490&limit=200', sorted(), 2490],
        ['offset=5000&limit=10', sorted(), 5000],
      ] as const) {
        const res = await t.app.inject({ method: 'GET', url: `/v5/${pid}/vulnerability/scan-tasks?${query}`, headers: { 'x-auth-token': t.token } });
        const body = res.json() as { total_num: number; data_list: Array<{ id: string }> };
        assert.equal(body.total_num, expected.length, query);
        assert.deepEqual(body.data_list.map((d) => d.id), expected.slice(offset, offset + Number(/limit=(\d+)/.exec(query)![1])).map((x) => x.id), query);
      }
    });

    it('matches a plain count and sort for random filters, offsets and limits', async () => {
      const rand = prng(11);
      await checkRandomPages(t, pid, tasks, rand, 60, () => (rand() < 0.2 ? BASE + Math.floor(rand() * 62) * DAY : BASE - DAY + Math.floor(rand() * 62 * DAY)), [10, 50, 200]);
    });
  });
}

for (const backend of backends) {
  describe(`the scan task list: hours within a crowded day, and counts after deletions (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    const tasks: Task[] = [];

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      const rand = prng(23);
      // 1,500 tasks in two and a half days: a page deep into a day is found by its hour.
      tasks.push(...(await seedTasks(t, pid, 1500, 'dense', rand, (i) => (i % 40 === 0 ? BASE + Math.floor(rand() * 60) * 3_600_000 : BASE + Math.floor(rand() * 60 * 3_600_000)))));
      // Some go (as a project's tasks would with it): the kept counts follow.
      const gone = tasks.filter((_, i) => i % 7 === 3).map((x) => x.id);
      await t.runtime.database.db.deleteFrom('vul_scan_tasks').where('id', 'in', gone).execute();
      tasks.splice(0, tasks.length, ...tasks.filter((x) => !gone.includes(x.id)));
    });
    after(async () => {
      await t.close();
    });

    it('pages and totals equal a plain count and sort', async () => {
      const rand = prng(29);
      await checkRandomPages(t, pid, tasks, rand, 50, () => BASE - 3_600_000 + Math.floor(rand() * 64 * 3_600_000), [20]);
    });
  });
}
