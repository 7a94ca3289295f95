/**
 * Handling stays exact at scale: a fleet (200 hosts; VUL_TOTALS_HOSTS=2000 for more) over a
 * generated Debian tracker feed, and random sequences of handling through the real HTTP API —
 * ignore a vulnerability on all its hosts (ChangeVulStatus in items of ≤ 500 hosts), re-scan,
 * not_ignore, mark fixed (manual_repair) on some hosts, verify (and run the scan it creates), a
 * vulnerability DB change (imported as `openhss db import` does), package upgrades on some hosts.
 * After every step, every total the API shows — the aggregated list's host_num, unhandle_host_num,
 * ignored_num, fixed_num, verify_num, hosts_num and host_id_list, ListVulHosts' total_num, the
 * overview's host totals and its top hosts' counts — must equal a plain recount of the raw
 * per-host findings (every host's ListHostVuls rows). After a full re-scan, the (host,
 * vulnerability) pairs must also be exactly those the generator's own rule says (no version
 * comparison: each record's fixed version is one of the rungs the test installs).
 *
 * Seeded: VUL_TOTALS_SEED=<n> replays a run; the seed is printed in every failure message.
 * (Host removal is not among the steps: openhss has no API or service that removes a host.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_ID_LIST_LIMIT } from '../../../src/repositories/vul-list-repository.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { createEnrolmentToken, deb, enroll, identity, inventoryOf, uploadInventory } from '../../support/hosts.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';
import { importPath } from '../../../src/vulndb/import-path.js';
import { prng } from '../../../bench/hosts/fleet.js';

const HOSTS = Number(process.env.VUL_TOTALS_HOSTS ?? 200);
const STEPS = Number(process.env.VUL_TOTALS_STEPS ?? 14);
const SEED = Number(process.env.VUL_TOTALS_SEED ?? Math.floor(Math.random() * 2 ** 31));

// Each source package is installed at one of three rungs, in this order by construction.
const RUNGS = ['1.0-1', '1.0-1+deb12u1', '1.0-1+deb12u2'];
const SOURCES = Array.from({ length: 30 }, (_, i) => `ptsrc${String(i).padStart(2, '0')}`);
const URGENCIES = ['low', 'medium', 'high', 'not yet assigned', 'unimportant'];

/** A record's fixed point on the ladder: affects rungs below `fixedAt` (0: none, 3: all; 'open' is 3 too). */
interface Rec {
  source: string;
  id: string;
  fixedAt: 0 | 1 | 2 | 3;
  open: boolean;
  urgency: string;
}

const fixedVersion = (r: Rec) => (r.fixedAt === 0 ? '0.9-1' : r.fixedAt === 3 ? '1.0-1+deb12u3' : RUNGS[r.fixedAt]!);
const affects = (r: Rec, rung: number) => r.open || rung < r.fixedAt;

function feedJson(records: Rec[]): string {
  const by = new Map<string, Record<string, unknown>>();
  for (const r of records) {
    const bookworm = r.open ? { status: 'open', urgency: r.urgency } : { status: 'resolved', fixed_version: fixedVersion(r), urgency: r.urgency };
    const entries = by.get(r.source) ?? {};
    entries[r.id] = { description: `A flaw in ${r.source}.`, scope: 'remote', releases: { bookworm: { ...bookworm, repositories: { bookworm: RUNGS[2] } } } };
    by.set(r.source, entries);
  }
  return JSON.stringify(Object.fromEntries(by));
}

function makeRecords(rand: () => number, serialStart = 0): Rec[] {
  const out: Rec[] = [];
  let serial = serialStart;
  for (const source of SOURCES) {
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) {
      // A few ids are shared with the previous source (bundled code): a host counts them once.
      const shared = out.length > 0 && rand() < 0.08 && out[out.length - 1]!.source !== source ? out[out.length - 1]!.id : null;
      out.push({ source, id: shared ?? `CVE-2031-${String(1000 + serial++)}`, fixedAt: Math.floor(rand() * 4) as Rec['fixedAt'], open: rand() < 0.15, urgency: URGENCIES[Math.floor(rand() * URGENCIES.length)]! });
    }
  }
  return out;
}

interface RawRow {
  hostId: string;
  vulId: string;
  status: string;
  severity: string;
}

