import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot, parseSnapshot, scanCluster } from '../../../src/cluster/index.js';
import { runK8sRules } from '../../../src/rules/k8s/index.js';
import type { K8sObject } from '../../../src/rules/types.js';
import { fixtureText } from '../../support/kube/fixture.js';
import { namespace } from '../../support/kube/objects.js';

/** Istio's bookinfo productpage as the sidecar injector leaves it (istio 1.20): an init container, the app and the proxy. */
const PROXY = 'docker.io/istio/proxyv2:1.20.0';
const productpage: K8sObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'productpage-v1', namespace: 'bookinfo', labels: { app: 'productpage', version: 'v1' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'productpage', version: 'v1' } },
    template: {
      metadata: { labels: { app: 'productpage', version: 'v1', 'security.istio.io/tlsMode': 'istio' }, annotations: { 'sidecar.istio.io/status': '{"initContainers":["istio-init"],"containers":["istio-proxy"]}' } },
      spec: {
        serviceAccountName: 'bookinfo-productpage',
        initContainers: [
          {
            name: 'istio-init',
            image: PROXY,
            args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'],
            resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 },
          },
        ],
        containers: [
          {
            name: 'productpage',
            image: 'docker.io/istio/examples-bookinfo-productpage-v1:1.18.0',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 9080 }],
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
          {
            name: 'istio-proxy',
            image: PROXY,
            args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning'],
            ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
            resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
};

describe('risk findings are grouped per workload and rule', () => {
  const snapshot = buildSnapshot([namespace('bookinfo'), productpage], null);
  const risk = scanCluster(snapshot, ['risk_assessment']).riskAssessment!;
  const hits = runK8sRules([productpage]);

  it('one finding per (workload, rule), counting every container the rule fails in', () => {
    const rules = new Set(hits.map((h) => h.rule.id));
    const workloadFindings = risk.results.filter((r) => r.resource?.kind === 'Deployment');
    assert.deepEqual(workloadFindings.map((f) => f.rule.id).sort(), [...rules].sort(), 'one per rule');
    for (const f of workloadFindings) {
      const own = hits.filter((h) => h.rule.id === f.rule.id);
      assert.deepEqual(f.instances.map((i) => i.message), own.map((h) => h.message), f.rule.id);
      if (own.length === 1) assert.equal(f.message, own[0]!.message);
      else assert.ok(f.message.startsWith(`${own.length} instances: ${own[0]!.message}`), f.message);
    }
    assert.ok(hits.length > workloadFindings.length, `${hits.length} hits in ${workloadFindings.length} findings`);
    assert.equal(risk.instances, risk.results.reduce((n, f) => n + f.instances.length, 0));
    assert.equal(risk.counts.failed, risk.results.length);
  });

  it('each instance names its container, from the path the rule reported', () => {
    const multi = risk.results.filter((f) => f.instances.length > 1 && f.instances.every((i) => i.container !== undefined));
    assert.ok(multi.length > 0, 'some rule fails in several containers of the pod');
    for (const f of multi) {
      assert.match(f.message, new RegExp(`^${f.instances.length} instances: `));
      for (const i of f.instances) {
        assert.ok(['istio-init', 'productpage', 'istio-proxy'].includes(i.container!), i.container);
        assert.equal(i.containerType, i.container === 'istio-init' ? 'initContainer' : 'container');
        assert.ok(i.path?.startsWith('spec.template.spec.'), i.path);
        const list = i.containerType === 'initContainer' ? 'initContainers' : 'containers';
        assert.ok(i.path?.includes(`${list}[`), `${i.path} is in ${list}`);
      }
    }
  });

  it('the fixture cluster: no finding repeats a (workload, rule), and no instance is lost', () => {
    const full = scanCluster(parseSnapshot(fixtureText()), ['risk_assessment']).riskAssessment!;
    const keys = full.results.map((f) => JSON.stringify([f.rule.id, f.resource]));
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(full.instances >= full.results.length);
    const proxy = full.results.find((f) => f.rule.id === 'K8S004' && f.resource?.name === 'kube-proxy');
    assert.deepEqual(proxy?.instances.map((i) => i.path), ['spec.template.spec.volumes[1].hostPath', 'spec.template.spec.volumes[2].hostPath'], 'kube-proxy mounts two host paths: one finding');
  });
});
