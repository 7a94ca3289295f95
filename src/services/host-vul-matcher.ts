import { createHash } from 'node:crypto';
import type { Severity } from '../domain/finding.js';
import { KIND_APP, KIND_LINUX, KIND_URGENT, HANDLED_STATUSES, statusCode, type AffectedApp, type HssSeverity, type VulInfo } from '../domain/host-vul.js';
import { key52 } from '../domain/keys.js';
import type { OsRelease, Package } from '../domain/package.js';
import type { VulType } from '../domain/vulnerability.js';
import { matchInventory, osMatchGap, targetFor, type AdvisorySource, type MatchCache } from '../findings/match-inventory.js';
import { matchers } from '../matchers/index.js';
import { targetKey } from '../matchers/matcher.js';
import type { HostInventoryRepository, StoredInventoryRows } from '../repositories/host-inventory-repository.js';
import { fromRow } from '../repositories/inventory-codec.js';
import type { HostRepository } from '../repositories/host-repository.js';
import type { HostVulRepository, HostVulState, HostVulWrite, VulAffect } from '../repositories/host-vul-repository.js';

/** Which vulnerabilities a scan looks at: its vul types, and for urgent_vul an optional list of ids. */
export interface MatchScope {
  vulTypes: VulType[];
  urgentVulIds: string[];
}

/** The vulnerability DB as matching sees it: its records, and a name for the file in use. */
export interface AdvisoryProvider {
  reader(): AdvisorySource;
  generation(): string;
}

const HOSTS_PER_BATCH = 200;
const OS_PACKAGE_TYPES = new Set(['deb', 'apk', 'rpm']);
const HSS_SEVERITY: Record<Severity, HssSeverity> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', none: 'Low', unknown: 'Low' };
const SEVERITY_ORDER: HssSeverity[] = ['Low', 'Medium', 'High', 'Critical'];
const UNFIX = statusCode('vul_status_unfix');
const VERIFIED = statusCode('vul_status_verified');
const HANDLED = new Set(HANDLED_STATUSES.map(statusCode));

export const toHssSeverity = (severity: Severity): HssSeverity => HSS_SEVERITY[severity];

/** One advisory that hits a (ecosystem, name, version) triple, ready to be attached to any package with that triple. */
interface Template {
  vulId: string;
  vulSeq: number;
  severity: HssSeverity;
  urgent: boolean;
  fixed: string | null;
  info: VulInfo & { seq: number };
}

/**
 * What one scan run keeps between hosts: advisory verdicts and templates
 * per distinct triple, and affects already known, so a fleet sharing its
 * packages is matched once per triple rather than once per host.
 */
export class MatchContext {
  readonly verdicts: MatchCache = new Map();
  readonly templates = new Map<string, Template[]>();
  /** Per OS (everything of it a matcher may read) and package name, each distinct installed package (type, version, path, source), numbered, with what hits it. */
  readonly packages = new Map<string, Map<string, PackageEntry[]>>();
  packageCount = 0;
  /** Affects of vulnerabilities carried by several packages on a host, by vulnerability and the numbers of those packages. */
  readonly affects = new Map<string, VulAffect>();
  readonly infosWritten = new Set<number>();
}

interface PackageEntry {
  id: number;
  /** What tells packages of one name apart: type, version, path, and source name and version (deb) or source RPM and module (rpm). */
  ident: Array<string | number | null>;
  kind: number;
  templates: Template[];
  /** The package as an affected app of each template, in template order. */
  apps: AffectedApp[];
  /** The affect of each template when this package alone carries its vulnerability on a host (the usual case), made once per run. */
  single: Array<VulAffect | undefined>;
}

/** One package carrying a vulnerability: its entry and which of the entry's templates. */
interface Carrier {
  entry: PackageEntry;
  index: number;
}

interface HostVulDraft {
  vulSeq: number;
  severity: HssSeverity;
  kind: number;
  /** The first package that carries it, and the others (null: it alone, the usual case). */
  first: Carrier;
  more: Carrier[] | null;
}

function inScope(scope: MatchScope, urgentSeqs: Set<number>, vulSeq: number, kind: number): boolean {
  if (scope.vulTypes.includes('linux_vul') && kind & KIND_LINUX) return true;
  if (scope.vulTypes.includes('app_vul') && kind & KIND_APP) return true;
  if (!scope.vulTypes.includes('urgent_vul')) return false;
  return (kind & KIND_URGENT) !== 0 || urgentSeqs.has(vulSeq);
}

