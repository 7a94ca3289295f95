import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CIS_CONTROLS, buildSnapshot, scanCluster } from '../../../src/cluster/index.js';
import type { K8sObject, RuleResult } from '../../../src/rules/types.js';
import {
  BOOTSTRAP,
  clusterRole,
  clusterRoleBinding,
  container,
  deployment,
  group,
  namespace,
  networkPolicy,
  role,
  roleBinding,
  sa,
  service,
  serviceAccount,
  user,
} from '../../support/kube/objects.js';
import { STATIC_COMPONENTS, mirrorPod, staticPod } from '../../support/kube/kubeadm.js';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const adminRole = clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], BOOTSTRAP);
const grantTo = (rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>): K8sObject[] => [clusterRole('r', rules), clusterRoleBinding('b', 'r', [user('alice')])];
const hardened = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, automountServiceAccountToken: false };

/** Objects each control must fail on, and objects on which all its outcomes must pass. */
const CASES: Record<string, { failing: K8sObject[]; passing: K8sObject[]; bare?: true }> = {
  '5.1.1': {
    failing: [adminRole, clusterRoleBinding('alice-admin', 'cluster-admin', [user('alice')])],
    passing: [adminRole, clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')], BOOTSTRAP)],
  },
  '5.1.2': { failing: grantTo([{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }]), passing: grantTo([{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }]) },
  '5.1.3': { failing: [role('a', 'r', [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }])], passing: [adminRole, role('a', 'r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])] },
  '5.1.4': {
    failing: [role('a', 'r', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]), roleBinding('a', 'b', { kind: 'Role', name: 'r' }, [sa('a', 'ci')])],
    passing: [role('a', 'r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), roleBinding('a', 'b', { kind: 'Role', name: 'r' }, [sa('a', 'ci')])],
  },
  '5.1.5': {
    failing: [serviceAccount('a', 'default', false), clusterRole('view', []), roleBinding('a', 'b', { kind: 'ClusterRole', name: 'view' }, [sa('a', 'default')])],
    passing: [serviceAccount('a', 'default', false)],
  },
  '5.1.6': {
    failing: [serviceAccount('a', 'default'), deployment('a', 'd', { containers: [container()] })],
    passing: [serviceAccount('a', 'default', false), serviceAccount('a', 'api', true), deployment('a', 'd', { containers: [container()] }), deployment('a', 'e', { serviceAccountName: 'api', automountServiceAccountToken: false, containers: [container()] })],
  },
  '5.1.8': { failing: grantTo([{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }]), passing: grantTo([{ apiGroups: [''], resources: ['users'], verbs: ['get'] }]) },
  '5.1.9': { failing: grantTo([{ apiGroups: [''], resources: ['persistentvolumes'], verbs: ['create'] }]), passing: grantTo([{ apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get'] }]) },
  '5.1.10': { failing: grantTo([{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]), passing: grantTo([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]) },
  '5.1.11': {
    failing: grantTo([{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] }]),
    passing: grantTo([{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['get'] }]),
  },
  '5.1.12': {
    failing: grantTo([{ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['patch'] }]),
    passing: grantTo([{ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['list'] }]),
  },
  '5.1.13': { failing: grantTo([{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }]), passing: grantTo([{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] }]) },
  '5.2.1': { failing: [namespace('b', { [ENFORCE]: 'privileged' })], passing: [namespace('b', { [ENFORCE]: 'baseline' }), namespace('kube-system')] },
  '5.3.2': {
    failing: [namespace('b'), networkPolicy('b', 'deny-in', { podSelector: {}, policyTypes: ['Ingress'] }), networkPolicy('b', 'allow-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })],
    passing: [namespace('b'), networkPolicy('b', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    bare: true,
  },
  '5.4.1': {
    failing: [deployment('a', 'd', { containers: [container({ env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'p' } } }] })] })],
    passing: [deployment('a', 'd', { containers: [container({ volumeMounts: [{ name: 's', mountPath: '/run/s' }] })], volumes: [{ name: 's', secret: { secretName: 's' } }] })],
  },
  '5.5.1': {
    failing: [mirrorPod(staticPod('kube-apiserver', 'cp-1', '10.0.0.10'), 'cp-1')],
    passing: [mirrorPod(staticPod('kube-apiserver', 'cp-1', '10.0.0.10', ['--enable-admission-plugins=NodeRestriction,ImagePolicyWebhook', '--admission-control-config-file=/etc/kubernetes/admission.yaml']), 'cp-1')],
  },
  '5.7.1': { failing: [namespace('default'), namespace('kube-system')], passing: [namespace('default'), namespace('shop')], bare: true },
  '5.7.2': {
    failing: [deployment('a', 'd', { containers: [container({ securityContext: { seccompProfile: { type: 'Unconfined' } } })], securityContext: { seccompProfile: { type: 'RuntimeDefault' } } })],
    passing: [deployment('a', 'd', { ...hardened, containers: [container()] })],
  },
  '5.7.3': { failing: [deployment('a', 'd', { containers: [container()] })], passing: [deployment('a', 'd', { containers: [container({ securityContext: { allowPrivilegeEscalation: false } })] })] },
  '5.7.4': { failing: [deployment('default', 'd', { containers: [container()] })], passing: [service('default', 'kubernetes'), serviceAccount('default', 'default'), deployment('a', 'd', { containers: [container()] })] },
};

/** 5.2.2 to 5.2.13 are decided by the namespace's enforced Pod Security level. */
const BASELINE_LEVEL = ['5.2.2', '5.2.3', '5.2.4', '5.2.5', '5.2.11', '5.2.12', '5.2.13'];
const RESTRICTED_LEVEL = ['5.2.6', '5.2.7', '5.2.8', '5.2.9', '5.2.10'];
for (const id of [...BASELINE_LEVEL, ...RESTRICTED_LEVEL]) CASES[id] = { failing: [namespace('b')], passing: [namespace('b', { [ENFORCE]: 'restricted' })] };

const NOT_EVALUABLE = ['5.1.7', '5.3.1', '5.4.2'];

/** Cases run in a namespace "a" that passes the namespace controls, unless they are bare. */
function outcomes(id: string, objects: K8sObject[], bare = false): RuleResult[] {
  const base = bare ? [] : [namespace('a', { [ENFORCE]: 'restricted' }), networkPolicy('a', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })];
  const results = scanCluster(buildSnapshot([...base, ...objects], null), ['benchmark'], { clusterName: 'test' }).benchmark?.results ?? [];
  const mine = results.filter((r) => r.rule.id === `CIS-${id}`);
  for (const r of mine) assert.ok(r.resource !== undefined && r.resource.kind !== '', 'every outcome names its resource');
  return mine;
}

describe('CIS benchmark controls', () => {
  it('the table covers every control the API can decide; the others are not evaluated', () => {
    const evaluable = CIS_CONTROLS.map((c) => c.id.replace(/^CIS-/, '')).filter((id) => id.startsWith('5.') && !NOT_EVALUABLE.includes(id));
    assert.deepEqual(evaluable.sort(), Object.keys(CASES).sort());
  });

  for (const id of Object.keys(CASES).sort()) {
    it(`CIS ${id} fails and passes`, () => {
      const { failing, passing, bare } = CASES[id]!;
      const failed = outcomes(id, failing, bare);
      assert.ok(failed.some((r) => r.status === 'failed'), `failing case: ${JSON.stringify(failed.map((r) => [r.status, r.message]))}`);
      const passed = outcomes(id, passing, bare);
      assert.ok(passed.length > 0 && passed.every((r) => r.status === 'passed'), `passing case: ${JSON.stringify(passed.map((r) => [r.status, r.message]))}`);
    });
  }

  it('baseline enforcement satisfies the host and privilege controls but not the restricted ones', () => {
    const objects = [namespace('b', { [ENFORCE]: 'baseline' })];
    for (const id of BASELINE_LEVEL) assert.ok(outcomes(id, objects).every((r) => r.status === 'passed'), id);
    for (const id of RESTRICTED_LEVEL) assert.ok(outcomes(id, objects).some((r) => r.status === 'failed' && r.resource?.name === 'b'), id);
  });

  it('lists node-level controls and the undecidable ones as not evaluated', () => {
    const results = scanCluster(buildSnapshot([], null), ['benchmark'], { clusterName: 'prod' }).benchmark?.results ?? [];
    const notEvaluated = results.filter((r) => r.status === 'not_evaluated');
    for (const section of ['1.1.1', '1.2.1', '1.3.2', '1.4.1', '2.1', '3.2.1', '4.1.1', '4.2.1', '4.3.1', '5.5.1']) {
      const r = notEvaluated.find((x) => x.rule.id === `CIS-${section}`);
      assert.match(r?.message ?? '', /^needs node access/, section);
      assert.deepEqual(r?.resource, { kind: 'Cluster', name: 'prod' });
    }
    for (const id of NOT_EVALUABLE) assert.ok(notEvaluated.some((r) => r.rule.id === `CIS-${id}`), id);
    assert.equal(new Set(CIS_CONTROLS.map((c) => c.id)).size, CIS_CONTROLS.length, 'control ids are unique');
  });
});

/** A kubeadm v1.27 control plane as the API shows it: the mirror pods of its static pods. */
function kubeadmCluster(extra: Partial<Record<(typeof STATIC_COMPONENTS)[number], string[]>> = {}): RuleResult[] {
  const pods = STATIC_COMPONENTS.map((c) => mirrorPod(staticPod(c, 'cp-1', '10.0.0.10', extra[c] ?? []), 'cp-1'));
  return scanCluster(buildSnapshot([namespace('kube-system'), ...pods], null), ['benchmark'], { clusterName: 'prod' }).benchmark?.results ?? [];
}
const statusOf = (results: RuleResult[], id: string) => results.filter((r) => r.rule.id === `CIS-${id}`).map((r) => `${r.status}@${r.resource?.kind}/${r.resource?.name}`);

describe('CIS controls decided from the static pods the API shows', () => {
  it('fails 1.2.1 on a kube-apiserver with --anonymous-auth=true, and passes it when false', () => {
    const open = kubeadmCluster({ 'kube-apiserver': ['--anonymous-auth=true'] }).find((r) => r.rule.id === 'CIS-1.2.1');
    assert.equal(open?.status, 'failed');
    assert.equal(open?.message, '--anonymous-auth=true');
    assert.deepEqual(open?.resource, { kind: 'Node', name: 'cp-1' });
    assert.deepEqual(statusOf(kubeadmCluster({ 'kube-apiserver': ['--anonymous-auth=false'] }), '1.2.1'), ['passed@Node/cp-1']);
  });

  it('decides kubeadm defaults flag by flag: what kubeadm sets passes, what it leaves out fails', () => {
    const results = kubeadmCluster();
    const passed = ['1.2.2', '1.2.4', '1.2.6', '1.2.7', '1.2.8', '1.2.10', '1.2.12', '1.2.13', '1.2.14', '1.2.21', '1.2.22', '1.2.23', '1.2.24', '1.2.25', '1.2.26', '1.3.3', '1.3.4', '1.3.5', '1.3.6', '1.3.7', '1.4.2', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7'];
    const failed = ['1.2.1', '1.2.3', '1.2.5', '1.2.9', '1.2.11', '1.2.15', '1.2.16', '1.2.17', '1.2.18', '1.2.19', '1.2.27', '1.2.28', '1.2.29', '1.3.1', '1.3.2', '1.4.1', '3.2.1', '5.5.1'];
    for (const id of passed) assert.deepEqual(statusOf(results, id), ['passed@Node/cp-1'], id);
    for (const id of failed) assert.deepEqual(statusOf(results, id), ['failed@Node/cp-1'], id);
    // Files are on the node: the API decides none of section 1.1 or 4.
    for (const id of ['1.1.1', '1.1.11', '1.1.20']) assert.deepEqual(statusOf(results, id), ['not_evaluated@Node/cp-1'], id);
    for (const id of ['4.1.1', '4.2.1']) assert.deepEqual(statusOf(results, id), ['not_evaluated@Cluster/prod'], id);
  });

  it('hardening flags turn the failures into passes', () => {
    const results = kubeadmCluster({
      'kube-apiserver': [
        '--anonymous-auth=false',
        '--profiling=false',
        '--audit-log-path=/var/log/kubernetes/audit.log',
        '--audit-log-maxage=30',
        '--audit-log-maxbackup=10',
        '--audit-log-maxsize=100',
        '--audit-policy-file=/etc/kubernetes/audit-policy.yaml',
        '--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt',
        '--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs',
        '--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      ],
      'kube-controller-manager': ['--profiling=false', '--terminated-pod-gc-threshold=10'],
      'kube-scheduler': ['--profiling=false'],
    });
    for (const id of ['1.2.1', '1.2.3', '1.2.5', '1.2.9', '1.2.11', '1.2.15', '1.2.16', '1.2.17', '1.2.18', '1.2.19', '1.2.29', '1.3.1', '1.3.2', '1.4.1', '3.2.1']) assert.deepEqual(statusOf(results, id), ['passed@Node/cp-1'], id);
  });

  it('a node agent report wins over the API for its node; other nodes keep the API view', () => {
    const pods = ['cp-1', 'cp-2'].map((n) => mirrorPod(staticPod('kube-apiserver', n, '10.0.0.10'), n));
    const results =
      scanCluster(buildSnapshot(pods, null), ['benchmark'], { nodeReports: [{ node: 'cp-2', results: [{ id: '1.2.1', status: 'passed', message: '--anonymous-auth=false' }] }] }).benchmark?.results ?? [];
    assert.deepEqual(statusOf(results, '1.2.1'), ['failed@Node/cp-1', 'passed@Node/cp-2']);
    assert.deepEqual(statusOf(results, '1.2.20'), ['not_evaluated@Cluster/cluster'], 'manual controls stay manual');
    assert.match(results.find((r) => r.rule.id === 'CIS-1.2.20')?.message ?? '', /^manual in the CIS benchmark/);
  });
});
