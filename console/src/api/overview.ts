import { epQuery, get } from './client';

type SeverityCounts = { critical_num: number; high_num: number; medium_num: number; low_num: number };

export interface ScanSummary {
  task_id: string;
  scan_type: string;
  status: string;
  start_time: number;
  end_time: number | null;
  host_num: number;
  success_host_num: number;
  failed_host_num: number;
  scanning_host_num: number;
}

/** GET /v5/{project_id}/openhss/overview */
export interface Overview {
  generated_at: number;
  enterprise_project_ids: string[];
  hosts: SeverityCounts & { total_num: number; vulnerable_num: number; open_num: number; handled_num: number; kev_num: number };
  images: SeverityCounts & { total_num: number; vulnerable_num: number; unknown_num: number; open_num: number; handled_num: number };
  clusters: SeverityCounts & { total_num: number; scanned_num: number; open_num: number };
  changed_since_yesterday: { compared_with: string | null; host_new_num: number; host_fixed_num: number; host_open_delta: number | null; image_open_delta: number | null };
  trend: Array<{ date: string; hosts: SeverityCounts & { open_num: number }; images: SeverityCounts & { open_num: number }; open_num: number; live: boolean }>;
  top_hosts: Array<SeverityCounts & { host_id: string; host_name: string; private_ip: string; os_name: string; asset_value: string; last_scan_time: number | null; kev_num: number }>;
  top_images: Array<
    SeverityCounts & { id: string; image_type: string; image_name: string; image_version: string; namespace: string; registry_name: string; latest_scan_time: number | null; unknown_num: number; kev_num: number }
  >;
  kev: { vul_num: number; host_finding_num: number; list: Array<{ vul_id: string; title: string; severity: string; cvss_score: number | null; cve_ids: string[]; host_num: number; image_num: number }> };
  scans: { policy_status: string; next_scan_time: number | null; last_scan: ScanSummary | null; last_scheduled_scan: ScanSummary | null };
  vulnerability_db: {
    demo: boolean;
    stale: boolean;
    built_at: number | null;
    age_seconds: number | null;
    update_interval_hours: number;
    last_success_time: number | null;
    last_attempt_time: number | null;
    last_error: string | null;
  };
}

export const getOverview = () => get<Overview>('/v5/{project_id}/openhss/overview', epQuery());