/** What a re-scan does to a handling decision: it holds while the affected packages are unchanged; a verification ends. */
function statusAfterRescan(old: HostVulState, fingerprint: number): { status: number; handledFingerprint: number | null } {
  if (old.status === VERIFIED) return { status: UNFIX, handledFingerprint: null };
  if (HANDLED.has(old.status) && old.handledFingerprint !== fingerprint) return { status: UNFIX, handledFingerprint: null };
  return { status: old.status, handledFingerprint: old.handledFingerprint };
}

export interface MatchHostsResult {
  /** Hosts whose vulnerabilities are now up to date with their inventory. */
  matched: string[];
  /** Hosts with no stored inventory. */
  withoutInventory: string[];
  /** Of `matched`, hosts whose OS packages could not be matched at all, with the reason (an OS without data). */
  osNotMatched: Map<string, string>;
  /** Of `matched`, those that needed no work: inventory, DB and scope unchanged since their last match. */
  unchanged: number;
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
    private readonly advisories: AdvisoryProvider,
    private readonly now: () => number,
  ) {}

  /** Re-matches every stored inventory without asking any agent (after a vulnerability DB update). */
  async rematchAll(): Promise<{ hosts: number }> {
    const byProject = new Map<string, string[]>();
    for (const h of await this.hosts.idsWithInventory()) byProject.set(h.projectId, [...(byProject.get(h.projectId) ?? []), h.id]);
    const context = new MatchContext();
    let hosts = 0;
    for (const [projectId, ids] of byProject) {
      hosts += (await this.matchHosts(projectId, ids, { vulTypes: ['linux_vul', 'app_vul', 'urgent_vul'], urgentVulIds: [] }, context)).matched.length;
    }
    return { hosts };
  }

  /** Whether some host's stored vulnerabilities were matched against another DB file than the one in use (rematchAll brings them up to date). */
  async hasStaleMatches(): Promise<boolean> {
    return this.hosts.anyMatchedAgainstOther(this.advisories.generation());
  }

  async matchHosts(projectId: string, hostIds: string[], scope: MatchScope, context = new MatchContext()): Promise<MatchHostsResult> {
    const result: MatchHostsResult = { matched: [], withoutInventory: [], osNotMatched: new Map(), unchanged: 0, rowsWritten: 0 };
    const urgentSeqs = new Set(scope.urgentVulIds.map(key52));
    const source = this.advisories.reader();
    const generation = this.advisories.generation();
    const stateOf = (inventoryHash: string) =>
      createHash('sha256')
        .update(JSON.stringify([inventoryHash, this.advisories.generation(), [...scope.vulTypes].sort(), [...scope.urgentVulIds].sort()]))
        .digest('hex')
        .slice(0, 32);
    let pending: Promise<void> = Promise.resolve();
    for (let i = 0; i < hostIds.length; i += HOSTS_PER_BATCH) {
      const batch = hostIds.slice(i, i + HOSTS_PER_BATCH);
      const now = this.now();
      const known = await this.hosts.matchedStates(batch);
      const unchanged = batch.filter((id) => {
        const k = known.get(id);
        if (!k?.inventoryHash || k.matchedState !== stateOf(k.inventoryHash)) return false;
        if (k.matchGap) result.osNotMatched.set(id, k.matchGap);
        return true;
      });
      const skip = new Set(unchanged);
      const inventories = await this.inventories.loadRows(batch.filter((id) => !skip.has(id) && known.get(id)?.inventoryHash));
      const loaded = new Set(inventories.map((inv) => inv.hostId));
      result.withoutInventory.push(...batch.filter((id) => !skip.has(id) && !loaded.has(id)));
      const states = await this.hostVuls.statesFor(inventories.map((inv) => key52(inv.hostId)));
      const write: HostVulWrite = {
        inserts: [],
        updates: [],
        deletes: [],
        affects: [],
        infos: [],
        scanned: unchanged.map((id) => ({ hostSeq: key52(id), matchedState: null })),
        now,
        projectId,
        seen: [],
      };
      const seen = new Set<number>();
      for (const inventory of inventories) {
        const drafts = this.draftsFor(inventory, source, context);
        const hostSeq = key52(inventory.hostId);
        diffHost(hostSeq, drafts, states.get(hostSeq)!, scope, urgentSeqs, context, write, now);
        for (const vulSeq of drafts.keys()) seen.add(vulSeq);
        const osRow = inventory.rows.find((r) => OS_PACKAGE_TYPES.has(r[0] as string));
        const osPackages = osRow ? [fromRow(osRow)] : [];
        const gap = osMatchGap(inventory.os ? { os: inventory.os, packages: osPackages } : { packages: osPackages }, source, matchers);
        if (gap) result.osNotMatched.set(inventory.hostId, gap);
        write.scanned.push({ hostSeq, matchedState: stateOf(inventory.contentHash), matchGap: gap });
      }
      write.seen = [...seen];
      // The next batch is matched while this one is written (on PostgreSQL the database does the writing);
      // writes stay in order, so an affect is stored before the rows of later batches that share it.
      await pending;
      const matchedIds = [...unchanged, ...inventories.map((inv) => inv.hostId)];
      pending = this.hostVuls.write(write).then(() => this.hosts.setMatchedGeneration(matchedIds, generation));
      pending.catch(() => undefined);
      result.matched.push(...matchedIds);
      result.unchanged += unchanged.length;
      result.rowsWritten += write.inserts.length + write.updates.length + write.deletes.length;
    }
    await pending;
    return result;
  }

  /** A host's vulnerabilities, one draft per vulnerability with every package that carries it. */
  private draftsFor(inventory: StoredInventoryRows, source: AdvisorySource, context: MatchContext): Map<number, HostVulDraft> {
    const os = inventory.os ?? undefined;
    // Everything of the OS a matcher may read (openEuler's service pack, SUSE's product, RHEL's stream).
    const osKey = os ? [os.id, os.versionId, os.fullVersionId, os.version, os.prettyName, os.cpeName].join('\u0000') : '';
    let known = context.packages.get(osKey);
    if (!known) context.packages.set(osKey, (known = new Map()));
    const drafts = new Map<number, HostVulDraft>();
    // Packages are looked up by their stored row (inventory-codec.ts): by name, then type, version, path and the source
    // (deb), source RPM and module (rpm), compared field by field rather than joined into one key string per package.
    for (const row of inventory.rows) {
      const type = row[0] ?? null;
      const version = row[2] ?? null;
      const path = row[3] ?? null;
      const a = (type === 'deb' ? row[5] : type === 'rpm' ? row[7] : '') ?? null;
      const b = (type === 'deb' ? row[6] : type === 'rpm' ? (typeof row[8] === 'string' ? row[8] : '') : '') ?? null;
      const name = row[1] as string;
      let named = known.get(name);
      if (!named) known.set(name, (named = []));
      let entry: PackageEntry | undefined;
      for (const e of named) {
        const id = e.ident;
        if (id[0] === type && id[1] === version && id[2] === path && id[3] === a && id[4] === b) {
          entry = e;
          break;
        }
      }
      if (!entry) {
        const pkg = fromRow(row);
        const templates = this.templatesFor(pkg, os, source, context);
        entry = {
          id: context.packageCount++,
          ident: [type, version, path, a, b],
          kind: OS_PACKAGE_TYPES.has(pkg.type) ? KIND_LINUX : KIND_APP,
          templates,
          apps: templates.map((t) => ({ name: pkg.name, version: pkg.version, fixed_version: t.fixed, path: pkg.location.path, type: pkg.type })),
          single: [],
        };
        named.push(entry);
      }
      const templates = entry.templates;
      for (let i = 0; i < templates.length; i++) {
        const t = templates[i]!;
        const kind = entry.kind | (t.urgent ? KIND_URGENT : 0);
        const draft = drafts.get(t.vulSeq);
        if (!draft) {
          drafts.set(t.vulSeq, { vulSeq: t.vulSeq, severity: t.severity, kind, first: { entry, index: i }, more: null });
          continue;
        }
        (draft.more ??= []).push({ entry, index: i });
        draft.kind |= kind;
        if (SEVERITY_ORDER.indexOf(t.severity) > SEVERITY_ORDER.indexOf(draft.severity)) draft.severity = t.severity;
      }
    }
    return drafts;
  }

  private templatesFor(pkg: Package, os: OsRelease | undefined, source: AdvisorySource, context: MatchContext): Template[] {
    const target = targetFor(pkg, os, matchers);
    if (!target) return [];
    const key = targetKey(target);
    let templates = context.templates.get(key);
    if (!templates) {
      const { findings } = matchInventory(os ? { os, packages: [pkg] } : { packages: [pkg] }, source, matchers, context.verdicts);
      templates = findings.map((f) => {
        const seq = key52(f.id);
        const severity = toHssSeverity(f.severity);
        return {
          vulId: f.id,
          vulSeq: seq,
          severity,
          urgent: f.knownExploited,
          fixed: f.fixedVersion,
          info: {
            vulId: f.id,
            seq,
            title: f.title ?? f.id,
            description: f.title ?? '',
            url: f.url ?? '',
            severity,
            cvssScore: f.cvss?.score ?? null,
            cveIds: [f.id, ...f.aliases].filter((id) => id.startsWith('CVE-')),
            kev: f.knownExploited,
            dataSource: f.dataSource,
          },
        };
      });
      context.templates.set(key, templates);
    }
    return templates;
  }
}

