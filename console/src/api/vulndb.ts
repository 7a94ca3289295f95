import { get } from './client';

/** GET /v5/{project_id}/openhss/vulnerability-db */
export interface VulnDbStatus {
  demo: boolean;
  usable: boolean;
  problem: string | null;
  stale: boolean;
  built_at: number | null;
  age_seconds: number | null;
  update_interval_hours: number;
  last_success_time: number | null;
  last_attempt_time: number | null;
  last_error: { time: number; message: string } | null;
  feeds: Array<{ name: string; kind: string; records: number; imported_at: number | null }>;
  ecosystems: Array<{ ecosystem: string; entries: number; packages: number; advisories: number }>;
}

export const VULNDB_KEY = ['vulnerability-db'] as const;
export const getVulnDbStatus = () => get<VulnDbStatus>('/v5/{project_id}/openhss/vulnerability-db');

/** "3 days", "5 hours": a rough age for banners. */
export function roughAge(seconds: number, lang: string): string {
  const zh = lang.startsWith('zh');
  const units: Array<[number, string, string]> = [
    [86400, 'day', '天'],
    [3600, 'hour', '小时'],
    [60, 'minute', '分钟'],
  ];
  for (const [size, en, cn] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return zh ? `${n} ${cn}` : `${n} ${en}${n === 1 ? '' : 's'}`;
    }
  }
  return zh ? `${seconds} 秒` : `${seconds} seconds`;
}
