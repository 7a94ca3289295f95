/**
 * Where a Kubernetes cluster component is looked up in the vulnerability database, and as which
 * version. Cluster components are binaries, not Go modules, so each is mapped to the modules whose OSV
 * `Go` records describe it:
 *
 * | component | modules (version compared) |
 * | --- | --- |
 * | kube-apiserver, kubelet, kube-proxy, kube-controller-manager, kube-scheduler, kubectl | `k8s.io/kubernetes` (v1.X.Y) and the component's staging module, `k8s.io/apiserver`, `k8s.io/kubelet`, … (v0.X.Y) |
 * | containerd | `github.com/containerd/containerd` (v1), `github.com/containerd/containerd/v2` (v2) |
 * | cri-o | `github.com/cri-o/cri-o` |
 * | docker | `github.com/docker/docker`, `github.com/moby/moby` |
 *
 * Staging modules are tagged v0.X.Y for Kubernetes v1.X.Y, so 1.27.3 is looked up as v0.27.3 there.
 * Kubernetes components are also looked up in the official feed's per-component entries (ecosystem
 * `Kubernetes`, see vulndb/importers/k8s-cve-feed.ts).
 *
 * Versions: clusters report vendor builds (`v1.27.3-eks-a5565ad`, `v1.27.3+k3s1`,
 * `v1.28.2-gke.1157000`), runtimes with a scheme (`containerd://1.6.20`). They are compared on their
 * SemVer core, MAJOR.MINOR.PATCH: vendor suffixes are rebuilds of that upstream release and are
 * not ordered against upstream pre-releases. The cost: a true pre-release (`v1.28.0-rc.1`) compares
 * as its release. Backports a vendor made without bumping the upstream patch are not seen.
 *
 * The kernel and OS image are not matched here: their packages belong to the host scan, which
 * matches them against the distribution's own data.
 */
import type { MatchTarget } from './matcher.js';

export const KUBERNETES_COMPONENTS = ['kube-apiserver', 'kubelet', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;
export const RUNTIME_COMPONENTS = ['containerd', 'cri-o', 'docker'] as const;
export type KubernetesComponent = (typeof KUBERNETES_COMPONENTS)[number];
export type RuntimeComponent = (typeof RUNTIME_COMPONENTS)[number];
export type KnownComponent = KubernetesComponent | RuntimeComponent;

/** Components that are reported by clusters but are not matched against the vulnerability DB. */
export const UNMATCHED_COMPONENTS: readonly string[] = ['kernel', 'kernel-version', 'kernelversion', 'os-image', 'osimage', 'os'];

const ALIASES: Readonly<Record<string, KnownComponent>> = {
  apiserver: 'kube-apiserver',
  'kube-apiserver': 'kube-apiserver',
  'control-plane': 'kube-apiserver',
  kubelet: 'kubelet',
  'kube-proxy': 'kube-proxy',
  kubeproxy: 'kube-proxy',
  'kube-controller-manager': 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler',
  kubectl: 'kubectl',
  containerd: 'containerd',
  'cri-o': 'cri-o',
  crio: 'cri-o',
  docker: 'docker',
  moby: 'docker',
};

/** Names under which a container runtime string (`containerd://1.6.20`) may be reported. */
const RUNTIME_SLOTS = new Set(['container-runtime', 'containerruntime', 'containerruntimeversion', 'runtime']);

export interface ComponentVersion {
  component: KnownComponent;
  /** As the cluster reported it, scheme prefix removed (`v1.27.3-eks-a5565ad`). */
  reported: string;
  /** The SemVer core it is compared as, without `v` (`1.27.3`). */
  core: string;
}

const CORE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+.~_].*)?$/;

/** `v1.27.3-eks-a5565ad`, `v1.27.3+k3s1`, `1.6.20` → `1.27.3`, `1.27.3`, `1.6.20`; `v1.28` → `1.28.0`; garbage → null. */
export function versionCore(version: string): string | null {
  const m = CORE.exec(version.trim());
  if (!m) return null;
  const n = (s: string | undefined) => String(Number(s ?? '0'));
  return `${n(m[1])}.${n(m[2])}.${n(m[3])}`;
}

