import { epQuery, get, post, type HssList, type Query } from './client';
import { loadSession } from '../auth/session';

/** GET /v5/{project_id}/host-management/hosts (ListHostStatus). */
export interface HostItem {
  host_id: string;
  host_name: string;
  agent_id: string;
  private_ip: string;
  public_ip: string;
  enterprise_project_id: string;
  os_type: string;
  os_name: string;
  os_version: string;
  kernel_version: string;
  agent_status: string;
  agent_version: string;
  agent_create_time: number;
  agent_update_time: number;
  asset_value: string;
}

/** GET /v5/{project_id}/openhss/host-facts */
export interface HostFacts {
  host_id: string;
  last_scan_time: number;
  inventory_time: number;
  app_num: number;
  match_gap: string;
  critical_num: number;
  high_num: number;
  medium_num: number;
  low_num: number;
  handled_num: number;
}

/** GET /v5/{project_id}/asset/apps (ListApps). */
export interface AppItem {
  app_name: string;
  version: string;
  install_dir: string;
  app_type: string;
  update_time: number;
}

export const listHosts = (q: Query) => get<HssList<HostItem>>('/v5/{project_id}/host-management/hosts', { ...epQuery(), ...q });
export const hostFacts = (ids: string[]) => get<HssList<HostFacts>>('/v5/{project_id}/openhss/host-facts', { ...epQuery(), host_id_list: ids.join(',') });
export const listApps = (q: Query) => get<HssList<AppItem>>('/v5/{project_id}/asset/apps', { ...epQuery(), ...q });

/** POST /v5/{project_id}/vulnerability/scan-task: a manual scan of the hosts' agents. */
export const scanHosts = (agentIds: string[], types: string[]) =>
  post<{ task_id: string }>('/v5/{project_id}/vulnerability/scan-task', { manual_scan_type: types, range_type: 'specific_host', agent_id_list: agentIds }, epQuery());

/** POST /v5/{project_id}/openhss/agent-enrolment-tokens: a one-time token, shown once. */
export function createEnrolmentToken(body: { description?: string; ttl_hours?: number }) {
  const ep = loadSession()?.enterpriseProjectId;
  return post<{ id: string; token: string; expires_at: number }>('/v5/{project_id}/openhss/agent-enrolment-tokens', {
    ...body,
    ...(ep && ep !== '0' && ep !== 'all_granted_eps' ? { enterprise_project_id: ep } : {}),
  });
}
