import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleResult } from '../../../src/rules/types.js';
import { parseIgnoreAnnotation, parseIgnoreComment } from '../../../src/rules/suppressions.js';
import { scanIacFile, type IacFile } from '../../../src/iac/scan-file.js';

function results(file: IacFile): RuleResult[] {
  const scanned = scanIacFile(file);
  assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
  return scanned.status === 'success' ? scanned.results : [];
}

const of = (rs: RuleResult[], id: string) => rs.filter((r) => r.rule.id === id).map((r) => [r.resource?.name ?? r.startLine, r.suppressed?.reason ?? null]);

describe('suppression syntax', () => {
  it('parses ids, several ids and reasons in comments', () => {
    assert.deepEqual(parseIgnoreComment(' openhss:ignore K8S005 reason: needs host network for CNI'), new Map([['K8S005', 'needs host network for CNI']]));
    assert.deepEqual(parseIgnoreComment('openhss:ignore df002, df011 -- pinned by the build'), new Map([['DF002', 'pinned by the build'], ['DF011', 'pinned by the build']]));
    assert.deepEqual(parseIgnoreComment('openhss:ignore K8S001'), new Map([['K8S001', '']]));
    assert.equal(parseIgnoreComment('an ordinary comment'), undefined);
  });

  it('parses the annotation value', () => {
    assert.deepEqual(parseIgnoreAnnotation('K8S005: CNI plugin; K8S001,K8S004: node agent\nK8S013'), new Map([
      ['K8S005', 'CNI plugin'], ['K8S001', 'node agent'], ['K8S004', 'node agent'], ['K8S013', ''],
    ]));
  });
});

describe('suppressions in Kubernetes YAML', () => {
  const content = `# openhss:ignore K8S005 reason: needs host network for CNI
apiVersion: v1
kind: Pod
metadata:
  name: cni
  namespace: kube-system
spec:
  hostNetwork: true
  containers: [{name: c, image: "cni:1.0"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: web
  annotations:
    openhss.io/ignore: "K8S005: legacy app, tracked in OPS-12"
spec:
  hostNetwork: true
  hostPID: true   # openhss:ignore K8S002
  containers: [{name: c, image: "app:1.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: web}
spec:
  hostNetwork: true
  containers: [{name: c, image: "app:1.0"}]
`;

  it('applies a comment to its own document only, and keeps the reason', () => {
    const rs = results({ name: 'pods.yaml', type: 'k8s_yaml', content });
    assert.deepEqual(of(rs, 'K8S005'), [
      ['cni', 'needs host network for CNI'],
      ['app', 'legacy app, tracked in OPS-12'],
      ['other', null],
    ]);
    assert.deepEqual(of(rs, 'K8S002'), [['app', '']], 'a suppression without a reason applies, with reason ""');
    assert.ok(rs.filter((r) => r.resource?.name === 'cni' && r.rule.id !== 'K8S005').every((r) => r.suppressed === undefined), 'other rules stay active');
  });

  it('applies a comment in a List to the item it sits in or above', () => {
    const list = `kind: List
apiVersion: v1
items:
  # openhss:ignore K8S005 reason: the ingress controller
  - kind: Pod
    metadata: {name: a, namespace: x}
    spec: {hostNetwork: true, containers: [{name: c, image: "i:1"}]}
  - kind: Pod
    metadata: {name: b, namespace: x}
    spec: {hostNetwork: true, containers: [{name: c, image: "i:1"}]}
`;
    assert.deepEqual(of(results({ name: 'list.yaml', type: 'k8s_yaml', content: list }), 'K8S005'), [['a', 'the ingress controller'], ['b', null]]);
  });
});

describe('suppressions in Dockerfiles', () => {
  it('applies a comment above an instruction to it, and one above the first instruction to the file', () => {
    const content = [
      '# openhss:ignore DF011 reason: probes come from Kubernetes',
      'FROM golang:1.22 AS build',
      '# openhss:ignore DF016 reason: upstream build script expects it',
      '# (kept until the Makefile takes a -C flag)',
      'RUN cd /src && make',
      'RUN cd /other && make',
      'FROM alpine:3.20',
      '# openhss:ignore DF001',
      'USER root',
      '',
    ].join('\n');
    const rs = results({ name: 'Dockerfile', type: 'dockerfile', content });
    assert.deepEqual(of(rs, 'DF016'), [[5, 'upstream build script expects it'], [6, null]]);
    assert.deepEqual(of(rs, 'DF011'), [[7, 'probes come from Kubernetes']]);
    assert.deepEqual(of(rs, 'DF001'), [[9, '']]);
  });

  it('does not carry a suppression across a blank line', () => {
    const content = 'FROM alpine:3.20\n# openhss:ignore DF001 reason: x\n\nUSER root\n';
    assert.deepEqual(of(results({ name: 'Dockerfile', type: 'dockerfile', content }), 'DF001'), [[4, null]]);
  });
});
