import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importPath } from '../../../src/vulndb/index.js';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { fixtureText } from '../../support/kube/fixture.js';

const K8S_FIXTURES = fileURLToPath(new URL('../../fixtures/vulndb-k8s/', import.meta.url));

interface Result {
  category: string;
  check_id: string;
  status: string;
  title: string;
  message: string;
  resource_kind: string;
  resource_namespace: string;
  resource_name: string;
  instance_num: number;
  detail: Record<string, unknown> & { instances?: Array<{ message: string; container?: string; container_type?: string; path?: string }>; instance_num?: number };
}

/**
 * A cluster job over the fixture cluster's offline snapshot, run the way the worker runs it,
 * read back through OpenhssListTaskResults: risk findings one per (workload, rule) with their
 * instances, and cluster_vul results that say when the vulnerability data is the demo DB.
 */
for (const dialect of backends) {
  describe(`a cluster job's results (${dialect})`, () => {
    let t: TestApp;
    let clusterId = '';
    const pid = () => t.account.project.id;
    const get = async (url: string) => {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': t.token } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { total_num: number; data_list: Result[] };
    };
    const scan = async (types: string[]) => {
      const created = await t.app.inject({ method: 'POST', url: `/v5/${pid()}/common/task`, headers: { 'x-auth-token': t.token }, payload: { task_type: 'cluster_scan', cluster_scan_info: { scan_type_list: types, range_type: 'all_cluster' } } });
      assert.equal(created.statusCode, 200, created.body);
      const taskId = created.json().task_id as string;
      await t.runtime.services.commonTasks.runTask(taskId);
      return taskId;
    };
    const results = async (taskId: string, category: string) => (await get(`/v5/${pid()}/common/tasks/${taskId}/results?resource_id=${clusterId}&category=${category}&limit=200`)).data_list;

    before(async () => {
      t = await createTestApp(dialect, {}, { clockStart: Date.parse('2026-11-01T00:00:00Z') });
      t.runtime.services.commonTasks.useStarter(async () => undefined);
      clusterId = (await t.runtime.services.clusters.register(pid(), { enterpriseProjectId: '0', name: 'offline', snapshot: JSON.parse(fixtureText()) as object })).id;
    });
    after(async () => t?.close());

    it('on the demo DB (a new install, offline), the cluster_vul results say the data is a demo', async () => {
      const vul = await results(await scan(['cluster_vul']), 'cluster_vul');
      const notice = vul.filter((r) => r.check_id === 'OPENHSS-DEMO-DB');
      assert.equal(notice.length, 1);
      assert.equal(notice[0]!.status, 'not_evaluated');
      assert.match(notice[0]!.message, /demo/);
      assert.match(notice[0]!.message, /openhss db update/);
      assert.equal(notice[0]!.detail.demo_db, true);
      const findings = vul.filter((r) => r.check_id !== 'OPENHSS-DEMO-DB');
      // the API server v1.27.3 is below the demo DB's fix of CVE-2024-3177 (1.27.13)
      assert.ok(findings.some((r) => r.check_id === 'CVE-2024-3177' && r.resource_kind === 'Cluster'), JSON.stringify(findings.map((r) => r.check_id)));
      assert.ok(findings.every((r) => r.detail.demo_db === true));
      // the nodes are Linux: the demo DB's Windows-only CVE-2023-5528 is not reported for their kubelets
      assert.ok(!findings.some((r) => r.check_id === 'CVE-2023-5528'));
    });

    it('with a real DB in place, no result says demo', async () => {
      // built aside and renamed into place, as "openhss db update" and "db import" on a new file leave it
      const aside = `${t.runtime.vulnDb.file}.import`;
      await importPath(aside, K8S_FIXTURES);
      renameSync(aside, t.runtime.vulnDb.file);
      assert.ok(t.runtime.vulnDb.refresh());
      assert.notEqual(t.runtime.vulnDb.reader().meta().demo, 'true');
      const vul = await results(await scan(['cluster_vul']), 'cluster_vul');
      assert.ok(vul.length > 0);
      assert.ok(!vul.some((r) => r.check_id === 'OPENHSS-DEMO-DB' || r.detail.demo_db !== undefined));
    });

    it('risk findings: one per (workload, rule), with the count and the instances one click deeper', async () => {
      const risk = await results(await scan(['risk_assessment']), 'risk_assessment');
      assert.ok(risk.length > 0);
      const keys = risk.map((r) => JSON.stringify([r.check_id, r.resource_kind, r.resource_namespace, r.resource_name]));
      assert.equal(new Set(keys).size, keys.length, 'no (object, rule) twice');
      for (const r of risk) {
        assert.equal(r.instance_num, r.detail.instances?.length, r.check_id);
        assert.equal(r.detail.instance_num, r.instance_num);
        assert.ok(r.instance_num >= 1);
        if (r.instance_num === 1) assert.equal(r.message, r.detail.instances![0]!.message);
        else assert.match(r.message, new RegExp(`^${r.instance_num} instances: `));
      }
      const proxy = risk.find((r) => r.check_id === 'K8S004' && r.resource_name === 'kube-proxy');
      assert.equal(proxy?.instance_num, 2);
      assert.deepEqual(proxy?.detail.instances?.map((i) => i.path), ['spec.template.spec.volumes[1].hostPath', 'spec.template.spec.volumes[2].hostPath']);
      const privileged = risk.find((r) => r.check_id === 'K8S001' && r.resource_name === 'kube-proxy');
      assert.deepEqual(privileged?.detail.instances?.map((i) => [i.container, i.container_type]), [['kube-proxy', 'container']]);
      // other results stand for one place each
      const bench = await results(await scan(['benchmark']), 'benchmark');
      assert.ok(bench.length > 0 && bench.every((r) => r.instance_num === 1));
    });
  });
}
