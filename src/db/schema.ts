import type { Generated } from 'kysely';

/** Kysely's view of every table. Times are epoch milliseconds; flags are 0/1. */
export interface DomainsTable {
  id: string;
  name: string;
  created_at: number;
  /** The account's first user: the one who manages other users and enterprise projects. */
  first_user_id: string | null;
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
  description: Generated<string>;
  updated_at: number | null;
}

export interface UsersTable {
  id: string;
  domain_id: string;
  name: string;
  password_hash: string;
  enabled: number;
  created_at: number;
  description: Generated<string>;
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
  /** 0014: the give-up job's kind to queue when this job fails for good. */
  dead_letter: string | null;
  /** 0014: on a give-up job, why the job it stands for failed. */
  exhausted_error: string | null;
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

export interface AgentEnrolmentTokensTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  token_hash: string;
  description: string;
  expires_at: number;
  used_at: number | null;
  used_by_host: string | null;
  created_at: number;
}

export interface HostsTable {
  id: string;
  seq: number;
  project_id: string;
  enterprise_project_id: string;
  agent_id: string;
  agent_secret_hash: string;
  machine_id: string | null;
  host_name: string;
  os_type: string;
  os_name: string;
  os_version: string;
  kernel: string;
  ips: string;
  private_ip: string;
  public_ip: string;
  asset_value: string;
  agent_version: string;
  last_seen_at: number;
  inventory_hash: string | null;
  inventory_at: number | null;
  last_scan_at: number | null;
  matched_state: string | null;
  /** Why the host's OS packages could not be matched at all (an OS without advisory data), from its last match; null when they were. */
  match_gap: string | null;
  /** The vulnerability DB generation the host's stored vulnerabilities were last matched against. */
  matched_generation: string | null;
  created_at: number;
}

export interface HostVulCountColumns {
  /** Open findings by severity, handled findings and open KEV findings: kept by the host vulnerability writer and handling. */
  vul_critical_num: Generated<number>;
  vul_high_num: Generated<number>;
  vul_medium_num: Generated<number>;
  vul_low_num: Generated<number>;
  vul_handled_num: Generated<number>;
  vul_kev_num: Generated<number>;
}

export interface HostInventoriesTable {
  host_id: string;
  project_id: string;
  content_hash: string;
  package_count: number;
  document: Buffer;
  warnings: string;
  collected_at: number;
  uploaded_at: number;
}

export interface AgentCommandsTable {
  id: string;
  host_id: string;
  type: string;
  state: 'pending' | 'delivered' | 'done';
  created_at: number;
  delivered_at: number | null;
  done_at: number | null;
}

export interface VulInfoTable {
  vul_id: string;
  seq: number;
  title: string;
  description: string;
  url: string;
  severity: string;
  cvss_score: number | null;
  cve_ids: string;
  kev: number;
  data_source: string;
  updated_at: number;
}

export interface VulAffectsTable {
  seq: number;
  vul_seq: number;
  vul_type: string;
  severity: string;
  packages: string;
  fingerprint: number;
}

export interface HostVulsTable {
  host_seq: number;
  vul_seq: number;
  affect_seq: number;
  kind: number;
  status: number;
  handled_fingerprint: number | null;
  remark: string | null;
  first_scan_time: number;
}

/** Hosts that have (or had) a vulnerability, a list per write batch (migration 0012); read as raw SQL (JSON text on SQLite, bigint[] on PostgreSQL). */
export interface VulHostPostingsTable {
  vul_seq: number;
  host_seqs: string | number[];
}

/** Hosts per vulnerability and state (migration 0017), kept with every change to host_vuls. */
export interface VulTotalsTable {
  project_id: string;
  vul_seq: number;
  enterprise_project_id: string;
  asset_value: string;
  kind: number;
  severity: string;
  status: number;
  host_num: number;
}

export interface VulSeenTable {
  project_id: string;
  vul_seq: number;
  scan_time: number;
}

export interface VulTotalsVersionsTable {
  project_id: string;
  version: number;
}

export interface VulScanTasksTable {
  id: string;
  project_id: string;
  scan_type: string;
  scan_vul_types: string;
  urgent_vul_ids: string;
  status: string;
  start_time: number;
  end_time: number | null;
  host_num: number;
  scanning_host_num: number;
  success_host_num: number;
  failed_host_num: number;
  schedule_slot: number | null;
  deadline: number;
}

export interface VulScanTaskHostsTable {
  task_id: string;
  host_id: string;
  project_id: string;
  scan_status: string;
  failed_reasons: string;
  command_id: string | null;
  started_at: number;
  finished_at: number | null;
}

/** Tasks per project, scan type ('' for every type) and unit (migration 0013: all time, UTC day, hour). */
export interface VulScanTaskCountsTable {
  project_id: string;
  scan_type: string;
  unit: number;
  slot: number;
  n: number;
}

export interface VulScanThroughputTable {
  project_id: string;
  ms_per_host: number;
  updated_at: number;
}

