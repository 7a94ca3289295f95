/**
 * Per-host vulnerability counts, kept on the hosts row whenever a host's
 * findings are written or handled, so fleet totals and the most vulnerable
 * hosts are read from one row per host instead of counting findings.
 * Open: not ignored (1) or fixed (4), the HSS "unhandled"; severity is the
 * affect's, as the lists show it; KEV is the kind's bit 4.
 */
export const HOST_COUNT_COLUMNS = 'vul_critical_num, vul_high_num, vul_medium_num, vul_low_num, vul_handled_num, vul_kev_num';

/** The counts of the host in the outer query (`hosts.seq`), in HOST_COUNT_COLUMNS order. */
export const HOST_COUNT_SELECT = `select
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'Critical' then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'High' then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'Medium' then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and a.severity = 'Low' then 1 else 0 end), 0),
    coalesce(sum(case when v.status in (1, 4) then 1 else 0 end), 0),
    coalesce(sum(case when v.status not in (1, 4) and (v.kind & 4) <> 0 then 1 else 0 end), 0)
  from host_vuls v join vul_affects a on a.seq = v.affect_seq where v.host_seq = hosts.seq`;

/** How a day's counts of host findings first found and no longer found add up, per project and enterprise project (rows of overview_days). */
export const HOST_DAY_COUNT_INSERT = 'insert into overview_days (project_id, enterprise_project_id, day, host_new_num, host_fixed_num)';
export const HOST_DAY_COUNT_ADD = `on conflict (project_id, enterprise_project_id, day) do update set
    host_new_num = overview_days.host_new_num + excluded.host_new_num, host_fixed_num = overview_days.host_fixed_num + excluded.host_fixed_num`;

export const DAY_MS = 86_400_000;

/** Per host of a write batch: findings inserted (first found) and deleted (no longer found); hosts whose findings changed at all. */
export function batchChanges(b: { inserts: Array<{ hostSeq: number }>; updates: Array<{ hostSeq: number }>; deletes: Array<{ hostSeq: number }> }): {
  changed: number[];
  perHost: Array<{ hostSeq: number; added: number; gone: number }>;
} {
  const perHost = new Map<number, { hostSeq: number; added: number; gone: number }>();
  const entry = (hostSeq: number) => perHost.get(hostSeq) ?? perHost.set(hostSeq, { hostSeq, added: 0, gone: 0 }).get(hostSeq)!;
  for (const r of b.inserts) entry(r.hostSeq).added++;
  for (const r of b.deletes) entry(r.hostSeq).gone++;
  for (const r of b.updates) entry(r.hostSeq);
  return { changed: [...perHost.keys()], perHost: [...perHost.values()].filter((h) => h.added > 0 || h.gone > 0) };
}
