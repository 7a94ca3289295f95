
/** HSS's handling states of a vulnerability on a host; openhss uses the ones it can make true. */
export const HOST_VUL_STATUSES = [
  'vul_status_unfix',
  'vul_status_ignored',
  'vul_status_verified',
  'vul_status_fixing',
  'vul_status_fixed',
  'vul_status_reboot',
  'vul_status_failed',
  'vul_status_fix_after_reboot',
] as const;
export type HostVulStatus = (typeof HOST_VUL_STATUSES)[number];

/** Statuses that count as handled: someone decided about the vulnerability. */
export const HANDLED_STATUSES: readonly HostVulStatus[] = ['vul_status_ignored', 'vul_status_fixed'];

export const HSS_SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;
export type HssSeverity = (typeof HSS_SEVERITIES)[number];

/** A package that carries a vulnerability on a host, with the version that fixes it. */
export interface AffectedApp {
  name: string;
  version: string;
  fixed_version: string | null;
  path: string;
  type: string;
}

/** What openhss shows about a vulnerability, from the vulnerability DB. */
export interface VulInfo {
  vulId: string;
  title: string;
  description: string;
  url: string;
  severity: HssSeverity;
  cvssScore: number | null;
  cveIds: string[];
  kev: boolean;
  dataSource: string;
}

/** Stored status codes: the index in HOST_VUL_STATUSES. */
export const statusCode = (status: HostVulStatus): number => HOST_VUL_STATUSES.indexOf(status);
export const statusOf = (code: number): HostVulStatus => HOST_VUL_STATUSES[code] ?? 'vul_status_unfix';

/** Bits of a stored host vulnerability's kind. */
export const KIND_LINUX = 1;
export const KIND_APP = 2;
export const KIND_URGENT = 4;
