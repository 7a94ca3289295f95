/**
 * CVSS vector parsing and base scores: v2.0, v3.0, v3.1 (the specification formulas, each
 * version with its own round-up) and v4.0 (the macro-vector method, in cvss4.ts).
 */
import { CvssError, get, parseMetrics } from './cvss-common.js';
import { cvss4Score } from './cvss4.js';
import { severityFromScore } from './severity.js';
import type { CvssVersion, SeverityLabel } from './types.js';

export { CvssError } from './cvss-common.js';

export interface CvssScore {
  version: CvssVersion;
  vector: string;
  score: number;
  severity: SeverityLabel;
}

// ---- CVSS v3.0 / v3.1 ---------------------------------------------------------------

const V3_ALLOWED: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
  // temporal and environmental metrics are accepted and do not change the base score
  E: ['X', 'U', 'P', 'F', 'H'],
  RL: ['X', 'O', 'T', 'W', 'U'],
  RC: ['X', 'U', 'R', 'C'],
  CR: ['X', 'L', 'M', 'H'],
  IR: ['X', 'L', 'M', 'H'],
  AR: ['X', 'L', 'M', 'H'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  MC: ['X', 'N', 'L', 'H'],
  MI: ['X', 'N', 'L', 'H'],
  MA: ['X', 'N', 'L', 'H'],
};
const V3_BASE = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;

const AV3: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC3: Record<string, number> = { L: 0.77, H: 0.44 };
const PR3_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const PR3_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const UI3: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA3: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

/** CVSS v3.1 Roundup (specification Appendix A): avoids floating-point surprises. */
function roundUp31(value: number): number {
  const int = Math.round(value * 100000);
  return int % 10000 === 0 ? int / 100000 : (Math.floor(int / 10000) + 1) / 10;
}

/** CVSS v3.0 round-up: the smallest one-decimal number ≥ the input (as the v3.0 calculator computes it). */
function roundUp30(value: number): number {
  return Math.ceil(value * 10) / 10;
}

/** Base score of a `CVSS:3.0/…` or `CVSS:3.1/…` vector. */
export function cvss3BaseScore(vector: string): { version: '3.0' | '3.1'; score: number } {
  const m = /^CVSS:3\.([01])\/(.+)$/.exec(vector);
  if (!m) throw new CvssError(vector, 'expected the prefix CVSS:3.0/ or CVSS:3.1/');
  const version = m[1] === '0' ? '3.0' : '3.1';
  const metrics = parseMetrics(vector, m[2] as string, V3_ALLOWED, V3_BASE);
  const changed = get(metrics, 'S') === 'C';
  const iss = 1 - (1 - (CIA3[get(metrics, 'C')] as number)) * (1 - (CIA3[get(metrics, 'I')] as number)) * (1 - (CIA3[get(metrics, 'A')] as number));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const pr = (changed ? PR3_CHANGED : PR3_UNCHANGED)[get(metrics, 'PR')] as number;
  const exploitability = 8.22 * (AV3[get(metrics, 'AV')] as number) * (AC3[get(metrics, 'AC')] as number) * pr * (UI3[get(metrics, 'UI')] as number);
  const roundUp = version === '3.1' ? roundUp31 : roundUp30;
  let score: number;
  if (impact <= 0) score = 0;
  else if (changed) score = roundUp(Math.min(1.08 * (impact + exploitability), 10));
  else score = roundUp(Math.min(impact + exploitability, 10));
  return { version, score };
}

// ---- CVSS v2 ------------------------------------------------------------------------

const V2_ALLOWED: Record<string, readonly string[]> = {
  AV: ['L', 'A', 'N'],
  AC: ['H', 'M', 'L'],
  Au: ['M', 'S', 'N'],
  C: ['N', 'P', 'C'],
  I: ['N', 'P', 'C'],
  A: ['N', 'P', 'C'],
  E: ['U', 'POC', 'F', 'H', 'ND'],
  RL: ['OF', 'TF', 'W', 'U', 'ND'],
  RC: ['UC', 'UR', 'C', 'ND'],
  CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'],
  TD: ['N', 'L', 'M', 'H', 'ND'],
  CR: ['L', 'M', 'H', 'ND'],
  IR: ['L', 'M', 'H', 'ND'],
  AR: ['L', 'M', 'H', 'ND'],
};
const AV2: Record<string, number> = { L: 0.395, A: 0.646, N: 1.0 };
const AC2: Record<string, number> = { H: 0.35, M: 0.61, L: 0.71 };
const AU2: Record<string, number> = { M: 0.45, S: 0.56, N: 0.704 };
const CIA2: Record<string, number> = { N: 0, P: 0.275, C: 0.66 };

/** Base score of a CVSS v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally `CVSS:2.0/` or in parentheses). */
export function cvss2BaseScore(vector: string): number {
  const body = vector.replace(/^\((.*)\)$/, '$1').replace(/^CVSS:2\.0\//, '');
  const metrics = parseMetrics(vector, body, V2_ALLOWED, ['AV', 'AC', 'Au', 'C', 'I', 'A']);
  const impact =
    10.41 * (1 - (1 - (CIA2[get(metrics, 'C')] as number)) * (1 - (CIA2[get(metrics, 'I')] as number)) * (1 - (CIA2[get(metrics, 'A')] as number)));
  const exploitability = 20 * (AV2[get(metrics, 'AV')] as number) * (AC2[get(metrics, 'AC')] as number) * (AU2[get(metrics, 'Au')] as number);
  const f = impact === 0 ? 0 : 1.176;
  const score = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  return Math.round(score * 10) / 10;
}

// ---- any version --------------------------------------------------------------------

/** The CVSS version a vector declares (v2 vectors have no prefix). */
export function cvssVersionOf(vector: string): CvssVersion | null {
  if (vector.startsWith('CVSS:3.1/')) return '3.1';
  if (vector.startsWith('CVSS:3.0/')) return '3.0';
  if (vector.startsWith('CVSS:4.0/')) return '4.0';
  if (/^\(?(CVSS:2\.0\/)?AV:[LAN]\//.test(vector)) return '2.0';
  return null;
}

/** Parses and scores a vector of any supported version; throws CvssError when it is invalid. */
export function scoreCvss(vector: string): CvssScore {
  const v = vector.trim();
  const version = cvssVersionOf(v);
  let score: number;
  switch (version) {
    case '3.0':
    case '3.1':
      score = cvss3BaseScore(v).score;
      break;
    case '4.0':
      score = cvss4Score(v);
      break;
    case '2.0':
      score = cvss2BaseScore(v);
      break;
    default:
      throw new CvssError(v, 'unknown CVSS version');
  }
  return { version, vector: v, score, severity: severityFromScore(score, version) };
}
