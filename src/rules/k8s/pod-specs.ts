import type { K8sObject } from '../types.js';

/**
 * Walks the pod specs inside workload objects so each rule is written once
 * against a pod spec and still reports the full path from the object root.
 */
export type Path = Array<string | number>;
type Obj = Record<string, unknown>;

export function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export interface PodSpecAt {
  spec: Obj;
  path: Path;
  /** The pod template's metadata (or the Pod's own), where AppArmor annotations live. */
  metadata: Obj | undefined;
  metadataPath: Path;
}

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/** Where the pod template sits in each workload kind. */
function templatePath(kind: string | undefined): Path | undefined {
  if (kind === 'Pod') return [];
  if (kind !== undefined && TEMPLATE_KINDS.has(kind)) return ['spec', 'template'];
  if (kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template'];
  if (kind === 'PodTemplate') return ['template'];
  return undefined;
}

export function getPath(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = asObject(node)?.[key];
    if (node === undefined) return undefined;
  }
  return node;
}

export function podSpecs(object: K8sObject): PodSpecAt[] {
  const base = templatePath(object.kind);
  if (base === undefined) return [];
  const spec = asObject(getPath(object, [...base, 'spec']));
  if (spec === undefined) return [];
  return [{ spec, path: [...base, 'spec'], metadata: asObject(getPath(object, [...base, 'metadata'])), metadataPath: [...base, 'metadata'] }];
}

export const CONTAINER_FIELDS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerField = (typeof CONTAINER_FIELDS)[number];

export interface ContainerAt {
  container: Obj;
  name: string;
  field: ContainerField;
  path: Path;
  pod: PodSpecAt;
}

export function containersOf(pod: PodSpecAt, fields: readonly ContainerField[] = CONTAINER_FIELDS): ContainerAt[] {
  const out: ContainerAt[] = [];
  for (const field of fields) {
    asArray(pod.spec[field]).forEach((value, index) => {
      const container = asObject(value);
      if (container === undefined) return;
      out.push({ container, name: asString(container.name) ?? `#${index}`, field, path: [...pod.path, field, index], pod });
    });
  }
  return out;
}

/** Every container in every pod spec of the object. */
export function allContainers(object: K8sObject, fields: readonly ContainerField[] = CONTAINER_FIELDS): ContainerAt[] {
  return podSpecs(object).flatMap((pod) => containersOf(pod, fields));
}

export function isWindowsPod(pod: PodSpecAt): boolean {
  return asString(asObject(pod.spec.os)?.name) === 'windows';
}

/** The field a container's securityContext sets, else the pod-level one, with the path of whichever decided. */
export function effectiveSecurityField(c: ContainerAt, field: string): { value: unknown; path: Path } {
  const own = asObject(c.container.securityContext)?.[field];
  if (own !== undefined) return { value: own, path: [...c.path, 'securityContext', field] };
  const podValue = asObject(c.pod.spec.securityContext)?.[field];
  if (podValue !== undefined) return { value: podValue, path: [...c.pod.path, 'securityContext', field] };
  return { value: undefined, path: [...c.path, 'securityContext', field] };
}

export function describe(c: ContainerAt): string {
  const kind = c.field === 'initContainers' ? 'init container' : c.field === 'ephemeralContainers' ? 'ephemeral container' : 'container';
  return `${kind} "${c.name}"`;
}
