import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { K8sObject } from '../../../src/rules/types.js';
import { validateK8sObject } from './validate.js';

/** The list endpoints a scan reads, as the real API server lays them out. */
export const LIST_PATHS: Record<string, { kind: string; apiVersion: string }> = {
  '/api/v1/nodes': { kind: 'Node', apiVersion: 'v1' },
  '/api/v1/namespaces': { kind: 'Namespace', apiVersion: 'v1' },
  '/api/v1/pods': { kind: 'Pod', apiVersion: 'v1' },
  '/api/v1/services': { kind: 'Service', apiVersion: 'v1' },
  '/api/v1/serviceaccounts': { kind: 'ServiceAccount', apiVersion: 'v1' },
  '/apis/apps/v1/deployments': { kind: 'Deployment', apiVersion: 'apps/v1' },
  '/apis/apps/v1/daemonsets': { kind: 'DaemonSet', apiVersion: 'apps/v1' },
  '/apis/apps/v1/statefulsets': { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  '/apis/apps/v1/replicasets': { kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  '/apis/batch/v1/jobs': { kind: 'Job', apiVersion: 'batch/v1' },
  '/apis/batch/v1/cronjobs': { kind: 'CronJob', apiVersion: 'batch/v1' },
  '/apis/rbac.authorization.k8s.io/v1/roles': { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1' },
  '/apis/rbac.authorization.k8s.io/v1/clusterroles': { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1' },
  '/apis/rbac.authorization.k8s.io/v1/rolebindings': { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1' },
  '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings': { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1' },
  '/apis/networking.k8s.io/v1/networkpolicies': { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1' },
};

export interface FakeApiServerOptions {
  /** Objects to serve, e.g. the items of a `kubectl get -o json` List. */
  objects: K8sObject[];
  /** The /version body. */
  version: Record<string, unknown>;
  /** The bearer token it accepts; any other gets 401. */
  token: string;
  /** Paths answered with 403, as RBAC does for a scanner without the right. */
  forbiddenPaths?: string[];
  /** Paths answered with 500. */
  failingPaths?: string[];
  /** The first continue token sent for each of these paths is answered with 410 Gone, as after etcd compaction. */
  expireFirstContinue?: string[];
  /** Delay before every answer, to exercise client timeouts. */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface FakeApiServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Anything but GET: a read-only scan must leave this empty. */
  writes: RecordedRequest[];
  /** Served responses that failed schema validation (there should be none). */
  invalidResponses: string[];
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function key(o: K8sObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * A stand-in for a Kubernetes API server: it answers the list endpoints and
 * /version from fixture objects the way the real one does (items without kind
 * or apiVersion, sorted by key, `limit`/`continue` pagination, Status bodies for
 * errors), checks the bearer token, validates every list it sends against the
 * OpenAPI schemas, and records every request.
 */
export async function startFakeApiServer(options: FakeApiServerOptions): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const writes: RecordedRequest[] = [];
  const invalidResponses: string[] = [];
  const resourceVersion = '48213';
  const expired = new Set<string>();

  const send = (res: ServerResponse, code: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'audit-id': 'b6a3f1c2-0000-4000-8000-000000000000' });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    requests.push(record);
    if (req.method !== 'GET') {
      writes.push(record);
      send(res, 405, status(405, 'MethodNotAllowed', `the fake API server only reads; got ${req.method}`));
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (url.pathname === '/version') {
      send(res, 200, options.version);
      return;
    }
    const list = LIST_PATHS[url.pathname];
    if (list === undefined) {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    if (options.forbiddenPaths?.includes(url.pathname)) {
      const resource = url.pathname.split('/').pop() ?? '';
      const group = list.apiVersion.includes('/') ? list.apiVersion.split('/')[0] : '';
      send(res, 403, status(403, 'Forbidden', `${resource} is forbidden: User "system:serviceaccount:scanner:openhss" cannot list resource "${resource}" in API group "${group}" at the cluster scope`));
      return;
    }
    if (options.failingPaths?.includes(url.pathname)) {
      send(res, 500, status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'));
      return;
    }
    const all = options.objects
      .filter((o) => o.kind === list.kind)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
      .map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
    let offset = 0;
    const token = url.searchParams.get('continue');
    if (token !== null) {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { path?: string; offset?: number };
      if (decoded.path !== url.pathname || typeof decoded.offset !== 'number') {
        send(res, 400, status(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion'));
        return;
      }
      offset = decoded.offset;
      if (options.expireFirstContinue?.includes(url.pathname) && !expired.has(url.pathname)) {
        expired.add(url.pathname);
        send(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
        return;
      }
    }
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const end = limit > 0 ? Math.min(all.length, offset + limit) : all.length;
    const metadata: Record<string, unknown> = { resourceVersion };
    if (end < all.length) {
      metadata.continue = Buffer.from(JSON.stringify({ path: url.pathname, offset: end })).toString('base64');
      metadata.remainingItemCount = all.length - end;
    }
    const body = { kind: `${list.kind}List`, apiVersion: list.apiVersion, metadata, items: all.slice(offset, end) };
    // The schema's item types require kind and apiVersion, which a real server leaves out of list items.
    for (const candidate of [{ ...body, items: [] }, ...body.items.map((i) => ({ ...i, kind: list.kind, apiVersion: list.apiVersion }))]) {
      try {
        validateK8sObject(candidate as K8sObject);
      } catch (err) {
        invalidResponses.push(`${url.pathname}: ${(err as Error).message}`);
      }
    }
    send(res, 200, body);
  };

  const server = createServer((req, res) => {
    // The body of a write is drained so the client sees the 405, not a reset.
    req.resume();
    req.on('end', () => {
      if (options.delayMs) setTimeout(() => handle(req, res), options.delayMs);
      else handle(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    writes,
    invalidResponses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
