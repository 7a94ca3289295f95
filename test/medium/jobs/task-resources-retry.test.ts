import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';

const SNAPSHOT = { apiVersion: 'v1', kind: 'List', items: [] };

interface Row {
  resource_id: string;
  resource_name: string;
  scan_status: string;
}

/**
 * ListTaskResources and RetryTask with bodies shaped exactly like the SDK's
 * models (ListTaskResourcesRequestBody, RetryTaskRequestBody): every filter
 * of the model selects what its documentation says, and RetryTask's
 * specific_cluster scans only the clusters it names.
 */
for (const dialect of backends) {
  describe(`ListTaskResources and RetryTask take the SDK models' bodies (${dialect})`, () => {
    let t: TestApp;
    const headers = () => ({ 'x-auth-token': t.token });
    const pid = () => t.account.project.id;
    const clusters = new Map<string, string>();
    let clusterTask = '';
    let iacTask = '';
    const files = new Map<string, { id: string; size: number }>();

    const call = (method: 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: headers(), ...(payload === undefined ? {} : { payload: payload as object }) });
    const resources = async (taskId: string, body: unknown) => {
      const res = await call('POST', `/v5/${pid()}/common/tasks/${taskId}/resources/batch-query?limit=200`, body);
      assert.equal(res.statusCode, 200, `${JSON.stringify(body)}: ${res.body}`);
      return res.json() as { total_num: number; data_list: Row[]; cluster_scan_data_list?: Array<Record<string, unknown>>; iac_scan_data_list?: Array<Record<string, unknown>> };
    };
    const names = async (taskId: string, body: unknown) => {
      const got = await resources(taskId, body);
      const list = got.data_list.map((r) => r.resource_name);
      assert.equal(got.total_num, list.length);
      // Row order follows the database's collation; the set is what is compared.
      return list.sort();
    };
    const statuses = async (taskId: string) => Object.fromEntries((await resources(taskId, { task_type: 'cluster_scan' })).data_list.map((r) => [r.resource_name, r.scan_status]));
    /** Ends the task as a scan would: each named resource with its outcome. */
    const finish = async (taskId: string, outcome: Record<string, 'success' | 'failed'>, ids: Map<string, string | { id: string }>) => {
      const db = t.runtime.database.db;
      for (const [name, status] of Object.entries(outcome)) {
        const entry = ids.get(name)!;
        const id = typeof entry === 'string' ? entry : entry.id;
        await db
          .updateTable('common_task_resources')
          .set({ scan_status: status, failed_reason: status === 'failed' ? `${name} could not be reached` : '', started_at: t.clock.current - 1000, finished_at: t.clock.current })
          .where('task_id', '=', taskId)
          .where('resource_id', '=', id)
          .execute();
      }
      await db.updateTable('common_tasks').set({ task_status: 'finished', start_time: t.clock.current - 2000, end_time: t.clock.current }).where('id', '=', taskId).execute();
    };
    const expectError = async (res: Awaited<ReturnType<typeof call>>, field: RegExp) => {
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error_code, 'HSS.0001', res.body);
      assert.match(res.json().error_msg, field);
    };

    before(async () => {
      t = await createTestApp(dialect, {}, { clockStart: Date.parse('2026-11-01T00:00:00Z') });
      // Nothing runs the tasks: the test sets each resource's outcome itself.
      t.runtime.services.commonTasks.useStarter(async () => undefined);
      for (const name of ['Prod-East', 'prod-west', 'staging', 'dev']) clusters.set(name, (await t.runtime.services.clusters.register(pid(), { enterpriseProjectId: '0', name, snapshot: SNAPSHOT })).id);
      const created = await call('POST', `/v5/${pid()}/common/task`, { task_type: 'cluster_scan', cluster_scan_info: { scan_type_list: ['risk_assessment', 'benchmark'], range_type: 'all_cluster' } });
      assert.equal(created.statusCode, 200, created.body);
      clusterTask = created.json().task_id;

      const contents = { 'web.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n', 'api-web.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n', 'broken.yaml': 'a: [1,\n' };
      const upload = await call('POST', `/v5/${pid()}/openhss/iac-files`, { files: Object.entries(contents).map(([file_name, content]) => ({ file_name, content })) });
      assert.equal(upload.statusCode, 200, upload.body);
      for (const f of upload.json().data_list as Array<{ file_id: string; file_name: string }>) files.set(f.file_name, { id: f.file_id, size: Buffer.byteLength(contents[f.file_name as keyof typeof contents]) });
      const iac = await call('POST', `/v5/${pid()}/common/task`, { task_type: 'iac_scan', iac_scan_info: { file_type: 'k8s_yaml', file_id_list: [...files.values()].map((f) => f.id) } });
      assert.equal(iac.statusCode, 200, iac.body);
      iacTask = iac.json().task_id;
    });

    after(async () => {
      await t?.close();
    });

    it("ListTaskResources filters as the model's cluster_scan_info and iac_scan_info say", async () => {
      // Before any scan, every resource waits: HSS calls that scanning.
      assert.deepEqual(await names(clusterTask, { task_type: 'cluster_scan', cluster_scan_info: { scan_status: 'scanning' } }), ['Prod-East', 'dev', 'prod-west', 'staging']);
      assert.deepEqual(await names(clusterTask, { task_type: 'cluster_scan', cluster_scan_info: { scan_status: 'failed' } }), []);

      await finish(clusterTask, { 'Prod-East': 'success', 'prod-west': 'failed', staging: 'failed' }, clusters);
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{}, ['Prod-East', 'dev', 'prod-west', 'staging']],
        [{ scan_status: 'failed' }, ['prod-west', 'staging']],
        [{ scan_status: 'success' }, ['Prod-East']],
        [{ scan_status: 'scanning' }, ['dev']],
        [{ scan_status: 'waiting' }, ['dev']],
        [{ cluster_name: 'PROD' }, ['Prod-East', 'prod-west']],
        [{ cluster_name: 'west' }, ['prod-west']],
        [{ cluster_name: '%' }, []],
        [{ cluster_id: clusters.get('staging') }, ['staging']],
        [{ cluster_name: 'prod', scan_status: 'failed' }, ['prod-west']],
        [{ cluster_id: clusters.get('staging'), cluster_name: 'prod' }, []],
        [{ cluster_type: 'self_built_idc' }, []],
      ];
      for (const [info, expected] of cases) {
        const got = await resources(clusterTask, { task_type: 'cluster_scan', cluster_scan_info: info });
        assert.deepEqual(
          got.data_list.map((r) => r.resource_name).sort(),
          [...expected].sort(),
          JSON.stringify(info),
        );
        assert.equal(got.total_num, expected.length, JSON.stringify(info));
        // The SDK's response list carries the same rows, in HSS's words.
        assert.deepEqual(
          got.cluster_scan_data_list!.map((r) => r.cluster_name),
          got.data_list.map((r) => r.resource_name),
        );
      }
      const west = (await resources(clusterTask, { task_type: 'cluster_scan', cluster_scan_info: { cluster_name: 'west' } })).cluster_scan_data_list![0]!;
      assert.equal(west.cluster_id, clusters.get('prod-west'));
      assert.equal(west.scan_status, 'failed');
      assert.deepEqual(west.scan_detail_list, [
        { scan_type: 'benchmark', status: 'failed', failed_reason: 'prod-west could not be reached' },
        { scan_type: 'risk_assessment', status: 'failed', failed_reason: 'prod-west could not be reached' },
      ]);
      const dev = (await resources(clusterTask, { task_type: 'cluster_scan', cluster_scan_info: { cluster_name: 'dev' } })).cluster_scan_data_list![0]!;
      assert.equal(dev.scan_status, 'scanning', 'HSS has no waiting state');

      await finish(iacTask, { 'web.yaml': 'success', 'api-web.yaml': 'success', 'broken.yaml': 'failed' }, files);
      const iacCases: Array<[Record<string, unknown>, string[]]> = [
        [{}, ['api-web.yaml', 'broken.yaml', 'web.yaml']],
        [{ scan_status: 'failed' }, ['broken.yaml']],
        [{ scan_status: 'success' }, ['api-web.yaml', 'web.yaml']],
        [{ file_name: 'WEB' }, ['api-web.yaml', 'web.yaml']],
        [{ file_name: 'web', scan_status: 'failed' }, []],
        [{ chart_name: 'web' }, []],
      ];
      for (const [info, expected] of iacCases) assert.deepEqual(await names(iacTask, { task_type: 'iac_scan', iac_scan_info: info }), expected, JSON.stringify(info));
      const broken = (await resources(iacTask, { task_type: 'iac_scan', iac_scan_info: { scan_status: 'failed' } })).iac_scan_data_list!;
      assert.deepEqual(broken, [
        {
          file_name: 'broken.yaml',
          file_type: 'k8s_yaml',
          file_id: files.get('broken.yaml')!.id,
          file_size: files.get('broken.yaml')!.size,
          scan_status: 'failed',
          failed_reason: 'broken.yaml could not be reached',
          start_time: t.clock.current - 1000,
          end_time: t.clock.current,
        },
      ]);
    });

    it("ListTaskResources refuses a body that does not fit the task, naming the field", async () => {
      await expectError(await call('POST', `/v5/${pid()}/common/tasks/${clusterTask}/resources/batch-query`, { task_type: 'iac_scan' }), /task_type/);
      await expectError(await call('POST', `/v5/${pid()}/common/tasks/${clusterTask}/resources/batch-query`, { task_type: 'cluster_scan', iac_scan_info: { scan_status: 'failed' } }), /iac_scan_info/);
      await expectError(await call('POST', `/v5/${pid()}/common/tasks/${iacTask}/resources/batch-query`, { task_type: 'iac_scan', cluster_scan_info: {} }), /cluster_scan_info/);
      await expectError(await call('POST', `/v5/${pid()}/common/tasks/${clusterTask}/resources/batch-query`, { task_type: 'cluster_scan', cluster_scan_info: { scan_status: 'done' } }), /body\.cluster_scan_info\.scan_status/);
      await expectError(await call('POST', `/v5/${pid()}/common/tasks/${clusterTask}/resources/batch-query`, { task_type: 'cluster_scan', cluster_scan_info: { cluster_type: 'openstack' } }), /body\.cluster_scan_info\.cluster_type/);
      await expectError(await call('POST', `/v5/${pid()}/common/tasks/${clusterTask}/resources/batch-query`, { cluster_scan_info: { scan_status: 'failed' } }), /body.*task_type/);
    });

    it('RetryTask with specific_cluster scans only the named failed clusters; all_failed_cluster every failed one', async () => {
      const retry = (body?: unknown) => call('PUT', `/v5/${pid()}/common/tasks/${clusterTask}/retry`, body);
      const ended = { 'Prod-East': 'success', dev: 'success', 'prod-west': 'failed', staging: 'failed' } as const;
      await finish(clusterTask, ended, clusters);

      // What an SDK client sends for one cluster.
      const one = await retry({ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'specific_cluster', cluster_info_list: [{ cluster_id: clusters.get('prod-west'), scan_type_list: ['benchmark'] }] } });
      assert.equal(one.statusCode, 200, one.body);
      assert.deepEqual(await statuses(clusterTask), { 'Prod-East': 'success', dev: 'success', 'prod-west': 'waiting', staging: 'failed' });

      await finish(clusterTask, ended, clusters);
      const refused: Array<[unknown, RegExp]> = [
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'specific_cluster' } }, /cluster_scan_info\.cluster_info_list/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'specific_cluster', cluster_info_list: [] } }, /body\.cluster_scan_info\.cluster_info_list/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'specific_cluster', cluster_info_list: [{ cluster_id: clusters.get('staging') }, { cluster_id: clusters.get('Prod-East') }] } }, /cluster_scan_info\.cluster_info_list\[1\]\.cluster_id.*did not fail/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'specific_cluster', cluster_info_list: [{ cluster_id: 'no-such-cluster' }] } }, /cluster_scan_info\.cluster_info_list\[0\]\.cluster_id/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'specific_cluster', cluster_info_list: [{ cluster_id: clusters.get('staging'), scan_type_list: ['cluster_vul'] }] } }, /cluster_scan_info\.cluster_info_list\[0\]\.scan_type_list/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'all_failed_cluster', cluster_info_list: [{ cluster_id: clusters.get('staging') }] } }, /cluster_scan_info\.cluster_info_list/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'some_clusters' } }, /body\.cluster_scan_info\.range_type/],
        [{ task_type: 'iac_scan' }, /body\.task_type/],
      ];
      for (const [body, field] of refused) await expectError(await retry(body), field);
      assert.deepEqual(await statuses(clusterTask), ended, 'a refused retry changes nothing');

      const all = await retry({ task_type: 'cluster_scan', cluster_scan_info: { range_type: 'all_failed_cluster' } });
      assert.equal(all.statusCode, 200, all.body);
      assert.deepEqual(await statuses(clusterTask), { 'Prod-East': 'success', dev: 'success', 'prod-west': 'waiting', staging: 'waiting' });

      // Without a body, as before: every failed cluster.
      await finish(clusterTask, ended, clusters);
      const bare = await retry();
      assert.equal(bare.statusCode, 200, bare.body);
      assert.deepEqual(await statuses(clusterTask), { 'Prod-East': 'success', dev: 'success', 'prod-west': 'waiting', staging: 'waiting' });
    });
  });
}