/**
 * The affect a draft stands for, created once per distinct (vulnerability,
 * packages) across the run. Its key is content-addressed, so every process
 * and every run gives the same affect the same key.
 */
function affectOf(draft: HostVulDraft, context: MatchContext, write: HostVulWrite): VulAffect {
  const { entry, index } = draft.first;
  if (!draft.more) return entry.single[index] ?? (entry.single[index] = newAffect(draft, [entry.apps[index]!], context, write));
  const carriers = [draft.first, ...draft.more];
  const runKey = `${draft.vulSeq}:${carriers.map((c) => c.entry.id).sort((a, b) => a - b).join(',')}`;
  let affect = context.affects.get(runKey);
  if (!affect) {
    affect = newAffect(draft, carriers.map((c) => c.entry.apps[c.index]!), context, write);
    context.affects.set(runKey, affect);
  }
  return affect;
}

function newAffect(draft: HostVulDraft, carried: AffectedApp[], context: MatchContext, write: HostVulWrite): VulAffect {
  const template = draft.first.entry.templates[draft.first.index]!;
  const apps = carried.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const packages = JSON.stringify(apps);
  const vulType = draft.kind & KIND_LINUX ? 'linux_vul' : 'app_vul';
  const affect: VulAffect = {
    seq: key52(`${template.vulId}\n${vulType}\n${draft.severity}\n${packages}`),
    vulSeq: draft.vulSeq,
    vulType,
    severity: draft.severity,
    packages,
    fingerprint: key52(apps.map((a) => `${a.type}:${a.name}@${a.version}:${a.path}`).join('\n')),
  };
  write.affects.push(affect);
  // Every vulnerability's first affect of the run comes with its information.
  if (!context.infosWritten.has(draft.vulSeq)) {
    context.infosWritten.add(draft.vulSeq);
    write.infos.push(template.info);
  }
  return affect;
}

