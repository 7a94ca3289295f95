import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, HostVulsTable } from '../db/schema.js';
import type { AffectedApp, HostVul, HostVulStatus, HssSeverity, StoredVulType, VulInfo } from '../domain/host-vul.js';

const CHUNK = 400;

/** The columns that decide what a re-scan does with an existing row. */
export type HostVulState = Pick<HostVul, 'vulId' | 'vulType' | 'urgent' | 'fingerprint' | 'status' | 'handledFingerprint' | 'severity' | 'firstScanTime' | 'remark'> & { packagesJson: string };

export interface HostVulChanges {
  inserts: HostVul[];
  updates: HostVul[];
  deletes: Array<{ hostId: string; vulIds: string[] }>;
}

/** Host vulnerabilities and the shared vulnerability descriptions. */
export class HostVulRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async statesFor(hostIds: string[]): Promise<Map<string, Map<string, HostVulState>>> {
    const out = new Map<string, Map<string, HostVulState>>();
    for (const id of hostIds) out.set(id, new Map());
    for (let i = 0; i < hostIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('host_vuls')
        .select(['host_id', 'vul_id', 'vul_type', 'urgent', 'fingerprint', 'status', 'handled_fingerprint', 'severity', 'first_scan_time', 'remark', 'packages'])
        .where('host_id', 'in', hostIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        out.get(r.host_id)!.set(r.vul_id, {
          vulId: r.vul_id,
          vulType: r.vul_type as StoredVulType,
          urgent: r.urgent === 1,
          fingerprint: r.fingerprint,
          status: r.status as HostVulStatus,
          handledFingerprint: r.handled_fingerprint,
          severity: r.severity as HssSeverity,
          firstScanTime: Number(r.first_scan_time),
          remark: r.remark,
          packagesJson: r.packages,
        });
      }
    }
    return out;
  }

  async apply(changes: HostVulChanges): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < changes.inserts.length; i += CHUNK) {
        await tx.insertInto('host_vuls').values(changes.inserts.slice(i, i + CHUNK).map(toColumns)).execute();
      }
      for (const v of changes.updates) {
        const { host_id, vul_id, project_id, first_scan_time, ...rest } = toColumns(v);
        await tx.updateTable('host_vuls').set(rest).where('host_id', '=', host_id).where('vul_id', '=', vul_id).execute();
      }
      for (const d of changes.deletes) {
        for (let i = 0; i < d.vulIds.length; i += CHUNK) {
          await tx.deleteFrom('host_vuls').where('host_id', '=', d.hostId).where('vul_id', 'in', d.vulIds.slice(i, i + CHUNK)).execute();
        }
      }
    });
  }

  async upsertVulInfo(infos: VulInfo[], now: number): Promise<void> {
    if (infos.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < infos.length; i += CHUNK) {
        const rows = infos.slice(i, i + CHUNK).map((v) => ({
          vul_id: v.vulId,
          title: v.title,
          description: v.description,
          url: v.url,
          severity: v.severity,
          cvss_score: v.cvssScore,
          cve_ids: JSON.stringify(v.cveIds),
          kev: v.kev ? 1 : 0,
          data_source: v.dataSource,
          updated_at: now,
        }));
        await tx
          .insertInto('vul_info')
          .values(rows)
          .onConflict((oc) =>
            oc.column('vul_id').doUpdateSet((eb) => ({
              title: eb.ref('excluded.title'),
              description: eb.ref('excluded.description'),
              url: eb.ref('excluded.url'),
              severity: eb.ref('excluded.severity'),
              cvss_score: eb.ref('excluded.cvss_score'),
              cve_ids: eb.ref('excluded.cve_ids'),
              kev: eb.ref('excluded.kev'),
              data_source: eb.ref('excluded.data_source'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }

  /** Sets the handling status of (host, vulnerability) pairs of a project; returns how many rows changed. */
  async setStatus(projectId: string, pairs: Array<{ hostId: string; vulId: string }>, status: HostVulStatus, remark: string | null, keepFingerprint: boolean): Promise<number> {
    let changed = 0;
    await this.db.transaction().execute(async (tx) => {
      for (const pair of pairs) {
        const result = await tx
          .updateTable('host_vuls')
          .set((eb) => ({ status, remark, handled_fingerprint: keepFingerprint ? eb.ref('fingerprint') : sql<null>`null` }))
          .where('project_id', '=', projectId)
          .where('host_id', '=', pair.hostId)
          .where('vul_id', '=', pair.vulId)
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
    });
    return changed;
  }

  async find(projectId: string, hostId: string, vulId: string): Promise<HostVul | undefined> {
    const row = await this.db.selectFrom('host_vuls').selectAll().where('project_id', '=', projectId).where('host_id', '=', hostId).where('vul_id', '=', vulId).executeTakeFirst();
    return row && toHostVul(row);
  }
}

function toColumns(v: HostVul): Selectable<HostVulsTable> {
  return {
    host_id: v.hostId,
    vul_id: v.vulId,
    project_id: v.projectId,
    vul_type: v.vulType,
    severity: v.severity,
    urgent: v.urgent ? 1 : 0,
    packages: JSON.stringify(v.packages),
    fingerprint: v.fingerprint,
    status: v.status,
    handled_fingerprint: v.handledFingerprint,
    remark: v.remark,
    first_scan_time: v.firstScanTime,
    scan_time: v.scanTime,
  };
}

export function toHostVul(r: Selectable<HostVulsTable>): HostVul {
  return {
    hostId: r.host_id,
    vulId: r.vul_id,
    projectId: r.project_id,
    vulType: r.vul_type as StoredVulType,
    severity: r.severity as HssSeverity,
    urgent: r.urgent === 1,
    packages: JSON.parse(r.packages) as AffectedApp[],
    fingerprint: r.fingerprint,
    status: r.status as HostVulStatus,
    handledFingerprint: r.handled_fingerprint,
    remark: r.remark,
    firstScanTime: Number(r.first_scan_time),
    scanTime: Number(r.scan_time),
  };
}
