import { epQuery, get, put, type HssList, type Query } from './client';

/** HSS vulnerability types. */
export const VUL_TYPES = ['linux_vul', 'app_vul', 'urgent_vul'] as const;
export type VulType = (typeof VUL_TYPES)[number];

/** GET /v5/{project_id}/vulnerability/vulnerabilities (ListVulnerabilities). */
export interface VulItem {
  vul_id: string;
  vul_name: string;
  severity_level: string;
  repair_priority: string;
  description: string;
  url: string;
  solution_detail: string;
  cve_list: Array<{ cve_id: string; cvss: number }>;
  host_num: number;
  unhandle_host_num: number;
  scan_time: number;
  type: string;
  host_id_list: string[];
  fixed_num: number;
  ignored_num: number;
  verify_num: number;
}

/** GET /v5/{project_id}/vulnerability/hosts (ListVulHosts) and …/vulnerability/host/{host_id} (ListHostVuls). */
export interface VulHostItem {
  host_id: string;
  agent_id: string;
  host_name: string;
  host_ip: string;
  severity_level: string;
  status: string;
  remark: string;
  repair_cmd: string;
  os_name: string;
  os_version: string;
  first_scan_time: number;
  scan_time: number;
}

export interface HostVulItem {
  vul_id: string;
  vul_name: string;
  severity_level: string;
  description: string;
  url: string;
  cve_list: Array<{ cve_id: string; cvss: number }>;
  scan_time: number;
  first_scan_time: number;
  type: string;
  app_list: Array<{ app_name: string; app_version: string; upgrade_version: string; app_path: string }>;
  repair_cmd: string;
  status: string;
}

/** GET /v5/{project_id}/openhss/vulnerability-facts */
export interface VulFacts {
  vul_id: string;
  kev: boolean;
  fix_available: boolean;
  image_num: number;
}

/** GET /v5/{project_id}/openhss/vulnerabilities/{vul_id} */
export interface VulDetail {
  vul_id: string;
  vul_name: string;
  description: string;
  severity_level: string;
  cvss: { score: number | null; vector: string | null; version: string | null; source: string | null };
  kev: boolean;
  kev_date_added: string;
  aliases: string[];
  references: string[];
  published: string | null;
  modified: string | null;
  host_num: number;
  image_num: number;
  packages: Array<{ app_name: string; app_type: string; app_version: string; upgrade_version: string; host_num: number; image_num: number }>;
}

/** GET /v5/{project_id}/image/vulnerability/{vul_id}/images */
export interface VulImageItem {
  id: number;
  image_type: string;
  image_name: string;
  image_version: string;
  namespace: string;
  registry_name: string;
  image_digest: string;
  app_name: string;
  version: string;
  fixed_version: string;
  position: string;
  handle_status?: string;
}

export const listVulnerabilities = (q: Query) => get<HssList<VulItem>>('/v5/{project_id}/vulnerability/vulnerabilities', { ...epQuery(), ...q });
export const listVulHosts = (q: Query) => get<HssList<VulHostItem>>('/v5/{project_id}/vulnerability/hosts', { ...epQuery(), ...q });
export const listHostVuls = (hostId: string, q: Query) => get<HssList<HostVulItem>>(`/v5/{project_id}/vulnerability/host/${encodeURIComponent(hostId)}`, { ...epQuery(), ...q });
export const vulFacts = (ids: string[]) => get<HssList<VulFacts>>('/v5/{project_id}/openhss/vulnerability-facts', { ...epQuery(), vul_id_list: ids.join(',') });
export const vulDetail = (id: string) => get<VulDetail>(`/v5/{project_id}/openhss/vulnerabilities/${encodeURIComponent(id)}`, epQuery());
export const listVulImages = (id: string, q: Query) => get<HssList<VulImageItem>>(`/v5/{project_id}/image/vulnerability/${encodeURIComponent(id)}/images`, { ...epQuery(), ...q });

/** The handling operations of PUT /v5/{project_id}/vulnerability/status (ChangeVulStatus) the console offers. */
export const OPERATIONS = ['ignore', 'add_to_whitelist', 'not_ignore', 'manual_repair', 'verify'] as const;
export type Operation = (typeof OPERATIONS)[number];

export function changeVulStatus(body: {
  operate_type: Operation;
  type: string;
  remark?: string;
  data_list?: Array<{ vul_id: string; host_id_list: string[] }>;
  host_data_list?: Array<{ host_id: string; vul_id_list: string[] }>;
}) {
  return put<null>('/v5/{project_id}/vulnerability/status', body, epQuery());
}

/** HSS host vulnerability statuses. */
export const HOST_VUL_STATUSES = ['vul_status_unfix', 'vul_status_ignored', 'vul_status_verified', 'vul_status_fixed'] as const;
