import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot, parseSnapshot, scanCluster } from '../../../src/cluster/index.js';
import type { K8sObject } from '../../../src/rules/types.js';
import { fixtureText } from '../../support/kube/fixture.js';
import { container, deployment } from '../../support/kube/objects.js';

const snapshot = parseSnapshot(fixtureText());
const full = scanCluster(snapshot, ['benchmark', 'risk_assessment', 'cluster_vul']);

describe('scanCluster on the fixture cluster', () => {
  it('cluster_vul: the control-plane version and every node component', () => {
    const components = full.clusterVul?.components ?? [];
    assert.deepEqual(components[0], { component: 'kube-apiserver', version: 'v1.27.3', os: 'linux' });
    assert.deepEqual(
      components.filter((c) => c.node === 'worker-1').map((c) => [c.component, c.version]),
      [
        ['kubelet', 'v1.26.6'],
        ['kube-proxy', 'v1.27.3'],
        ['container-runtime', 'containerd://1.6.21'],
        ['kernel', '5.15.0-76-generic'],
        ['os-image', 'Ubuntu 22.04.2 LTS'],
      ],
    );
    assert.ok(components.some((c) => c.node === 'cp-1' && c.component === 'container-runtime' && c.version === 'containerd://1.6.20'));
    assert.equal(components.length, 1 + 3 * 5);
  });

  it('cluster_vul: images per top-level workload, with the digests their pods run', () => {
    const images = full.clusterVul?.workloadImages ?? [];
    const dashboard = images.find((i) => i.name === 'kubernetes-dashboard');
    assert.deepEqual(dashboard, {
      kind: 'Deployment',
      namespace: 'kubernetes-dashboard',
      name: 'kubernetes-dashboard',
      container: 'kubernetes-dashboard',
      containerType: 'container',
      image: 'kubernetesui/dashboard:v2.7.0',
      imageIDs: ['docker.io/kubernetesui/dashboard@sha256:2e500d29e9d5f4a086b908eb8dfe7ecac57d2ab09d65b24f588b1d449841ef93'],
    });
    assert.equal(images.find((i) => i.name === 'kube-proxy')?.imageIDs.length, 1, 'three pods, one digest');
    assert.ok(images.some((i) => i.kind === 'Pod' && i.name === 'kube-apiserver-cp-1'), 'static pods are workloads of their own');
    assert.deepEqual(images.find((i) => i.kind === 'CronJob')?.imageIDs, [], 'no pod runs the CronJob now');
    assert.ok(!images.some((i) => i.kind === 'ReplicaSet' || (i.kind === 'Pod' && i.name.startsWith('web-'))), 'owned objects are reported through their owner');
  });

  it('risk_assessment: workload rules on top-level workloads and services, and the cluster rules', () => {
    const results = full.riskAssessment?.results ?? [];
    assert.ok(results.length > 0 && results.every((r) => r.status === 'failed' && r.resource !== undefined));
    const at = (id: string, name: string) => results.some((r) => r.rule.id === id && r.resource?.name === name);
    assert.ok(at('RBAC001', 'kubernetes-dashboard-admin'), 'cluster-admin bound to a service account');
    assert.ok(at('RBAC002', 'ci-deployer'));
    assert.ok(at('RBAC004', 'default'));
    assert.ok(at('RBAC005', 'ci-deployer'));
    assert.ok(!results.some((r) => r.rule.id === 'RBAC006'));
    assert.ok(at('K8S025', 'kubernetes-dashboard'), 'the NodePort dashboard');
    assert.ok(at('K8S001', 'kube-proxy'), 'the privileged DaemonSet');
    assert.ok(!results.some((r) => r.resource?.kind === 'ReplicaSet' || r.resource?.name.startsWith('web-7f9c')), 'no duplicates from owned objects');
    assert.equal(full.riskAssessment?.counts.failed, results.length);
  });

  it('benchmark: namespace controls per namespace, with passes, failures and not-evaluated controls', () => {
    const results = full.benchmark?.results ?? [];
    const find = (id: string, name: string) => results.find((r) => r.rule.id === id && r.resource?.name === name)?.status;
    assert.equal(find('CIS-5.3.2', 'shop'), 'passed');
    assert.equal(find('CIS-5.3.2', 'monitoring'), 'failed');
    assert.equal(find('CIS-5.3.2', 'kube-system'), undefined, 'system namespaces are left out');
    assert.equal(find('CIS-5.2.1', 'shop'), 'passed');
    assert.equal(find('CIS-5.2.1', 'monitoring'), 'failed', 'enforcing privileged is no policy');
    assert.equal(find('CIS-5.1.1', 'kubernetes-dashboard-admin'), 'failed');
    assert.equal(find('CIS-5.1.5', 'shop'), 'passed');
    assert.equal(find('CIS-5.7.4', 'legacy-app'), 'failed');
    const counts = full.benchmark?.counts;
    assert.ok(counts !== undefined && counts.passed > 0 && counts.failed > 0 && counts.not_evaluated > 50);
    assert.equal(find('CIS-1.2.1', 'cp-1'), 'failed', 'the API server static pod leaves --anonymous-auth unset');
    assert.equal(find('CIS-1.2.8', 'cp-1'), 'passed');
    assert.ok(results.every((r) => r.resource !== undefined && r.rule.id.startsWith('CIS-')));
  });

  it('runs only the requested scan types, in a fixed order, and is deterministic', () => {
    const vul = scanCluster(snapshot, ['cluster_vul']);
    assert.deepEqual(vul.scanTypes, ['cluster_vul']);
    assert.equal(vul.riskAssessment, undefined);
    assert.equal(vul.benchmark, undefined);
    assert.deepEqual(full.scanTypes, ['cluster_vul', 'risk_assessment', 'benchmark']);
    assert.deepEqual(JSON.parse(JSON.stringify(full)), scanCluster(parseSnapshot(fixtureText()), ['cluster_vul', 'risk_assessment', 'benchmark']));
    assert.throws(() => scanCluster(snapshot, ['everything' as 'benchmark']), TypeError);
  });
});

describe('workload images during a rollout', () => {
  it('keeps only the digests of pods that still run the workload image', () => {
    const d = deployment('a', 'web', { containers: [container({ name: 'web', image: 'web:2' })] });
    d.metadata!.uid = 'd-uid';
    const rs = (name: string, image: string): K8sObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: 'a', uid: `${name}-uid`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }] },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'web', image }] } } },
    });
    const pod = (name: string, owner: string, image: string, digest: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'a', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `${owner}-uid`, controller: true }] },
      spec: { containers: [{ name: 'web', image }] },
      status: { containerStatuses: [{ name: 'web', image, imageID: digest, ready: true, restartCount: 0 }] },
    });
    const snap = buildSnapshot([d, rs('web-old', 'web:1'), rs('web-new', 'web:2'), pod('web-old-1', 'web-old', 'web:1', 'web@sha256:111'), pod('web-new-1', 'web-new', 'web:2', 'web@sha256:222')], null);
    const images = scanCluster(snap, ['cluster_vul']).clusterVul?.workloadImages;
    assert.deepEqual(images?.map((i) => [i.kind, i.name, i.image, i.imageIDs]), [['Deployment', 'web', 'web:2', ['web@sha256:222']]]);
  });
});