export interface RegistriesTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  name: string;
  registry_type: string;
  url: string;
  host: string;
  namespace: string;
  username: string;
  secret_ciphertext: string | null;
  plain_http: number;
  skip_tls_verify: number;
  status: string;
  status_reason: string;
  checked_at: number | null;
  sync_status: string;
  sync_reason: string;
  last_sync_at: number | null;
  sync_heartbeat_at: number | null;
  sync_attempted_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ImageAssetsTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  image_type: string;
  natural_key: string;
  registry_id: string | null;
  registry_name: string;
  registry_type: string;
  namespace: string;
  image_name: string;
  image_version: string;
  image_digest: string | null;
  image_id: string | null;
  image_size: number | null;
  latest_update_time: number;
  local_image_type: string | null;
  scan_status: string;
  scan_failed_reason: string;
  latest_scan_time: number | null;
  /** The outcome of the latest completed scan (null: never scanned, or the digest changed since). */
  completed_scan_status: string | null;
  completed_scan_reason: string | null;
  removed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ImageLocalRefsTable {
  image_asset_id: string;
  project_id: string;
  host_id: string;
  host_name: string;
  host_ip: string;
  agent_id: string;
  container_id: string;
  container_name: string;
  pod_id: string;
  pod_name: string;
  cluster_id: string;
  reported_at: number;
}

export interface ImageContentsTable {
  project_id: string;
  image_digest: string;
  image_id: string | null;
  os_name: string;
  os_version: string;
  package_count: number;
  document: Buffer;
  source: string;
  inventory_at: number;
  matched_at: number;
  matched_generation: string;
  critical_num: number;
  high_num: number;
  medium_num: number;
  low_num: number;
  unknown_num: number;
}

export interface ImageContentOpenColumns {
  /** Vulnerabilities with an unhandled row, by their worst severity; vulnerabilities all of whose rows are handled. */
  open_critical_num: Generated<number>;
  open_high_num: Generated<number>;
  open_medium_num: Generated<number>;
  open_low_num: Generated<number>;
  open_unknown_num: Generated<number>;
  handled_num: Generated<number>;
  /** JSON: the KEV vulnerability ids among the digest's findings, and those still open. */
  kev_vul_ids: Generated<string>;
  open_kev_vul_ids: Generated<string>;
}

export interface KevVulCountsTable {
  project_id: string;
  enterprise_project_id: string;
  vul_seq: number;
  open_num: number;
  handled_num: number;
}

/** Counts of a listed image's digest (migration 0013), kept by triggers. */
export interface ImageVulCountColumns {
  open_critical_num: number;
  open_high_num: number;
  open_medium_num: number;
  open_low_num: number;
  open_unknown_num: number;
  handled_num: number;
}

export interface ImageAssetVulCountsTable extends ImageVulCountColumns {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  image_name: string;
  open_kev_vul_ids: string;
}

/** Per project and enterprise project: listed images, vulnerable ones, and the sums of their counts. */
export interface ImageVulTotalsTable extends ImageVulCountColumns {
  project_id: string;
  enterprise_project_id: string;
  image_num: number;
  vulnerable_num: number;
}

export interface ImageKevCountsTable {
  project_id: string;
  enterprise_project_id: string;
  vul_id: string;
  image_num: number;
}

export interface HostVulTotalsTable {
  project_id: string;
  enterprise_project_id: string;
  host_num: number;
  vulnerable_num: number;
  vul_critical_num: number;
  vul_high_num: number;
  vul_medium_num: number;
  vul_low_num: number;
  vul_handled_num: number;
  vul_kev_num: number;
}

export interface OverviewDaysTable {
  project_id: string;
  enterprise_project_id: string;
  day: number;
  host_new_num: Generated<number>;
  host_fixed_num: Generated<number>;
  snapshot_at: number | null;
  host_critical_num: Generated<number>;
  host_high_num: Generated<number>;
  host_medium_num: Generated<number>;
  host_low_num: Generated<number>;
  host_handled_num: Generated<number>;
  image_critical_num: Generated<number>;
  image_high_num: Generated<number>;
  image_medium_num: Generated<number>;
  image_low_num: Generated<number>;
  image_handled_num: Generated<number>;
}

export interface ImageVulsTable {
  project_id: string;
  image_digest: string;
  vul_id: string;
  package_name: string;
  package_version: string;
  package_path: string;
  vul_type: string;
  package_type: string;
  fixed_version: string;
  severity: string;
  cvss_score: number | null;
  cve_ids: string;
  title: string;
  handle_status: string;
  handled_at: number | null;
  first_seen_at: number;
}

export interface ImageScanTasksTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  task_name: string;
  task_type: string;
  image_type: string;
  scan_scope: number;
  rate_limit: number;
  is_all: number;
  selection: string;
  status: string;
  failed_reason: string;
  begin_time: number;
  end_time: number | null;
  deadline: number;
  total_num: number;
  schedule_key: string | null;
}

