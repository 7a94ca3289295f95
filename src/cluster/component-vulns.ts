/**
 * cluster_vul matching: the versions a cluster reports (control plane, each node's kubelet,
 * kube-proxy and container runtime) against the vulnerability DB.
 *
 * Where a component is looked up and how its version is normalised is matchers/kubernetes.ts.
 * Sources, per component:
 * - OSV `Go` records for its modules decide whether a version is affected and where it is fixed.
 * - `k8s.io/kubernetes` records cover the whole release, so one would otherwise be reported for
 *   every component. When the official Kubernetes CVE feed names the components a CVE affects,
 *   a monorepo record is only reported for those; when it names none (or the CVE is not in the
 *   feed), for every Kubernetes component.
 * - The official feed's own ranges (read from its issue text) decide only for CVEs that no OSV
 *   record of the component's modules covers.
 * Records about the same CVE (GHSA, GO-…, the official entry) make one finding, under the CVE id.
 * - A vulnerability whose records say it affects Windows nodes (and never name Linux) is not reported
 *   for a component whose OS is known to be another one (a Linux node's kubelet, a Linux API server),
 *   and the reverse; a warning names each one left out. Neither the official feed nor OSV `Go` records
 *   for Kubernetes carry a structured platform field, so the advisories' titles decide ("… privilege
 *   escalation on Windows nodes").
 * The kernel and OS image are not matched (see UNMATCHED_COMPONENTS); a warning says so.
 */
import { severityRank, type Severity } from '../domain/finding.js';
import { evaluate } from '../matchers/evaluate.js';
import {
  isKubernetesComponent,
  KUBERNETES_COMPONENTS,
  moduleTargets,
  resolveComponent,
  type ComponentVersion,
  tolerantGoVersion,
  type KubernetesComponent,
} from '../matchers/kubernetes.js';
import type { MatchTarget } from '../matchers/matcher.js';
import { compareVersions } from '../versioning/index.js';
import type { AdvisoryRecord, AffectedRecord } from '../vulndb/index.js';
import { K8S_CVE_SOURCE, K8S_ECOSYSTEM, K8S_WHOLE_RELEASE, severityFromScore } from '../vulndb/index.js';

/** What matching needs from the vulnerability DB (VulnDbReader has both). */
export interface ClusterAdvisorySource {
  affectedFor(ecosystem: string, packageName: string): AffectedRecord[];
  findAdvisories(idOrAlias: string): AdvisoryRecord[];
}

export interface ClusterComponentInput {
  /** `kube-apiserver`, `kubelet`, `kube-proxy`, `containerd`, `cri-o`, `docker`, `kernel`, `os-image`, … */
  component: string;
  /** As reported: `v1.27.3-eks-a5565ad`, `containerd://1.6.20`. */
  version: string;
  node?: string;
  /** The OS the component runs on (`linux`, `windows`), when known: the node's, or the API server's platform. */
  os?: string;
}

export interface ClusterVulFinding {
  /** The CVE id when the records name one, else the record id. */
  vulId: string;
  /** The other ids of the same vulnerability (GHSA-…, GO-…), sorted. */
  aliases: string[];
  title: string | null;
  url: string | null;
  severity: Severity;
  cvssScore: number | null;
  /** Canonical component name (`kube-apiserver`, `containerd`). */
  component: string;
  /** As reported, without a runtime scheme (`v1.27.3-eks-a5565ad`, `1.6.20`). */
  version: string;
  /** The lowest release of the component that fixes it, without `v`; null when none is known. */
  fixedVersion: string | null;
  node?: string;
  /** Announced in the official Kubernetes CVE feed. */
  official: boolean;
}

export interface MatchClusterOptions {
  /** Components not matched (kernel, OS image, unknown, unparsable version) and records that could not be evaluated. */
  onWarning?(message: string): void;
}