/** The plain recount: every total from the raw rows, by hand. */
function recount(rows: RawRow[], assetOf: Map<string, string>) {
  const handled = (s: string) => s === 'vul_status_ignored' || s === 'vul_status_fixed';
  const perVul = new Map<string, { host_num: number; unhandle_host_num: number; ignored_num: number; fixed_num: number; verify_num: number; important: number; common: number; test: number; hosts: string[] }>();
  const perHost = new Map<string, { critical: number; high: number; medium: number; low: number; handled: number }>();
  for (const r of rows) {
    let v = perVul.get(r.vulId);
    if (!v) perVul.set(r.vulId, (v = { host_num: 0, unhandle_host_num: 0, ignored_num: 0, fixed_num: 0, verify_num: 0, important: 0, common: 0, test: 0, hosts: [] }));
    v.host_num++;
    if (!handled(r.status)) v.unhandle_host_num++;
    if (r.status === 'vul_status_ignored') v.ignored_num++;
    if (r.status === 'vul_status_fixed') v.fixed_num++;
    if (r.status === 'vul_status_verified') v.verify_num++;
    const asset = assetOf.get(r.hostId)! as 'important' | 'common' | 'test';
    v[asset]++;
    v.hosts.push(r.hostId);
    let h = perHost.get(r.hostId);
    if (!h) perHost.set(r.hostId, (h = { critical: 0, high: 0, medium: 0, low: 0, handled: 0 }));
    if (handled(r.status)) h.handled++;
    else h[r.severity.toLowerCase() as 'critical' | 'high' | 'medium' | 'low']++;
  }
  let critical = 0, high = 0, medium = 0, low = 0, handledNum = 0, vulnerable = 0;
  for (const h of perHost.values()) {
    critical += h.critical;
    high += h.high;
    medium += h.medium;
    low += h.low;
    handledNum += h.handled;
    if (h.critical + h.high + h.medium + h.low > 0) vulnerable++;
  }
  return { perVul, perHost, overview: { critical, high, medium, low, handled: handledNum, vulnerable } };
}

