import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { VulScanPolicy } from '../domain/vulnerability.js';

/** One scan policy row per project. */
export class VulScanPolicyRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async find(projectId: string): Promise<VulScanPolicy | undefined> {
    const row = await this.db.selectFrom('vul_scan_policies').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    if (!row) return undefined;
    return {
      scanPeriod: row.scan_period as VulScanPolicy['scanPeriod'],
      scanRangeType: row.scan_range_type as VulScanPolicy['scanRangeType'],
      scanVulTypes: JSON.parse(row.scan_vul_types) as VulScanPolicy['scanVulTypes'],
      hostIds: JSON.parse(row.host_ids) as string[],
      status: row.status as VulScanPolicy['status'],
      dayPart: JSON.parse(row.day_part) as number[],
      hourPart: row.hour_part,
      minutePart: row.minute_part,
      timezoneOffset: row.timezone_offset,
      updatedAt: row.updated_at,
    };
  }

  async save(projectId: string, policy: VulScanPolicy): Promise<void> {
    const values = {
      scan_period: policy.scanPeriod,
      scan_range_type: policy.scanRangeType,
      scan_vul_types: JSON.stringify(policy.scanVulTypes),
      host_ids: JSON.stringify(policy.hostIds),
      status: policy.status,
      day_part: JSON.stringify(policy.dayPart),
      hour_part: policy.hourPart,
      minute_part: policy.minutePart,
      timezone_offset: policy.timezoneOffset,
      updated_at: policy.updatedAt,
    };
    await this.db
      .insertInto('vul_scan_policies')
      .values({ project_id: projectId, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .execute();
  }
}
