import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { K8S_RULES, runK8sRules } from '../../../src/rules/k8s/index.js';
import type { K8sObject } from '../../../src/rules/types.js';

/** Objects as the API server returns them: defaults filled in, namespaces set, pods owned by controllers. */
const daemonSet: K8sObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'node-agent', namespace: 'kube-system', uid: 'u1', annotations: { 'openhss.io/ignore': 'K8S002: reads host processes' } },
  spec: {
    template: {
      metadata: { labels: { app: 'node-agent' } },
      spec: {
        hostPID: true,
        hostNetwork: true,
        containers: [{ name: 'agent', image: 'example/agent:2.1', imagePullPolicy: 'IfNotPresent', securityContext: { privileged: true } }],
      },
    },
  },
};

const cronJob: K8sObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'backup', namespace: 'default' },
  spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: 'backup', env: [{ name: 'S3_SECRET_KEY', value: 'wJalrXUtnFEMI' }] }] } } } } },
};

const probeFree: K8sObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'migrate-x1', namespace: 'app', ownerReferences: [{ kind: 'Job', name: 'migrate' }] },
  spec: { containers: [{ name: 'm', image: 'm:1' }] },
};

describe('runK8sRules on live objects', () => {
  it('reports failed results with the resource and the path in the object, and no file or lines', () => {
    const results = runK8sRules([daemonSet]);
    const privileged = results.find((r) => r.rule.id === 'K8S001');
    assert.deepEqual(privileged && { ...privileged, rule: privileged.rule.id }, {
      rule: 'K8S001',
      status: 'failed',
      message: 'container "agent" is privileged',
      resource: { kind: 'DaemonSet', name: 'node-agent', namespace: 'kube-system' },
      path: ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'privileged'],
    });
    assert.ok(results.every((r) => r.file === undefined && r.startLine === undefined && r.status === 'failed'));
  });

  it('honours the openhss.io/ignore annotation', () => {
    const results = runK8sRules([daemonSet]);
    assert.deepEqual(results.filter((r) => r.rule.id === 'K8S002').map((r) => r.suppressed), [{ reason: 'reads host processes' }]);
    assert.deepEqual(results.filter((r) => r.rule.id === 'K8S005').map((r) => r.suppressed), [undefined]);
  });

  it('finds pod templates in CronJobs and skips probes for run-to-completion pods', () => {
    const ids = (o: K8sObject) => new Set(runK8sRules([o]).map((r) => r.rule.id));
    const cron = ids(cronJob);
    for (const id of ['K8S016', 'K8S017', 'K8S026', 'K8S011']) assert.ok(cron.has(id), id);
    assert.ok(!cron.has('K8S027') && !ids(probeFree).has('K8S027') && !ids(probeFree).has('K8S028'));
  });

  it('runs a chosen subset and ignores non-objects and other kinds', () => {
    const only = K8S_RULES.filter((r) => r.id === 'K8S001');
    assert.deepEqual(runK8sRules([daemonSet, cronJob], only).map((r) => r.rule.id), ['K8S001']);
    assert.deepEqual(runK8sRules([{ kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x' } }, null as unknown as K8sObject]), []);
  });

  it('leaves the built-in objects of the default namespace alone', () => {
    const builtIns: K8sObject[] = [
      { kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { type: 'ClusterIP' } },
      { kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } },
    ];
    assert.deepEqual(runK8sRules(builtIns), []);
  });

  it('walks List snapshots such as kubectl get -o json output', () => {
    const snapshot: K8sObject = { apiVersion: 'v1', kind: 'List', items: [daemonSet, { apiVersion: 'v1', kind: 'PodList', items: [probeFree] }] };
    const names = new Set(runK8sRules([snapshot]).map((r) => r.resource?.name));
    assert.deepEqual([...names].sort(), ['migrate-x1', 'node-agent']);
  });
});
