/**
 * The timed scans, in a process of its own so its peak RSS is the scan's: opens the runtime on the
 * prepared database, marks the hosts online and fresh, then runs a scheduled scan of all hosts
 * (createTask + runTask) twice: the first stores every host's vulnerabilities, the second finds
 * nothing changed. With an update feed in the plan, it then imports it into the data directory's
 * DB as `openhss db import` does and runs a third scheduled scan. After the first and the third,
 * it reads back what the product stored through its services (stored-count.ts). Prints one JSON
 * line (support/child.ts).
 *
 *   node --import tsx bench/hosts/scan-child.ts '<config JSON>' <project id> <plan JSON file>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { validateConfig } from '../../src/config/load.js';
import { openRuntime } from '../../src/runtime/runtime.js';
import { report, vmHwm } from '../support/child.js';
import { HostInventoryRepository } from '../../src/repositories/host-inventory-repository.js';
import { refreshHosts } from './hosts.js';
import { storedCounts } from './stored-count.js';
import { buildVulnDb } from './vulndb.js';

export interface ScanPlan {
  sampleHostIds: string[];
  /** Tracker JSON of the updated feed, or null for no update phase. */
  updateJson: string | null;
}

const [configJson, projectId, planFile] = process.argv.slice(2);
if (!configJson || !projectId || !planFile) throw new Error('usage: scan-child.ts <config JSON> <project id> <plan JSON file>');
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as ScanPlan;
const config = validateConfig(JSON.parse(configJson) as Record<string, unknown>);
const runtime = await openRuntime(config);
try {
  const { vulScans } = runtime.services;
  const db = runtime.database.db;
  const baseRss = vmHwm();

  const scan = async () => {
    await refreshHosts(db, projectId, Date.now());
    const start = performance.now();
    const taskId = await vulScans.createTask(projectId, { scanType: 'schedule', vulTypes: ['linux_vul'], rangeType: 'all_host' });
    if (!taskId) throw new Error('createTask returned null: the scheduled slot already has its task');
    const createMs = performance.now() - start;
    await vulScans.runTask(taskId);
    const ms = performance.now() - start;
    const task = await db.selectFrom('vul_scan_tasks').selectAll().where('id', '=', taskId).executeTakeFirstOrThrow();
    const hostStates = await db
      .selectFrom('vul_scan_task_hosts')
      .select(['scan_status', sql<number>`count(*)`.as('n')])
      .where('task_id', '=', taskId)
      .groupBy('scan_status')
      .execute();
    return {
      ms,
      createMs,
      rssAfter: vmHwm(),
      status: task.status,
      hostNum: task.host_num,
      success: task.success_host_num,
      failed: task.failed_host_num,
      hostStates: Object.fromEntries(hostStates.map((r) => [r.scan_status, Number(r.n)])),
    };
  };

  // The floor: what any scan of these hosts must do at least, read and decode every stored inventory
  // (in the scan's batches of 200), with no matching and no writes.
  const floorStart = performance.now();
  const hostIds = (await db.selectFrom('hosts').select('id').where('project_id', '=', projectId).execute()).map((r) => r.id);
  const inventories = new HostInventoryRepository(db);
  let packages = 0;
  for (let i = 0; i < hostIds.length; i += 200) for (const inv of await inventories.load(hostIds.slice(i, i + 200))) packages += inv.packages.length;
  const floorMs = performance.now() - floorStart;

  const first = await scan();
  const firstPeak = vmHwm();
  const firstStored = await storedCounts(runtime, projectId, plan.sampleHostIds);
  const second = await scan();
  let update = null;
  if (plan.updateJson) {
    // The DB update as `openhss db import` makes it (a new file renamed into place), then the
    // provider's next look at the file (it looks every 2 s; here at once).
    const imported = await buildVulnDb(join(config.dataDir, 'vulndb.sqlite'), plan.updateJson);
    if (!runtime.vulnDb.refresh()) throw new Error('the updated DB file was not picked up');
    const third = await scan();
    update = { importMs: imported.ms, scan: third, stored: await storedCounts(runtime, projectId, plan.sampleHostIds) };
  }
  report({ baseRss, firstPeak, floorMs, floorPackages: packages, first: { ...first, stored: firstStored }, second, update });
} catch (err) {
  // The parent shows why the scan could not run, and goes on with the other parts.
  report({ baseRss: vmHwm(), error: (err as Error).stack ?? String(err) });
} finally {
  await runtime.close();
}