const CVE = /^CVE-\d{4}-\d{4,}$/;
const NODE_OS_NAMES: ReadonlyArray<[os: string, pattern: RegExp]> = [
  ['windows', /\bWindows\s+(?:worker\s+)?(?:nodes?|hosts?|containers?)\b/i],
  ['linux', /\bLinux\s+(?:worker\s+)?(?:nodes?|hosts?|containers?)\b/i],
];

/**
 * The one node OS a vulnerability is limited to, from its records' titles; null when they name none
 * or several (then it is reported whatever the OS).
 */
export function onlyNodeOs(advisories: ReadonlyArray<Pick<AdvisoryRecord, 'summary'>>): string | null {
  const named = NODE_OS_NAMES.filter(([, pattern]) => advisories.some((a) => a.summary !== null && pattern.test(a.summary))).map(([os]) => os);
  return named.length === 1 ? (named[0] ?? null) : null;
}

function vulKey(a: AdvisoryRecord): string {
  if (CVE.test(a.id)) return a.id;
  return a.aliases.find((x) => CVE.test(x)) ?? a.id;
}

interface Hit {
  record: AffectedRecord;
  /** In the component's terms (`1.27.4`, not the staging module's `v0.27.4`). */
  fixedVersion: string | null;
}

function severityOf(record: AffectedRecord): Severity {
  const a = record.advisory;
  return record.severity ?? a.severity ?? (a.cvss?.score != null ? severityFromScore(a.cvss.score, a.cvss.version) : 'unknown');
}

/** Per-call lookups that every component shares. */
class Lookups {
  private attribution: Map<string, Set<string>> | undefined;
  private readonly officials = new Map<string, AdvisoryRecord | null>();

  constructor(private readonly source: ClusterAdvisorySource) {}

  /** CVE → the Kubernetes components the official feed says it affects. */
  componentsOf(key: string): Set<string> | undefined {
    if (!this.attribution) {
      this.attribution = new Map();
      for (const c of KUBERNETES_COMPONENTS) {
        for (const r of this.source.affectedFor(K8S_ECOSYSTEM, c)) {
          const k = vulKey(r.advisory);
          const set = this.attribution.get(k) ?? new Set<string>();
          set.add(c);
          this.attribution.set(k, set);
        }
      }
    }
    return this.attribution.get(key);
  }

  official(key: string): AdvisoryRecord | null {
    let hit = this.officials.get(key);
    if (hit === undefined) {
      hit = this.source.findAdvisories(key).find((a) => a.source === K8S_CVE_SOURCE) ?? null;
      this.officials.set(key, hit);
    }
    return hit;
  }
}

function tolerant(record: AffectedRecord): AffectedRecord {
  return {
    ...record,
    ranges: record.ranges.map((r) => ({ ...r, events: r.events.map((e) => ({ ...e, version: tolerantGoVersion(e.version) })) })),
    versions: record.versions.map(tolerantGoVersion),
    fixedVersions: record.fixedVersions.map(tolerantGoVersion),
  };
}

function hitsFor(c: ComponentVersion, source: ClusterAdvisorySource, lookups: Lookups, warn: (m: string) => void): Map<string, Hit[]> {
  const hits = new Map<string, Hit[]>();
  const add = (key: string, hit: Hit) => hits.set(key, [...(hits.get(key) ?? []), hit]);
  const coveredByOsv = new Set<string>();
  const tryEvaluate = (record: AffectedRecord, target: MatchTarget) => {
    try {
      return evaluate(tolerant(record), target);
    } catch (err) {
      warn(`${c.component} ${c.reported}: ${record.advisory.id} (${target.name}) not evaluated: ${(err as Error).message}`);
      return null;
    }
  };
  for (const target of moduleTargets(c)) {
    for (const record of source.affectedFor(target.ecosystem, target.name)) {
      const key = vulKey(record.advisory);
      if (target.monorepo && isKubernetesComponent(c.component)) {
        const named = lookups.componentsOf(key);
        if (named && !named.has(c.component)) continue;
      }
      coveredByOsv.add(key);
      const verdict = tryEvaluate(record, target);
      if (verdict?.affected) add(key, { record, fixedVersion: verdict.fixedVersion === null ? null : target.toComponentVersion(verdict.fixedVersion) });
    }
  }
  if (isKubernetesComponent(c.component)) {
    for (const pkg of [c.component, K8S_WHOLE_RELEASE] as Array<KubernetesComponent | typeof K8S_WHOLE_RELEASE>) {
      for (const record of source.affectedFor(K8S_ECOSYSTEM, pkg)) {
        const key = vulKey(record.advisory);
        if (coveredByOsv.has(key)) continue;
        const verdict = tryEvaluate(record, { ecosystem: K8S_ECOSYSTEM, name: pkg, version: c.core, scheme: 'go' });
        if (verdict?.affected) add(key, { record, fixedVersion: verdict.fixedVersion?.replace(/^v/, '') ?? null });
      }
    }
  }
  return hits;
}

