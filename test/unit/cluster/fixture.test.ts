import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureParts } from '../../support/kube/fixture.js';
import { validateK8sObject } from '../../support/kube/validate.js';
import * as objects from '../../support/kube/objects.js';

describe('cluster fixtures', () => {
  it('every object of the snapshot fixture matches the Kubernetes OpenAPI schema', () => {
    const { objects: items, version } = fixtureParts();
    assert.ok(items.length > 50);
    for (const item of items) assert.doesNotThrow(() => validateK8sObject(item), `${item.kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name}`);
    assert.match(String(version.gitVersion), /^v\d+\.\d+\.\d+$/);
  });

  it('holds what the scan tests rely on', () => {
    const { objects: items } = fixtureParts();
    const kinds = new Set(items.map((i) => i.kind));
    for (const k of ['Node', 'Namespace', 'Pod', 'Deployment', 'ReplicaSet', 'DaemonSet', 'CronJob', 'Service', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'NetworkPolicy']) {
      assert.ok(kinds.has(k), k);
    }
    const dashboard = items.find((i) => i.kind === 'Service' && i.metadata?.name === 'kubernetes-dashboard');
    assert.equal((dashboard?.spec as { type?: string }).type, 'NodePort');
    assert.ok(items.some((i) => i.kind === 'ClusterRoleBinding' && (i.roleRef as { name: string }).name === 'cluster-admin' && (i.subjects as Array<{ kind: string }>).some((s) => s.kind === 'ServiceAccount')));
    assert.ok(items.filter((i) => i.kind === 'Pod').every((p) => Array.isArray((p.status as { containerStatuses?: unknown[] }).containerStatuses)));
  });

  it('the small objects the check tables build are schema-valid too', () => {
    const samples = [
      objects.namespace('a'),
      objects.serviceAccount('a', 'default', false),
      objects.clusterRole('r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      objects.role('a', 'r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      objects.clusterRoleBinding('b', 'r', [objects.sa('a', 'x'), objects.user('u'), objects.group('g')]),
      objects.roleBinding('a', 'b', { kind: 'Role', name: 'r' }, [objects.sa('a', 'x')]),
      objects.deployment('a', 'd', { containers: [objects.container()] }),
      objects.service('a', 's'),
      objects.networkPolicy('a', 'n', { podSelector: {}, policyTypes: ['Ingress'] }),
    ];
    for (const s of samples) assert.doesNotThrow(() => validateK8sObject(s), s.kind);
  });
});