for (const backend of backends) {
  describe(`handling totals equal a recount from the raw findings, random sequences (${backend}, ${HOSTS} hosts, seed ${SEED})`, () => {
    let t: TestApp;
    let pid: string;
    const rand = prng(SEED + (backend === 'postgres' ? 1 : 0));
    let records: Rec[];
    const agents: EnrollResponse[] = [];
    const hostIds: string[] = [];
    /** Per host: source index → rung. */
    const installed: Array<Map<number, number>> = [];
    const assetOf = new Map<string, string>();
    /** The stored findings reflect the current DB and inventories (a full scan ran since they last changed). */
    let current = false;
    const steps: string[] = [];
    const where = () => `seed ${SEED} (VUL_TOTALS_SEED=${SEED}), ${backend}, after: ${steps.join(' → ')}`;

    const auth = () => ({ 'x-auth-token': t.token });
    const get = async <T = { total_num: number; data_list: Array<Record<string, unknown>> }>(url: string): Promise<T> => {
      const res = await t.app.inject({ method: 'GET', url, headers: auth() });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json() as T;
    };
    const all = async (url: string) => {
      const out: Array<Record<string, unknown>> = [];
      for (let offset = 0; ; offset += 200) {
        const page = await get(`${url}${url.includes('?') ? '&' : '?'}limit=200&offset=${offset}`);
        out.push(...page.data_list);
        if (page.data_list.length < 200) return { total: page.total_num, rows: out };
      }
    };
    const handle = async (operate_type: string, vulId: string, hosts: string[]) => {
      for (let i = 0; i < hosts.length; i += 500) {
        const res = await t.app.inject({ method: 'PUT', url: `/v5/${pid}/vulnerability/status`, headers: auth(), payload: { operate_type, type: 'linux_vul', data_list: [{ vul_id: vulId, host_id_list: hosts.slice(i, i + 500) }] } });
        assert.equal(res.statusCode, 200, `${operate_type} ${vulId}: ${res.body} (${where()})`);
      }
    };
    const taskIds = async () => new Set((await all(`/v5/${pid}/vulnerability/scan-tasks`)).rows.map((r) => r.id as string));
    const fullScan = async () => {
      const res = await t.app.inject({ method: 'POST', url: `/v5/${pid}/vulnerability/scan-task`, headers: auth(), payload: { manual_scan_type: ['linux_vul'], range_type: 'all_host' } });
      assert.equal(res.statusCode, 200, res.body);
      await t.runtime.services.vulScans.runTask((res.json() as { task_id: string }).task_id);
      current = true;
    };
    const upload = async (h: number) => {
      const pkgs = [...installed[h]!].map(([s, rung]) => deb(`${SOURCES[s]}-bin`, RUNGS[rung]!, SOURCES[s]!, RUNGS[rung]!));
      const res = await uploadInventory(t.app, agents[h]!, inventoryOf(pkgs));
      assert.equal(res.statusCode, 200, res.body);
    };
    const importFeed = async () => {
      const file = join(t.config.dataDir, 'tracker.json');
      writeFileSync(file, feedJson(records));
      await importPath(join(t.config.dataDir, 'vulndb.sqlite'), file);
      assert.ok(t.runtime.vulnDb.refresh(), 'the imported DB is picked up');
    };
    /** Raw findings: every host's ListHostVuls rows. */
    const raw = async (): Promise<RawRow[]> => {
      const out: RawRow[] = [];
      for (const hostId of hostIds) {
        const { total, rows } = await all(`/v5/${pid}/vulnerability/host/${hostId}?type=linux_vul`);
        assert.equal(rows.length, total, `ListHostVuls total_num of ${hostId} is its row count (${where()})`);
        for (const r of rows) out.push({ hostId, vulId: r.vul_id as string, status: r.status as string, severity: r.severity_level as string });
      }
      return out;
    };
    /** What the generator says each host has. */
    const truth = () => {
      const pairs = new Set<string>();
      installed.forEach((pkgs, h) => {
        for (const [s, rung] of pkgs) for (const r of records) if (r.source === SOURCES[s] && affects(r, rung)) pairs.add(`${hostIds[h]} ${r.id}`);
      });
      return pairs;
    };

    const check = async () => {
      const rows = await raw();
      const want = recount(rows, assetOf);
      if (current) {
        const got = new Set(rows.map((r) => `${r.hostId} ${r.vulId}`));
        const expected = truth();
        const missing = [...expected].filter((p) => !got.has(p));
        const extra = [...got].filter((p) => !expected.has(p));
        assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5), counts: [missing.length, extra.length] }, { missing: [], extra: [], counts: [0, 0] }, `stored pairs vs the generator (${where()})`);
      }
      const list = await all(`/v5/${pid}/vulnerability/vulnerabilities?type=linux_vul`);
      assert.equal(list.total, want.perVul.size, `aggregated list total_num (${where()})`);
      assert.equal(list.rows.length, want.perVul.size);
      for (const r of list.rows) {
        const w = want.perVul.get(r.vul_id as string);
        assert.ok(w, `${r.vul_id as string} is listed but on no host (${where()})`);
        const hostsNum = r.hosts_num as { important: number; common: number; test: number };
        // host_id_list: every host up to HOST_ID_LIST_LIMIT, then that many of them (host_num counts them all).
        const listed = r.host_id_list as string[];
        const hostsOk = listed.length === Math.min(w.hosts.length, HOST_ID_LIST_LIMIT) && new Set(listed).size === listed.length && listed.every((id) => w.hosts.includes(id));
        assert.deepEqual(
          { host_num: r.host_num, unhandle_host_num: r.unhandle_host_num, ignored_num: r.ignored_num, fixed_num: r.fixed_num, verify_num: r.verify_num, ...hostsNum, hostsOk },
          { host_num: w.host_num, unhandle_host_num: w.unhandle_host_num, ignored_num: w.ignored_num, fixed_num: w.fixed_num, verify_num: w.verify_num, important: w.important, common: w.common, test: w.test, hostsOk: true },
          `aggregated row of ${r.vul_id as string} (${where()}): ${listed.length} host ids listed of ${w.hosts.length}`,
        );
      }
      // Every filter the aggregated list reads from its kept totals: each vulnerability's host_num over the rows the filter keeps.
      const handledStatus = (s: string) => s === 'vul_status_ignored' || s === 'vul_status_fixed';
      const filters: Array<[string, (r: RawRow) => boolean]> = [
        ['asset_value=important', (r) => assetOf.get(r.hostId) === 'important'],
        ['asset_value=test', (r) => assetOf.get(r.hostId) === 'test'],
        ['handle_status=unhandled', (r) => !handledStatus(r.status)],
        ['handle_status=handled', (r) => handledStatus(r.status)],
        ['status=vul_status_ignored', (r) => r.status === 'vul_status_ignored'],
        ['severity_level=High', (r) => r.severity === 'High'],
      ];
      for (const [query, keep] of filters) {
        const wanted = new Map<string, number>();
        for (const r of rows) if (keep(r)) wanted.set(r.vulId, (wanted.get(r.vulId) ?? 0) + 1);
        const got = await all(`/v5/${pid}/vulnerability/vulnerabilities?type=linux_vul&${query}`);
        assert.deepEqual(new Map(got.rows.map((r) => [r.vul_id as string, r.host_num as number])), wanted, `aggregated list with ${query} (${where()})`);
      }
      // Hosts of one vulnerability: the two most widespread and one chosen at random.
      const ids = [...want.perVul.keys()];
      const sample = [...new Set([...[...want.perVul].sort((a, b) => b[1].host_num - a[1].host_num).slice(0, 2).map(([id]) => id), ids[Math.floor(rand() * ids.length)]])].filter(Boolean) as string[];
      for (const id of sample) {
        const hosts = await all(`/v5/${pid}/vulnerability/hosts?type=linux_vul&vul_id=${id}`);
        assert.equal(hosts.total, want.perVul.get(id)!.host_num, `ListVulHosts total_num of ${id} (${where()})`);
        const unhandled = await get(`/v5/${pid}/vulnerability/hosts?type=linux_vul&vul_id=${id}&handle_status=unhandled&limit=10`);
        assert.equal(unhandled.total_num, want.perVul.get(id)!.unhandle_host_num, `ListVulHosts unhandled total of ${id} (${where()})`);
      }
      const o = await get<{ hosts: Record<string, number>; top_hosts: Array<Record<string, unknown>> }>(`/v5/${pid}/openhss/overview`);
      assert.deepEqual(
        { total: o.hosts.total_num, vulnerable: o.hosts.vulnerable_num, critical: o.hosts.critical_num, high: o.hosts.high_num, medium: o.hosts.medium_num, low: o.hosts.low_num, handled: o.hosts.handled_num },
        { total: HOSTS, ...want.overview },
        `overview host totals (${where()})`,
      );
      for (const top of o.top_hosts) {
        const h = want.perHost.get(top.host_id as string) ?? { critical: 0, high: 0, medium: 0, low: 0 };
        assert.deepEqual([top.critical_num, top.high_num, top.medium_num, top.low_num], [h.critical, h.high, h.medium, h.low], `overview top host ${top.host_id as string} (${where()})`);
      }
    };

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      records = makeRecords(rand);
      await importFeed();
      for (let h = 0; h < HOSTS; h++) {
        agents.push(await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity(`pt-${String(h).padStart(4, '0')}`, { ips: [`10.9.${h >> 8}.${h & 255}`] })));
        const pkgs = new Map<number, number>();
        for (let s = 0; s < SOURCES.length; s++) if (rand() < 0.5) pkgs.set(s, Math.floor(rand() * 3));
        installed.push(pkgs);
        await upload(h);
      }
      const hosts = (await t.runtime.services.hosts.list(pid, {}, { offset: 0, limit: HOSTS + 10 })).hosts;
      for (const a of agents) hostIds.push(hosts.find((x) => x.agentId === a.agent_id)!.id);
      // A tenth of the fleet important, a tenth test machines.
      for (const [value, pick] of [['important', 0], ['test', 1]] as const) {
        const ids = hostIds.filter((_, i) => i % 10 === pick);
        for (let i = 0; i < ids.length; i += 100) {
          const res = await t.app.inject({ method: 'PUT', url: `/v5/${pid}/host-management/asset-value`, headers: auth(), payload: { host_id_list: ids.slice(i, i + 100), asset_value: value } });
          assert.equal(res.statusCode, 200, res.body);
        }
      }
      hostIds.forEach((id, i) => assetOf.set(id, i % 10 === 0 ? 'important' : i % 10 === 1 ? 'test' : 'common'));
      await fullScan();
      steps.push('full scan');
    });
    after(async () => {
      await t?.close();
    });

    it(`${STEPS} random steps; after each, every total equals the recount`, async (ctx) => {
      await check();
      const ignored = new Set<string>();
      for (let i = 0; i < STEPS; i++) {
        const rows = await raw();
        const vulIds = [...new Set(rows.map((r) => r.vulId))].sort();
        const hostsOf = (vulId: string) => rows.filter((r) => r.vulId === vulId).map((r) => r.hostId);
        const pickVul = () => vulIds[Math.floor(rand() * vulIds.length)]!;
        const x = rand();
        if (x < 0.22 && vulIds.length) {
          const v = pickVul();
          await handle('ignore', v, hostsOf(v));
          ignored.add(v);
          steps.push(`ignore ${v} on all ${hostsOf(v).length} hosts`);
        } else if (x < 0.36 && ignored.size) {
          const v = [...ignored][Math.floor(rand() * ignored.size)]!;
          ignored.delete(v);
          const hosts = hostsOf(v);
          if (hosts.length) await handle('not_ignore', v, hosts);
          steps.push(`not_ignore ${v} on ${hosts.length} hosts`);
        } else if (x < 0.52) {
          await fullScan();
          steps.push('re-scan');
        } else if (x < 0.64 && vulIds.length) {
          const v = pickVul();
          const hosts = hostsOf(v).filter(() => rand() < 0.5);
          if (hosts.length) await handle('manual_repair', v, hosts);
          steps.push(`manual_repair ${v} on ${hosts.length} hosts`);
        } else if (x < 0.74 && vulIds.length) {
          const v = pickVul();
          const hosts = hostsOf(v).filter(() => rand() < 0.3).slice(0, 200);
          if (hosts.length) {
            const before = await taskIds();
            await handle('verify', v, hosts);
            steps.push(`verify ${v} on ${hosts.length} hosts`);
            await check();
            const created = [...(await taskIds())].filter((id) => !before.has(id));
            assert.equal(created.length, 1, `verify created one scan task (${where()})`);
            await t.runtime.services.vulScans.runTask(created[0]!);
            steps.push('its scan');
          } else steps.push(`verify ${v} on no host`);
        } else if (x < 0.87) {
          // A DB change: some records get another fixed version, some are withdrawn, some are new.
          const next: Rec[] = [];
          let changed = 0;
          for (const r of records) {
            const y = rand();
            if (y < 0.08) changed++;
            else if (y < 0.2) {
              next.push({ ...r, fixedAt: Math.floor(rand() * 4) as Rec['fixedAt'], open: rand() < 0.15 });
              changed++;
            } else next.push(r);
          }
          const fresh = makeRecords(rand, 5000 + i * 200).filter(() => rand() < 0.1);
          records = [...next, ...fresh];
          await importFeed();
          current = false;
          steps.push(`DB change (${changed} records changed or withdrawn, ${fresh.length} new)`);
        } else if (x < 0.93) {
          // Hosts change importance: their findings' totals move with them.
          const value = (['important', 'common', 'test'] as const)[Math.floor(rand() * 3)]!;
          const ids = hostIds.filter(() => rand() < 0.15);
          for (let i = 0; i < ids.length; i += 100) {
            const res = await t.app.inject({ method: 'PUT', url: `/v5/${pid}/host-management/asset-value`, headers: auth(), payload: { host_id_list: ids.slice(i, i + 100), asset_value: value } });
            assert.equal(res.statusCode, 200, res.body);
          }
          for (const id of ids) assetOf.set(id, value);
          steps.push(`asset value ${value} on ${ids.length} hosts`);
        } else {
          // Upgrades and downgrades on some hosts, uploaded by their agents.
          const hosts = hostIds.map((_, h) => h).filter(() => rand() < 0.1);
          for (const h of hosts) {
            for (const s of installed[h]!.keys()) if (rand() < 0.3) installed[h]!.set(s, Math.floor(rand() * 3));
            await upload(h);
          }
          current = false;
          steps.push(`packages changed on ${hosts.length} hosts`);
        }
        await check();
      }
      // Ignoring everything that is left ignored, re-scanning, and un-ignoring must end where a recount says.
      await fullScan();
      steps.push('final re-scan');
      await check();
      ctx.diagnostic(`seed ${SEED}: ${steps.join(' → ')}`);
    });
  });
}
