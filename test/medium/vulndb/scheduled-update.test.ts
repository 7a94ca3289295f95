import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Agent } from 'undici';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import type { JobQueue } from '../../../src/jobs/queue.js';
import { registerVulnDbMetrics } from '../../../src/observability/vulndb-metrics.js';
import { LOCAL_GRACE_MS, VulnDbUpdater } from '../../../src/services/vulndb-updater.js';
import { defaultSources } from '../../../src/vulndb/index.js';
import { VulnDbProvider } from '../../../src/vulndb/provider.js';
import { refreshVulnDb } from '../../../src/vulndb/refresh.js';
import { createTestApp, TestClock } from '../../support/app.js';
import { backends, createTestDatabase } from '../../support/databases.js';
import { npmAdvisory, OsvBucket } from '../../support/osv-bucket.js';
import { waitFor } from '../../support/queue-workers.js';

const sources = defaultSources({ osvEcosystems: ['npm'], alpineReleases: [], debian: false, kev: false, kubernetesCveFeed: false });
const HOUR = 3_600_000;

describe('the vulnerability DB keeps itself current', () => {
  const bucket = new OsvBucket();
  const dispatcher = new Agent();
  before(async () => {
    bucket.put('npm', npmAdvisory('GHSA-aaaa-aaaa-aaaa', 'left-pad', '1.3.0', '2025-01-01T10:00:00Z'), npmAdvisory('GHSA-bbbb-bbbb-bbbb', 'lodash', '4.17.21', '2025-01-02T10:00:00Z'));
    await bucket.start();
  });
  after(async () => {
    await dispatcher.close();
    await bucket.stop();
  });

  for (const dialect of backends) {
    describe(dialect, () => {
      it('two processes due at once make one job per interval; every process on the data directory switches to the new generation', async () => {
        const testDb = await createTestDatabase(dialect);
        const clock = new TestClock(Date.parse('2025-06-01T00:00:00Z'));
        const file = join(testDb.dataDir, 'vulndb.sqlite');
        const processes = ['a', 'b'].map((name) => {
          const provider = new VulnDbProvider(file, clock.now);
          const updater = new VulnDbUpdater(provider, { updateIntervalHours: 12, mirrorUrl: bucket.url, sources: () => sources, dispatcher }, clock.now);
          const queue: JobQueue = createJobQueue(testDb.database, { concurrency: 1, leaseMs: 60_000, pollIntervalMs: 50, now: clock.now, maintenanceIntervalSeconds: 1 });
          return { name, provider, updater, queue, changes: 0, runs: 0 };
        });
        const jobIds: string[] = [];
        const zips = () => bucket.requestsFor('npm/all.zip').length;
        const zipsBefore = zips();
        try {
          for (const p of processes) {
            await p.provider.open();
            p.provider.onChange(() => p.changes++);
            p.queue.work('vulndb.update', async () => {
              p.runs++;
              await p.updater.run();
            });
          }
          assert.equal(processes[0]!.provider.generation(), processes[1]!.provider.generation(), 'both start on the same demo file');
          const demoGeneration = processes[0]!.provider.generation();
          const enqueue = (p: (typeof processes)[number]) => (singletonKey: string) =>
            p.queue.enqueue('vulndb.update', { reason: 'scheduled' }, { singletonKey, maxAttempts: 2 }).then((id) => {
              if (id) jobIds.push(id);
              return id;
            });
          // Both find the demo DB due at start, in the same interval.
          const ticks = await Promise.all(processes.map((p) => p.updater.tick(enqueue(p))));
          assert.deepEqual(ticks.map((t) => t.action).sort(), ['already-queued', 'queued']);
          assert.equal(jobIds.length, 1);
          for (const p of processes) await p.queue.start();
          const jobId = jobIds[0]!;
          await waitFor('the update job to complete', async () => ((await processes[0]!.queue.get(jobId))?.state === 'completed' ? true : undefined));
          assert.equal(processes.reduce((n, p) => n + p.runs, 0), 1, 'one process ran the job');
          assert.equal(zips() - zipsBefore, 1, 'one full download');

          // The process that ran it switched at once; the other does on its next look.
          for (const p of processes) p.provider.refresh();
          const [a, b] = processes as [(typeof processes)[0], (typeof processes)[0]];
          assert.equal(a.provider.generation(), b.provider.generation());
          assert.notEqual(a.provider.generation(), demoGeneration);
          assert.deepEqual([a.changes, b.changes], [1, 1], 'each process is told once (and re-matches its inventories)');
          for (const p of processes) assert.deepEqual(p.provider.reader().affectedFor('npm', 'left-pad').flatMap((x) => x.fixedVersions), ['1.3.0']);

          // Not due again within the interval; due (and one new job) in the next.
          for (const p of processes) assert.deepEqual(await p.updater.tick(enqueue(p)), { action: 'not-due' });
          clock.advance(12 * HOUR);
          const next = await Promise.all(processes.map((p) => p.updater.tick(enqueue(p))));
          assert.deepEqual(next.map((t) => t.action).sort(), ['already-queued', 'queued']);
          assert.equal(jobIds.length, 2);
          await waitFor('the second update job to complete', async () => ((await a.queue.get(jobIds[1]!))?.state === 'completed' ? true : undefined));
          assert.equal(zips() - zipsBefore, 1, 'nothing changed: no second full download');
        } finally {
          for (const p of processes) {
            await p.queue.stop(5000);
            p.provider.close();
          }
          await testDb.cleanup();
        }
      });

      it('a copy in another data directory, due while its interval job was taken elsewhere, updates itself after the grace period', async () => {
        const testDb = await createTestDatabase(dialect);
        const clock = new TestClock(Date.parse('2025-06-01T00:00:00Z'));
        const provider = new VulnDbProvider(join(testDb.dataDir, 'vulndb.sqlite'), clock.now);
        const updater = new VulnDbUpdater(provider, { updateIntervalHours: 12, mirrorUrl: bucket.url, sources: () => sources, dispatcher }, clock.now);
        try {
          await provider.open();
          await updater.run();
          assert.equal((await updater.overview()).status.demo, false);
          // The queue already holds this interval's job (another machine queued it): nothing to do yet.
          const taken = async () => null;
          clock.advance(11 * HOUR);
          assert.deepEqual(await updater.tick(taken), { action: 'not-due' });
          clock.advance(1 * HOUR);
          assert.deepEqual(await updater.tick(taken), { action: 'already-queued' });
          clock.advance(LOCAL_GRACE_MS - 1);
          assert.deepEqual(await updater.tick(taken), { action: 'already-queued' });
          clock.advance(1);
          const tick = await updater.tick(taken);
          assert.equal(tick.action, 'ran-locally');
          assert.equal((await updater.overview()).update.lastSuccessAt, new Date(clock.now()).toISOString());
        } finally {
          provider.close();
          await updater.close();
          await testDb.cleanup();
        }
      });

      it('GET /v5/{project_id}/openhss/vulnerability-db says demo, then the real feeds; /metrics has age and records per feed', async () => {
        const t = await createTestApp(dialect, { vulndb: { updateIntervalHours: 12, mirrorUrl: bucket.url } }, { clockStart: Date.parse('2025-06-01T00:00:00Z') });
        try {
          const url = `/v5/${t.account.project.id}/openhss/vulnerability-db`;
          assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 401, 'authenticated like every v5 route');
          const demo = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } });
          assert.equal(demo.statusCode, 200, demo.body);
          const d = demo.json();
          assert.equal(d.demo, true);
          assert.equal(d.stale, true);
          assert.equal(d.last_success_time, null);
          assert.equal(d.update_interval_hours, 12);
          assert.ok(d.feeds.every((f: { name: string }) => f.name.startsWith('demo/')), 'the demo feeds');
          assert.ok(d.ecosystems.some((e: { ecosystem: string }) => e.ecosystem === 'Debian:12'));

          const file = t.runtime.vulnDb.file;
          await refreshVulnDb(file, sources, { dispatcher, baseUrl: bucket.url }, { now: () => new Date(t.clock.now()) });
          t.clock.advance(90_000);
          const real = (await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } })).json();
          assert.equal(real.demo, false);
          assert.equal(real.stale, false);
          assert.equal(real.age_seconds, 90);
          assert.equal(real.last_success_time, Date.parse('2025-06-01T00:00:00Z'));
          assert.equal(real.last_error, null);
          assert.deepEqual(real.feeds.map((f: { name: string; records: number }) => [f.name, f.records]), [['osv/npm', 2]]);
          assert.deepEqual(real.ecosystems.map((e: { ecosystem: string; advisories: number }) => [e.ecosystem, e.advisories]), [['npm', 2]]);

          const openapi = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
          assert.ok(openapi.paths['/v5/{project_id}/openhss/vulnerability-db']?.get, 'in the OpenAPI document');

          const registry = new Registry();
          registerVulnDbMetrics(registry, file, t.clock.now);
          const text = await registry.metrics();
          assert.match(text, /^openhss_vulndb_age_seconds 90$/m);
          assert.match(text, /^openhss_vulndb_records\{feed="osv\/npm"\} 2$/m);
          assert.match(text, /^openhss_vulndb_demo 0$/m);
          assert.deepEqual(t.undocumentedStatuses, []);
        } finally {
          await t.close();
        }
      });
    });
  }
});
