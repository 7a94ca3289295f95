/**
 * Stores the fleet as enrolled, online hosts with a fresh inventory each (rows as the agent
 * routes leave them), and a year of vulnerability scan tasks, in bulk: multi-row inserts in
 * chunks, each chunk in a transaction, so set-up is quick on SQLite and PostgreSQL alike.
 */
import { key52 } from '../../src/domain/keys.js';
import { createHash } from 'node:crypto';
import { encodeInventory } from '../../src/repositories/inventory-codec.js';
import type { Kysely } from 'kysely';
import { inventoryHash, type InventoryDocument } from '../../src/agent/protocol.js';
import type { DB, HostsTable, VulScanTasksTable } from '../../src/db/schema.js';
import type { DebPackage } from '../../src/domain/package.js';
import { hostPackages, prng, type Fleet } from './fleet.js';

export const BENCH_OS = { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' };

export interface StoredInventory {
  hash: string;
  document: Buffer;
  packageCount: number;
}

const q = JSON.stringify;

/**
 * inventoryHash() for deb-only documents, written out: the same canonical JSON (keys sorted,
 * packages in packageKey order) without the generic walk, which costs ~9 ms a host.
 * prepareInventories checks it against inventoryHash() on a sample.
 */
export function fastInventoryHash(document: { os: InventoryDocument['os']; packages: DebPackage[] }): string {
  const key = (p: DebPackage) => `deb\u0000${p.name}\u0000${p.version}\u0000${p.location.path}`;
  const keyed = document.packages.map((p) => [key(p), p] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const os = document.os;
  const osJson = os
    ? `{${[
        os.codename !== undefined ? `"codename":${q(os.codename)}` : '',
        `"id":${q(os.id)}`,
        os.prettyName !== undefined ? `"prettyName":${q(os.prettyName)}` : '',
        `"versionId":${q(os.versionId)}`,
      ]
        .filter(Boolean)
        .join(',')}}`
    : 'null';
  const parts = keyed.map(
    ([, p]) =>
      `{"architecture":${q(p.architecture)},"location":{"path":${q(p.location.path)}},"name":${q(p.name)},"source":{"name":${q(p.source.name)},"version":${q(p.source.version)}},"type":"deb","version":${q(p.version)}}`,
  );
  return createHash('sha256').update(`{"os":${osJson},"packages":[${parts.join(',')}]}`).digest('hex');
}

/** Builds (once, for every backend) each host's gzip'd InventoryDocument and its content hash. */
export function prepareInventories(fleet: Fleet, onProgress?: (done: number) => void): StoredInventory[] {
  const out: StoredInventory[] = [];
  for (const host of fleet.hosts) {
    const document = { os: BENCH_OS, packages: hostPackages(fleet, host) };
    const hash = fastInventoryHash(document);
    if (out.length < 3 && hash !== inventoryHash(document)) throw new Error('fastInventoryHash disagrees with inventoryHash(): update bench/hosts/hosts.ts');
    out.push({ hash, document: encodeInventory(document), packageCount: document.packages.length });
    if (onProgress && out.length % 5000 === 0) onProgress(out.length);
  }
  return out;
}

/** A uuid-shaped id from a seeded generator. */
export function uuidFrom(rand: () => number): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += Math.floor(rand() * 2 ** 32).toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function inChunks<T>(db: Kysely<DB>, rows: T[], size: number, write: (trx: Kysely<DB>, chunk: T[]) => Promise<void>): Promise<void> {
  // A few chunks per transaction: few commits, without one transaction holding everything.
  const perTrx = size * 10;
  for (let i = 0; i < rows.length; i += perTrx) {
    const slice = rows.slice(i, i + perTrx);
    await db.transaction().execute(async (trx) => {
      for (let j = 0; j < slice.length; j += size) await write(trx, slice.slice(j, j + size));
    });
  }
}

/** Inserts one host and its inventory per fleet host, all online and fresh as of `now`. */
export async function insertHosts(db: Kysely<DB>, projectId: string, inventories: StoredInventory[], now: number): Promise<string[]> {
  const rand = prng(99);
  const hosts: HostsTable[] = inventories.map((inv, i) => {
    const id = uuidFrom(rand);
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return {
      id,
      seq: key52(id),
      project_id: projectId,
      enterprise_project_id: '0',
      agent_id: uuidFrom(rand),
      agent_secret_hash: sha256(id),
      machine_id: sha256(`machine-${i}`).slice(0, 32),
      host_name: `bench-host-${String(i).padStart(5, '0')}`,
      os_type: 'Linux',
      os_name: BENCH_OS.prettyName,
      os_version: '12',
      kernel: '6.1.0-28-amd64',
      ips: JSON.stringify([ip]),
      private_ip: ip,
      public_ip: '',
      // As a fleet is classified: a tenth important servers, a tenth test machines.
      asset_value: i % 10 === 0 ? 'important' : i % 10 === 1 ? 'test' : 'common',
      agent_version: '0.1.0',
      last_seen_at: now,
      inventory_hash: inv.hash,
      inventory_at: now,
      last_scan_at: null,
      matched_state: null,
      match_gap: null,
      matched_generation: null,
      created_at: now - (inventories.length - i) * 1000,
    };
  });
  await inChunks(db, hosts, 500, async (trx, chunk) => {
    await trx.insertInto('hosts').values(chunk).execute();
  });
  const rows = inventories.map((inv, i) => ({
    host_id: hosts[i]!.id,
    project_id: projectId,
    content_hash: inv.hash,
    package_count: inv.packageCount,
    document: inv.document,
    warnings: '[]',
    collected_at: now,
    uploaded_at: now,
  }));
  await inChunks(db, rows, 100, async (trx, chunk) => {
    await trx.insertInto('host_inventories').values(chunk).execute();
  });
  return hosts.map((h) => h.id);
}

/** Marks every host of the project as just seen, with an inventory just collected: agents online and fresh. */
export async function refreshHosts(db: Kysely<DB>, projectId: string, now: number): Promise<void> {
  await db.updateTable('hosts').set({ last_seen_at: now, inventory_at: now }).where('project_id', '=', projectId).execute();
  await db.updateTable('host_inventories').set({ collected_at: now, uploaded_at: now }).where('project_id', '=', projectId).execute();
}

const DAY = 24 * 3600 * 1000;

/** `count` finished-mostly tasks over the past year, newest last; returns a few ids for lookups. */
export async function insertTasks(db: Kysely<DB>, projectId: string, count: number, hostCount: number, now: number): Promise<{ ids: string[]; minStart: number; maxStart: number }> {
  const rand = prng(4242);
  const span = 365 * DAY;
  const chunk = 2000;
  const perTrx = 20_000;
  const ids: string[] = [];
  for (let i = 0; i < count; i += perTrx) {
    await db.transaction().execute(async (trx) => {
      for (let j = i; j < Math.min(count, i + perTrx); j += chunk) {
        const rows: VulScanTasksTable[] = [];
        for (let k = j; k < Math.min(count, j + chunk, i + perTrx); k++) {
          const start = now - span + Math.floor((k / count) * span) + Math.floor(rand() * 60_000);
          const schedule = rand() < 0.6;
          const x = rand();
          // Every stored task is finished (task statuses are running and finished); 3 % failed on all their hosts.
          const status = 'finished';
          const hosts = schedule ? hostCount : 1 + Math.floor(rand() * 50);
          const failed = x < 0.03 ? hosts : Math.floor(rand() * 3);
          const id = uuidFrom(rand);
          if (k % Math.max(1, Math.floor(count / 50)) === 0) ids.push(id);
          rows.push({
            id,
            project_id: projectId,
            scan_type: schedule ? 'schedule' : 'manual',
            scan_vul_types: JSON.stringify(schedule ? ['linux_vul', 'windows_vul', 'web_cms', 'app_vul'] : ['linux_vul']),
            urgent_vul_ids: '[]',
            status,
            start_time: start,
            end_time: start + 60_000 + Math.floor(rand() * 3_600_000),
            host_num: hosts,
            scanning_host_num: 0,
            success_host_num: Math.max(0, hosts - failed),
            failed_host_num: failed,
            // Scheduled tasks each had a slot of their own; manual ones have none.
            schedule_slot: schedule ? k : null,
            deadline: start + DAY,
          });
        }
        await trx.insertInto('vul_scan_tasks').values(rows).execute();
      }
    });
  }
  return { ids, minStart: now - span, maxStart: now };
}
