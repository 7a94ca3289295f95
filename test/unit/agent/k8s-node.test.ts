import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { collectNodeReport } from '../../../src/agent/client/k8s-node/node-report.js';
import type { KubernetesNodeReport } from '../../../src/agent/protocol.js';
import { CIS_CONTROLS, NODE_CHECKS, buildSnapshot, scanCluster } from '../../../src/cluster/index.js';
import type { K8sObject } from '../../../src/rules/types.js';
import { STATIC_COMPONENTS, mirrorPod, staticPod } from '../../support/kube/kubeadm.js';
import { writeNodeRoot, type NodeRootProfile } from '../../support/kube/node-root.js';
import { namespace } from '../../support/kube/objects.js';

const run = promisify(execFile);
const repo = new URL('../../../', import.meta.url).pathname;
const base = mkdtempSync(join(tmpdir(), 'openhss-k8s-node-'));
const roots = new Map<string, string>();

function rootOf(profile: NodeRootProfile, controlPlane: boolean): string {
  const key = `${profile}-${controlPlane ? 'cp' : 'worker'}`;
  let root = roots.get(key);
  if (root === undefined) {
    root = join(base, key);
    writeNodeRoot(root, { node: controlPlane ? 'cp-1' : 'worker-1', ip: '10.0.0.10', controlPlane, profile });
    roots.set(key, root);
  }
  return root;
}

async function agentOnce(root: string): Promise<KubernetesNodeReport> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--once', '--k8s-node', '--root', root], { cwd: repo });
  return JSON.parse(stdout) as KubernetesNodeReport;
}

const failedIds = (report: KubernetesNodeReport) => report.results.filter((r) => r.status === 'failed').map((r) => r.id);
const MANUAL = NODE_CHECKS.filter((c) => c.manual !== undefined).map((c) => c.id);

/** The CIS controls kube-bench also leaves to a person in section 5 (type: manual, nothing the API shows decides them). */
const MANUAL_SECTION_5 = ['5.1.7', '5.3.1', '5.4.2'];

