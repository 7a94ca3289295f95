import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { previousScanTime } from '../jobs/schedule/next-scan-time.js';
import type { ScanPolicyService } from './scan-policy-service.js';
import type { VulScanService } from './vul-scan-service.js';

export interface SchedulerTickResult {
  /** Tasks this tick created, as project id and slot. */
  created: Array<{ projectId: string; slot: number; taskId: string }>;
}

/**
 * Fires each project's scan policy. Every tick looks for the latest slot at
 * or before now; a slot after the policy's last change and the project's
 * creation gets one task, made unique by (project, slot) in the database,
 * so any number of schedulers, restarts and missed slots still yield one
 * task per slot — and only the latest missed slot runs.
 */
export class PolicyScheduler {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly policies: ScanPolicyService,
    private readonly scans: VulScanService,
    private readonly now: () => number,
  ) {}

  async tick(): Promise<SchedulerTickResult> {
    const now = this.now();
    const created: SchedulerTickResult['created'] = [];
    const projects = await this.db
      .selectFrom('projects')
      .select(['id', 'created_at'])
      .where((eb) => eb.exists(eb.selectFrom('hosts').select('hosts.id').whereRef('hosts.project_id', '=', 'projects.id')))
      .execute();
    for (const project of projects) {
      const policy = await this.policies.effective(project.id);
      if (policy.status !== 'open') continue;
      const slot = previousScanTime(
        { period: policy.scanPeriod, dayPart: policy.dayPart, hour: policy.hourPart, minute: policy.minutePart, timezoneOffset: policy.timezoneOffset, anchor: policy.updatedAt },
        now,
      );
      if (slot === null || slot <= Math.max(policy.updatedAt, Number(project.created_at))) continue;
      const taskId = await this.scans.createTask(project.id, {
        scanType: 'schedule',
        vulTypes: policy.scanVulTypes,
        rangeType: policy.scanRangeType,
        ...(policy.scanRangeType === 'specific_host' ? { hostIds: policy.hostIds } : {}),
        scheduleSlot: slot,
      });
      if (taskId) created.push({ projectId: project.id, slot, taskId });
    }
    return { created };
  }
}
