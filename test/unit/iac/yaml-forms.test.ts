import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanIacFile } from '../../../src/iac/scan-file.js';

/** Real-world forms that used to be missed or misread: merge keys, AppArmor and seccomp annotations, big maps. */
function scan(content: string) {
  const scanned = scanIacFile({ name: 'm.yaml', type: 'k8s_yaml', content });
  assert.equal(scanned.status, 'success', scanned.status === 'failed' ? scanned.reason : '');
  return scanned.status === 'success' ? scanned.results : [];
}
const hits = (content: string, id: string) => scan(content).filter((r) => r.rule.id === id).map((r) => [r.startLine, r.message]);

/** A Pod with the given pod-template annotations and container securityContext lines (indented for the container). */
function pod(annotations: string[], containerSecurity: string[] = [], podSecurity: string[] = []): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: web',
    '  namespace: shop',
    ...(annotations.length > 0 ? ['  annotations:', ...annotations.map((a) => `    ${a}`)] : []),
    'spec:',
    ...(podSecurity.length > 0 ? ['  securityContext:', ...podSecurity.map((l) => `    ${l}`)] : []),
    '  containers:',
    '    - name: nginx',
    '      image: nginx:1.27.3',
    ...(containerSecurity.length > 0 ? ['      securityContext:', ...containerSecurity.map((l) => `        ${l}`)] : []),
    '',
  ].join('\n');
}

describe('AppArmor (K8S020): only runtime/default and localhost/* pass baseline', () => {
  it('fails every other annotation value', () => {
    for (const value of ['unconfined', 'docker-default', 'runtime/unconfined']) {
      assert.deepEqual(hits(pod([`container.apparmor.security.beta.kubernetes.io/nginx: ${value}`]), 'K8S020'), [
        [7, `annotation container.apparmor.security.beta.kubernetes.io/nginx is ${value} (only runtime/default and localhost/* are allowed)`],
      ]);
    }
  });
  it('passes runtime/default and localhost/<profile> annotations', () => {
    assert.deepEqual(hits(pod(['container.apparmor.security.beta.kubernetes.io/nginx: runtime/default']), 'K8S020'), []);
    assert.deepEqual(hits(pod(['container.apparmor.security.beta.kubernetes.io/nginx: localhost/k8s-apparmor-example-deny-write']), 'K8S020'), []);
  });
  it('fails the Unconfined field type on the pod and the container, passes RuntimeDefault and Localhost', () => {
    assert.deepEqual(hits(pod([], ['appArmorProfile:', '  type: Unconfined'], ['appArmorProfile:', '  type: Unconfined']), 'K8S020'), [
      [9, 'the pod has AppArmor profile type Unconfined'],
      [15, 'container "nginx" has AppArmor profile type Unconfined'],
    ]);
    assert.deepEqual(hits(pod([], ['appArmorProfile:', '  type: Localhost', '  localhostProfile: k8s-apparmor-example-deny-write'], ['appArmorProfile:', '  type: RuntimeDefault']), 'K8S020'), []);
  });
});

describe('seccomp (K8S019): the alpha annotations count', () => {
  it('passes a pod annotated runtime/default or docker/default, and a container annotated localhost/<profile>', () => {
    assert.deepEqual(hits(pod(['seccomp.security.alpha.kubernetes.io/pod: runtime/default']), 'K8S019'), []);
    assert.deepEqual(hits(pod(['seccomp.security.alpha.kubernetes.io/pod: docker/default']), 'K8S019'), []);
    assert.deepEqual(hits(pod(['container.seccomp.security.alpha.kubernetes.io/nginx: localhost/profiles/audit.json']), 'K8S019'), []);
  });
  it('fails an unconfined annotation, pointing at it', () => {
    assert.deepEqual(hits(pod(['seccomp.security.alpha.kubernetes.io/pod: unconfined']), 'K8S019'), [[7, 'container "nginx" uses seccomp profile Unconfined']]);
  });
  it('lets the container field override the pod annotation, as the kubelet did', () => {
    assert.deepEqual(hits(pod(['seccomp.security.alpha.kubernetes.io/pod: runtime/default'], ['seccompProfile:', '  type: Unconfined']), 'K8S019'), [
      [14, 'container "nginx" uses seccomp profile Unconfined'],
    ]);
  });
});

describe('YAML merge keys (<<: *base) are applied as kubectl applies them', () => {
  /** A sidecar that inherits the first container's settings, as Helm-less manifests often do. */
  const manifest = (override: string[]) => [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: web',
    'spec:',
    '  containers:',
    '    - &app',
    '      name: app',
    '      image: registry.example.com/app:1.4.2',
    '      securityContext:',
    '        privileged: true',
    '    - <<: *app',
    '      name: sidecar',
    ...override,
    '',
  ].join('\n');

  it('sees inherited settings and points at the merge key', () => {
    assert.deepEqual(hits(manifest([]), 'K8S001'), [[11, 'container "app" is privileged'], [12, 'container "sidecar" is privileged']]);
  });
  it('lets a key of the map itself override the merged one', () => {
    assert.deepEqual(hits(manifest(['      securityContext: {privileged: false}']), 'K8S001'), [[11, 'container "app" is privileged']]);
  });
  it('merges a list of maps, the first one winning', () => {
    const content = [
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  initContainers:',
      '    - &a {name: a, image: "a:1", securityContext: {runAsUser: 0}}',
      '    - &b {name: b, image: "b:1", securityContext: {runAsUser: 1000, privileged: true}, ports: [{containerPort: 80, hostPort: 80}]}',
      '  containers:',
      '    - <<: [*a, *b]',
      '      name: c',
      '',
    ].join('\n');
    assert.deepEqual(hits(content, 'K8S012'), [[5, 'init container "a" sets runAsUser: 0'], [8, 'container "c" sets runAsUser: 0']]);
    assert.deepEqual(hits(content, 'K8S006'), [[6, 'init container "b" binds host port 80'], [8, 'container "c" binds host port 80']]);
  });
  it('keeps the alias-bomb protection when merges are used', () => {
    const levels = ['l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}'];
    for (let i = 1; i < 10; i++) levels.push(`l${i}: &l${i} {<<: *l${i - 1}, ${Array.from({ length: 10 }, (_, k) => `k${k}: *l${i - 1}`).join(', ')}}`);
    const scanned = scanIacFile({ name: 'bomb.yaml', type: 'k8s_yaml', content: `${levels.join('\n')}\nkind: Pod\n` });
    assert.equal(scanned.status, 'failed');
    assert.match(scanned.status === 'failed' ? scanned.reason : '', /alias/i);
  });
});

describe('large maps', () => {
  it('scans a ConfigMap with 60,000 keys (the duplicate-key check is linear)', () => {
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n${Array.from({ length: 60_000 }, (_, i) => `  key_${i}: value-${i}\n`).join('')}`;
    assert.deepEqual(hits(content, 'K8S026'), [[5, 'ConfigMap is in the default namespace']]);
  });
  it('still fails a duplicate key anywhere, with its line and column', () => {
    const scanned = scanIacFile({ name: 'dup.yaml', type: 'k8s_yaml', content: 'kind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "1"\n  b: "2"\n  a: "3"\n' });
    assert.deepEqual(scanned, { status: 'failed', reason: 'YAML syntax error in document 1: line 6, column 3: Map keys must be unique (a)' });
  });
});
