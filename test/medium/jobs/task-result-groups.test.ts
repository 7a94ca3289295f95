import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/iac/${path}`, import.meta.url), 'utf8');

interface Result {
  resource_id: string;
  category: string;
  check_id: string;
  severity: string;
  status: string;
  title: string;
  resource_kind: string;
  resource_namespace: string;
  resource_name: string;
  suppressed: boolean;
}

interface Counts {
  total_num: number;
  failed_num: number;
  passed_num: number;
  not_evaluated_num: number;
  suppressed_num: number;
  failed_by_severity: Record<'critical' | 'high' | 'medium' | 'low', number>;
}

/** The counts of a group, computed from the group's results as OpenhssListTaskResults lists them. */
function countsOf(rows: Result[]): Counts {
  const open = rows.filter((r) => r.status === 'failed' && !r.suppressed);
  const by = (s: string) => open.filter((r) => r.severity.toLowerCase() === s).length;
  return {
    total_num: rows.length,
    failed_num: open.length,
    passed_num: rows.filter((r) => r.status === 'passed').length,
    not_evaluated_num: rows.filter((r) => r.status === 'not_evaluated').length,
    suppressed_num: rows.filter((r) => r.suppressed).length,
    failed_by_severity: { critical: by('critical'), high: by('high'), medium: by('medium'), low: by('low') },
  };
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

const objectKey = (r: { resource_id: string; resource_kind: string; resource_namespace: string; resource_name: string }) => [r.resource_id, r.resource_kind, r.resource_namespace, r.resource_name].join('|');

/**
 * A real IaC scan of files with known misconfigurations: its findings counted
 * by rule and by object (OpenhssListTaskResultGroups) equal the counts made
 * from every result OpenhssListTaskResults lists, groups are paged and
 * filtered, and another project cannot read them.
 */
for (const dialect of backends) {
  describe(`a job's findings grouped by rule and by object (${dialect})`, () => {
    let t: TestApp;
    let taskId = '';
    let results: Result[] = [];
    const pid = () => t.account.project.id;
    const get = async (url: string, token = t.token) => t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
    const groups = async (query: string) => {
      const res = await get(`/v5/${pid()}/common/tasks/${taskId}/result-groups?${query}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { total_num: number; rule_list?: Array<Counts & { check_id: string; category: string; severity: string; title: string; object_num: number }>; resource_list?: Array<Counts & { resource_id: string; resource_name: string; object_kind: string; object_namespace: string; object_name: string; rule_num: number }> };
    };

    before(async () => {
      t = await createTestApp(dialect, {}, { clockStart: Date.parse('2026-11-01T00:00:00Z') });
      t.runtime.services.commonTasks.useStarter(async () => undefined);
      const files = ['K8S001/fail.yaml', 'K8S002/fail.yaml', 'K8S003/fail.yaml', 'hardened.yaml'].map((f, n) => ({ file_name: `m${n}-${f.replace('/', '-')}`, content: fixture(f) }));
      const upload = await t.app.inject({ method: 'POST', url: `/v5/${pid()}/openhss/iac-files`, headers: { 'x-auth-token': t.token }, payload: { files } });
      assert.equal(upload.statusCode, 200, upload.body);
      const ids = (upload.json().data_list as Array<{ file_id: string }>).map((f) => f.file_id);
      const created = await t.app.inject({ method: 'POST', url: `/v5/${pid()}/common/task`, headers: { 'x-auth-token': t.token }, payload: { task_type: 'iac_scan', iac_scan_info: { file_type: 'k8s_yaml', file_id_list: ids } } });
      assert.equal(created.statusCode, 200, created.body);
      taskId = created.json().task_id;
      await t.runtime.services.commonTasks.runTask(taskId);
      const res = await get(`/v5/${pid()}/common/tasks/${taskId}/results?limit=200`);
      assert.equal(res.statusCode, 200, res.body);
      results = res.json().data_list;
      assert.equal(res.json().total_num, results.length, 'every result on one page');
      assert.ok(results.some((r) => r.check_id === 'K8S001' && r.status === 'failed'), 'the privileged container fails K8S001');
    });
    after(async () => t?.close());

    it('counts by rule equal the results of each rule, most failures first', async () => {
      const got = await groups('group_by=rule&limit=200');
      const byRule = groupBy(results, (r) => `${r.check_id}|${r.category}`);
      assert.equal(got.total_num, byRule.size);
      assert.equal(got.rule_list!.length, byRule.size);
      for (const g of got.rule_list!) {
        const rows = byRule.get(`${g.check_id}|${g.category}`)!;
        assert.ok(rows, g.check_id);
        assert.deepEqual({ ...countsOf(rows), objects: new Set(rows.map(objectKey)).size, title: rows[0]!.title, severity: rows[0]!.severity }, {
          total_num: g.total_num,
          failed_num: g.failed_num,
          passed_num: g.passed_num,
          not_evaluated_num: g.not_evaluated_num,
          suppressed_num: g.suppressed_num,
          failed_by_severity: g.failed_by_severity,
          objects: g.object_num,
          title: g.title,
          severity: g.severity,
        });
      }
      const failed = got.rule_list!.map((g) => g.failed_num);
      assert.deepEqual(failed, [...failed].sort((a, b) => b - a));
      const k8s001 = got.rule_list!.find((g) => g.check_id === 'K8S001')!;
      assert.ok(k8s001.failed_num >= 1);
      // A rule's results, listed with check_id, are the ones the group counts.
      const listed = await get(`/v5/${pid()}/common/tasks/${taskId}/results?check_id=K8S001&limit=200`);
      assert.equal(listed.json().total_num, k8s001.total_num);
      assert.ok((listed.json().data_list as Result[]).every((r) => r.check_id === 'K8S001'));
    });

    it('counts by object equal the results of each object, with the scanned file named', async () => {
      const got = await groups('group_by=resource&limit=200');
      const byObject = groupBy(results, objectKey);
      assert.equal(got.total_num, byObject.size);
      for (const g of got.resource_list!) {
        const rows = byObject.get(objectKey({ resource_id: g.resource_id, resource_kind: g.object_kind, resource_namespace: g.object_namespace, resource_name: g.object_name }))!;
        assert.ok(rows, `${g.object_kind}/${g.object_name}`);
        const { total_num, failed_num, passed_num, not_evaluated_num, suppressed_num, failed_by_severity } = g;
        assert.deepEqual({ total_num, failed_num, passed_num, not_evaluated_num, suppressed_num, failed_by_severity }, countsOf(rows));
        assert.equal(g.rule_num, new Set(rows.map((r) => r.check_id)).size);
        assert.match(g.resource_name, /^m\d-/);
      }
      const web = got.resource_list!.find((g) => g.resource_name === 'm0-K8S001-fail.yaml' && g.object_name === 'web')!;
      assert.equal(web.object_kind, 'Deployment');
      assert.equal(web.object_namespace, 'shop');
      const listed = await get(`/v5/${pid()}/common/tasks/${taskId}/results?resource_id=${web.resource_id}&resource_kind=Deployment&resource_namespace=shop&resource_name=web&limit=200`);
      assert.equal(listed.json().total_num, web.total_num);
    });

    it('pages and filters groups', async () => {
      const all = await groups('group_by=rule&limit=200');
      const first = await groups('group_by=rule&limit=10');
      const second = await groups('group_by=rule&limit=10&offset=10');
      assert.equal(first.total_num, all.total_num);
      assert.deepEqual([...first.rule_list!, ...second.rule_list!].map((g) => g.check_id), all.rule_list!.slice(0, 20).map((g) => g.check_id));
      const failedOnly = await groups('group_by=rule&status=failed&limit=200');
      assert.equal(failedOnly.total_num, new Set(results.filter((r) => r.status === 'failed').map((r) => r.check_id)).size);
      const bad = await get(`/v5/${pid()}/common/tasks/${taskId}/result-groups?group_by=severity`);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error_msg, /group_by/);
    });

    it("another project's token cannot read the groups or the results", async () => {
      const other = await t.runtime.services.identity.createProject(t.account.domain.name, 'other');
      await t.runtime.services.identity.addProjectMember(t.account.domain.name, t.account.user.name, other.id);
      const { token } = await t.runtime.services.auth.issueFor(t.account.user.id, other.id, ['token']);
      for (const what of ['result-groups?group_by=rule', 'results']) {
        const res = await get(`/v5/${other.id}/common/tasks/${taskId}/${what}`, token);
        assert.equal(res.statusCode, 404, res.body);
      }
      assert.deepEqual(t.undocumentedStatuses, []);
    });
  });
}
