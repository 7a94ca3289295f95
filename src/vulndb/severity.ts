import type { CvssVersion, SeverityLabel } from './types.js';

/**
 * CVSS qualitative rating of a score. v3.x and v4.0: 0 none, 0.1–3.9 low, 4.0–6.9 medium,
 * 7.0–8.9 high, 9.0–10 critical. v2 has no "none" or "critical": 0–3.9 low, 4.0–6.9 medium, 7.0–10 high (NVD).
 */
export function severityFromScore(score: number, version: CvssVersion = '3.1'): SeverityLabel {
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

const LABELS: Record<string, SeverityLabel> = {
  none: 'none',
  negligible: 'low',
  unimportant: 'low',
  low: 'low',
  moderate: 'medium',
  medium: 'medium',
  important: 'high',
  high: 'high',
  critical: 'critical',
};

/**
 * Maps a feed's word for severity to a label: GHSA `MODERATE`, Ubuntu `negligible`, Red Hat `important`,
 * Debian urgencies (`unimportant` → low; trailing `*` markers dropped). Unknown words
 * (`not yet assigned`, `end-of-life`, `unknown`) give null.
 */
export function severityFromLabel(raw: unknown): SeverityLabel | null {
  if (typeof raw !== 'string') return null;
  const word = raw.trim().toLowerCase().replace(/\*+$/, '');
  return LABELS[word] ?? null;
}
