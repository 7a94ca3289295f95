import type { K8sObject } from '../rules/types.js';
import type { ClusterSnapshot } from './snapshot.js';
import { WorkloadIndex, containersOf, podSpecOf, topLevelWorkloads, type ContainerType } from './workloads.js';

export type ComponentName = 'kube-apiserver' | 'kubelet' | 'kube-proxy' | 'container-runtime' | 'kernel' | 'os-image';

/** A version the vulnerability DB can match; `version` is verbatim as the cluster reports it. */
export interface ClusterComponent {
  component: ComponentName;
  /** e.g. v1.27.3, containerd://1.6.20, 5.15.0-1034-azure, Ubuntu 22.04.2 LTS */
  version: string;
  /** The node that reports it; absent for the control plane. */
  node?: string;
  /** The node's OS (`linux`, `windows`): nodeInfo.operatingSystem, else the kubernetes.io/os label; absent when neither says. */
  os?: string;
}

export interface WorkloadImage {
  kind: string;
  namespace?: string;
  name: string;
  container: string;
  containerType: ContainerType;
  image: string;
  /** Digests the running pods resolved the image to (containerStatuses[].imageID), sorted; empty when no pod reports one. */
  imageIDs: string[];
}

const NODE_INFO: Array<[string, ComponentName]> = [
  ['kubeletVersion', 'kubelet'],
  ['kubeProxyVersion', 'kube-proxy'],
  ['containerRuntimeVersion', 'container-runtime'],
  ['kernelVersion', 'kernel'],
  ['osImage', 'os-image'],
];

/** What a node says its OS is: nodeInfo.operatingSystem (the kubelet's GOOS), else the well-known label the kubelet sets. */
export function nodeOs(node: K8sObject): string | undefined {
  const info = ((node.status as Record<string, unknown> | undefined)?.nodeInfo ?? {}) as Record<string, unknown>;
  const os = typeof info.operatingSystem === 'string' && info.operatingSystem !== '' ? info.operatingSystem : node.metadata?.labels?.['kubernetes.io/os'];
  return os ? os.toLowerCase() : undefined;
}

export function clusterComponents(snapshot: ClusterSnapshot): ClusterComponent[] {
  const out: ClusterComponent[] = [];
  if (snapshot.version !== null) {
    // /version's platform is the API server's GOOS/GOARCH (linux/amd64).
    const os = snapshot.version.platform.split('/')[0]?.toLowerCase();
    out.push({ component: 'kube-apiserver', version: snapshot.version.gitVersion, ...(os ? { os } : {}) });
  }
  for (const node of snapshot.nodes) {
    const info = ((node.status as Record<string, unknown> | undefined)?.nodeInfo ?? {}) as Record<string, unknown>;
    const os = nodeOs(node);
    for (const [field, component] of NODE_INFO) {
      const version = info[field];
      // kube-proxy reports nothing (or a placeholder) where it is not installed.
      if (typeof version === 'string' && version !== '' && version !== 'v0.0.0') out.push({ component, version, node: node.metadata?.name ?? '', ...(os ? { os } : {}) });
    }
  }
  return out;
}

const STATUS_LISTS: Record<ContainerType, string> = {
  container: 'containerStatuses',
  initContainer: 'initContainerStatuses',
  ephemeralContainer: 'ephemeralContainerStatuses',
};

/** For each workload, container and image: the imageIDs its pods run, read from pods whose spec still asks for that image. */
function runningImageIDs(snapshot: ClusterSnapshot, index: WorkloadIndex): Map<string, Set<string>> {
  const ids = new Map<string, Set<string>>();
  for (const pod of snapshot.pods) {
    const top = index.top(pod);
    const status = (pod.status ?? {}) as Record<string, unknown>;
    for (const { type, container } of containersOf(podSpecOf(pod))) {
      const statuses = status[STATUS_LISTS[type]];
      if (!Array.isArray(statuses)) continue;
      const s = (statuses as Array<Record<string, unknown>>).find((x) => x?.name === container.name);
      if (typeof s?.imageID !== 'string' || s.imageID === '' || container.image === undefined) continue;
      const k = imageKey(top, type, container.name, container.image);
      let set = ids.get(k);
      if (set === undefined) ids.set(k, (set = new Set()));
      set.add(s.imageID);
    }
  }
  return ids;
}

function imageKey(workload: K8sObject, type: ContainerType, container: string, image: string): string {
  return JSON.stringify([workload.kind, workload.metadata?.namespace ?? '', workload.metadata?.name ?? '', type, container, image]);
}

export function workloadImages(snapshot: ClusterSnapshot): WorkloadImage[] {
  const index = new WorkloadIndex(snapshot);
  const ids = runningImageIDs(snapshot, index);
  const out: WorkloadImage[] = [];
  for (const workload of topLevelWorkloads(snapshot, index)) {
    for (const { type, container } of containersOf(podSpecOf(workload))) {
      if (typeof container.image !== 'string' || container.image === '') continue;
      const entry: WorkloadImage = {
        kind: workload.kind ?? '',
        name: workload.metadata?.name ?? '',
        container: container.name,
        containerType: type,
        image: container.image,
        imageIDs: [...(ids.get(imageKey(workload, type, container.name, container.image)) ?? [])].sort(),
      };
      if (workload.metadata?.namespace !== undefined) entry.namespace = workload.metadata.namespace;
      out.push(entry);
    }
  }
  return out;
}