function diffHost(
  hostSeq: number,
  drafts: Map<number, HostVulDraft>,
  existing: Map<number, HostVulState>,
  scope: MatchScope,
  urgentSeqs: Set<number>,
  context: MatchContext,
  write: HostVulWrite,
  now: number,
): void {
  for (const draft of drafts.values()) {
    if (!inScope(scope, urgentSeqs, draft.vulSeq, draft.kind)) {
      drafts.delete(draft.vulSeq);
      continue;
    }
    const affect = affectOf(draft, context, write);
    const old = existing.get(draft.vulSeq);
    if (!old) {
      write.inserts.push({ hostSeq, vulSeq: draft.vulSeq, affectSeq: affect.seq, kind: draft.kind, status: UNFIX, handledFingerprint: null, firstScanTime: now });
      continue;
    }
    const next = statusAfterRescan(old, affect.fingerprint);
    if (old.affectSeq !== affect.seq || old.kind !== draft.kind || old.status !== next.status || old.handledFingerprint !== next.handledFingerprint) {
      write.updates.push({ hostSeq, vulSeq: draft.vulSeq, affectSeq: affect.seq, kind: draft.kind, ...next, clearRemark: next.status !== old.status });
    }
  }
  for (const old of existing.values()) {
    if (!drafts.has(old.vulSeq) && inScope(scope, urgentSeqs, old.vulSeq, old.kind)) write.deletes.push({ hostSeq, vulSeq: old.vulSeq });
  }
}
