import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  type HttpInfo,
} from '@kubernetes/client-node';
import type { K8sObject } from '../../rules/types.js';
import { ClusterScanError } from '../errors.js';
import { KIND_API_VERSIONS, buildSnapshot, versionFrom, type ClusterSnapshot, type SnapshotKind } from '../snapshot.js';
import { loadKubeconfig, type KubeconfigPolicy } from './kubeconfig.js';
import { readOnlyHttpLibrary, scrub } from './read-only-http.js';

export interface LiveCollectOptions extends KubeconfigPolicy {
  /** Per request, including reading the body. Default 30 000. */
  timeoutMs?: number;
  /** Items per list page (`limit`). Default 500, as kubectl uses. */
  pageSize?: number;
}

interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
  net: NetworkingV1Api;
}

type Page = { limit: number; _continue?: string };
type Lister = (apis: Apis, page: Page) => Promise<HttpInfo<unknown>>;

/** Cluster-wide list calls only: list/get are the only verbs a scan needs or sends. */
const LISTERS: Array<[SnapshotKind, Lister]> = [
  ['Node', (a, p) => a.core.listNodeWithHttpInfo(p)],
  ['Namespace', (a, p) => a.core.listNamespaceWithHttpInfo(p)],
  ['Pod', (a, p) => a.core.listPodForAllNamespacesWithHttpInfo(p)],
  ['Deployment', (a, p) => a.apps.listDeploymentForAllNamespacesWithHttpInfo(p)],
  ['DaemonSet', (a, p) => a.apps.listDaemonSetForAllNamespacesWithHttpInfo(p)],
  ['StatefulSet', (a, p) => a.apps.listStatefulSetForAllNamespacesWithHttpInfo(p)],
  ['ReplicaSet', (a, p) => a.apps.listReplicaSetForAllNamespacesWithHttpInfo(p)],
  ['Job', (a, p) => a.batch.listJobForAllNamespacesWithHttpInfo(p)],
  ['CronJob', (a, p) => a.batch.listCronJobForAllNamespacesWithHttpInfo(p)],
  ['Service', (a, p) => a.core.listServiceForAllNamespacesWithHttpInfo(p)],
  ['ServiceAccount', (a, p) => a.core.listServiceAccountForAllNamespacesWithHttpInfo(p)],
  ['Role', (a, p) => a.rbac.listRoleForAllNamespacesWithHttpInfo(p)],
  ['ClusterRole', (a, p) => a.rbac.listClusterRoleWithHttpInfo(p)],
  ['RoleBinding', (a, p) => a.rbac.listRoleBindingForAllNamespacesWithHttpInfo(p)],
  ['ClusterRoleBinding', (a, p) => a.rbac.listClusterRoleBindingWithHttpInfo(p)],
  ['NetworkPolicy', (a, p) => a.net.listNetworkPolicyForAllNamespacesWithHttpInfo(p)],
];

async function rawJson(info: HttpInfo<unknown>, what: string): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(await info.body.text());
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new ClusterScanError('api-error', `${what}: the response is not a JSON object`);
}

/** Fails with the reason carried by ClusterScanError, or a generic one that cannot leak what the library put in its message. */
function asScanError(err: unknown, what: string, secrets: string[]): ClusterScanError {
  if (err instanceof ClusterScanError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/HTTP protocol is not allowed/.test(message)) {
    return new ClusterScanError('invalid-input', 'kubeconfig: an http:// server needs insecure-skip-tls-verify: true');
  }
  return new ClusterScanError('api-error', scrub(`${what}: ${err instanceof Error ? err.name : 'error'}`, secrets));
}

async function listAll(apis: Apis, kind: SnapshotKind, lister: Lister, pageSize: number): Promise<K8sObject[]> {
  let restarted = false;
  for (;;) {
    try {
      return await listPages(apis, kind, lister, pageSize);
    } catch (err) {
      // 410: the continue token outlived etcd's compaction (a slow scan of a big
      // cluster). The list restarts once from the top, to stay one consistent read.
      if (restarted || !(err instanceof ClusterScanError) || err.httpStatus !== 410) throw err;
      restarted = true;
    }
  }
}

async function listPages(apis: Apis, kind: SnapshotKind, lister: Lister, pageSize: number): Promise<K8sObject[]> {
  const items: K8sObject[] = [];
  let token: string | undefined;
  // A server that keeps answering with continue tokens must not hold a scan forever.
  for (let pages = 0; pages < 100_000; pages++) {
    const page: Page = { limit: pageSize };
    if (token !== undefined) page._continue = token;
    const list = await rawJson(await lister(apis, page), `listing ${kind}`);
    if (!Array.isArray(list.items)) throw new ClusterScanError('api-error', `listing ${kind}: no items in the response`);
    for (const item of list.items as K8sObject[]) items.push({ ...item, apiVersion: item.apiVersion ?? KIND_API_VERSIONS[kind], kind });
    const next = (list.metadata as { continue?: unknown } | undefined)?.continue;
    if (typeof next !== 'string' || next === '') return items;
    token = next;
  }
  throw new ClusterScanError('api-error', `listing ${kind}: the server never ended the list`);
}

/**
 * Reads a cluster through its API with the kubeconfig's credentials: `/version`
 * and a cluster-wide, paginated list of every scanned kind, one after another
 * (a scan is not worth loading a control plane for).
 */
export async function collectLiveSnapshot(kubeconfig: string, options: LiveCollectOptions = {}): Promise<ClusterSnapshot> {
  const { config, server, secrets } = loadKubeconfig(kubeconfig, options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pageSize = options.pageSize ?? 500;
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: config },
    httpApi: readOnlyHttpLibrary({ timeoutMs, secrets }),
  });
  const apis: Apis = {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    rbac: new RbacAuthorizationV1Api(configuration),
    net: new NetworkingV1Api(configuration),
  };
  let what = 'GET /version';
  try {
    const version = versionFrom(await rawJson(await new VersionApi(configuration).getCodeWithHttpInfo(), what));
    const objects: K8sObject[] = [];
    for (const [kind, lister] of LISTERS) {
      what = `listing ${kind}`;
      objects.push(...(await listAll(apis, kind, lister, pageSize)));
    }
    return buildSnapshot(objects, version);
  } catch (err) {
    throw asScanError(err, what, secrets);
  }
}
