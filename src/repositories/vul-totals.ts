import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import { KIND_URGENT, statusCode } from '../domain/host-vul.js';

/**
 * Keeping vul_totals, vul_seen and vul_totals_versions (migration 0017) in
 * step with host_vuls. A write batch's changes are counted here in memory
 * (a fleet scan writes millions of rows but a few thousand totals a batch);
 * handling and host moves count the rows they change with one grouped
 * statement before and after the change.
 */

/** What a host contributes its rows under. */
export interface HostTotalsKey {
  projectId: string;
  enterpriseProjectId: string;
  assetValue: string;
}

/** A change to one vul_totals row. */
export interface TotalsDelta extends HostTotalsKey {
  vulSeq: number;
  kind: number;
  severity: string;
  status: number;
  n: number;
}

/** A stored row's state, as far as its totals go. */
export interface CountedState {
  affectSeq: number;
  kind: number;
  status: number;
}

/**
 * The rows a write batch changes. What an updated or deleted row was is read
 * by the writer inside its transaction (`before`), never taken from the
 * matcher's earlier read: a user's handling in between would be counted
 * twice or lost.
 */
export interface TotalsChanges {
  inserts: ReadonlyArray<{ hostSeq: number; vulSeq: number; affectSeq: number; kind: number; status: number }>;
  updates: ReadonlyArray<{ hostSeq: number; vulSeq: number; affectSeq: number; kind: number; status: number }>;
  deletes: ReadonlyArray<{ hostSeq: number; vulSeq: number }>;
}

/** The host seqs whose keys totalsDeltas will ask for. */
export function totalsHosts(c: TotalsChanges): number[] {
  const hosts = new Set<number>();
  for (const r of c.inserts) hosts.add(r.hostSeq);
  for (const r of c.updates) hosts.add(r.hostSeq);
  for (const r of c.deletes) hosts.add(r.hostSeq);
  return [...hosts];
}

/** The SET list that adds a HostCountDelta to a hosts row (parameters in HOST_COUNT_COLUMNS order). */
export const HOST_COUNT_ADD = 'vul_critical_num = vul_critical_num + ?, vul_high_num = vul_high_num + ?, vul_medium_num = vul_medium_num + ?, vul_low_num = vul_low_num + ?, vul_handled_num = vul_handled_num + ?, vul_kev_num = vul_kev_num + ?';

/** A host's change of its kept counts, in HOST_COUNT_COLUMNS order (host-vul-counts.ts): open critical, high, medium, low; handled; open KEV. */
export type HostCountDelta = [number, number, number, number, number, number];

const OPEN_SEVERITY: Record<string, number> = { Critical: 0, High: 1, Medium: 2, Low: 3 };
/** The stored status codes that count as handled, as HOST_COUNT_SELECT counts them. */
const HANDLED_IGNORED = statusCode('vul_status_ignored');
const HANDLED_FIXED = statusCode('vul_status_fixed');

/**
 * The batch's changes summed per vul_totals row, in key order (so concurrent
 * writers take row locks in one order; rows that net to 0 are left out), and
 * per host, the change of its kept counts (hosts whose counts don't change
 * are left out). What HOST_COUNT_SELECT would recount, counted from the
 * changes instead of the host's rows.
 */
/** The rows of hosts with one key (countChanges): per vulnerability, (kind, severity index, status) packed in one number → host count. */
interface HostGroup {
  key: HostTotalsKey;
  byVul: Map<number, Map<number, number>>;
}