function toFinding(key: string, hits: Hit[], c: ComponentVersion, official: AdvisoryRecord | null, node: string | undefined): ClusterVulFinding {
  const advisories = [...hits.map((h) => h.record.advisory), ...(official ? [official] : [])];
  const aliases = new Set<string>();
  for (const a of advisories) for (const id of [a.id, ...a.aliases]) if (id !== key) aliases.add(id);
  const osv = hits.map((h) => h.record.advisory).filter((a) => a.source !== K8S_CVE_SOURCE);
  const scored = [...osv, ...(official ? [official] : [])].find((a) => a.cvss?.score != null);
  let severity: Severity = 'unknown';
  for (const h of hits) if (severityRank(severityOf(h.record)) > severityRank(severity)) severity = severityOf(h.record);
  if (severity === 'unknown' && official?.severity) severity = official.severity;
  // The lowest release some source says resolves it, as evaluate() picks within one record.
  const fixes = hits.map((h) => h.fixedVersion).filter((f): f is string => f !== null);
  fixes.sort((a, b) => compareVersions('go', a, b));
  return {
    vulId: key,
    aliases: [...aliases].sort(),
    title: official?.summary ?? osv.find((a) => a.summary)?.summary ?? null,
    url: official?.url ?? osv.find((a) => a.url)?.url ?? null,
    severity,
    cvssScore: scored?.cvss?.score ?? null,
    component: c.component,
    version: c.reported,
    fixedVersion: fixes[0] ?? null,
    ...(node !== undefined ? { node } : {}),
    official: official !== null,
  };
}

/**
 * Matches cluster component versions against the vulnerability DB. One finding per (component
 * entry, vulnerability), in input order, then by severity (highest first) and id.
 */
export function matchClusterComponents(
  source: ClusterAdvisorySource,
  components: ReadonlyArray<ClusterComponentInput>,
  options: MatchClusterOptions = {},
): ClusterVulFinding[] {
  const warn = options.onWarning ?? (() => {});
  const lookups = new Lookups(source);
  const findings: ClusterVulFinding[] = [];
  for (const input of components) {
    const resolved = resolveComponent(input.component, input.version);
    if ('skipped' in resolved) {
      warn(input.node ? `${input.node}: ${resolved.skipped}` : resolved.skipped);
      continue;
    }
    const mine: ClusterVulFinding[] = [];
    for (const [key, hits] of hitsFor(resolved, source, lookups, warn)) {
      const official = lookups.official(key);
      const only = input.os === undefined ? null : onlyNodeOs([...hits.map((h) => h.record.advisory), ...(official ? [official] : [])]);
      if (only !== null && only !== input.os) {
        warn(`${input.node ? `${input.node}: ` : ''}${resolved.component} ${resolved.reported}: ${key} affects ${only} only; not reported on ${input.os}`);
        continue;
      }
      mine.push(toFinding(key, hits, resolved, official, input.node));
    }
    mine.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.vulId < b.vulId ? -1 : a.vulId > b.vulId ? 1 : 0));
    findings.push(...mine);
  }
  return findings;
}
