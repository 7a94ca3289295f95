import type { VulType } from './vulnerability.js';

export const SCAN_TASK_TYPES = ['manual', 'schedule'] as const;
export type ScanTaskType = (typeof SCAN_TASK_TYPES)[number];

export const SCAN_TASK_STATUSES = ['running', 'finished'] as const;
export type ScanTaskStatus = (typeof SCAN_TASK_STATUSES)[number];

export const HOST_SCAN_STATUSES = ['scanning', 'success', 'failed'] as const;
export type HostScanStatus = (typeof HOST_SCAN_STATUSES)[number];

/** Vulnerability types openhss scans; the others are accepted and fail per host as not supported. */
export const SUPPORTED_VUL_TYPES: readonly VulType[] = ['linux_vul', 'app_vul', 'urgent_vul'];

export interface FailedReason {
  vul_type: VulType | 'all';
  failed_reason: string;
}

export interface VulScanTask {
  id: string;
  projectId: string;
  scanType: ScanTaskType;
  scanVulTypes: VulType[];
  urgentVulIds: string[];
  status: ScanTaskStatus;
  startTime: number;
  endTime: number | null;
  hostNum: number;
  scanningHostNum: number;
  successHostNum: number;
  failedHostNum: number;
  scheduleSlot: number | null;
  deadline: number;
}

export interface VulScanTaskHost {
  taskId: string;
  hostId: string;
  scanStatus: HostScanStatus;
  failedReasons: FailedReason[];
  commandId: string | null;
  startedAt: number;
  finishedAt: number | null;
}