export function countChanges(
  c: TotalsChanges,
  hostOf: (hostSeq: number) => HostTotalsKey | undefined,
  severityOf: (affectSeq: number) => string,
  before: (hostSeq: number, vulSeq: number) => CountedState | undefined,
): { totals: TotalsDelta[]; hosts: Map<number, HostCountDelta> } {
  // Millions of rows a fleet scan: per row only numeric map look-ups. Hosts with the same key share one group;
  // within it, per vulnerability, a small number stands for (kind, severity, status).
  const groups = new Map<string, HostGroup>();
  const hosts = new Map<number, { group: HostGroup | null; counts: HostCountDelta }>();
  const severities: string[] = [];
  const severityIndex = new Map<string, number>();
  const add = (hostSeq: number, vulSeq: number, affectSeq: number, kind: number, status: number, n: number) => {
    let host = hosts.get(hostSeq);
    if (host === undefined) {
      const key = hostOf(hostSeq);
      let group = null;
      if (key) {
        const text = `${key.projectId}\u0000${key.enterpriseProjectId}\u0000${key.assetValue}`;
        group = groups.get(text) ?? null;
        if (!group) groups.set(text, (group = { key, byVul: new Map() }));
      }
      hosts.set(hostSeq, (host = { group, counts: [0, 0, 0, 0, 0, 0] }));
    }
    // A host removed in the meantime has no rows to count.
    if (!host.group) return;
    const severity = severityOf(affectSeq);
    let s = severityIndex.get(severity);
    if (s === undefined) {
      s = severities.push(severity) - 1;
      severityIndex.set(severity, s);
    }
    const small = (kind * 64 + s) * 64 + status;
    let perVul = host.group.byVul.get(vulSeq);
    if (!perVul) host.group.byVul.set(vulSeq, (perVul = new Map()));
    perVul.set(small, (perVul.get(small) ?? 0) + n);
    const counts = host.counts;
    if (status === HANDLED_IGNORED || status === HANDLED_FIXED) counts[4] += n;
    else {
      const open = OPEN_SEVERITY[severity];
      if (open !== undefined) counts[open as 0 | 1 | 2 | 3] += n;
      if ((kind & KIND_URGENT) !== 0) counts[5] += n;
    }
  };
  for (const r of c.inserts) add(r.hostSeq, r.vulSeq, r.affectSeq, r.kind, r.status, 1);
  for (const r of c.updates) {
    const old = before(r.hostSeq, r.vulSeq);
    // An update of a row that is gone changes nothing.
    if (!old) continue;
    add(r.hostSeq, r.vulSeq, old.affectSeq, old.kind, old.status, -1);
    add(r.hostSeq, r.vulSeq, r.affectSeq, r.kind, r.status, 1);
  }
  for (const r of c.deletes) {
    const old = before(r.hostSeq, r.vulSeq);
    if (old) add(r.hostSeq, r.vulSeq, old.affectSeq, old.kind, old.status, -1);
  }
  const hostDeltas = new Map<number, HostCountDelta>();
  for (const [hostSeq, h] of hosts) if (h.group && h.counts.some((n) => n !== 0)) hostDeltas.set(hostSeq, h.counts);
  // One order of rows for every writer (so concurrent writers take their row locks in the same order).
  const totals: TotalsDelta[] = [];
  for (const text of [...groups.keys()].sort()) {
    const group = groups.get(text)!;
    for (const vulSeq of [...group.byVul.keys()].sort((a, b) => a - b)) {
      const perVul = group.byVul.get(vulSeq)!;
      for (const small of [...perVul.keys()].sort((a, b) => a - b)) {
        const n = perVul.get(small)!;
        if (n === 0) continue;
        totals.push({ ...group.key, vulSeq, kind: Math.floor(small / 4096), severity: severities[Math.floor(small / 64) % 64]!, status: small % 64, n });
      }
    }
  }
  return { totals, hosts: hostDeltas };
}

const TOTALS_KEY = 'project_id, vul_seq, enterprise_project_id, asset_value, kind, severity, status';

/** Adds a row's host_num to the stored one (statements end with this after their values or select). */
export const TOTALS_UPSERT = `on conflict (${TOTALS_KEY}) do update set host_num = vul_totals.host_num + excluded.host_num`;
export const TOTALS_INSERT = `insert into vul_totals (${TOTALS_KEY}, host_num)`;

/** Moves vul_seen forward (never back) for a project's vulnerabilities. */
export const SEEN_INSERT = 'insert into vul_seen (project_id, vul_seq, scan_time)';
export const seenUpsert = (postgres: boolean) =>
  `on conflict (project_id, vul_seq) do update set scan_time = ${postgres ? 'greatest' : 'max'}(vul_seen.scan_time, excluded.scan_time)`;

/** Raises a project's version: the last statement of every transaction that changes its totals. */
export const VERSION_BUMP = `insert into vul_totals_versions (project_id, version) values (?, 1)
  on conflict (project_id) do update set version = vul_totals_versions.version + 1`;

