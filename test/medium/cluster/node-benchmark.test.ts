import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectNodeReport } from '../../../src/agent/client/k8s-node/node-report.js';
import type { EnrollResponse, KubernetesNodeReport } from '../../../src/agent/protocol.js';
import { ImageAssetRepository } from '../../../src/repositories/image-asset-repository.js';
import { K8sNodeReportRepository } from '../../../src/repositories/k8s-node-report-repository.js';
import { ClusterScanRunnerImpl } from '../../../src/services/jobs/cluster-scan-runner.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { agentAuth, createEnrolmentToken, enroll, identity } from '../../support/hosts.js';
import { STATIC_COMPONENTS, mirrorPod, staticPod } from '../../support/kube/kubeadm.js';
import { writeNodeRoot } from '../../support/kube/node-root.js';

/**
 * The agents on a kubeadm cluster's two nodes report their CIS node checks
 * over /agent/v1/k8s-node; a benchmark job on the cluster's offline snapshot
 * then gives sections 1 to 4 per node, from those reports.
 */
const base = mkdtempSync(join(tmpdir(), 'openhss-node-bench-'));
const reports = new Map<string, KubernetesNodeReport>();

for (const dialect of backends) {
  describe(`cluster benchmark with node agent reports (${dialect})`, () => {
    let t: TestApp;
    const agents = new Map<string, EnrollResponse>();
    const pid = () => t.account.project.id;
    const send = (node: string, body: unknown) =>
      t.app.inject({ method: 'POST', url: '/agent/v1/k8s-node', headers: { ...agentAuth(agents.get(node)!), 'content-type': 'application/json' }, payload: body as object });
    const snapshot = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'cp-1' } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1' } },
        ...STATIC_COMPONENTS.map((c) => mirrorPod(staticPod(c, 'cp-1', '10.0.0.10'), 'cp-1')),
      ],
    };
    const benchmark = async () => {
      const runner = new ClusterScanRunnerImpl(t.runtime.vulnDb, new ImageAssetRepository(t.runtime.database.db), t.runtime.services.imageScans, new K8sNodeReportRepository(t.runtime.database.db));
      const outcome = await runner.scan({ id: 'c1', name: 'prod', snapshot }, ['benchmark'], { projectId: pid() });
      assert.equal(outcome.status, 'success');
      return outcome.status === 'success' ? outcome.results : [];
    };

    before(async () => {
      t = await createTestApp(dialect);
      for (const [node, controlPlane] of [['cp-1', true], ['worker-1', false]] as const) {
        if (!reports.has(node)) {
          const root = join(base, node);
          writeNodeRoot(root, { node, ip: '10.0.0.10', controlPlane, profile: 'hardened' });
          reports.set(node, (await collectNodeReport({ root, processes: false }))!);
        }
        agents.set(node, await enroll(t.app, await createEnrolmentToken(t.app, pid(), t.token), identity(node)));
      }
    });
    after(async () => {
      await t.close();
      if (dialect === backends.at(-1)) rmSync(base, { recursive: true, force: true });
    });

    it('without reports, file controls are not evaluated and the static pods decide the flags', async () => {
      const results = await benchmark();
      const one = (id: string) => results.filter((r) => r.checkId === `CIS-${id}`).map((r) => `${r.status}@${r.resource.name}`);
      assert.deepEqual(one('1.2.1'), ['failed@cp-1']);
      assert.deepEqual(one('1.1.1'), ['not_evaluated@cp-1']);
      assert.deepEqual(one('4.2.1'), ['not_evaluated@prod']);
    });

    it('accepts each node agent\'s report and uses it per node in the benchmark job', async () => {
      for (const node of ['cp-1', 'worker-1']) {
        const res = await send(node, reports.get(node));
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { node_name: node, results: reports.get(node)!.results.length });
      }
      const results = await benchmark();
      const one = (id: string) => results.filter((r) => r.checkId === `CIS-${id}`).map((r) => `${r.status}@${r.resource.kind}/${r.resource.name}`);
      assert.deepEqual(one('1.1.1'), ['passed@Node/cp-1']);
      assert.deepEqual(one('1.2.1'), ['passed@Node/cp-1'], "the node's report wins over the API's view");
      assert.deepEqual(one('4.2.1'), ['passed@Node/cp-1', 'passed@Node/worker-1']);
      const undecided = new Set(results.filter((r) => r.status === 'not_evaluated').map((r) => r.checkId));
      assert.equal(130 - undecided.size, 122);
    });

    it('a later report replaces the node\'s previous one', async () => {
      const worse = { ...reports.get('worker-1')!, results: reports.get('worker-1')!.results.map((r) => (r.id === '4.2.4' ? { ...r, status: 'failed', message: 'readOnlyPort is 10255; set it to 0' } : r)) };
      assert.equal((await send('worker-1', worse)).statusCode, 200);
      const results = await benchmark();
      assert.deepEqual(results.filter((r) => r.checkId === 'CIS-4.2.4' && r.resource.name === 'worker-1').map((r) => [r.status, r.message]), [['failed', 'readOnlyPort is 10255; set it to 0']]);
    });

    it('refuses a malformed report and an unauthenticated one', async () => {
      const bad = await send('cp-1', { ...reports.get('cp-1'), results: [{ id: 'x; drop', status: 'maybe', message: '' }] });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json().error_code, 'HSS.0001');
      const anonymous = await t.app.inject({ method: 'POST', url: '/agent/v1/k8s-node', payload: reports.get('cp-1')! as unknown as object });
      assert.equal(anonymous.statusCode, 401);
    });
  });
}
