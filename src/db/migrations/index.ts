import type { Migration } from 'kysely';
import * as identity from './0001_identity.js';
import * as jobs from './0002_jobs.js';
import * as vulScanPolicies from './0003_vul_scan_policies.js';
import * as hosts from './0004_hosts.js';
import * as images from './0005_images.js';
import * as commonTasks from './0006_common_tasks.js';
import * as imageFidelity from './0007_image_fidelity.js';
import * as hostMatchedGeneration from './0008_host_matched_generation.js';
import * as hostMatchGap from './0009_host_match_gap.js';
import * as consoleOverview from './0010_console_overview.js';
import * as overviewIndexes from './0011_overview_indexes.js';
import * as vulHostPostings from './0012_vul_host_postings.js';
import * as listLatency from './0013_list_latency.js';
import * as jobExhaustion from './0014_job_exhaustion.js';
import * as fileStore from './0015_file_store.js';
import * as k8sNodeReports from './0016_k8s_node_reports.js';
import * as vulTotals from './0017_vul_totals.js';

/** Forward-only migrations, applied in this order. Never edit one that has shipped; add a new one. */
export const migrations: Record<string, Migration> = {
  '0001_identity': identity,
  '0002_jobs': jobs,
  '0003_vul_scan_policies': vulScanPolicies,
  '0004_hosts': hosts,
  '0005_images': images,
  '0006_common_tasks': commonTasks,
  '0007_image_fidelity': imageFidelity,
  '0008_host_matched_generation': hostMatchedGeneration,
  '0009_host_match_gap': hostMatchGap,
  '0010_console_overview': consoleOverview,
  '0011_overview_indexes': overviewIndexes,
  '0012_vul_host_postings': vulHostPostings,
  '0013_list_latency': listLatency,
  '0014_job_exhaustion': jobExhaustion,
  '0015_file_store': fileStore,
  '0016_k8s_node_reports': k8sNodeReports,
  '0017_vul_totals': vulTotals,
};
