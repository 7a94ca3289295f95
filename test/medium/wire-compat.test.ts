import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createEnrolmentToken, enroll, identity } from '../support/hosts.js';

const INT64_MAX = '9223372036854775807';
const INT64_MAX_PLUS_1 = '9223372036854775808';
/** 2^53 + 1: the first integer a JavaScript number rounds. */
const ABOVE_2_53 = '9007199254740993';

interface Operation {
  method: string;
  path: string;
  operationId: string;
  responses: Record<string, unknown>;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: { type?: string; enum?: string[]; minimum?: number; maximum?: number; format?: string } }>;
  requestBody?: { content: Record<string, unknown> };
}

function operations(doc: { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })));
}

/** A concrete URL for an operation: the project, and ids no resource has. */
const urlOf = (op: Operation, projectId: string) => op.path.replace('{project_id}', projectId).replace(/\{[a-z_]+\}/g, 'no-such-id-0000');

/** Values for the operation's required query parameters, so a request is refused only for what the test varies. */
const requiredQuery = (op: Operation) =>
  (op.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `&${p.name}=${p.schema.enum?.[0] ?? (p.schema.type === 'integer' ? Math.max(1, p.schema.minimum ?? 1) : 'x')}`)
    .join('');

const PUBLIC = new Set(['Healthz', 'Readyz', 'KeystoneCreateUserTokenByPassword']);

