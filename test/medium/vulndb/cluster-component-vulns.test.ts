import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { matchClusterComponents, type ClusterAdvisorySource, type ClusterComponentInput, type ClusterVulFinding } from '../../../src/cluster/component-vulns.js';
import { buildDemoDb, importPath, status, VulnDbReader } from '../../../src/vulndb/index.js';
import { parseSnapshot, scanCluster } from '../../../src/cluster/index.js';
import { fixtureText } from '../../support/kube/fixture.js';
import { tempDir } from './support/tmp.js';

const K8S_FIXTURES = new URL('../../fixtures/vulndb-k8s/', import.meta.url).pathname;

/** The DB with some of its records hidden, to take one source of a CVE away at a time. */
function without(reader: VulnDbReader, hide: { goCve?: string; officialCve?: string }): ClusterAdvisorySource {
  const cves = (a: { id: string; aliases: string[] }) => [a.id, ...a.aliases];
  return {
    affectedFor(ecosystem, name) {
      return reader.affectedFor(ecosystem, name).filter((r) => {
        if (ecosystem === 'Go' && hide.goCve && cves(r.advisory).includes(hide.goCve)) return false;
        if (ecosystem === 'Kubernetes' && hide.officialCve && r.advisory.id === hide.officialCve) return false;
        return true;
      });
    },
    findAdvisories(id) {
      return reader.findAdvisories(id).filter((a) => !(hide.officialCve && a.source === 'k8s-cve-feed' && a.id === hide.officialCve));
    },
  };
}

