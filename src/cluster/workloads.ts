import type { K8sObject } from '../rules/types.js';
import type { ClusterSnapshot } from './snapshot.js';

const CONTROLLER_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob']);

function controllerOf(object: K8sObject): { kind: string; name: string; uid?: string } | undefined {
  const owners = object.metadata?.ownerReferences;
  if (!Array.isArray(owners)) return undefined;
  const owner = (owners as Array<Record<string, unknown>>).find((o) => o?.controller === true) ?? owners[0];
  if (owner === null || typeof owner !== 'object' || typeof owner.kind !== 'string' || typeof owner.name !== 'string') return undefined;
  const result: { kind: string; name: string; uid?: string } = { kind: owner.kind, name: owner.name };
  if (typeof owner.uid === 'string') result.uid = owner.uid;
  return result;
}

function key(kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${kind}/${namespace ?? ''}/${name ?? ''}`;
}

/**
 * Objects that own pods in a snapshot, indexed both ways, so a pod can be
 * traced up (Pod → ReplicaSet → Deployment, Pod → Job → CronJob) to the
 * workload a person manages.
 */
export class WorkloadIndex {
  private readonly byKey = new Map<string, K8sObject>();

  constructor(snapshot: ClusterSnapshot) {
    for (const list of [snapshot.deployments, snapshot.daemonsets, snapshot.statefulsets, snapshot.replicasets, snapshot.jobs, snapshot.cronjobs]) {
      for (const o of list) this.byKey.set(key(o.kind ?? '', o.metadata?.namespace, o.metadata?.name), o);
    }
  }

  /** The object's known controller in this snapshot, if any. */
  parent(object: K8sObject): K8sObject | undefined {
    const owner = controllerOf(object);
    if (owner === undefined || !CONTROLLER_KINDS.has(owner.kind)) return undefined;
    const found = this.byKey.get(key(owner.kind, object.metadata?.namespace, owner.name));
    if (found === undefined) return undefined;
    if (owner.uid !== undefined && found.metadata?.uid !== undefined && found.metadata.uid !== owner.uid) return undefined;
    return found;
  }

  /** The top of the owner chain: what a person created and would fix. */
  top(object: K8sObject): K8sObject {
    let current = object;
    for (let depth = 0; depth < 5; depth++) {
      const parent = this.parent(current);
      if (parent === undefined) return current;
      current = parent;
    }
    return current;
  }
}

/**
 * The workloads a person manages: controllers nobody owns, and pods no known
 * controller owns (bare and static pods). Owned ReplicaSets, Jobs and pods are
 * left out because their findings are their owner's, and would repeat them.
 */
export function topLevelWorkloads(snapshot: ClusterSnapshot, index = new WorkloadIndex(snapshot)): K8sObject[] {
  const out: K8sObject[] = [];
  for (const list of [snapshot.deployments, snapshot.daemonsets, snapshot.statefulsets, snapshot.replicasets, snapshot.jobs, snapshot.cronjobs, snapshot.pods]) {
    for (const o of list) if (index.parent(o) === undefined) out.push(o);
  }
  return out;
}

/** The pod spec of any workload kind: a Pod's own, a controller's template, a CronJob's job template's. */
export function podSpecOf(object: K8sObject): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, any> | undefined;
  if (spec === undefined || spec === null || typeof spec !== 'object') return undefined;
  if (object.kind === 'Pod') return spec;
  if (object.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  [key: string]: unknown;
}

export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';

export function containersOf(podSpec: Record<string, unknown> | undefined): Array<{ type: ContainerType; container: ContainerSpec }> {
  const out: Array<{ type: ContainerType; container: ContainerSpec }> = [];
  if (podSpec === undefined) return out;
  const lists: Array<[ContainerType, unknown]> = [
    ['initContainer', podSpec.initContainers],
    ['container', podSpec.containers],
    ['ephemeralContainer', podSpec.ephemeralContainers],
  ];
  for (const [type, list] of lists) {
    if (!Array.isArray(list)) continue;
    for (const c of list) if (c !== null && typeof c === 'object' && typeof (c as ContainerSpec).name === 'string') out.push({ type, container: c as ContainerSpec });
  }
  return out;
}