for (const backend of backends) {
  describe(`wire compatibility with the seeds and the SDK models (${backend})`, () => {
    let t: TestApp;
    let ops: Operation[];
    const headers = () => ({ 'x-auth-token': t.token });
    const pid = () => t.account.project.id;
    const call = (method: string, url: string, payload?: unknown, extra: Record<string, string> = {}) =>
      t.app.inject({ method: method as 'GET', url, headers: { ...headers(), ...extra }, ...(payload === undefined ? {} : { payload: payload as string }) });

    before(async () => {
      t = await createTestApp(backend);
      ops = operations((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json());
    });
    after(async () => {
      await t.close();
    });

    it('the jobs list (seed 2) takes limit 10-200, and /openapi.json says so', async () => {
      const url = (q: string) => `/v5/${pid()}/common/tasks/batch-query?${q}`;
      for (const [q, status] of [['limit=5', 400], ['limit=9', 400], ['limit=0', 400], ['limit=201', 400], ['limit=10', 200], ['limit=200', 200], ['offset=2000000', 200], ['offset=2000001', 400]] as const) {
        const res = await call('POST', url(q), { task_type: 'cluster_scan' });
        assert.equal(res.statusCode, status, `${q}: ${res.body}`);
        if (status === 400) {
          assert.equal(res.json().error_code, 'HSS.0001');
          assert.match(res.json().error_msg, new RegExp(`query\\.${q.split('=')[0]} must be`));
        }
      }
      const limit = ops.find((o) => o.operationId === 'ListJobs')!.parameters!.find((p) => p.name === 'limit')!;
      assert.deepEqual([limit.schema.minimum, limit.schema.maximum], [10, 200]);
    });

    it('every list documents its limit range and enforces exactly that range', async () => {
      const lists = ops.filter((o) => o.parameters?.some((p) => p.name === 'limit' && p.in === 'query'));
      assert.ok(lists.length >= 15, `lists found: ${lists.map((o) => o.operationId).join(', ')}`);
      for (const op of lists) {
        const { minimum, maximum } = op.parameters!.find((p) => p.name === 'limit')!.schema;
        assert.equal(maximum, 200, op.operationId);
        assert.equal(minimum, op.operationId === 'ListRegistryImages' ? 1 : 10, `${op.operationId}: the SDK models give 10-200 (ListRegistryImages 1-200)`);
        const body = op.requestBody ? { task_type: 'cluster_scan', export_size: 1 } : undefined;
        for (const [limit, refused] of [[minimum! - 1, true], [minimum!, false], [maximum!, false], [maximum! + 1, true]] as const) {
          // Required query parameters of some lists (type, category, export_size) may still refuse the request, but never for its limit.
          const res = await call(op.method, `${urlOf(op, pid())}?limit=${limit}${requiredQuery(op)}`, body);
          const limitRefused = res.statusCode === 400 && /query\.limit/.test(res.json().error_msg);
          assert.equal(limitRefused, refused, `${op.operationId} limit=${limit}: ${res.statusCode} ${res.body}`);
        }
      }
    });

    it('ListVulScanTask (seed 1) follows the same 10-200 rule', async () => {
      const res = await call('GET', `/v5/${pid()}/vulnerability/scan-tasks?limit=5`);
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error_msg, /query\.limit must be >= 10/);
    });

    it('Content-Type text/plain (or any non-JSON type) on every JSON route is 400 HSS.0002', async () => {
      const jsonRoutes = ops.filter((o) => o.requestBody?.content['application/json'] && !PUBLIC.has(o.operationId) && o.path.startsWith('/v5/'));
      assert.ok(jsonRoutes.length >= 15);
      for (const op of jsonRoutes) {
        for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded']) {
          const res = await call(op.method, urlOf(op, pid()), '{"task_type":"cluster_scan"}', { 'content-type': type });
          assert.equal(res.statusCode, 400, `${op.operationId} ${type}: ${res.body}`);
          assert.equal(res.json().error_code, 'HSS.0002', `${op.operationId} ${type}`);
          assert.match(res.json().error_msg, /Content-Type/);
        }
      }
    });

    it('Long filters take the whole int64 range and compare exactly above 2^53 (ListVulScanTask, seed 1)', async () => {
      const creds = await enroll(t.app, await createEnrolmentToken(t.app, pid(), t.token), identity('long-filters'));
      const created = await call('POST', `/v5/${pid()}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [creds.agent_id] });
      assert.equal(created.statusCode, 200, created.body);
      const taskId = created.json().task_id as string;
      const list = async (q: string) => {
        const res = await call('GET', `/v5/${pid()}/vulnerability/scan-tasks?limit=200&${q}`);
        assert.equal(res.statusCode, 200, `${q}: ${res.body}`);
        return (res.json().data_list as Array<{ id: string }>).map((r) => r.id);
      };
      assert.deepEqual(await list(`max_start_time=${INT64_MAX}`), [taskId]);
      assert.deepEqual(await list(`min_start_time=0&max_start_time=${ABOVE_2_53}`), [taskId]);
      assert.deepEqual(await list(`min_start_time=${ABOVE_2_53}`), []);
      assert.deepEqual(await list(`min_start_time=${INT64_MAX}`), []);
      for (const q of [`max_start_time=${INT64_MAX_PLUS_1}`, `min_start_time=${'9'.repeat(30)}`]) {
        const res = await call('GET', `/v5/${pid()}/vulnerability/scan-tasks?${q}`);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error_msg, new RegExp(`query\\.${q.split('=')[0]} must be a 64-bit integer, at most ${INT64_MAX}`));
      }
      const param = ops.find((o) => o.operationId === 'ListVulScanTask')!.parameters!.find((p) => p.name === 'max_start_time')!;
      assert.equal(param.schema.format, 'int64');
    });

    it('Long fields of JSON bodies take 2^63-1 exactly and refuse 2^63 (the jobs list, seed 2)', async () => {
      t.runtime.services.commonTasks.useStarter(async () => undefined);
      const cluster = await t.runtime.services.clusters.register(pid(), { enterpriseProjectId: '0', name: 'long-range', snapshot: { apiVersion: 'v1', kind: 'List', items: [] } });
      const task = await call('POST', `/v5/${pid()}/common/task`, { task_type: 'cluster_scan', cluster_scan_info: { scan_type_list: ['benchmark'], range_type: 'specific_cluster', cluster_id_list: [cluster.id] } });
      assert.equal(task.statusCode, 200, task.body);
      const raw = (fields: string) => call('POST', `/v5/${pid()}/common/tasks/batch-query`, `{"task_type":"cluster_scan",${fields}}`, { 'content-type': 'application/json' });
      const ids = async (fields: string) => {
        const res = await raw(fields);
        assert.equal(res.statusCode, 200, `${fields}: ${res.body}`);
        return (res.json().data_list as Array<{ task_id: string }>).map((r) => r.task_id);
      };
      assert.deepEqual(await ids(`"end_create_time":${INT64_MAX}`), [task.json().task_id]);
      assert.deepEqual(await ids(`"start_create_time":${ABOVE_2_53}`), []);
      assert.deepEqual(await ids(`"start_create_time":0,"end_create_time":${ABOVE_2_53},"task_name":"${INT64_MAX_PLUS_1}0"`), [], 'a string holding digits is not a number');
      for (const value of [INT64_MAX_PLUS_1, '1' + '0'.repeat(25), `-${INT64_MAX_PLUS_1}1`]) {
        const res = await raw(`"end_create_time":${value}`);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error_code, 'HSS.0001');
        assert.match(res.json().error_msg, /body\.end_create_time must/);
      }
    });

    it('every authenticated route documents 400, 401, 403 and 500, and /metrics is in /openapi.json with its 200', async () => {
      const metrics = ops.find((o) => o.path === '/metrics');
      assert.ok(metrics, '/metrics is documented');
      assert.ok('200' in metrics.responses && '401' in metrics.responses);
      for (const op of ops.filter((o) => !PUBLIC.has(o.operationId))) {
        for (const status of ['400', '401', '500']) assert.ok(status in op.responses, `${op.operationId} documents ${status}`);
        if (op.path.startsWith('/v5/')) assert.ok('403' in op.responses, `${op.operationId} documents 403`);
      }
    });

    it('drives every route into its error paths and each status it answers is documented (clusters 409 included)', async () => {
      const stranger = await createTestApp(backend);
      try {
        for (const op of ops.filter((o) => !PUBLIC.has(o.operationId))) {
          const url = urlOf(op, pid());
          const body = op.requestBody ? {} : undefined;
          await t.app.inject({ method: op.method as 'GET', url, ...(body ? { payload: body } : {}) }); // no credentials
          await t.app.inject({ method: op.method as 'GET', url: urlOf(op, stranger.account.project.id), headers: headers(), ...(body ? { payload: body } : {}) });
          await call(op.method, `${url}?enterprise_project_id=${'e'.repeat(300)}`, body);
          await call(op.method, url, body); // unknown ids, missing fields
          if (op.requestBody) await call(op.method, url, '[1,', { 'content-type': 'application/json' });
        }
        const cluster = { name: 'twice', snapshot: { apiVersion: 'v1', kind: 'List', items: [] } };
        assert.equal((await call('POST', `/v5/${pid()}/openhss/clusters`, cluster)).statusCode, 200);
        assert.equal((await call('POST', `/v5/${pid()}/openhss/clusters`, cluster)).statusCode, 409);
        assert.equal((await call('GET', '/metrics')).statusCode, 200);
        assert.deepEqual(t.undocumentedStatuses, [], 'statuses a route answered that /openapi.json does not list for it');
      } finally {
        await stranger.close();
      }
    });
  });
}
