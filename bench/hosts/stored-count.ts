/**
 * What the product says it stored, read through its services (not its tables, whose layout may
 * change): the HSS aggregated list (ListVulnerabilities) gives each vulnerability's host_num, whose
 * sum is the number of host vulnerabilities; ListHostVuls gives a host's total.
 */
import type { Runtime } from '../../src/runtime/runtime.js';

export interface StoredCounts {
  /** Σ host_num over the aggregated linux_vul list. */
  hostVulRows: number;
  /** The aggregated list's total_num: distinct vulnerability ids on at least one host. */
  vulIds: number;
  /** host_num per vulnerability id. */
  perVul: Record<string, number>;
  /** ListHostVuls total_num per sampled host id, in the order given. */
  sample: number[];
  ms: number;
}

const PAGE = 10_000;

export async function storedCounts(runtime: Runtime, projectId: string, sampleHostIds: string[]): Promise<StoredCounts> {
  const start = performance.now();
  const filter = { type: 'linux_vul' as const, enterpriseProjectIds: null };
  const perVul: Record<string, number> = {};
  let hostVulRows = 0;
  let vulIds = 0;
  for (let offset = 0; ; offset += PAGE) {
    const { total, rows } = await runtime.services.hostVuls.vulnerabilities(projectId, filter, { offset, limit: PAGE }, { hostIds: false });
    vulIds = total;
    for (const r of rows) {
      perVul[r.vulId] = r.hostNum;
      hostVulRows += r.hostNum;
    }
    if (rows.length < PAGE) break;
  }
  const sample: number[] = [];
  for (const hostId of sampleHostIds) sample.push((await runtime.services.hostVuls.hostVulnerabilities(projectId, hostId, filter, { offset: 0, limit: 1 })).total);
  return { hostVulRows, vulIds, perVul, sample, ms: performance.now() - start };
}

/** Where the stored counts differ from the generator's: empty when they agree. */
export function differences(stored: StoredCounts, truth: { hostVulRows: number; perVul: Map<string, number>; perHost: Uint32Array }, sampleIndexes: number[]): string[] {
  const out: string[] = [];
  if (stored.hostVulRows !== truth.hostVulRows) out.push(`host vulnerabilities: stored ${stored.hostVulRows}, generator ${truth.hostVulRows}`);
  if (stored.vulIds !== truth.perVul.size) out.push(`vulnerability ids on a host: stored ${stored.vulIds}, generator ${truth.perVul.size}`);
  const wrong: string[] = [];
  for (const [id, n] of truth.perVul) if ((stored.perVul[id] ?? 0) !== n) wrong.push(`${id} ${stored.perVul[id] ?? 0}≠${n}`);
  for (const id of Object.keys(stored.perVul)) if (!truth.perVul.has(id)) wrong.push(`${id} ${stored.perVul[id]}≠0`);
  if (wrong.length) out.push(`${wrong.length} vulnerabilities with another host_num (stored≠generator), e.g. ${wrong.slice(0, 5).join(', ')}`);
  const hosts = sampleIndexes.filter((h, i) => stored.sample[i] !== truth.perHost[h]);
  if (hosts.length) out.push(`${hosts.length} of ${sampleIndexes.length} sampled hosts with another total, e.g. host #${hosts[0]}: stored ${stored.sample[sampleIndexes.indexOf(hosts[0]!)]}, generator ${truth.perHost[hosts[0]!]}`);
  return out;
}
