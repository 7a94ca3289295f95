/**
 * CVSS v4.0 scoring by the specification's macro-vector method: the vector's equivalence
 * classes (EQ1..EQ6) pick a macro vector with a precomputed score, which is then lowered by the
 * mean proportional distance to the next lower macro vector in each EQ. The arithmetic follows
 * the FIRST reference calculator step by step (same operations, same order, same rounding), so
 * scores agree with it to the last decimal. The score covers every metric present in the vector (CVSS-B for a
 * base-only vector, CVSS-BT/BE/BTE when threat or environmental metrics are given).
 */
import { CvssError, parseMetrics } from './cvss-common.js';
import { MACRO_VECTOR_SCORES, MAX_SEVERITY, MAX_VECTORS, METRIC_LEVELS } from './cvss4-data.js';

const X = ['X'];
const ALLOWED: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['N', 'L', 'H'],
  VI: ['N', 'L', 'H'],
  VA: ['N', 'L', 'H'],
  SC: ['N', 'L', 'H'],
  SI: ['N', 'L', 'H'],
  SA: ['N', 'L', 'H'],
  E: [...X, 'A', 'P', 'U'],
  CR: [...X, 'H', 'M', 'L'],
  IR: [...X, 'H', 'M', 'L'],
  AR: [...X, 'H', 'M', 'L'],
  MAV: [...X, 'N', 'A', 'L', 'P'],
  MAC: [...X, 'L', 'H'],
  MAT: [...X, 'N', 'P'],
  MPR: [...X, 'N', 'L', 'H'],
  MUI: [...X, 'N', 'P', 'A'],
  MVC: [...X, 'H', 'L', 'N'],
  MVI: [...X, 'H', 'L', 'N'],
  MVA: [...X, 'H', 'L', 'N'],
  MSC: [...X, 'H', 'L', 'N'],
  MSI: [...X, 'S', 'H', 'L', 'N'],
  MSA: [...X, 'S', 'H', 'L', 'N'],
  S: [...X, 'N', 'P'],
  AU: [...X, 'N', 'Y'],
  R: [...X, 'A', 'U', 'I'],
  V: [...X, 'D', 'C'],
  RE: [...X, 'L', 'M', 'H'],
  U: [...X, 'Clear', 'Green', 'Amber', 'Red'],
};
const BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;
/** Unset threat and security-requirement metrics count as their worst case. */
const WORST_CASE: Record<string, string> = { E: 'A', CR: 'H', IR: 'H', AR: 'H' };
const DISTANCE_METRICS = ['AV', 'PR', 'UI', 'AC', 'AT', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA', 'CR', 'IR', 'AR', 'E'] as const;

type Effective = (metric: string) => string;

function effectiveValues(metrics: Map<string, string>): Effective {
  return (metric) => {
    const selected = metrics.get(metric) ?? 'X';
    const worst = WORST_CASE[metric];
    if (selected === 'X' && worst) return worst;
    const modified = metrics.get(`M${metric}`);
    if (modified !== undefined && modified !== 'X') return modified;
    return selected;
  };
}

/** The six EQ digits of a vector. */
function macroVector(m: Effective): [number, number, number, number, number, number] {
  const AV = m('AV');
  const PR = m('PR');
  const UI = m('UI');
  const eq1 = AV === 'N' && PR === 'N' && UI === 'N' ? 0 : (AV === 'N' || PR === 'N' || UI === 'N') && AV !== 'P' ? 1 : 2;
  const eq2 = m('AC') === 'L' && m('AT') === 'N' ? 0 : 1;
  const VC = m('VC');
  const VI = m('VI');
  const VA = m('VA');
  const eq3 = VC === 'H' && VI === 'H' ? 0 : VC === 'H' || VI === 'H' || VA === 'H' ? 1 : 2;
  const eq4 = m('MSI') === 'S' || m('MSA') === 'S' ? 0 : m('SC') === 'H' || m('SI') === 'H' || m('SA') === 'H' ? 1 : 2;
  const E = m('E');
  const eq5 = E === 'A' ? 0 : E === 'P' ? 1 : 2;
  const eq6 = (m('CR') === 'H' && VC === 'H') || (m('IR') === 'H' && VI === 'H') || (m('AR') === 'H' && VA === 'H') ? 0 : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

function lookup(digits: readonly number[]): number {
  const score = MACRO_VECTOR_SCORES[digits.join('')];
  return score === undefined ? Number.NaN : score;
}

function parseMaxVector(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split('/')) {
    const [k, v] = part.split(':') as [string, string];
    out.set(k, v);
  }
  return out;
}

function level(metric: string, value: string): number {
  return (METRIC_LEVELS[metric] as Record<string, number>)[value] as number;
}

/** Score of a `CVSS:4.0/…` vector; throws CvssError when the vector is invalid. */
export function cvss4Score(vector: string): number {
  if (!vector.startsWith('CVSS:4.0/')) throw new CvssError(vector, 'expected the prefix CVSS:4.0/');
  const metrics = parseMetrics(vector, vector.slice('CVSS:4.0/'.length), ALLOWED, BASE);
  const m = effectiveValues(metrics);

  if (['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].every((k) => m(k) === 'N')) return 0;

  const mv = macroVector(m);
  const [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
  const value = lookup(mv);

  // The next lower macro vector in each EQ (NaN when there is none).
  const scoreEq1Lower = lookup([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
  const scoreEq2Lower = lookup([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
  let scoreEq3Eq6Lower: number;
  if (eq3 === 0 && eq6 === 0) {
    scoreEq3Eq6Lower = Math.max(lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]), lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]));
  } else if (eq3 === 1 && eq6 === 0) {
    scoreEq3Eq6Lower = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
  } else if ((eq3 === 0 || eq3 === 1) && eq6 === 1) {
    scoreEq3Eq6Lower = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
  } else {
    scoreEq3Eq6Lower = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1]);
  }
  const scoreEq4Lower = lookup([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
  const scoreEq5Lower = lookup([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

  // The first highest-severity vector of this macro vector that the scored vector does not exceed.
  const candidates: string[] = [];
  for (const a of MAX_VECTORS.eq1[eq1] ?? [])
    for (const b of MAX_VECTORS.eq2[eq2] ?? [])
      for (const c of MAX_VECTORS.eq3eq6[eq3]?.[eq6] ?? [])
        for (const d of MAX_VECTORS.eq4[eq4] ?? []) for (const e of MAX_VECTORS.eq5[eq5] ?? []) candidates.push(`${a}/${b}/${c}/${d}/${e}`);
  let distances: Record<string, number> | undefined;
  for (const candidate of candidates) {
    const max = parseMaxVector(candidate);
    const d: Record<string, number> = {};
    for (const k of DISTANCE_METRICS) d[k] = level(k, m(k)) - level(k, max.get(k) as string);
    distances = d;
    if (Object.values(d).every((x) => x >= 0)) break;
  }
  if (!distances) throw new CvssError(vector, 'no highest-severity vector for its macro vector');
  const d = distances as Record<(typeof DISTANCE_METRICS)[number], number>;

  const distEq1 = d.AV + d.PR + d.UI;
  const distEq2 = d.AC + d.AT;
  const distEq3Eq6 = d.VC + d.VI + d.VA + d.CR + d.IR + d.AR;
  const distEq4 = d.SC + d.SI + d.SA;

  const STEP = 0.1;
  const maxEq1 = (MAX_SEVERITY.eq1[eq1] as number) * STEP;
  const maxEq2 = (MAX_SEVERITY.eq2[eq2] as number) * STEP;
  const maxEq3Eq6 = (MAX_SEVERITY.eq3eq6[eq3]?.[eq6] as number) * STEP;
  const maxEq4 = (MAX_SEVERITY.eq4[eq4] as number) * STEP;

  const available = [value - scoreEq1Lower, value - scoreEq2Lower, value - scoreEq3Eq6Lower, value - scoreEq4Lower, value - scoreEq5Lower];
  const proportion = [distEq1 / maxEq1, distEq2 / maxEq2, distEq3Eq6 / maxEq3Eq6, distEq4 / maxEq4, 0];
  let existing = 0;
  let sum = 0;
  for (let i = 0; i < 5; i++) {
    const a = available[i] as number;
    if (Number.isNaN(a)) continue;
    existing += 1;
    sum += a * (proportion[i] as number);
  }
  const mean = existing === 0 ? 0 : sum / existing;
  const score = Math.max(0, Math.min(10, value - mean));
  // Round half up; the epsilon lifts ties that floating point left one ULP below x.x5
  // (the reference calculator's rounding since its October 2024 fix).
  return Math.round((score + 1e-6) * 10) / 10;
}