/**
 * The component and version to match, or a reason it is not matched. A runtime reported as
 * `containerd://1.6.20` is recognised by its scheme, under whichever component name it came.
 */
export function resolveComponent(component: string, version: string): ComponentVersion | { skipped: string } {
  const name = component.trim().toLowerCase();
  if (UNMATCHED_COMPONENTS.includes(name)) return { skipped: `${component} is not matched against the vulnerability DB (the host scan covers kernel and OS packages)` };
  let reported = version.trim();
  let canonical = ALIASES[name];
  const scheme = /^([a-z0-9.-]+):\/\/(.+)$/i.exec(reported);
  if (scheme) {
    reported = (scheme[2] as string).trim();
    // The scheme names the runtime, whatever slot the version was reported in.
    const runtime = ALIASES[(scheme[1] as string).toLowerCase()];
    canonical = runtime ?? (RUNTIME_SLOTS.has(name) ? undefined : canonical);
  }
  if (!canonical) return { skipped: `${component} ${version}: no vulnerability data source for this component` };
  const core = versionCore(reported);
  if (!core) return { skipped: `${component} ${version}: not a version that can be compared` };
  return { component: canonical, reported, core };
}

/**
 * A record's version as the Go comparator accepts it. Docker's releases are numbered `19.03.0` and
 * GHSA writes them so, but SemVer forbids leading zeros; `19.3.0` orders the same. Everything else
 * is returned as it is, so the comparator still rejects what it cannot order.
 */
export function tolerantGoVersion(version: string): string {
  const m = /^(v?)(\d+)\.(\d+)\.(\d+)(.*)$/.exec(version);
  if (!m) return version;
  const n = (s: string | undefined) => String(Number(s));
  return `${m[1]}${n(m[2])}.${n(m[3])}.${n(m[4])}${m[5]}`;
}

const STAGING: Readonly<Record<KubernetesComponent, string>> = {
  'kube-apiserver': 'k8s.io/apiserver',
  kubelet: 'k8s.io/kubelet',
  'kube-proxy': 'k8s.io/kube-proxy',
  'kube-controller-manager': 'k8s.io/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kube-scheduler',
  kubectl: 'k8s.io/kubectl',
};

export const KUBERNETES_MODULE = 'k8s.io/kubernetes';

export function isKubernetesComponent(c: KnownComponent): c is KubernetesComponent {
  return (KUBERNETES_COMPONENTS as readonly string[]).includes(c);
}

/** A Go module lookup for a component, with how the module's versions map back to the component's. */
export interface ModuleTarget extends MatchTarget {
  /** True for `k8s.io/kubernetes`, whose records cover every component of the release. */
  monorepo: boolean;
  /** A module version (a fixed version from a record) written as the component's version. */
  toComponentVersion(moduleVersion: string): string;
}

const plain = (v: string) => v.replace(/^v/, '').replace(/\+incompatible$/, '');

/** The Go modules a component's vulnerabilities are recorded under, with the version to compare there. */
export function moduleTargets(c: ComponentVersion): ModuleTarget[] {
  const go = (name: string, version: string, monorepo = false, toComponentVersion = plain): ModuleTarget => ({
    ecosystem: 'Go',
    name,
    version,
    scheme: 'go',
    monorepo,
    toComponentVersion,
  });
  const [major, minor, patch] = c.core.split('.');
  switch (c.component) {
    case 'containerd':
      return [go(major === '1' || major === '0' ? 'github.com/containerd/containerd' : `github.com/containerd/containerd/v${major}`, c.core)];
    case 'cri-o':
      return [go('github.com/cri-o/cri-o', c.core)];
    case 'docker':
      return [go('github.com/docker/docker', c.core), go('github.com/moby/moby', c.core)];
    default: {
      const targets = [go(KUBERNETES_MODULE, c.core, true)];
      // v0.X.Y of a staging module is release v1.X.Y; other majors have no staging counterpart.
      if (major === '1') targets.push(go(STAGING[c.component], `0.${minor}.${patch}`, false, (v) => plain(v).replace(/^0\./, '1.')));
      return targets;
    }
  }
}
