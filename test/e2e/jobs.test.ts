import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../support/app.js';
import { backends } from '../support/databases.js';
import { startLiveServer, type LiveServer } from '../support/live-server.js';
import { CLI, freePort } from '../support/server-process.js';
import { tokenApi, waitFor } from '../support/http-api.js';

/** A Deployment whose one container is privileged: K8S001 at the `privileged: true` line (line 14). */
const PRIVILEGED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-0
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com/shop/web:1.4.2
          securityContext:
            allowPrivilegeEscalation: false
            privileged: true
`;

const deployment = (i: number) => PRIVILEGED.replace('web-0', `web-${i}`);

/**
 * The jobs issue's "done when", end to end on each database: the real server
 * (in this process, on a loopback port, with an injected clock) and its real
 * queue and scheduler; IaC files uploaded as multipart, clusters registered by
 * kubeconfig and by snapshot, manual and scheduled jobs.
 */
for (const backend of backends) {
  describe(`cluster and IaC jobs end to end (${backend})`, { timeout: 240_000 }, () => {
    const clock = new TestClock(Date.parse('2026-11-23T08:00:00Z'));
    let live: LiveServer;
    let token: string;
    let pid: string;

    const api = tokenApi(() => live.server.url, () => token);
    const job = async (taskType: string, taskId: string) => (await api('POST', `/v5/${pid}/common/tasks/batch-query`, { task_type: taskType, task_id: taskId })).body.data_list[0]!;
    const finished = (taskType: string, taskId: string) => waitFor(`job ${taskId}`, async () => ((await job(taskType, taskId)).task_status === 'finished' ? job(taskType, taskId) : undefined));

    before(async () => {
      live = await startLiveServer(backend, clock, { hosts: { monitorIntervalMs: 100, schedulerIntervalSeconds: 1 } });
      pid = live.account.project.id;
      token = (await live.server.runtime.services.auth.issueFor(live.account.user.id, pid, ['token'])).token;
    });
    after(async () => {
      await live?.close();
    });

    it('an IaC upload of 10 files with one unparsable gives 9 successes and 1 failure, with findings at the right lines', async () => {
      const form = new FormData();
      for (let i = 0; i < 9; i++) form.append('file', new Blob([deployment(i)]), `deploy-${i}.yaml`);
      form.append('file', new Blob(['apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n']), 'broken.yaml');
      const upload = await fetch(`${live.server.url}/v5/${pid}/common/files/batch-upload`, { method: 'POST', headers: { 'x-auth-token': token }, body: form });
      assert.equal(upload.status, 200, await upload.clone().text());
      const files = ((await upload.json()) as { data_list: Array<{ file_id: string; file_name: string; file_type: string }> }).data_list;
      assert.equal(files.length, 10);
      assert.ok(files.every((f) => f.file_type === 'k8s_yaml'));
      const created = await api('POST', `/v5/${pid}/common/task`, { task_type: 'iac_scan', task_name: 'ten files', iac_scan_info: { file_type: 'k8s_yaml', file_id_list: files.map((f) => f.file_id) } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const taskId = String(created.body.task_id);
      const done = await finished('iac_scan', taskId);
      assert.deepEqual(done.iac_scan_info, { file_type: 'k8s_yaml', scan_file_num: 10, success_file_num: 9, failed_file_num: 1 });
      assert.equal(done.trigger_type, 'manual');

      const failed = await api('POST', `/v5/${pid}/common/tasks/${taskId}/resources/batch-query`, { task_type: 'iac_scan', iac_scan_info: { scan_status: 'failed' } });
      assert.equal(failed.body.total_num, 1);
      assert.equal(failed.body.data_list[0]!.resource_name, 'broken.yaml');
      assert.match(String(failed.body.data_list[0]!.failed_reason), /YAML syntax error.*line \d+, column \d+/);

      const web3 = files.find((f) => f.file_name === 'deploy-3.yaml')!;
      const results = await api('GET', `/v5/${pid}/common/tasks/${taskId}/results?resource_id=${web3.file_id}&status=failed&limit=200`);
      const privileged = results.body.data_list.find((r) => r.check_id === 'K8S001');
      assert.ok(privileged, JSON.stringify(results.body.data_list.map((r) => r.check_id)));
      assert.equal(privileged.start_line, 14);
      assert.equal(privileged.end_line, 14);
      assert.equal(privileged.file, 'deploy-3.yaml');
      assert.deepEqual([privileged.resource_kind, privileged.resource_namespace, privileged.resource_name], ['Deployment', 'shop', 'web-3']);
    });

    it('a scheduled IaC job runs when the injected clock passes its slot, once', async () => {
      const upload = await api('POST', `/v5/${pid}/openhss/iac-files`, { files: [{ file_name: 'Dockerfile', content: 'FROM debian:latest\nRUN apt-get update && apt-get install -y curl\n' }] });
      assert.equal(upload.status, 200, JSON.stringify(upload.body));
      const fileId = String((upload.body.data_list[0] as { file_id: string }).file_id);
      // Daily at 09:00 GMT+8 = 01:00 UTC; the clock is at 08:00 UTC, so the next run is tomorrow 01:00 UTC.
      const schedule = await api('POST', `/v5/${pid}/openhss/job-schedules`, {
        task_type: 'iac_scan',
        task_name: 'nightly dockerfiles',
        iac_scan_info: { file_type: 'dockerfile', file_id_list: [fileId] },
        period: 'daily',
        hour: 9,
        minute: 0,
        timezone_offset: -480,
      });
      assert.equal(schedule.status, 200, JSON.stringify(schedule.body));
      assert.equal(schedule.body.next_run_time, Date.parse('2026-11-24T01:00:00Z'));
      const scheduled = async () => (await api('POST', `/v5/${pid}/common/tasks/batch-query`, { task_type: 'iac_scan', trigger_type: 'schedule' })).body;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await scheduled()).total_num, 0, 'nothing before the slot');
      clock.current = Date.parse('2026-11-24T01:00:30Z');
      const row = await waitFor('the scheduled job', async () => ((await scheduled()).total_num === 1 ? (await scheduled()).data_list[0] : undefined));
      assert.equal(row.task_name, 'nightly dockerfiles');
      const done = await finished('iac_scan', String(row.task_id));
      assert.deepEqual(done.iac_scan_info, { file_type: 'dockerfile', scan_file_num: 1, success_file_num: 1, failed_file_num: 0 });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await scheduled()).total_num, 1, 'the slot runs once');
    });

    it('`openhss iac scan DIR --report-to` checks locally, exits with --exit-code on failures, and records one job per file type', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'openhss-iac-cli-'));
      try {
        mkdirSync(join(dir, 'k8s'));
        mkdirSync(join(dir, 'node_modules'));
        writeFileSync(join(dir, 'Dockerfile'), 'FROM debian:latest\nEXPOSE 22\n');
        writeFileSync(join(dir, 'k8s', 'web.yaml'), deployment(42));
        writeFileSync(join(dir, 'node_modules', 'ignored.yaml'), deployment(99));
        const child = spawn(process.execPath, [CLI, 'iac', 'scan', dir, '--format', 'json', '--exit-code', '3', '--report-to', live.server.url, '--project-id', pid], {
          env: { PATH: process.env.PATH ?? '', HOME: dir, OPENHSS_TOKEN: token },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
        assert.equal(code, 3, stderr);
        const report = JSON.parse(stdout) as { files: Array<{ name: string; status: string; results: Array<{ rule: { id: string }; startLine: number }> }> };
        assert.deepEqual(report.files.map((f) => f.name).sort(), ['Dockerfile', join('k8s', 'web.yaml')]);
        assert.ok(report.files.find((f) => f.name === 'Dockerfile')!.results.some((r) => r.startLine === 2));
        assert.match(stderr, /recorded on .* as job/);
        const jobs = (await api('POST', `/v5/${pid}/common/tasks/batch-query`, { task_type: 'iac_scan', trigger_type: 'manual', task_name: 'iac_scan_' })).body;
        const types = (await Promise.all(jobs.data_list.map(async (j) => (await finished('iac_scan', String(j.task_id))).iac_scan_info as { file_type: string }))).map((i) => i.file_type);
        assert.ok(types.includes('dockerfile') && types.includes('k8s_yaml'), JSON.stringify(types));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a cluster with a broken kubeconfig and one good snapshot: failed_cluster_num 1, success_cluster_num 1', async () => {
      const closed = await freePort();
      const kubeconfig = `apiVersion: v1
