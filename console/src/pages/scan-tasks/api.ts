import { epQuery, get, type HssList, type Query } from '../../api/client';
import type { VulType } from '../../components/vulTypes';

/** GET /v5/{project_id}/vulnerability/scan-tasks (ListVulScanTask). */
export interface VulScanTask {
  id: string;
  scan_type: 'manual' | 'schedule';
  start_time: number;
  end_time: number;
  scan_vul_types: VulType[];
  status: 'running' | 'finished';
  scanning_host_num: number;
  success_host_num: number;
  failed_host_num: number;
  estimated_time: number;
}

/** GET /v5/{project_id}/vulnerability/scan-task/{task_id}/hosts (ListVulScanTaskHost). */
export interface VulScanTaskHost {
  host_id: string;
  host_name: string;
  public_ip: string;
  private_ip: string;
  asset_value: 'important' | 'common' | 'test';
  scan_status: 'scanning' | 'success' | 'failed';
  failed_reasons: Array<{ vul_type: string; failed_reason: string }>;
}

export const listScanTasks = (query: Query) => get<HssList<VulScanTask>>('/v5/{project_id}/vulnerability/scan-tasks', { ...epQuery(), ...query });
export const listScanTaskHosts = (taskId: string, query: Query) =>
  get<HssList<VulScanTaskHost>>(`/v5/{project_id}/vulnerability/scan-task/${encodeURIComponent(taskId)}/hosts`, { ...epQuery(), ...query });