/**
 * Adds (sign 1) or takes away (sign -1) the totals of the host_vuls rows
 * (aliased `v`) that `where` selects, under their hosts' current keys. A
 * change to those rows or their hosts, between a call with -1 and one with
 * 1 in the same transaction, moves their counts to their new keys.
 */
export async function countRows(db: Kysely<any>, sign: 1 | -1, where: RawBuilder<boolean>): Promise<void> {
  await sql`${sql.raw(TOTALS_INSERT)}
    select h.project_id, v.vul_seq, h.enterprise_project_id, h.asset_value, v.kind, a.severity, v.status, ${sql.lit(sign)} * count(*)
    from host_vuls v join hosts h on h.seq = v.host_seq join vul_affects a on a.seq = v.affect_seq
    where ${where}
    group by h.project_id, v.vul_seq, h.enterprise_project_id, h.asset_value, v.kind, a.severity, v.status
    order by h.project_id, v.vul_seq, h.enterprise_project_id, h.asset_value, v.kind, a.severity, v.status
    ${sql.raw(TOTALS_UPSERT)}`.execute(db);
}

/** `where` for countRows: the rows of these hosts. */
export const rowsOfHosts = (hostSeqs: number[]) => sql<boolean>`v.host_seq in (${sql.join(hostSeqs.map((s) => sql.lit(s)))})`;

/**
 * `where` for countRows (or any query of host_vuls aliased `v`): these (host,
 * vulnerability) rows. The two plain IN lists let the database look the rows
 * up by primary key (SQLite scans the table for a row-value IN alone).
 */
export const rowsOfPairs = (pairs: ReadonlyArray<{ hostSeq: number; vulSeq: number }>) => {
  const hosts = [...new Set(pairs.map((p) => p.hostSeq))];
  const vuls = [...new Set(pairs.map((p) => p.vulSeq))];
  return sql<boolean>`v.host_seq in (${sql.join(hosts.map((s) => sql.lit(s)))}) and v.vul_seq in (${sql.join(vuls.map((s) => sql.lit(s)))})
    and (v.host_seq, v.vul_seq) in (values ${sql.join(pairs.map((p) => sql`(${sql.lit(p.hostSeq)}, ${sql.lit(p.vulSeq)})`))})`;
};

export async function bumpVersion(db: Kysely<any>, projectIds: Iterable<string>): Promise<void> {
  for (const projectId of [...new Set(projectIds)].sort()) {
    await sql`insert into vul_totals_versions (project_id, version) values (${projectId}, 1)
      on conflict (project_id) do update set version = vul_totals_versions.version + 1`.execute(db);
  }
}

/** Drops a project's rows that count no host (left by moves between states). */
export async function compactTotals(db: Kysely<any>, projectId: string): Promise<void> {
  await sql`delete from vul_totals where project_id = ${projectId} and host_num = 0`.execute(db);
}

/**
 * Runs `change` (which alters these hosts' asset value or enterprise
 * project) with their rows' totals moved from the old key to the new, in one
 * transaction. On PostgreSQL the hosts are locked first, so a scan batch
 * writing their rows waits, or is waited for.
 */
export async function withHostsMoved<T>(db: Kysely<any>, projectId: string, hostSeqs: number[], change: (tx: Kysely<any>) => Promise<T>): Promise<T> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const seqs = [...new Set(hostSeqs)].sort((a, b) => a - b);
  const chunks: number[][] = [];
  for (let i = 0; i < seqs.length; i += 200) chunks.push(seqs.slice(i, i + 200));
  return db.transaction().execute(async (tx) => {
    for (const chunk of chunks) {
      if (postgres) await sql`select seq from hosts where seq in (${sql.join(chunk.map((s) => sql.lit(s)))}) order by seq for update`.execute(tx);
      await countRows(tx, -1, rowsOfHosts(chunk));
    }
    const result = await change(tx);
    for (const chunk of chunks) await countRows(tx, 1, rowsOfHosts(chunk));
    await compactTotals(tx, projectId);
    await bumpVersion(tx, [projectId]);
    return result;
  });
}