describe('openhss agent --once --k8s-node --root over kubeadm node file systems', () => {
  let hardenedCp: KubernetesNodeReport;
  let misconfiguredCp: KubernetesNodeReport;
  before(async () => {
    hardenedCp = await agentOnce(rootOf('hardened', true));
    misconfiguredCp = await agentOnce(rootOf('misconfigured', true));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('detects the control-plane node from its files and decides every automated control of sections 1 to 4 on it', () => {
    assert.equal(hardenedCp.node_name, 'cp-1');
    assert.deepEqual(hardenedCp.roles, ['control-plane', 'etcd', 'worker']);
    assert.equal(hardenedCp.benchmark, 'CIS Kubernetes Benchmark v1.10.0');
    const decided = hardenedCp.results.filter((r) => r.status !== 'not_evaluated').map((r) => r.id);
    const automated = NODE_CHECKS.filter((c) => c.manual === undefined).map((c) => c.id);
    assert.deepEqual(decided.filter((id) => id !== '5.5.1').sort(), [...automated].sort());
    assert.deepEqual(hardenedCp.warnings, []);
  });

  it('the hardened node passes every control it decides', () => {
    assert.deepEqual(
      hardenedCp.results.filter((r) => r.status !== 'passed').map((r) => `${r.id}: ${r.message}`),
      [],
    );
    const byId = new Map(hardenedCp.results.map((r) => [r.id, r.message]));
    assert.equal(byId.get('1.2.28'), 'Secrets are encrypted with aescbc');
    assert.equal(byId.get('1.1.12'), '/var/lib/etcd owned by etcd:etcd');
  });

  it('the misconfigured node fails what kubeadm defaults and the mistakes leave open, with the file or flag in the message', () => {
    const failed = failedIds(misconfiguredCp);
    for (const id of ['1.1.9', '1.1.12', '1.1.13', '1.1.20', '1.2.1', '1.2.6', '1.2.7', '1.2.8', '1.2.15', '1.3.7', '4.1.1', '4.1.9', '4.2.1', '4.2.2', '4.2.4', '4.2.6', '4.3.1']) {
      assert.ok(failed.includes(id), id);
    }
    const message = (id: string) => misconfiguredCp.results.find((r) => r.id === id)?.message;
    assert.equal(message('1.2.1'), '--anonymous-auth=true');
    assert.equal(message('1.1.13'), '/etc/kubernetes/admin.conf is 644; 600 or stricter expected');
    assert.equal(message('1.1.12'), '/var/lib/etcd is root:root; etcd:etcd expected');
    assert.equal(message('4.2.4'), 'readOnlyPort is 10255; set it to 0');
    assert.equal(message('4.3.1'), 'metrics bound to 0.0.0.0:10249; 127.0.0.1 expected');
    // Key files keep kubeadm's 600; what kubeadm does right passes.
    for (const id of ['1.1.1', '1.1.21', '2.1', '2.2', '2.7', '4.1.5']) assert.equal(misconfiguredCp.results.find((r) => r.id === id)?.status, 'passed', id);
  });

  it('plain kubeadm defaults fail the modes kubeadm gives certificates, the kubelet config and the drop-in (644)', async () => {
    const report = await collectNodeReport({ root: rootOf('kubeadm', true), processes: false });
    const failed = failedIds(report!);
    for (const id of ['1.1.20', '4.1.1', '4.1.7', '4.1.9', '1.1.12']) assert.ok(failed.includes(id), id);
    for (const id of ['1.1.1', '1.1.3', '1.1.5', '1.1.7', '1.1.13', '1.1.15', '1.1.17', '1.1.21', '4.1.5', '4.2.1', '4.2.2', '4.2.3', '4.2.5']) {
      assert.equal(report!.results.find((r) => r.id === id)?.status, 'passed', id);
    }
  });

  it('a worker node decides section 4 only', async () => {
    const report = await collectNodeReport({ root: rootOf('hardened', false), processes: false });
    assert.deepEqual(report?.roles, ['worker']);
    assert.ok(report!.results.every((r) => r.id.startsWith('4.')), JSON.stringify(report!.results.map((r) => r.id)));
    assert.equal(report!.results.length, 24);
  });

  it('running processes win over the files: kubelet flags override its config, kube-proxy\'s config is read in its own root', async () => {
    const proc = join(base, 'proc');
    const proxyRoot = join(base, 'proxy-container');
    mkdirSync(join(proxyRoot, 'var/lib/kube-proxy'), { recursive: true });
    writeFileSync(join(proxyRoot, 'var/lib/kube-proxy/config.conf'), 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 0.0.0.0:10249\n');
    const processes: Record<string, string[]> = {
      '1': ['/sbin/init', 'splash'],
      '812': ['/usr/bin/kubelet', '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf', '--config=/var/lib/kubelet/config.yaml', '--read-only-port', '10255', '--hostname-override=Worker-1.Example'],
      '2301': ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=worker-1'],
    };
    for (const [pid, args] of Object.entries(processes)) {
      mkdirSync(join(proc, pid), { recursive: true });
      writeFileSync(join(proc, pid, 'cmdline'), `${args.join('\0')}\0`);
    }
    symlinkSync(proxyRoot, join(proc, '2301', 'root'));
    const report = await collectNodeReport({ root: rootOf('hardened', false), processes: true, procDir: proc });
    const result = (id: string) => report?.results.find((r) => r.id === id);
    assert.equal(report?.node_name, 'worker-1.example');
    assert.deepEqual([result('4.2.4')?.status, result('4.2.4')?.message], ['failed', '--read-only-port is 10255; set it to 0']);
    assert.equal(result('4.2.7')?.status, 'failed');
    assert.deepEqual([result('4.3.1')?.status, result('4.3.1')?.message], ['failed', 'metrics bound to 0.0.0.0:10249; 127.0.0.1 expected']);
    assert.equal(result('4.2.1')?.status, 'passed', 'what the flags leave alone comes from the config file');
  });

  it('a manifest that is not valid YAML leaves its flag controls not evaluated, with a warning; its file controls are still decided', async () => {
    const root = join(base, 'broken-manifest');
    writeNodeRoot(root, { node: 'cp-9', ip: '10.0.0.9', controlPlane: true, profile: 'kubeadm' });
    writeFileSync(join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n');
    const report = (await collectNodeReport({ root, processes: false }))!;
    const result = (id: string) => report.results.find((r) => r.id === id);
    assert.match(report.warnings.join('\n'), /kube-apiserver\.yaml: not valid YAML/);
    assert.deepEqual([result('1.2.1')?.status, result('1.2.1')?.message], ['not_evaluated', "cannot read kube-apiserver's command line from /etc/kubernetes/manifests/kube-apiserver.yaml (not valid YAML)"]);
    assert.equal(result('1.1.1')?.status, 'passed');
    assert.equal(result('1.3.2')?.status, 'failed', 'the other manifests are read as usual');
  });

  it('kubelet settings left out of the config file take the config file\'s defaults; without a config file, the flags\' defaults', async () => {
    const root = join(base, 'kubelet-defaults');
    writeNodeRoot(root, { node: 'worker-7', ip: '10.0.0.7', controlPlane: false, profile: 'kubeadm' });
    writeFileSync(join(root, 'var/lib/kubelet/config.yaml'), 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n');
    const withConfig = (await collectNodeReport({ root, processes: false }))!;
    const status = (report: KubernetesNodeReport, id: string) => [report.results.find((r) => r.id === id)?.status, report.results.find((r) => r.id === id)?.message];
    assert.deepEqual(status(withConfig, '4.2.1'), ['passed', "neither --anonymous-auth nor authentication.anonymous.enabled in the config file is set: the config file's default, false"]);
    assert.deepEqual(status(withConfig, '4.2.2'), ['passed', "neither --authorization-mode nor authorization.mode in the config file is set: the config file's default, Webhook"]);
    rmSync(join(root, 'var/lib/kubelet/config.yaml'));
    writeFileSync(join(root, 'etc/systemd/system/kubelet.service.d/10-kubeadm.conf'), '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf\n');
    const flagsOnly = (await collectNodeReport({ root, processes: false }))!;
    assert.deepEqual(status(flagsOnly, '4.2.1'), ['failed', "neither --anonymous-auth nor authentication.anonymous.enabled in the config file is set: with no config file the flag's default, true; anonymous requests must be refused"]);
    assert.equal(status(flagsOnly, '4.2.2')[0], 'failed');
  });

  it('a directory that is not a node gives a clear error, not a report', async () => {
    const empty = join(base, 'empty');
    writeNodeRoot(join(base, 'unused'), { node: 'x', ip: '10.0.0.1', controlPlane: false, profile: 'kubeadm' });
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'agent', '--once', '--k8s-node', '--root', empty], { cwd: repo }), (err: { code?: number; stderr?: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr ?? '', /is not a Kubernetes node/);
      return true;
    });
  });

  it('with an agent on every node of the cluster, every control is decided but those CIS marks manual', async () => {
    const worker = await collectNodeReport({ root: rootOf('hardened', false), processes: false });
    const objects: K8sObject[] = [
      namespace('kube-system'),
      ...STATIC_COMPONENTS.map((c) => mirrorPod(staticPod(c, 'cp-1', '10.0.0.10'), 'cp-1')),
    ];
    const nodeReports = [hardenedCp, worker!].map((r) => ({ node: r.node_name, results: r.results }));
    const results = scanCluster(buildSnapshot(objects, null), ['benchmark'], { clusterName: 'prod', nodeReports }).benchmark?.results ?? [];
    const undecided = new Set(results.filter((r) => r.status === 'not_evaluated').map((r) => r.rule.id.replace(/^CIS-/, '')));
    const decided = CIS_CONTROLS.length - undecided.size;
    assert.equal(CIS_CONTROLS.length, 130);
    assert.ok(decided >= 110, `${decided} decided`);
    assert.equal(decided, 122);
    assert.deepEqual([...undecided].sort(), [...MANUAL, ...MANUAL_SECTION_5].sort());
    // Section 4 is decided on both nodes; the agent's verdict on cp-1 replaces the API's view (kubeadm flags fail 1.2.1).
    assert.deepEqual(results.filter((r) => r.rule.id === 'CIS-4.2.1').map((r) => r.resource?.name), ['cp-1', 'worker-1']);
    assert.deepEqual(results.filter((r) => r.rule.id === 'CIS-1.2.1').map((r) => r.status), ['passed']);
  });
});