kind: Config
clusters:
  - name: gone
    cluster:
      server: http://127.0.0.1:${closed}
      insecure-skip-tls-verify: true
users:
  - name: reader
    user:
      token: not-a-real-token
contexts:
  - name: gone
    context:
      cluster: gone
      user: reader
current-context: gone
`;
      const broken = await api('POST', `/v5/${pid}/openhss/clusters`, { name: 'broken', kubeconfig });
      assert.equal(broken.status, 200, JSON.stringify(broken.body));
      assert.ok(!JSON.stringify(broken.body).includes('not-a-real-token'));
      const snapshot = JSON.parse(readFileSync('test/fixtures/cluster/snapshot.json', 'utf8')) as object;
      const good = await api('POST', `/v5/${pid}/openhss/clusters`, { name: 'snapshot', snapshot });
      assert.equal(good.status, 200, JSON.stringify(good.body));
      const created = await api('POST', `/v5/${pid}/common/task`, { task_type: 'cluster_scan', cluster_scan_info: { scan_type_list: ['cluster_vul', 'risk_assessment', 'benchmark'], range_type: 'all_cluster' } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const taskId = String(created.body.task_id);
      const done = await finished('cluster_scan', taskId);
      assert.deepEqual(done.cluster_scan_info, { scan_type_list: ['benchmark', 'cluster_vul', 'risk_assessment'], scanning_cluster_num: 0, success_cluster_num: 1, failed_cluster_num: 1 });
      const resources = (await api('POST', `/v5/${pid}/common/tasks/${taskId}/resources/batch-query`, { task_type: 'cluster_scan' })).body.data_list;
      const failedRow = resources.find((r) => r.resource_name === 'broken')!;
      assert.equal(failedRow.scan_status, 'failed');
      assert.match(String(failedRow.failed_reason), /unreachable|connect|refused/i);
      assert.ok(!String(failedRow.failed_reason).includes('not-a-real-token'));
      const goodId = String(good.body.id);
      const byCategory = async (category: string) => (await api('GET', `/v5/${pid}/common/tasks/${taskId}/results?resource_id=${goodId}&category=${category}&limit=200`)).body;
      assert.ok((await byCategory('risk_assessment')).total_num > 0);
      const benchmark = await byCategory('benchmark');
      assert.ok(benchmark.data_list.some((r) => r.status === 'not_evaluated'));
      assert.ok(benchmark.data_list.some((r) => r.status === 'failed'));
      assert.ok((await byCategory('workload_image')).total_num > 0);
      // The snapshot's API server runs v1.27.3, which the demo DB's Kubernetes records flag (CVE-2024-3177); its
      // Linux nodes' kubelet v1.26.6 is in the range of CVE-2023-5528, which affects Windows nodes only. The demo DB says so.
      const vulns = await byCategory('cluster_vul');
      assert.ok(vulns.data_list.some((r) => r.resource_kind === 'Cluster' && (r.detail as { component: string }).component === 'kube-apiserver'), JSON.stringify(vulns.data_list.slice(0, 3)));
      assert.ok(!vulns.data_list.some((r) => r.check_id === 'CVE-2023-5528'));
      assert.ok(vulns.data_list.some((r) => r.check_id === 'OPENHSS-DEMO-DB' && r.status === 'not_evaluated'));

      const retry = await api('PUT', `/v5/${pid}/common/tasks/${taskId}/retry`);
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      const again = await finished('cluster_scan', taskId);
      assert.equal((again.cluster_scan_info as { failed_cluster_num: number }).failed_cluster_num, 1);
      const stats = await api('GET', `/v5/${pid}/common/task-statistics?task_type=cluster_scan`);
      assert.equal(stats.body.total_num, 1);
      assert.equal(stats.body.running_num, 0);

      // Scheduled: weekly on Tuesdays at 10:00 GMT+8 (02:00 UTC), the snapshot cluster only.
      const schedule = await api('POST', `/v5/${pid}/openhss/job-schedules`, {
        task_type: 'cluster_scan',
        task_name: 'weekly snapshot',
        cluster_scan_info: { scan_type_list: ['benchmark'], range_type: 'specific_cluster', cluster_id_list: [goodId] },
        period: 'weekly',
        weekday: 2,
        hour: 10,
        minute: 0,
        timezone_offset: -480,
      });
      assert.equal(schedule.status, 200, JSON.stringify(schedule.body));
      assert.equal(schedule.body.next_run_time, Date.parse('2026-11-24T02:00:00Z'));
      clock.current = Date.parse('2026-11-24T02:00:10Z');
      const scheduled = await waitFor('the scheduled cluster job', async () => {
        const list = (await api('POST', `/v5/${pid}/common/tasks/batch-query`, { task_type: 'cluster_scan', trigger_type: 'schedule' })).body;
        return list.total_num === 1 ? list.data_list[0] : undefined;
      });
      const weekly = await finished('cluster_scan', String(scheduled.task_id));
      assert.deepEqual(weekly.cluster_scan_info, { scan_type_list: ['benchmark'], scanning_cluster_num: 0, success_cluster_num: 1, failed_cluster_num: 0 });
    });
  });
}
