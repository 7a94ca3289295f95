import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';

interface Model {
  id: string;
  type: 'cluster_scan' | 'iac_scan';
  name: string;
  created: number;
  start: number;
  trigger: 'manual' | 'schedule';
  status: 'ready' | 'running' | 'finished';
  scanTypes: string[];
  fileType: string | null;
  resources: number;
}

const SNAPSHOT = { apiVersion: 'v1', kind: 'List', items: [] };

/**
 * The jobs list (seed 2) against an independent model of the tasks: every
 * combination of the documented filters returns exactly the expected subset,
 * in start_time order both ways, with total_num counting every match.
 */
for (const dialect of backends) {
  describe(`the jobs list returns exactly the expected subsets (${dialect})`, () => {
    let t: TestApp;
    const model: Model[] = [];
    const headers = () => ({ 'x-auth-token': t.token });
    const pid = () => t.account.project.id;

    async function query(body: Record<string, unknown>, query = '') {
      const res = await t.app.inject({ method: 'POST', url: `/v5/${pid()}/common/tasks/batch-query?limit=200${query}`, headers: headers(), payload: body });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { total_num: number; data_list: Array<Record<string, unknown> & { task_id: string }> };
    }

    before(async () => {
      t = await createTestApp(dialect, {}, { clockStart: Date.parse('2026-11-01T00:00:00Z') });
      // Tasks are left as created: nothing runs them unless the test does.
      t.runtime.services.commonTasks.useStarter(async () => undefined);
      const clusters = [];
      for (const name of ['prod', 'staging', 'dev']) clusters.push(await t.runtime.services.clusters.register(pid(), { enterpriseProjectId: '0', name, snapshot: SNAPSHOT }));
      const upload = await t.app.inject({
        method: 'POST',
        url: `/v5/${pid()}/openhss/iac-files`,
        headers: headers(),
        payload: {
          files: [
            { file_name: 'Dockerfile', content: 'FROM debian:12\n' },
            { file_name: 'api.Dockerfile', content: 'FROM debian:12\nUSER app\n' },
            { file_name: 'deploy.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n' },
          ],
        },
      });
      assert.equal(upload.statusCode, 200, upload.body);
      const files = upload.json().data_list as Array<{ file_id: string; file_type: string }>;
      const dockerfiles = files.filter((f) => f.file_type === 'dockerfile').map((f) => f.file_id);
      const yamls = files.filter((f) => f.file_type === 'k8s_yaml').map((f) => f.file_id);

      const specs: Array<Omit<Model, 'id' | 'created' | 'start' | 'resources'>> = [];
      const names = ['nightly-alpha', 'Adhoc-Beta', 'alpha weekly', 'gamma', 'BETA release', 'delta'];
      const scanSets = [['cluster_vul'], ['risk_assessment', 'benchmark'], ['cluster_vul', 'risk_assessment', 'benchmark'], ['benchmark'], ['cluster_vul', 'benchmark']];
      const statuses: Model['status'][] = ['ready', 'running', 'finished'];
      for (let i = 0; i < 15; i++) {
        specs.push({ type: 'cluster_scan', name: `${names[i % names.length]} ${i}`, trigger: i % 3 === 0 ? 'schedule' : 'manual', status: statuses[i % 3]!, scanTypes: scanSets[i % scanSets.length]!, fileType: null });
      }
      for (let i = 0; i < 8; i++) {
        specs.push({ type: 'iac_scan', name: `${names[(i + 2) % names.length]} iac ${i}`, trigger: i % 4 === 0 ? 'schedule' : 'manual', status: statuses[(i + 1) % 3]!, scanTypes: [], fileType: i % 2 === 0 ? 'dockerfile' : 'k8s_yaml' });
      }
      for (const [i, spec] of specs.entries()) {
        t.clock.advance(60_000 + i * 1000);
        const created = t.clock.current;
        const id = await t.runtime.services.commonTasks.create(pid(), {
          taskType: spec.type,
          enterpriseProjectIds: ['0'],
          taskName: spec.name,
          triggerType: spec.trigger,
          ...(spec.trigger === 'schedule' ? { scheduleKey: `test:${i}` } : {}),
          ...(spec.type === 'cluster_scan'
            ? { clusterScanInfo: { scanTypeList: spec.scanTypes as never, rangeType: i % 2 === 0 ? 'all_cluster' : 'specific_cluster', clusterIdList: [clusters[i % 3]!.id] } }
            : { iacScanInfo: { fileType: spec.fileType as never, fileIdList: spec.fileType === 'dockerfile' ? dockerfiles : yamls } }),
        });
        assert.ok(id);
        // Started tasks start a little later than they were created, in an order of their own.
        let start = created;
        if (spec.status !== 'ready') {
          start = created + ((i * 7919) % 13) * 100_000;
          await t.runtime.database.db.updateTable('common_tasks').set({ task_status: spec.status, start_time: start, end_time: spec.status === 'finished' ? start + 1000 : null }).where('id', '=', id!).execute();
        }
        const resources = spec.type === 'cluster_scan' ? (i % 2 === 0 ? clusters.length : 1) : spec.fileType === 'dockerfile' ? dockerfiles.length : yamls.length;
        model.push({ ...spec, id: id!, created, start, resources });
      }
    });

    after(async () => {
      await t?.close();
    });

    it('every combination of filters gives exactly the expected tasks, ordered by start_time both ways', async () => {
      const mid = model[Math.floor(model.length / 3)]!.created;
      const late = model[Math.floor((model.length * 2) / 3)]!.created;
      let combinations = 0;
      for (const taskType of ['cluster_scan', 'iac_scan'] as const) {
        for (const trigger of [undefined, 'manual', 'schedule'] as const) {
          for (const status of [undefined, 'ready', 'running', 'finished'] as const) {
            for (const name of [undefined, 'alpha', 'BETA', 'iac 3']) {
              for (const range of [undefined, [mid, late] as const]) {
                const scanLists = taskType === 'cluster_scan' ? [undefined, [], ['cluster_vul'], ['benchmark'], ['risk_assessment', 'benchmark'], ['cluster_vul', 'benchmark'], ['cluster_vul', 'risk_assessment', 'benchmark']] : [undefined];
                const fileTypes = taskType === 'iac_scan' ? [undefined, 'dockerfile', 'k8s_yaml'] : [undefined];
                for (const scanTypes of scanLists) {
                  for (const fileType of fileTypes) {
                    for (const dir of ['asc', 'desc'] as const) {
                      const body: Record<string, unknown> = { task_type: taskType, sort_key: 'start_time', sort_dir: dir };
                      if (trigger) body.trigger_type = trigger;
                      if (status) body.task_status = status;
                      if (name) body.task_name = name;
                      if (range) Object.assign(body, { start_create_time: range[0], end_create_time: range[1] });
                      if (scanTypes) body.cluster_scan_info = { scan_type_list: scanTypes };
                      if (fileType) body.iac_scan_info = { file_type: fileType };
                      const expected = model
                        .filter(
                          (m) =>
                            m.type === taskType &&
                            (!trigger || m.trigger === trigger) &&
                            (!status || m.status === status) &&
                            (!name || m.name.toLowerCase().includes(name.toLowerCase())) &&
                            (!range || (m.created >= range[0] && m.created <= range[1])) &&
                            (!scanTypes || scanTypes.every((s) => m.scanTypes.includes(s))) &&
                            (!fileType || m.fileType === fileType),
                        )
                        .sort((a, b) => (dir === 'asc' ? 1 : -1) * (a.start - b.start || (a.id < b.id ? -1 : 1)));
                      const got = await query(body);
                      assert.equal(got.total_num, expected.length, JSON.stringify(body));
                      assert.deepEqual(
                        got.data_list.map((r) => r.task_id),
                        expected.map((m) => m.id),
                        JSON.stringify(body),
                      );
                      combinations++;
                    }
                  }
                }
              }
            }
          }
        }
      }
      assert.ok(combinations > 500, `${combinations} combinations`);
    });

    it('task_id, paging and the response fields', async () => {
      const one = model.find((m) => m.type === 'cluster_scan' && m.scanTypes.length === 3)!;
      const got = await query({ task_type: 'cluster_scan', task_id: one.id });
      assert.equal(got.total_num, 1);
      const row = got.data_list[0]!;
      // Nothing ran: every cluster of the task is still waiting, which counts as being scanned.
      assert.deepEqual(row.cluster_scan_info, { scan_type_list: [...one.scanTypes].sort(), scanning_cluster_num: one.resources, success_cluster_num: 0, failed_cluster_num: 0 });
      assert.equal(row.trigger_type, one.trigger);
      assert.equal(row.start_time, one.start);
      assert.equal(typeof row.estimated_time, 'number');
      const iac = await query({ task_type: 'iac_scan' });
      for (const r of iac.data_list) assert.ok(r.iac_scan_info && !r.cluster_scan_info);
      const all = model.filter((m) => m.type === 'cluster_scan').sort((a, b) => b.start - a.start || (a.id < b.id ? 1 : -1));
      const page = await t.app.inject({ method: 'POST', url: `/v5/${pid()}/common/tasks/batch-query?offset=10&limit=10`, headers: headers(), payload: { task_type: 'cluster_scan' } });
      assert.equal(page.json().total_num, all.length);
      assert.deepEqual(
        page.json().data_list.map((r: { task_id: string }) => r.task_id),
        all.slice(10, 20).map((m) => m.id),
      );
    });

    it('refuses clusters and jobs that can never work, naming the field, and creates nothing', async () => {
      const execKubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: { exec: { apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: ['-c', 'id'] } } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;
      const cases: Array<[string, string, object, number, RegExp]> = [
        ['POST', '/openhss/clusters', { name: 'runs-a-program', kubeconfig: execKubeconfig }, 400, /kubeconfig/],
        ['POST', '/openhss/clusters', { name: 'not-yaml', kubeconfig: '{{{' }, 400, /kubeconfig/],
        ['POST', '/openhss/clusters', { name: 'not-a-list', snapshot: { hello: 'world' } }, 400, /snapshot/],
        ['POST', '/openhss/clusters', { name: 'both', snapshot: SNAPSHOT, kubeconfig: 'x' }, 400, /kubeconfig/],
        ['POST', '/openhss/clusters', { name: 'prod', snapshot: SNAPSHOT }, 409, /prod/],
        ['POST', '/common/task', { task_type: 'cluster_scan' }, 400, /cluster_scan_info/],
        ['POST', '/common/task', { task_type: 'cluster_scan', cluster_scan_info: { scan_type_list: ['benchmark'], range_type: 'specific_cluster', cluster_id_list: ['nope'] } }, 404, /nope/],
        ['POST', '/common/task', { task_type: 'iac_scan', iac_scan_info: { file_type: 'dockerfile', file_id_list: ['missing'] } }, 404, /missing/],
        ['POST', '/common/task', { task_type: 'iac_scan', cluster_scan_info: { scan_type_list: ['benchmark'], range_type: 'all_cluster' } }, 400, /cluster_scan_info/],
      ];
      const before = (await query({ task_type: 'cluster_scan' })).total_num + (await query({ task_type: 'iac_scan' })).total_num;
      for (const [method, path, body, status, message] of cases) {
        const res = await t.app.inject({ method: method as 'POST', url: `/v5/${pid()}${path}`, headers: headers(), payload: body });
        assert.equal(res.statusCode, status, `${path} ${JSON.stringify(body).slice(0, 80)}: ${res.body}`);
        assert.match(res.json().error_msg, message);
        assert.ok(!res.body.includes('/bin/sh'), 'no kubeconfig content in the error');
      }
      const after = (await query({ task_type: 'cluster_scan' })).total_num + (await query({ task_type: 'iac_scan' })).total_num;
      assert.equal(after, before);
      const clusters = (await t.app.inject({ method: 'GET', url: `/v5/${pid()}/openhss/clusters`, headers: headers() })).json();
      assert.equal(clusters.total_num, 3);
    });

    it('refuses bad filters with an HSS error naming the field', async () => {
      const cases: Array<[object, RegExp, string?]> = [
        [{}, /task_type/],
        [{ task_type: 'host_scan' }, /task_type/],
        [{ task_type: 'cluster_scan', task_status: 'done' }, /task_status/],
        [{ task_type: 'cluster_scan', sort_dir: 'up' }, /sort_dir/],
        [{ task_type: 'cluster_scan', cluster_scan_info: { scan_type_list: ['malware'] } }, /scan_type_list/],
        [{ task_type: 'cluster_scan' }, /limit/, '?limit=201'],
        [{ task_type: 'cluster_scan' }, /offset/, '?offset=-1'],
      ];
      for (const [body, message, q] of cases) {
        const res = await t.app.inject({ method: 'POST', url: `/v5/${pid()}/common/tasks/batch-query${q ?? ''}`, headers: headers(), payload: body });
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)} ${res.body}`);
        assert.equal(res.json().error_code, 'HSS.0001');
        assert.match(res.json().error_msg, message);
      }
    });
  });
}
