import type { ReportedContainer } from '../../protocol.js';

export const UNTAGGED = { name: '<none>', version: '<none>' } as const;

/**
 * Docker shows Docker Hub images short (`nginx`, `team/app`) where Podman
 * shows them in full (`docker.io/library/nginx`); the short form is used, so
 * the same image from both engines (or from a `docker save` tarball) is one image.
 */
function dockerHubShort(name: string): string {
  // Podman also names images loaded from a tarball `docker.io/library/team/app`.
  if (name.startsWith('docker.io/library/')) return name.slice('docker.io/library/'.length);
  if (name.startsWith('docker.io/')) return name.slice('docker.io/'.length);
  return name;
}

/** `registry:5000/team/app:1.2` → name `registry:5000/team/app`, version `1.2`; a reference without a tag is `latest`. */
export function splitRepoTag(ref: string): { name: string; version: string } {
  const at = ref.indexOf('@');
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const colon = named.lastIndexOf(':');
  if (colon > named.lastIndexOf('/') && colon > 0) return { name: dockerHubShort(named.slice(0, colon)), version: named.slice(colon + 1) };
  return { name: dockerHubShort(named), version: at >= 0 ? '<none>' : 'latest' };
}

/** Engines answer `sha256:<hex>`, but some Podman versions drop the algorithm. */
export function normalizeImageId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? `sha256:${id}` : id;
}

/** The digest of `name@sha256:…`, when it is one. */
export function repoDigestOf(repoDigests: readonly string[] | null | undefined): { name: string; digest: string } | undefined {
  for (const entry of repoDigests ?? []) {
    const at = entry.lastIndexOf('@');
    if (at > 0 && /^sha256:[0-9a-f]{64}$/.test(entry.slice(at + 1))) return { name: entry.slice(0, at), digest: entry.slice(at + 1) };
  }
  return undefined;
}

/** A container as the engine lists it, with the pod the kubelet's labels name. */
export function containerOf(c: { Id: string; Names: string[] | null; Labels: Record<string, string> | null }): ReportedContainer {
  const labels = c.Labels ?? {};
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    pod_id: labels['io.kubernetes.pod.uid'] ?? '',
    pod_name: labels['io.kubernetes.pod.name'] ?? '',
    namespace: labels['io.kubernetes.pod.namespace'] ?? '',
    cluster_id: '',
  };
}

/** Epoch ms of an RFC 3339 time, or null. */
export function epochOf(created: string | undefined): number | null {
  if (!created) return null;
  const ms = Date.parse(created);
  return Number.isFinite(ms) ? ms : null;
}
