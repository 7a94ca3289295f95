import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_RULES, buildSnapshot, scanCluster } from '../../../src/cluster/index.js';
import type { K8sObject } from '../../../src/rules/types.js';
import { BOOTSTRAP, clusterRole, clusterRoleBinding, group, namespace, role, roleBinding, sa, serviceAccount, user } from '../../support/kube/objects.js';

const readSecrets = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }];
const view = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];

/** For every cluster rule: objects that must make it fail, and objects that must not. */
const CASES: Record<string, { failing: K8sObject[][]; passing: K8sObject[][] }> = {
  RBAC001: {
    failing: [
      [clusterRoleBinding('dash-admin', 'cluster-admin', [sa('dash', 'dashboard')])],
      [role('ci', 'everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), roleBinding('ci', 'deployer', { kind: 'Role', name: 'everything' }, [sa('ci', 'deployer')])],
    ],
    passing: [
      [clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], BOOTSTRAP), clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')], BOOTSTRAP)],
      [clusterRole('view-pods', view), clusterRoleBinding('dash-view', 'view-pods', [sa('dash', 'dashboard')])],
    ],
  },
  RBAC002: {
    failing: [[clusterRole('deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }])], [role('ci', 'r', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }])]],
    passing: [[clusterRole('deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'update'] }])], [clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], BOOTSTRAP)]],
  },
  RBAC003: {
    failing: [[clusterRole('reader', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }])]],
    passing: [[clusterRole('reader', [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get'] }])]],
  },
  RBAC004: {
    failing: [[serviceAccount('shop', 'default')], [serviceAccount('shop', 'default', true)]],
    passing: [[serviceAccount('shop', 'default', false)], [serviceAccount('shop', 'web')]],
  },
  RBAC005: {
    failing: [
      [clusterRole('secret-reader', readSecrets), clusterRoleBinding('ci', 'secret-reader', [group('ci-bots')])],
      [clusterRole('all-core', [{ apiGroups: [''], resources: ['*'], verbs: ['list'] }]), clusterRoleBinding('x', 'all-core', [sa('tools', 'backup')])],
    ],
    passing: [
      [clusterRole('secret-reader', readSecrets), roleBinding('ci', 'ci', { kind: 'ClusterRole', name: 'secret-reader' }, [group('ci-bots')])],
      [clusterRole('secret-reader', readSecrets), clusterRoleBinding('kcm', 'secret-reader', [user('system:kube-controller-manager')])],
      [clusterRole('one-secret', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['tls'], verbs: ['get'] }]), clusterRoleBinding('x', 'one-secret', [user('alice')])],
    ],
  },
  RBAC006: {
    failing: [[clusterRole('view-pods', view), clusterRoleBinding('open', 'view-pods', [group('system:unauthenticated')])], [roleBinding('a', 'anon', { kind: 'ClusterRole', name: 'view-pods' }, [user('system:anonymous')])]],
    passing: [[clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group('system:unauthenticated')], BOOTSTRAP)]],
  },
  RBAC007: {
    failing: [[role('shop', 'web', readSecrets)], [clusterRole('operator', [{ apiGroups: ['*'], resources: ['secrets'], verbs: ['*'] }])]],
    passing: [[role('shop', 'web', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-tls'], verbs: ['get'] }])], [clusterRole('edit', readSecrets, BOOTSTRAP)], [role('shop', 'web', [{ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }])]],
  },
  RBAC008: {
    failing: [[clusterRole('role-manager', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate'] }])]],
    passing: [[clusterRole('role-manager', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['create', 'update'] }])], [clusterRole('system:controller:clusterrole-aggregation-controller', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate'] }], BOOTSTRAP)]],
  },
  RBAC009: {
    failing: [[role('ci', 'binder', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['bind'] }])]],
    passing: [[role('ci', 'binder', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], resourceNames: ['deployer'], verbs: ['bind'] }])]],
  },
  RBAC010: {
    failing: [[clusterRole('impersonator', [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }])]],
    passing: [[clusterRole('impersonator', [{ apiGroups: [''], resources: ['serviceaccounts'], resourceNames: ['bot'], verbs: ['impersonate'] }])]],
  },
  RBAC011: {
    failing: [[role('shop', 'debug', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }])], [role('shop', 'debug', [{ apiGroups: [''], resources: ['pods/attach'], verbs: ['get'] }])]],
    passing: [[role('shop', 'debug', [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }])]],
  },
  RBAC012: {
    failing: [[clusterRole('prometheus', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }])]],
    passing: [[clusterRole('prometheus', [{ apiGroups: [''], resources: ['nodes', 'nodes/metrics'], verbs: ['get', 'list'] }])]],
  },
  RBAC013: {
    failing: [[clusterRoleBinding('ops', 'cluster-admin', [user('alice'), group('ops')])], [roleBinding('shop', 'ops', { kind: 'ClusterRole', name: 'cluster-admin' }, [user('bob')])]],
    passing: [[clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')], BOOTSTRAP)], [roleBinding('shop', 'ops', { kind: 'ClusterRole', name: 'admin' }, [user('bob')])]],
  },
  RBAC014: {
    failing: [[role('ci', 'tokens', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }])]],
    passing: [[role('ci', 'tokens', [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['deployer'], verbs: ['create'] }])], [role('ci', 'sa', [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list'] }])]],
  },
  RBAC015: {
    failing: [[clusterRole('policy', [{ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['patch'] }])]],
    passing: [[clusterRole('policy', [{ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['get', 'list', 'watch'] }])]],
  },
};

function failuresOf(id: string, objects: K8sObject[]): string[] {
  const results = scanCluster(buildSnapshot(objects, null), ['risk_assessment']).riskAssessment?.results ?? [];
  return results.filter((r) => r.rule.id === id).map((r) => {
    assert.equal(r.status, 'failed');
    assert.ok(r.resource !== undefined && r.resource.name !== '', 'every result names its resource');
    return r.message;
  });
}

describe('cluster risk rules', () => {
  it('the table covers every cluster rule', () => {
    assert.deepEqual(Object.keys(CASES).sort(), CLUSTER_RULES.map((r) => r.id).sort());
  });

  for (const rule of CLUSTER_RULES) {
    const cases = CASES[rule.id];
    it(`${rule.id} (${rule.title}) fails and passes`, () => {
      assert.ok(cases, `no cases for ${rule.id}`);
      assert.ok(rule.description && rule.remediation && rule.references.length > 0);
      cases.failing.forEach((objects, i) => assert.ok(failuresOf(rule.id, [namespace('a'), ...objects]).length > 0, `failing case ${i}`));
      cases.passing.forEach((objects, i) => assert.deepEqual(failuresOf(rule.id, [namespace('a'), ...objects]), [], `passing case ${i}`));
    });
  }
});
