import { epQuery, get, put, type HssList } from '../../api/client';
import type { VulType } from '../../components/vulTypes';

export type ScanPeriod = 'one_day' | 'three_day' | 'one_week' | 'one_month';

/** GET /v5/{project_id}/vulnerability/scan-policy (ShowVulScanPolicy). */
export interface ScanPolicy {
  scan_period: ScanPeriod;
  scan_vul_types: VulType[];
  scan_range_type: 'all_host' | 'specific_host';
  host_ids: string[];
  total_host_num: number;
  status: 'open' | 'close';
  time: { day_part: number[]; hour_part: number; minute_part: number; next_scan_time: number; timezone_offset: number };
}

/** PUT /v5/{project_id}/vulnerability/scan-policy (ChangeVulScanPolicy). */
export interface ScanPolicyChange {
  scan_period: ScanPeriod;
  scan_range_type: 'all_host' | 'specific_host';
  status: 'open' | 'close';
  scan_vul_types: VulType[];
  host_ids?: string[];
  time: { day_part?: number[]; hour_part: number; minute_part: number; timezone_offset: number };
}

export interface HostOption {
  host_id: string;
  host_name: string;
  private_ip: string;
}

export const POLICY_KEY = ['scan-policy'] as const;
export const getPolicy = () => get<ScanPolicy>('/v5/{project_id}/vulnerability/scan-policy', epQuery());
export const savePolicy = (body: ScanPolicyChange) => put<void>('/v5/{project_id}/vulnerability/scan-policy', body, epQuery());
/** ListHostStatus, for the host picker. */
export const searchHosts = (hostName: string | undefined) =>
  get<HssList<HostOption>>('/v5/{project_id}/host-management/hosts', { ...epQuery(), limit: 200, host_name: hostName || undefined });