describe('matchClusterComponents against Kubernetes records', () => {
  let tmp: ReturnType<typeof tempDir>;
  let reader: VulnDbReader;
  const warnings: string[] = [];
  const match = (components: ClusterComponentInput[], source: ClusterAdvisorySource = reader) =>
    matchClusterComponents(source, components, { onWarning: (m) => warnings.push(m) });
  const ids = (findings: ClusterVulFinding[]) => findings.map((f) => `${f.vulId} ${f.fixedVersion}`).sort();
  const one = (component: string, version: string, source?: ClusterAdvisorySource) => ids(match([{ component, version }], source));

  before(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'k8s.db');
    await importPath(db, K8S_FIXTURES);
    reader = VulnDbReader.open(db);
  });
  after(() => {
    reader.close();
    tmp.cleanup();
  });

  it('kube-apiserver: just below, at and above the fixed versions', () => {
    assert.deepEqual(one('kube-apiserver', 'v1.27.2'), ['CVE-2023-2727 1.27.3', 'CVE-2023-2728 1.27.3', 'CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.27.3'), ['CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.27.12'), ['CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.27.13'), []);
    assert.deepEqual(one('kube-apiserver', 'v1.29.4'), []);
  });

  it('vendor builds compare on their SemVer core', () => {
    const plain = one('kube-apiserver', 'v1.27.2');
    assert.deepEqual(one('kube-apiserver', 'v1.27.2-eks-a5565ad'), plain);
    assert.deepEqual(one('kube-apiserver', 'v1.27.2+k3s1'), plain);
    assert.deepEqual(one('kube-apiserver', 'v1.27.3-gke.100'), ['CVE-2024-3177 1.27.13']);
    const [finding] = match([{ component: 'kube-apiserver', version: 'v1.27.3+rke2r1' }]);
    assert.equal(finding?.version, 'v1.27.3+rke2r1', 'the finding quotes the version as reported');
  });

  it('multiple ranges: each minor line has its own fix', () => {
    assert.deepEqual(one('kube-apiserver', 'v1.24.14'), ['CVE-2023-2727 1.24.15', 'CVE-2023-2728 1.24.15', 'CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.25.10'), ['CVE-2023-2727 1.25.11', 'CVE-2023-2728 1.25.11', 'CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.25.11'), ['CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.26.5'), ['CVE-2023-2727 1.26.6', 'CVE-2023-2728 1.26.6', 'CVE-2024-3177 1.27.13']);
    assert.deepEqual(one('kube-apiserver', 'v1.28.8'), ['CVE-2024-3177 1.28.9']);
  });

  it('records of the same CVE (k8s.io/kubernetes, k8s.io/apiserver, the official feed) make one finding', () => {
    const findings = match([{ component: 'kube-apiserver', version: 'v1.25.0' }]);
    const ssrf = findings.filter((f) => f.vulId === 'CVE-2022-3172');
    assert.equal(ssrf.length, 1);
    assert.deepEqual(ssrf[0], {
      vulId: 'CVE-2022-3172',
      aliases: ['GHSA-8cfg-vx93-jvxw'],
      title: 'Aggregated API server can cause clients to be redirected (SSRF)',
      url: 'https://github.com/kubernetes/kubernetes/issues/112513',
      severity: 'medium',
      cvssScore: 5.7,
      component: 'kube-apiserver',
      version: 'v1.25.0',
      fixedVersion: '1.25.1',
      official: true,
    });
    // the staging module alone decides in its own versions (v0.25.0 → fixed v0.25.1), reported as 1.25.1
    assert.deepEqual(
      one('kube-apiserver', 'v1.25.0', {
        affectedFor: (e, n) => (n === 'k8s.io/kubernetes' ? [] : reader.affectedFor(e, n)),
        findAdvisories: (id) => reader.findAdvisories(id),
      }).filter((x) => x.startsWith('CVE-2022-3172')),
      ['CVE-2022-3172 1.25.1'],
    );
  });

  it('kubelet: official summary, link and CVSS; Go vulndb ranges with "v" prefixes', () => {
    const [finding, ...rest] = match([{ component: 'kubelet', version: 'v1.27.7', node: 'node-a' }]);
    assert.equal(rest.length, 0);
    assert.deepEqual(finding, {
      vulId: 'CVE-2023-5528',
      aliases: ['GHSA-hq6q-c2x6-hmch'],
      title: 'Insufficient input sanitization in in-tree storage plugin leads to privilege escalation on Windows nodes',
      url: 'https://github.com/kubernetes/kubernetes/issues/121879',
      severity: 'high',
      cvssScore: 7.2,
      component: 'kubelet',
      version: 'v1.27.7',
      fixedVersion: '1.27.8',
      node: 'node-a',
      official: true,
    });
    assert.deepEqual(one('kubelet', 'v1.27.8'), []);
    assert.deepEqual(one('kubelet', 'v1.21.4'), ['CVE-2021-25741 1.21.5', 'CVE-2023-5528 1.25.16']);
    assert.deepEqual(one('kubelet', 'v1.21.5'), ['CVE-2023-5528 1.25.16']);
    assert.deepEqual(one('kubelet', 'v1.19.14'), ['CVE-2021-25741 1.19.15', 'CVE-2023-5528 1.25.16']);
    const [subpath] = match([{ component: 'kubelet', version: 'v1.22.1' }]).filter((f) => f.vulId === 'CVE-2021-25741');
    assert.deepEqual(subpath?.aliases, ['GHSA-f5f7-6478-qm6p', 'GO-2022-0629']);
    assert.equal(subpath?.title, 'Symlink Exchange Can Allow Host Filesystem Access');
    assert.equal(subpath?.cvssScore, 8.8, 'the GO record has no CVSS; the official issue does');
  });

  it('k8s.io/kubernetes records go to the components the official feed names', () => {
    // kube-apiserver CVEs are not kubelet findings, and the reverse
    assert.ok(!one('kubelet', 'v1.27.2').some((x) => /CVE-2023-272[78]|CVE-2024-3177/.test(x)));
    assert.ok(!one('kube-apiserver', 'v1.27.7').some((x) => x.startsWith('CVE-2023-5528')));
    assert.deepEqual(one('kube-proxy', 'v1.27.2'), []);
    // a CVE the official feed does not attribute is reported for every Kubernetes component
    const unattributed = match([{ component: 'kube-proxy', version: 'v1.27.7' }], without(reader, { officialCve: 'CVE-2023-5528' }));
    assert.deepEqual(
      unattributed.map((f) => [f.vulId, f.fixedVersion, f.official, f.title, f.url]),
      [['CVE-2023-5528', '1.27.8', false, 'Kubernetes allows command injection affecting Windows nodes via in-tree storage plugin', 'https://nvd.nist.gov/vuln/detail/CVE-2023-5528']],
    );
  });

  it('the official feed’s own ranges decide when no OSV record covers the CVE', () => {
    const officialOnly = without(reader, { goCve: 'CVE-2023-5528' });
    assert.deepEqual(one('kubelet', 'v1.27.7', officialOnly), ['CVE-2023-5528 1.27.8']);
    assert.deepEqual(one('kubelet', 'v1.28.3', officialOnly), ['CVE-2023-5528 1.28.4']);
    assert.deepEqual(one('kubelet', 'v1.27.9', officialOnly), [], '1.27.9 is past the 1.27 fix even though it is below 1.28.3');
    assert.deepEqual(one('kubelet', 'v1.24.0', officialOnly), ['CVE-2023-5528 1.25.16']);
    const [finding] = match([{ component: 'kubelet', version: 'v1.27.7' }], officialOnly);
    assert.equal(finding?.official, true);
    assert.equal(finding?.severity, 'high');
    assert.deepEqual(finding?.aliases, []);
  });

  it('container runtimes: containerd, CRI-O and Docker by their Go modules', () => {
    assert.deepEqual(one('container-runtime', 'containerd://1.6.17'), ['CVE-2023-25173 1.6.18']);
    assert.deepEqual(one('container-runtime', 'containerd://1.6.18'), []);
    assert.deepEqual(one('containerd', '1.5.17'), ['CVE-2023-25173 1.5.18']);
    assert.deepEqual(one('container-runtime', 'containerd://2.0.0'), [], 'containerd 2 is a different module');
    assert.deepEqual(one('container-runtime', 'cri-o://1.23.1'), ['CVE-2022-0811 1.23.2']);
    assert.deepEqual(one('cri-o', '1.18.4'), [], 'before the range was introduced');
    const docker = match([{ component: 'container-runtime', version: 'docker://26.1.4', node: 'node-b' }]);
    assert.deepEqual(
      docker.map((f) => [f.vulId, f.aliases, f.component, f.version, f.fixedVersion, f.severity, f.official, f.node]),
      [['CVE-2024-41110', ['GHSA-v23v-6jw2-98fq'], 'docker', '26.1.4', '26.1.5', 'critical', false, 'node-b']],
      'the docker/docker and moby/moby entries of one advisory make one finding',
    );
    assert.deepEqual(one('docker', '27.1.1'), []);
    // GHSA writes Docker's "19.03.0" with a leading zero SemVer forbids; it is ordered as 19.3.0
    assert.deepEqual(one('docker', '19.03.5'), ['CVE-2024-41110 23.0.15']);
    assert.deepEqual(one('docker', '18.09.9'), []);
  });

  it('a Windows-only CVE is not reported on Linux nodes: the fixture cluster against CVE-2023-5528 (official feed and GHSA say "Windows nodes")', () => {
    const snapshot = parseSnapshot(fixtureText());
    const components = scanCluster(snapshot, ['cluster_vul']).clusterVul?.components ?? [];
    const kubelets = components.filter((c) => c.component === 'kubelet');
    assert.deepEqual(kubelets.map((c) => [c.node, c.os]), [['cp-1', 'linux'], ['worker-1', 'linux'], ['worker-2', 'linux']]);
    // kubelet v1.26.6 on worker-1 is in the affected range (fixed in 1.26.11)
    assert.deepEqual(one('kubelet', 'v1.26.6'), ['CVE-2023-5528 1.26.11'], 'a kubelet of unknown OS still gets it');
    warnings.length = 0;
    const onLinux = match(components);
    assert.ok(!onLinux.some((f) => f.vulId === 'CVE-2023-5528'));
    assert.ok(warnings.some((w) => /^worker-1: kubelet v1\.26\.6: CVE-2023-5528 affects windows only; not reported on linux$/.test(w)), warnings.join('\n'));
    assert.ok(onLinux.some((f) => f.component === 'kube-apiserver'), 'other CVEs are still reported');

    // the same cluster with worker-1 a Windows Server node, as its kubelet reports one
    const windows = JSON.parse(fixtureText()) as { items: Array<{ kind: string; metadata: { name: string; labels: Record<string, string> }; status: { nodeInfo: Record<string, string> } }> };
    const node = windows.items.find((i) => i.kind === 'Node' && i.metadata.name === 'worker-1');
    assert.ok(node);
    Object.assign(node.status.nodeInfo, { operatingSystem: 'windows', osImage: 'Windows Server 2022 Datacenter', kernelVersion: '10.0.20348.2113' });
    node.metadata.labels['kubernetes.io/os'] = 'windows';
    const onWindows = match(scanCluster(parseSnapshot(JSON.stringify(windows)), ['cluster_vul']).clusterVul?.components ?? []);
    assert.deepEqual(
      onWindows.filter((f) => f.vulId === 'CVE-2023-5528').map((f) => [f.component, f.node, f.fixedVersion]),
      [['kubelet', 'worker-1', '1.26.11']],
    );
  });

  it('keeps input order and node names; kernel, OS image and unknown components are not matched, with a warning', () => {
    warnings.length = 0;
    const findings = match([
      { component: 'kube-apiserver', version: 'v1.27.2' },
      { component: 'kubelet', version: 'v1.27.7', node: 'n1' },
      { component: 'kernel', version: '5.15.0-1051-azure', node: 'n1' },
      { component: 'os-image', version: 'Ubuntu 22.04.3 LTS', node: 'n1' },
      { component: 'etcd', version: '3.5.9' },
      { component: 'kubelet', version: 'garbage', node: 'n2' },
      { component: 'container-runtime', version: 'containerd://1.6.17', node: 'n1' },
    ]);
    assert.deepEqual(
      findings.map((f) => [f.component, f.node ?? null, f.vulId]),
      [
        // within a component: highest severity first, then id
        ['kube-apiserver', null, 'CVE-2023-2727'],
        ['kube-apiserver', null, 'CVE-2023-2728'],
        ['kube-apiserver', null, 'CVE-2024-3177'],
        ['kubelet', 'n1', 'CVE-2023-5528'],
        ['containerd', 'n1', 'CVE-2023-25173'],
      ],
    );
    assert.equal(warnings.length, 4);
    assert.match(warnings[0] ?? '', /^n1: kernel is not matched/);
    assert.match(warnings[1] ?? '', /^n1: os-image is not matched/);
    assert.match(warnings[2] ?? '', /etcd 3\.5\.9: no vulnerability data source/);
    assert.match(warnings[3] ?? '', /^n2: kubelet garbage: not a version/);
  });
});

