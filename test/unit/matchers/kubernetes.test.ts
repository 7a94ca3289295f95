import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { moduleTargets, resolveComponent, tolerantGoVersion, versionCore, type ComponentVersion } from '../../../src/matchers/kubernetes.js';

const resolved = (component: string, version: string): ComponentVersion => {
  const r = resolveComponent(component, version);
  if ('skipped' in r) assert.fail(r.skipped);
  return r;
};

describe('cluster component versions and lookups', () => {
  it('compares vendor builds on their SemVer core', () => {
    assert.equal(versionCore('v1.27.3'), '1.27.3');
    assert.equal(versionCore('v1.27.3-eks-a5565ad'), '1.27.3');
    assert.equal(versionCore('v1.27.3+k3s1'), '1.27.3');
    assert.equal(versionCore('v1.28.2-gke.1157000'), '1.28.2');
    assert.equal(versionCore('1.6.20'), '1.6.20');
    assert.equal(versionCore('v1.28'), '1.28.0');
    assert.equal(versionCore('v1.29.0-rc.1'), '1.29.0', 'a documented cost: pre-releases compare as their release');
    assert.equal(versionCore('24.0.07'), '24.0.7');
    assert.equal(versionCore('latest'), null);
    assert.equal(versionCore(''), null);
  });

  it('reads record versions with leading zeros (Docker 19.03.x) as the Go comparator needs them', () => {
    assert.equal(tolerantGoVersion('19.03.0'), '19.3.0');
    assert.equal(tolerantGoVersion('v20.10.07+incompatible'), 'v20.10.7+incompatible');
    assert.equal(tolerantGoVersion('1.27.3'), '1.27.3');
    assert.equal(tolerantGoVersion('0'), '0');
    assert.equal(tolerantGoVersion('not-a-version'), 'not-a-version');
  });

  it('recognises runtimes by their scheme, whatever slot they were reported in', () => {
    assert.deepEqual(resolveComponent('containerRuntime', 'containerd://1.6.20'), { component: 'containerd', reported: '1.6.20', core: '1.6.20' });
    assert.deepEqual(resolveComponent('container-runtime', 'cri-o://1.27.1'), { component: 'cri-o', reported: '1.27.1', core: '1.27.1' });
    assert.deepEqual(resolveComponent('docker', 'docker://24.0.7'), { component: 'docker', reported: '24.0.7', core: '24.0.7' });
    assert.deepEqual(resolveComponent('containerd', '1.7.2'), { component: 'containerd', reported: '1.7.2', core: '1.7.2' });
    assert.deepEqual(resolveComponent('Kube-APIServer', 'v1.27.3-eks-a5565ad'), { component: 'kube-apiserver', reported: 'v1.27.3-eks-a5565ad', core: '1.27.3' });
  });

  it('says why a component is not matched', () => {
    const reason = (c: string, v: string) => {
      const r = resolveComponent(c, v);
      return 'skipped' in r ? r.skipped : null;
    };
    assert.match(reason('kernel', '5.15.0-1051-azure') ?? '', /not matched.*host scan/);
    assert.match(reason('osImage', 'Ubuntu 22.04.3 LTS') ?? '', /not matched/);
    assert.match(reason('etcd', '3.5.9') ?? '', /no vulnerability data source/);
    assert.match(reason('container-runtime', 'rkt://1.30.0') ?? '', /no vulnerability data source/);
    assert.match(reason('kubelet', 'unknown') ?? '', /not a version/);
  });

  it('maps components to the Go modules their OSV records use', () => {
    const view = (component: string, version: string) => moduleTargets(resolved(component, version)).map((t) => [t.ecosystem, t.name, t.version, t.scheme, t.monorepo]);
    assert.deepEqual(view('kube-apiserver', 'v1.27.3'), [
      ['Go', 'k8s.io/kubernetes', '1.27.3', 'go', true],
      // staging modules are tagged v0.X.Y for Kubernetes v1.X.Y
      ['Go', 'k8s.io/apiserver', '0.27.3', 'go', false],
    ]);
    assert.deepEqual(view('kubelet', 'v1.28.2+k3s1')[1], ['Go', 'k8s.io/kubelet', '0.28.2', 'go', false]);
    assert.deepEqual(view('kube-proxy', 'v1.28.2')[1], ['Go', 'k8s.io/kube-proxy', '0.28.2', 'go', false]);
    assert.deepEqual(view('containerd', 'containerd://1.6.20'), [['Go', 'github.com/containerd/containerd', '1.6.20', 'go', false]]);
    assert.deepEqual(view('containerd', 'containerd://2.0.1'), [['Go', 'github.com/containerd/containerd/v2', '2.0.1', 'go', false]]);
    assert.deepEqual(view('cri-o', 'cri-o://1.27.1'), [['Go', 'github.com/cri-o/cri-o', '1.27.1', 'go', false]]);
    assert.deepEqual(view('docker', 'docker://24.0.7'), [
      ['Go', 'github.com/docker/docker', '24.0.7', 'go', false],
      ['Go', 'github.com/moby/moby', '24.0.7', 'go', false],
    ]);
    const staging = moduleTargets(resolved('kube-apiserver', 'v1.27.3'))[1];
    assert.equal(staging?.toComponentVersion('v0.27.4'), '1.27.4', 'fixes are reported in the component’s own versions');
    assert.equal(moduleTargets(resolved('docker', '24.0.7'))[0]?.toComponentVersion('v24.0.9+incompatible'), '24.0.9');
  });
});
