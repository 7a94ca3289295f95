import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { runK8sRules } from '../../../src/rules/k8s/index.js';
import type { K8sObject } from '../../../src/rules/types.js';
import { scanIacFile } from '../../../src/iac/scan-file.js';

/** Manifests come from users and clusters: no shape of input may crash a rule or the engine. */
const KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'PodTemplate', 'Service', 'List'];
const anyValue = fc.anything({ maxDepth: 3, withNullPrototype: false });
const container = fc.record(
  { name: anyValue, image: fc.oneof(fc.string(), anyValue), securityContext: fc.oneof(anyValue, fc.record({ privileged: anyValue, capabilities: anyValue, runAsUser: anyValue })), env: anyValue, ports: anyValue, resources: anyValue },
  { requiredKeys: [] },
);
const podSpec = fc.record({ containers: fc.oneof(fc.array(container, { maxLength: 3 }), anyValue), volumes: anyValue, securityContext: anyValue, hostNetwork: anyValue }, { requiredKeys: [] });
const object = fc.record(
  {
    kind: fc.oneof(fc.constantFrom(...KINDS), anyValue),
    metadata: fc.oneof(anyValue, fc.record({ name: anyValue, namespace: anyValue, annotations: anyValue }, { requiredKeys: [] })),
    spec: fc.oneof(podSpec, fc.record({ template: fc.record({ metadata: anyValue, spec: podSpec }, { requiredKeys: [] }), type: anyValue, ports: anyValue }, { requiredKeys: [] }), anyValue),
  },
  { requiredKeys: [] },
);

describe('robustness', () => {
  it('runK8sRules never throws on malformed objects', () => {
    fc.assert(fc.property(object, (o) => {
      runK8sRules([o as K8sObject]);
    }), { numRuns: 500 });
  });

  it('a YAML file of malformed objects is scanned or failed as unparsable, never an internal error', () => {
    fc.assert(fc.property(fc.array(object, { minLength: 1, maxLength: 3 }), (objects) => {
      const content = objects.map((o) => stringify(o)).join('---\n');
      const scanned = scanIacFile({ name: 'x.yaml', type: 'k8s_yaml', content });
      if (scanned.status === 'failed') assert.doesNotMatch(scanned.reason, /internal error/);
    }), { numRuns: 300 });
  });

  it('arbitrary text as a Dockerfile or YAML never causes an internal error', () => {
    const lines = fc.array(fc.oneof(fc.constantFrom('FROM alpine', 'RUN <<EOF', 'EOF', 'RUN a \\', '# escape=`', 'USER root', 'ENV A', 'COPY <<X <<Y /', 'kind: Pod', '- a', ': :', '\t'), fc.string()), { maxLength: 12 });
    fc.assert(fc.property(lines, (l) => {
      const content = l.join('\n');
      for (const type of ['dockerfile', 'k8s_yaml'] as const) {
        const scanned = scanIacFile({ name: 'f', type, content });
        if (scanned.status === 'failed') assert.doesNotMatch(scanned.reason, /internal error/, `${type}: ${JSON.stringify(content)}`);
      }
    }), { numRuns: 500 });
  });
});

describe('robustness of the RBAC rules on manifest files', () => {
  const policyRule = fc.record({ verbs: fc.oneof(anyValue, fc.array(fc.oneof(fc.constantFrom('*', 'get', 'bind', 'escalate', 'impersonate', 'create'), anyValue))), apiGroups: anyValue, resources: fc.oneof(anyValue, fc.array(fc.constantFrom('*', 'secrets', 'pods/exec', 'nodes/proxy', 'roles', 'users'))), resourceNames: anyValue }, { requiredKeys: [] });
  const rbacObject = fc.record(
    {
      kind: fc.constantFrom('Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount'),
      metadata: fc.oneof(anyValue, fc.record({ name: anyValue, namespace: anyValue, labels: anyValue }, { requiredKeys: [] })),
      rules: fc.oneof(anyValue, fc.array(fc.oneof(policyRule, anyValue), { maxLength: 3 })),
      roleRef: fc.oneof(anyValue, fc.record({ kind: fc.constantFrom('Role', 'ClusterRole'), name: fc.oneof(fc.constant('cluster-admin'), anyValue) })),
      subjects: fc.oneof(anyValue, fc.array(fc.oneof(anyValue, fc.record({ kind: fc.constantFrom('User', 'Group', 'ServiceAccount'), name: anyValue, namespace: anyValue })), { maxLength: 3 })),
      automountServiceAccountToken: anyValue,
    },
    { requiredKeys: ['kind'] },
  );
  it('malformed roles, bindings and service accounts are scanned, never an internal error', () => {
    fc.assert(fc.property(fc.array(rbacObject, { minLength: 1, maxLength: 4 }), (objects) => {
      const content = objects.map((o) => stringify(o)).join('---\n');
      const scanned = scanIacFile({ name: 'rbac.yaml', type: 'k8s_yaml', content });
      if (scanned.status === 'failed') assert.doesNotMatch(scanned.reason, /internal error/);
    }), { numRuns: 400 });
  });
});
