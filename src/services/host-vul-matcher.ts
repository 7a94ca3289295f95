import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../domain/finding.js';
import { HANDLED_STATUSES, type AffectedApp, type HostVul, type HostVulStatus, type HssSeverity, type StoredVulType, type VulInfo } from '../domain/host-vul.js';
import type { VulType } from '../domain/vulnerability.js';
import { matchInventory, type AdvisorySource, type MatchCache } from '../findings/match-inventory.js';
import { matchers } from '../matchers/index.js';
import type { HostInventoryRepository } from '../repositories/host-inventory-repository.js';
import type { HostRepository } from '../repositories/host-repository.js';
import type { HostVulChanges, HostVulRepository, HostVulState } from '../repositories/host-vul-repository.js';

/** Which vulnerabilities a scan looks at: its vul types, and for urgent_vul an optional list of ids. */
export interface MatchScope {
  vulTypes: VulType[];
  urgentVulIds: string[];
}

const HOSTS_PER_BATCH = 200;
const OS_PACKAGE_TYPES = new Set(['deb', 'apk', 'rpm']);

const HSS_SEVERITY: Record<Severity, HssSeverity> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', none: 'Low', unknown: 'Low' };
const SEVERITY_ORDER: HssSeverity[] = ['Low', 'Medium', 'High', 'Critical'];

export const toHssSeverity = (severity: Severity): HssSeverity => HSS_SEVERITY[severity];

/** Whether a vulnerability of this kind belongs to what the scan covers. */
function inScope(scope: MatchScope, urgentIds: Set<string>, vul: { vulId: string; vulType: StoredVulType; urgent: boolean }): boolean {
  if (scope.vulTypes.includes(vul.vulType)) return true;
  if (!scope.vulTypes.includes('urgent_vul')) return false;
  return urgentIds.size > 0 ? urgentIds.has(vul.vulId) || vul.urgent : vul.urgent;
}

/** What a re-scan does to a handling decision: it holds while the affected packages are unchanged. */
function statusAfterRescan(old: HostVulState, fingerprint: string): { status: HostVulStatus; handledFingerprint: string | null } {
  if (old.status === 'vul_status_verified') return { status: 'vul_status_unfix', handledFingerprint: null };
  if (HANDLED_STATUSES.includes(old.status) && old.handledFingerprint !== fingerprint) return { status: 'vul_status_unfix', handledFingerprint: null };
  return { status: old.status, handledFingerprint: old.handledFingerprint };
}

const fingerprintOf = (packages: AffectedApp[]): string =>
  createHash('sha256')
    .update(packages.map((p) => `${p.type}:${p.name}@${p.version}:${p.path}`).sort().join('\n'))
    .digest('hex')
    .slice(0, 32);

/** One host's findings grouped by vulnerability. */
function groupFindings(hostId: string, projectId: string, findings: Finding[], now: number): { vuls: HostVul[]; infos: VulInfo[] } {
  const byId = new Map<string, { vul: HostVul; info: VulInfo }>();
  for (const f of findings) {
    const vulType: StoredVulType = OS_PACKAGE_TYPES.has(f.package.type) ? 'linux_vul' : 'app_vul';
    const severity = toHssSeverity(f.severity);
    const app: AffectedApp = { name: f.package.name, version: f.package.version, fixed_version: f.fixedVersion, path: f.location.path, type: f.package.type };
    const existing = byId.get(f.id);
    if (existing) {
      existing.vul.packages.push(app);
      if (SEVERITY_ORDER.indexOf(severity) > SEVERITY_ORDER.indexOf(existing.vul.severity)) existing.vul.severity = severity;
      existing.vul.urgent ||= f.knownExploited;
      if (vulType === 'linux_vul') existing.vul.vulType = 'linux_vul';
      continue;
    }
    byId.set(f.id, {
      vul: { hostId, vulId: f.id, projectId, vulType, severity, urgent: f.knownExploited, packages: [app], fingerprint: '', status: 'vul_status_unfix', handledFingerprint: null, remark: null, firstScanTime: now, scanTime: now },
      info: {
        vulId: f.id,
        title: f.title ?? f.id,
        description: f.title ?? '',
        url: f.url ?? '',
        severity,
        cvssScore: f.cvss?.score ?? null,
        cveIds: [f.id, ...f.aliases].filter((id) => id.startsWith('CVE-')),
        kev: f.knownExploited,
        dataSource: f.dataSource,
      },
    });
  }
  const vuls = [...byId.values()].map(({ vul }) => {
    vul.packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { ...vul, fingerprint: fingerprintOf(vul.packages) };
  });
  return { vuls, infos: [...byId.values()].map(({ info }) => info) };
}

