/** Kysely's view of every table. Times are epoch milliseconds; flags are 0/1. */
export interface DomainsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ProjectsTable {
  id: string;
  domain_id: string;
  name: string;
  created_at: number;
}

export interface EnterpriseProjectsTable {
  id: string;
  domain_id: string;
  name: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  domain_id: string;
  name: string;
  password_hash: string;
  enabled: number;
  created_at: number;
}

export interface UserProjectsTable {
  user_id: string;
  project_id: string;
}

export interface UserEnterpriseProjectsTable {
  user_id: string;
  enterprise_project_id: string;
}

export interface CredentialsTable {
  access_key: string;
  user_id: string;
  project_id: string;
  secret_ciphertext: string;
  description: string;
  enabled: number;
  created_at: number;
  last_used_at: number | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  state: 'queued' | 'active' | 'completed' | 'failed';
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  run_at: number;
  lease_ms: number;
  lease_until: number | null;
  locked_by: string | null;
  singleton_key: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface VulScanPoliciesTable {
  project_id: string;
  scan_period: string;
  scan_range_type: string;
  scan_vul_types: string;
  host_ids: string;
  status: string;
  day_part: string;
  hour_part: number;
  minute_part: number;
  timezone_offset: number;
  updated_at: number;
}

export interface DB {
  domains: DomainsTable;
  projects: ProjectsTable;
  enterprise_projects: EnterpriseProjectsTable;
  users: UsersTable;
  user_projects: UserProjectsTable;
  user_enterprise_projects: UserEnterpriseProjectsTable;
  credentials: CredentialsTable;
  jobs: JobsTable;
  vul_scan_policies: VulScanPoliciesTable;
}
