import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countChanges, type CountedState, type HostTotalsKey, type TotalsChanges } from '../../src/repositories/vul-totals.js';
import { statusCode } from '../../src/domain/host-vul.js';
import { prng } from './versioning/support.js';

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'];

/** The plain answer: a stored table of rows before and after the batch, each counted by its key. */
function recount(rows: Map<string, { hostSeq: number } & CountedState>, hostOf: (h: number) => HostTotalsKey | undefined, severityOf: (a: number) => string) {
  const totals = new Map<string, number>();
  const hosts = new Map<number, number[]>();
  for (const [pair, r] of rows) {
    const key = hostOf(r.hostSeq);
    if (!key) continue;
    const vulSeq = Number(pair.split(':')[1]);
    const severity = severityOf(r.affectSeq);
    const k = [key.projectId, vulSeq, key.enterpriseProjectId, key.assetValue, r.kind, severity, r.status].join('|');
    totals.set(k, (totals.get(k) ?? 0) + 1);
    const c = hosts.get(r.hostSeq) ?? [0, 0, 0, 0, 0, 0];
    const handled = r.status === statusCode('vul_status_ignored') || r.status === statusCode('vul_status_fixed');
    if (handled) c[4]!++;
    else {
      c[SEVERITIES.indexOf(severity)]!++;
      if (r.kind & 4) c[5]!++;
    }
    hosts.set(r.hostSeq, c);
  }
  return { totals, hosts };
}

describe('countChanges: a write batch counted per vul_totals row and per host equals recounting the rows before and after it', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}`, () => {
      const random = prng(seed);
      const rand = () => random.next();
      const pick = <T>(xs: readonly T[]) => random.pick(xs);
      const hostKeys = new Map<number, HostTotalsKey>();
      for (let h = 1; h <= 12; h++) hostKeys.set(h * 1_000_003, { projectId: pick(['p1', 'p2']), enterpriseProjectId: pick(['0', 'ep-a']), assetValue: pick(['important', 'common', 'test']) });
      const hostSeqs = [...hostKeys.keys()];
      // One host was removed since the rows were matched: its rows count nowhere.
      const gone = hostSeqs[0]!;
      const hostOf = (h: number) => (h === gone ? undefined : hostKeys.get(h));
      const affectSeverity = new Map<number, string>();
      for (let a = 1; a <= 30; a++) affectSeverity.set(a * 7919, pick([...SEVERITIES, '']));
      const severityOf = (a: number) => affectSeverity.get(a)!;
      const state = (): CountedState => ({ affectSeq: pick([...affectSeverity.keys()]), kind: pick([1, 2, 5, 3, 7]), status: Math.floor(rand() * 5) });
      const stored = new Map<string, { hostSeq: number } & CountedState>();
      for (const h of hostSeqs) for (let v = 1; v <= 20; v++) if (rand() < 0.5) stored.set(`${h}:${v * 2 ** 40 + 17}`, { hostSeq: h, ...state() });
      const before = recount(stored, hostOf, severityOf);
      const batch: { inserts: Array<{ hostSeq: number; vulSeq: number } & CountedState>; updates: Array<{ hostSeq: number; vulSeq: number } & CountedState>; deletes: Array<{ hostSeq: number; vulSeq: number }> } = {
        inserts: [],
        updates: [],
        deletes: [],
      };
      const after = new Map(stored);
      for (const h of hostSeqs) {
        for (let v = 1; v <= 20; v++) {
          const vulSeq = v * 2 ** 40 + 17;
          const pair = `${h}:${vulSeq}`;
          const x = rand();
          if (!stored.has(pair)) {
            if (x < 0.4) {
              const s = state();
              batch.inserts.push({ hostSeq: h, vulSeq, ...s });
              after.set(pair, { hostSeq: h, ...s });
            }
          } else if (x < 0.3) {
            const s = state();
            batch.updates.push({ hostSeq: h, vulSeq, ...s });
            after.set(pair, { hostSeq: h, ...s });
          } else if (x < 0.5) {
            batch.deletes.push({ hostSeq: h, vulSeq });
            after.delete(pair);
          }
        }
      }
      // An update and a delete of rows that are not stored change nothing.
      batch.updates.push({ hostSeq: hostSeqs[1]!, vulSeq: 99, ...state() });
      batch.deletes.push({ hostSeq: hostSeqs[1]!, vulSeq: 98 });
      const changes: TotalsChanges = batch;
      const got = countChanges(changes, hostOf, severityOf, (h, v) => stored.get(`${h}:${v}`));
      const want = recount(after, hostOf, severityOf);

      const expectedTotals = new Map<string, number>();
      for (const k of new Set([...before.totals.keys(), ...want.totals.keys()])) {
        const d = (want.totals.get(k) ?? 0) - (before.totals.get(k) ?? 0);
        if (d !== 0) expectedTotals.set(k, d);
      }
      const gotTotals = new Map(got.totals.map((d) => [[d.projectId, d.vulSeq, d.enterpriseProjectId, d.assetValue, d.kind, d.severity, d.status].join('|'), d.n]));
      assert.equal(got.totals.length, gotTotals.size, 'one delta per row key');
      assert.deepEqual(gotTotals, expectedTotals);

      const expectedHosts = new Map<number, number[]>();
      for (const h of hostSeqs) {
        const a = want.hosts.get(h) ?? [0, 0, 0, 0, 0, 0];
        const b = before.hosts.get(h) ?? [0, 0, 0, 0, 0, 0];
        const d = a.map((n, i) => n - b[i]!);
        if (d.some((n) => n !== 0)) expectedHosts.set(h, d);
      }
      assert.deepEqual(new Map([...got.hosts].map(([h, d]) => [h, [...d]])), expectedHosts);
    });
  }
});