export interface ImageScanTaskItemsTable {
  task_id: string;
  image_asset_id: string;
  project_id: string;
  image_digest: string | null;
  position: number;
  scan_status: string;
  failed_reason: string;
  risky: number;
  dispatched_at: number | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface RateBucketsTable {
  key: string;
  tokens: number;
  refilled_at: number;
}

export interface ExportTasksTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  kind: string;
  task_name: string;
  format: string;
  params: string;
  export_size: number;
  record_total_num: number;
  status: string;
  failed_reason: string;
  file_id: string | null;
  file_name: string;
  file_path: string | null;
  file_size: number | null;
  rows_written: number;
  /** Rows that matched when the task was created (null: tasks older than the column). */
  matched_num: number | null;
  created_at: number;
  finished_at: number | null;
  expires_at: number;
}

export interface ClustersTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  name: string;
  source: string;
  kubeconfig_ciphertext: string | null;
  snapshot: Buffer | null;
  created_at: number;
  updated_at: number;
}

/** The CIS node controls decided on a Kubernetes node by its agent (migration 0016). */
export interface K8sNodeReportsTable {
  host_id: string;
  project_id: string;
  node_name: string;
  /** Comma-separated: control-plane, etcd, worker. */
  roles: string;
  benchmark: string;
  /** JSON: [{id, status, message}]. */
  results: string;
  /** JSON: string[]. */
  warnings: string;
  collected_at: number;
  received_at: number;
}

export interface IacFilesTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  file_name: string;
  file_type: string;
  content: Buffer;
  size: number;
  sha256: string;
  uploaded_at: number;
}

export interface CommonTasksTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  task_type: string;
  task_name: string;
  trigger_type: string;
  task_status: string;
  file_type: string | null;
  create_time: number;
  start_time: number | null;
  end_time: number | null;
  schedule_key: string | null;
}

export interface CommonTaskScanTypesTable {
  task_id: string;
  scan_type: string;
}

export interface CommonTaskResourcesTable {
  task_id: string;
  resource_id: string;
  project_id: string;
  resource_name: string;
  scan_status: string;
  failed_reason: string;
  started_at: number | null;
  finished_at: number | null;
  summary: string;
}

export interface CommonTaskResultsTable {
  task_id: string;
  resource_id: string;
  seq: number;
  category: string;
  check_id: string;
  severity: string;
  status: string;
  title: string;
  message: string;
  file: string;
  start_line: number | null;
  end_line: number | null;
  resource_kind: string;
  resource_namespace: string;
  resource_name: string;
  suppressed: number;
  suppress_reason: string;
  detail: string;
}

export interface JobSchedulesTable {
  id: string;
  project_id: string;
  enterprise_project_id: string;
  task_type: string;
  task_name: string;
  scan_info: string;
  period: string;
  weekday: number | null;
  hour: number;
  minute: number;
  timezone_offset: number;
  created_at: number;
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
  agent_enrolment_tokens: AgentEnrolmentTokensTable;
  hosts: HostsTable & HostVulCountColumns;
  host_inventories: HostInventoriesTable;
  agent_commands: AgentCommandsTable;
  vul_info: VulInfoTable;
  vul_affects: VulAffectsTable;
  host_vuls: HostVulsTable;
  vul_host_postings: VulHostPostingsTable;
  vul_totals: VulTotalsTable;
  vul_seen: VulSeenTable;
  vul_totals_versions: VulTotalsVersionsTable;
  vul_scan_tasks: VulScanTasksTable;
  vul_scan_task_hosts: VulScanTaskHostsTable;
  vul_scan_throughput: VulScanThroughputTable;
  vul_scan_task_counts: VulScanTaskCountsTable;
  registries: RegistriesTable;
  image_assets: ImageAssetsTable;
  image_local_refs: ImageLocalRefsTable;
  image_contents: ImageContentsTable & ImageContentOpenColumns;
  image_vuls: ImageVulsTable;
  image_scan_tasks: ImageScanTasksTable;
  image_scan_task_items: ImageScanTaskItemsTable;
  rate_buckets: RateBucketsTable;
  export_tasks: ExportTasksTable;
  clusters: ClustersTable;
  k8s_node_reports: K8sNodeReportsTable;
  iac_files: IacFilesTable;
  common_tasks: CommonTasksTable;
  common_task_scan_types: CommonTaskScanTypesTable;
  common_task_resources: CommonTaskResourcesTable;
  common_task_results: CommonTaskResultsTable;
  kev_vul_counts: KevVulCountsTable;
  overview_days: OverviewDaysTable;
  host_vul_totals: HostVulTotalsTable;
  image_asset_vul_counts: ImageAssetVulCountsTable;
  image_vul_totals: ImageVulTotalsTable;
  image_kev_counts: ImageKevCountsTable;
  job_schedules: JobSchedulesTable;
}
