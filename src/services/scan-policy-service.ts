import { DomainError, invalidParameter } from '../domain/errors.js';
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

/** The project's hosts, as the policy needs them (the host repository). */
export interface PolicyHosts {
  count(projectId: string): Promise<number>;
  findMany(projectId: string, ids: { hostIds: string[] }): Promise<Array<{ id: string }>>;
}

/**
 * The day a weekly or monthly policy runs when the request names none (the
 * SDKs' ChangeVulScanPolicy model has no `time` block): Monday (ISO weekday
 * 1) for one_week, the 1st for one_month.
 */
export const DEFAULT_DAY_PART: Record<ScanPeriod, number[]> = { one_day: [], three_day: [], one_week: [1], one_month: [1] };

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
    private readonly hosts: PolicyHosts,
    private readonly now: () => number = Date.now,
  ) {}

  /** The policy in force: the stored one, or the HSS default for a project that never set one. */
  async effective(projectId: string): Promise<VulScanPolicy> {
    return (await this.policies.find(projectId)) ?? { ...DEFAULT_POLICY, updatedAt: 0 };
  }

  async show(projectId: string): Promise<ScanPolicyView> {
    const policy = await this.effective(projectId);
    // Hosts deleted since the policy was set are not counted.
    const totalHostNum = policy.scanRangeType === 'specific_host' ? (await this.hosts.findMany(projectId, { hostIds: policy.hostIds })).length : await this.hosts.count(projectId);
    return { ...policy, totalHostNum, nextScanTime: this.nextScanOf(policy) ?? 0 };
  }

  /** When the policy scans next; null when it is closed. */
  nextScanOf(policy: VulScanPolicy): number | null {
    if (policy.status !== 'open') return null;
    return nextScanTime(
      { period: policy.scanPeriod, dayPart: policy.dayPart, hour: policy.hourPart, minute: policy.minutePart, timezoneOffset: policy.timezoneOffset, anchor: policy.updatedAt },
      this.now(),
    );
  }

  /**
   * Replaces the policy. The outcome depends on the request alone, never on
   * whether an earlier call stored a day: without `time.day_part`, a weekly or
   * monthly policy keeps the days it has for that same period, or else runs on
   * the default day; hour, minute and time zone keep their stored values.
   */
  async change(projectId: string, change: ScanPolicyChange): Promise<void> {
    const current = (await this.policies.find(projectId)) ?? { ...DEFAULT_POLICY, updatedAt: 0 };
    const given = change.time?.dayPart ?? [];
    const kept = change.scanPeriod === current.scanPeriod && current.dayPart.length > 0 ? current.dayPart : DEFAULT_DAY_PART[change.scanPeriod];
    const dayPart = [...new Set(given.length > 0 ? given : kept)].sort((a, b) => a - b);
    if (change.scanPeriod === 'one_week' && dayPart.some((d) => d < 1 || d > 7)) {
      throw invalidParameter('time.day_part', 'time.day_part must list weekdays 1 (Monday) to 7 (Sunday) for one_week');
    }
    if (change.scanPeriod === 'one_month' && dayPart.some((d) => d < 1 || d > 31)) {
      throw invalidParameter('time.day_part', 'time.day_part must list days of the month 1 to 31 for one_month');
    }
    if (change.scanVulTypes && change.scanVulTypes.length === 0) {
      throw invalidParameter('scan_vul_types', 'scan_vul_types must name at least one vulnerability type');
    }
    const hostIds = change.scanRangeType === 'specific_host' ? [...new Set(change.hostIds ?? [])] : [];
    if (change.scanRangeType === 'specific_host') {
      if (hostIds.length === 0) throw invalidParameter('host_ids', 'host_ids must name at least one host when scan_range_type is specific_host');
      const known = new Set((await this.hosts.findMany(projectId, { hostIds })).map((h) => h.id));
      const unknown = hostIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new DomainError('no-agent', `The selected server is not associated with any agent: host_ids names no host of this project: ${unknown.slice(0, 5).join(', ')}`, 'host_ids');
      }
    }
    await this.policies.save(projectId, {
      scanPeriod: change.scanPeriod,
      scanRangeType: change.scanRangeType,
      scanVulTypes: [...new Set(change.scanVulTypes ?? current.scanVulTypes)],
      hostIds,
      status: change.status,
      dayPart,
      hourPart: change.time?.hourPart ?? current.hourPart,
      minutePart: change.time?.minutePart ?? current.minutePart,
      timezoneOffset: change.time?.timezoneOffset ?? current.timezoneOffset,
      updatedAt: this.now(),
    });
  }
}