export interface MatchHostsResult {
  /** Hosts whose inventory was matched and stored. */
  matched: string[];
  /** Hosts with no stored inventory. */
  withoutInventory: string[];
  rowsWritten: number;
}

/**
 * Matches stored host inventories against the vulnerability DB and brings
 * the hosts' vulnerability lists up to date: new vulnerabilities appear,
 * vanished ones go, and handling decisions survive while the packages they
 * were made for are unchanged.
 */
export class HostVulMatcher {
  constructor(
    private readonly hosts: HostRepository,
    private readonly inventories: HostInventoryRepository,
    private readonly hostVuls: HostVulRepository,
    private readonly advisories: () => AdvisorySource,
    private readonly now: () => number,
  ) {}

  /**
   * Re-matches every stored inventory, without asking any agent: after a
   * vulnerability DB update, the lists follow the new data.
   */
  async rematchAll(): Promise<{ hosts: number }> {
    const byProject = new Map<string, string[]>();
    for (const h of await this.hosts.idsWithInventory()) byProject.set(h.projectId, [...(byProject.get(h.projectId) ?? []), h.id]);
    const cache: MatchCache = new Map();
    let hosts = 0;
    for (const [projectId, ids] of byProject) {
      hosts += (await this.matchHosts(projectId, ids, { vulTypes: ['linux_vul', 'app_vul', 'urgent_vul'], urgentVulIds: [] }, cache)).matched.length;
    }
    return { hosts };
  }

  async matchHosts(projectId: string, hostIds: string[], scope: MatchScope, cache: MatchCache = new Map()): Promise<MatchHostsResult> {
    const result: MatchHostsResult = { matched: [], withoutInventory: [], rowsWritten: 0 };
    const urgentIds = new Set(scope.urgentVulIds);
    const infosWritten = new Set<string>();
    const source = this.advisories();
    for (let i = 0; i < hostIds.length; i += HOSTS_PER_BATCH) {
      const batch = hostIds.slice(i, i + HOSTS_PER_BATCH);
      const now = this.now();
      const inventories = await this.inventories.load(batch);
      const found = new Set(inventories.map((inv) => inv.hostId));
      result.withoutInventory.push(...batch.filter((id) => !found.has(id)));
      const states = await this.hostVuls.statesFor([...found]);
      const changes: HostVulChanges = { inserts: [], updates: [], deletes: [] };
      const infos: VulInfo[] = [];
      for (const inventory of inventories) {
        const { findings } = matchInventory(inventory.os ? { os: inventory.os, packages: inventory.packages } : { packages: inventory.packages }, source, matchers, cache);
        const grouped = groupFindings(inventory.hostId, projectId, findings, now);
        for (const info of grouped.infos) {
          if (infosWritten.has(info.vulId)) continue;
          infosWritten.add(info.vulId);
          infos.push(info);
        }
        diffHost(inventory.hostId, grouped.vuls, states.get(inventory.hostId)!, scope, urgentIds, changes);
        result.matched.push(inventory.hostId);
      }
      await this.hostVuls.upsertVulInfo(infos, now);
      await this.hostVuls.apply(changes);
      await this.hosts.markScanned([...found], now);
      result.rowsWritten += changes.inserts.length + changes.updates.length + changes.deletes.reduce((n, d) => n + d.vulIds.length, 0);
    }
    return result;
  }
}

function diffHost(hostId: string, found: HostVul[], existing: Map<string, HostVulState>, scope: MatchScope, urgentIds: Set<string>, changes: HostVulChanges): void {
  const seen = new Set<string>();
  for (const vul of found) {
    if (!inScope(scope, urgentIds, vul)) continue;
    seen.add(vul.vulId);
    const old = existing.get(vul.vulId);
    if (!old) {
      changes.inserts.push(vul);
      continue;
    }
    const next = statusAfterRescan(old, vul.fingerprint);
    const packagesJson = JSON.stringify(vul.packages);
    const unchanged =
      old.fingerprint === vul.fingerprint &&
      old.packagesJson === packagesJson &&
      old.severity === vul.severity &&
      old.vulType === vul.vulType &&
      old.urgent === vul.urgent &&
      old.status === next.status &&
      old.handledFingerprint === next.handledFingerprint;
    if (!unchanged) {
      changes.updates.push({ ...vul, ...next, firstScanTime: old.firstScanTime, remark: next.status === old.status ? old.remark : null });
    }
  }
  const gone = [...existing.values()].filter((old) => !seen.has(old.vulId) && inScope(scope, urgentIds, old)).map((old) => old.vulId);
  if (gone.length > 0) changes.deletes.push({ hostId, vulIds: gone });
}
