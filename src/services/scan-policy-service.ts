import { invalidParameter } from '../domain/errors.js';
import type { PolicyStatus, ScanPeriod, ScanRangeType, VulScanPolicy, VulType } from '../domain/vulnerability.js';
import { nextScanTime } from '../jobs/schedule/next-scan-time.js';
import type { VulScanPolicyRepository } from '../repositories/vul-scan-policy-repository.js';

export interface ScanPolicyView extends VulScanPolicy {
  /** Hosts the policy covers: the named hosts, or every host of the project. */
  totalHostNum: number;
  /** Epoch ms of the next scheduled scan; 0 when the policy is closed or can never fire. */
  nextScanTime: number;
}

export interface ScanPolicyChange {
  scanPeriod: ScanPeriod;
  scanRangeType: ScanRangeType;
  status: PolicyStatus;
  scanVulTypes?: VulType[];
  hostIds?: string[];
  time?: { dayPart?: number[]; hourPart?: number; minutePart?: number; timezoneOffset?: number };
}

/** Counts a project's hosts; the hosts feature supplies the real one. */
export type HostCounter = (projectId: string) => Promise<number>;

const DEFAULT_POLICY: Omit<VulScanPolicy, 'updatedAt'> = {
  scanPeriod: 'one_day',
  scanRangeType: 'all_host',
  scanVulTypes: ['linux_vul'],
  hostIds: [],
  status: 'open',
  dayPart: [],
  hourPart: 0,
  minutePart: 0,
  timezoneOffset: 0,
};

/** Reads and changes a project's vulnerability scan policy (HSS ShowVulScanPolicy / ChangeVulScanPolicy). */
export class ScanPolicyService {
  constructor(
    private readonly policies: VulScanPolicyRepository,
    private readonly countHosts: HostCounter,
    private readonly now: () => number = Date.now,
  ) {}

  /** The policy in force: the stored one, or the HSS default for a project that never set one. */
  async effective(projectId: string): Promise<VulScanPolicy> {
    return (await this.policies.find(projectId)) ?? { ...DEFAULT_POLICY, updatedAt: 0 };
  }

  async show(projectId: string): Promise<ScanPolicyView> {
    const policy = await this.effective(projectId);
    const totalHostNum = policy.scanRangeType === 'specific_host' ? policy.hostIds.length : await this.countHosts(projectId);
    const next =
      policy.status === 'open'
        ? nextScanTime(
            { period: policy.scanPeriod, dayPart: policy.dayPart, hour: policy.hourPart, minute: policy.minutePart, timezoneOffset: policy.timezoneOffset, anchor: policy.updatedAt },
            this.now(),
          )
        : null;
    return { ...policy, totalHostNum, nextScanTime: next ?? 0 };
  }

  async change(projectId: string, change: ScanPolicyChange): Promise<void> {
    const current = (await this.policies.find(projectId)) ?? { ...DEFAULT_POLICY, updatedAt: 0 };
    const dayPart = [...new Set(change.time?.dayPart ?? (change.scanPeriod === current.scanPeriod ? current.dayPart : []))].sort((a, b) => a - b);
    const hostIds = change.scanRangeType === 'specific_host' ? [...new Set(change.hostIds ?? [])] : [];
    if (change.scanRangeType === 'specific_host' && hostIds.length === 0) {
      throw invalidParameter('host_ids', 'host_ids must name at least one host when scan_range_type is specific_host');
    }
    if (change.scanPeriod === 'one_week') {
      if (dayPart.length === 0 || dayPart.some((d) => d < 1 || d > 7)) throw invalidParameter('time.day_part', 'time.day_part must list weekdays 1 (Monday) to 7 (Sunday) for one_week');
    } else if (change.scanPeriod === 'one_month') {
      if (dayPart.length === 0 || dayPart.some((d) => d < 1 || d > 31)) throw invalidParameter('time.day_part', 'time.day_part must list days of the month 1 to 31 for one_month');
    }
    await this.policies.save(projectId, {
      scanPeriod: change.scanPeriod,
      scanRangeType: change.scanRangeType,
      scanVulTypes: [...new Set(change.scanVulTypes ?? current.scanVulTypes)],
      hostIds,
      status: change.status,
      dayPart: change.scanPeriod === 'one_week' || change.scanPeriod === 'one_month' ? dayPart : [],
      hourPart: change.time?.hourPart ?? current.hourPart,
      minutePart: change.time?.minutePart ?? current.minutePart,
      timezoneOffset: change.time?.timezoneOffset ?? current.timezoneOffset,
      updatedAt: this.now(),
    });
  }
}