describe('the demo DB', () => {
  it('holds Kubernetes records, so cluster_vul has results offline', async () => {
    const tmp = tempDir();
    try {
      const db = join(tmp.dir, 'demo.db');
      const built = await buildDemoDb(db);
      assert.ok(built.feeds.some((f) => f.feed === 'demo/k8s-cve-feed' && f.records === 5));
      const s = await status(db);
      assert.ok(s.ecosystems.some((e) => e.ecosystem === 'Kubernetes'));
      assert.ok(s.ecosystems.some((e) => e.ecosystem === 'Go'));
      const reader = VulnDbReader.open(db);
      try {
        const findings = matchClusterComponents(reader, [
          { component: 'kube-apiserver', version: 'v1.27.2-eks-a5565ad' },
          { component: 'kubelet', version: 'v1.27.7', node: 'demo-node' },
          { component: 'container-runtime', version: 'containerd://1.6.17', node: 'demo-node' },
        ]);
        assert.deepEqual(
          findings.map((f) => [f.component, f.vulId, f.fixedVersion, f.official]),
          [
            ['kube-apiserver', 'CVE-2023-2727', '1.27.3', true],
            ['kube-apiserver', 'CVE-2023-2728', '1.27.3', true],
            ['kube-apiserver', 'CVE-2024-3177', '1.27.13', true],
            ['kubelet', 'CVE-2023-5528', '1.27.8', true],
            ['containerd', 'CVE-2023-25173', '1.6.18', false],
          ],
        );
      } finally {
        reader.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
