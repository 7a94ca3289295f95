import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/iac/${path}`, import.meta.url));

/** Manifests with known misconfigurations (privileged container, hostPID) and a hardened one. */
const FILES = [
  { name: 'privileged.yaml', buffer: fixture('K8S001/fail.yaml') },
  { name: 'host-pid.yaml', buffer: fixture('K8S002/fail.yaml') },
  { name: 'hardened.yaml', buffer: fixture('hardened.yaml') },
];
const JOB_NAME = 'console iac scan';
/** A `kubectl get … -o json` snapshot of a cluster. */
const SNAPSHOT = fileURLToPath(new URL('../fixtures/cluster/snapshot.json', import.meta.url));

interface Counts {
  total_num: number;
  failed_num: number;
  passed_num: number;
}
type RuleGroup = Counts & { check_id: string; category: string; title: string };
type ObjectGroup = Counts & { resource_id: string; resource_name: string; object_kind: string; object_namespace: string; object_name: string };

/** Picks an option of the open antd select (by its label; the a11y list holds only the options near the active one). */
async function pick(page: Page, label: string, option: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).click();
  await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`).click();
}

/** The cells of a table row as the user reads them. */
async function cells(row: Locator): Promise<string[]> {
  return (await row.locator('td').allInnerTexts()).map((t) => t.trim());
}

/**
 * The jobs page against a real server: IaC files uploaded from the browser
 * (multipart), scanned by the real job runner, the job listed as finished with
 * the filters in the URL, its findings grouped by resource and by rule with
 * the API's counts; a cluster registered from an offline snapshot, scanned
 * and deleted. Run on SQLite (the serving test covers PostgreSQL).
 */
describe('the jobs page in Chromium: IaC upload and scan, findings by resource and rule, clusters (sqlite)', { timeout: 300_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let taskId = '';
  const pid = () => server.account.projectId;

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    context = await newConsoleContext(browser);
    page = await context.newPage();
    await signIn(page, server);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('uploads Kubernetes manifests from the browser, starts the scan, and the list shows the job finished', async () => {
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Cluster & IaC jobs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cluster & IaC jobs' }).waitFor();
    await page.getByText('No jobs match. Start a cluster or IaC scan.').waitFor();
    await expectNoSeriousA11y(page, 'the jobs list');

    await page.getByRole('button', { name: 'Scan IaC files' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scan IaC files' });
    await dialog.getByLabel('Job name').fill(JOB_NAME);
    await dialog.getByRole('radio', { name: 'Kubernetes YAML' }).check();
    await dialog.locator('input[type=file]').setInputFiles(FILES.map((f) => ({ name: f.name, mimeType: 'application/yaml', buffer: f.buffer })));
    for (const f of FILES) await dialog.getByText(f.name).waitFor();
    await expectNoSeriousA11y(page, 'the IaC scan dialog');
    const uploaded = page.waitForResponse((r) => r.url().includes('/common/files/batch-upload') && r.request().method() === 'POST');
    const created = page.waitForResponse((r) => r.url().includes('/common/task') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Upload and scan' }).click();
    assert.equal((await uploaded).status(), 200);
    const upload = (await (await uploaded).json()) as { data_list: Array<{ file_name: string; file_type: string }> };
    assert.deepEqual(upload.data_list.map((f) => [f.file_name, f.file_type]).sort(), FILES.map((f) => [f.name, 'k8s_yaml']).sort(), 'the files went up as multipart, typed by the form');
    taskId = ((await (await created).json()) as { task_id: string }).task_id;
    await page.getByText(`Job ${JOB_NAME} started.`).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('task_type'), 'iac_scan');

    const row = page.locator(`tr[data-row-key="${taskId}"]`);
    await row.getByText('Finished').waitFor({ timeout: 60_000 });
    const listed = await server.api<{ total_num: number; data_list: Array<{ task_id: string; task_status: string; iac_scan_info: Record<string, unknown> }> }>('POST', `/v5/${pid()}/common/tasks/batch-query`, { task_type: 'iac_scan' });
    const job = listed.body.data_list.find((j) => j.task_id === taskId)!;
    assert.equal(job.task_status, 'finished');
    assert.deepEqual(job.iac_scan_info, { file_type: 'k8s_yaml', scan_file_num: 3, success_file_num: 3, failed_file_num: 0 });
    const text = await cells(row);
    assert.ok(text[0]!.includes(JOB_NAME) && text[0]!.includes(taskId), text[0]);
    assert.ok(text.includes('Manual') && text.includes('Kubernetes YAML'), text.join(' | '));
    assert.ok(text.includes('0 / 3 / 0'), `scanning / succeeded / failed: ${text.join(' | ')}`);
  });

  it('filters live in the URL and are applied by the server', async () => {
    await page.goto(`${server.baseUrl}/jobs?task_type=iac_scan&task_status=finished&task_name=${encodeURIComponent('iac scan')}`);
    await page.locator(`tr[data-row-key="${taskId}"]`).waitFor();
    await page.goto(`${server.baseUrl}/jobs?task_type=iac_scan&task_status=running`);
    await page.getByText('No jobs match. Start a cluster or IaC scan.').waitFor();
    await page.goto(`${server.baseUrl}/jobs?task_type=iac_scan&file_type=dockerfile`);
    await page.getByText('No jobs match. Start a cluster or IaC scan.').waitFor();
    await page.goto(`${server.baseUrl}/jobs?task_type=cluster_scan`);
    await page.getByText('No jobs match. Start a cluster or IaC scan.').waitFor();
    // The filter controls write the URL.
    await page.goto(`${server.baseUrl}/jobs?task_type=iac_scan`);
    await pick(page, 'Status', 'Finished');
    await page.waitForURL((url) => url.searchParams.get('task_status') === 'finished');
    await page.locator(`tr[data-row-key="${taskId}"]`).waitFor();
  });

  it("the job's page groups its findings by resource and by rule, with the API's counts", async () => {
    await page.locator(`tr[data-row-key="${taskId}"]`).getByRole('link', { name: JOB_NAME, exact: true }).click();
    await page.waitForURL((url) => url.pathname === `/jobs/${taskId}`);
    await page.getByRole('heading', { level: 1, name: `Job ${JOB_NAME}` }).waitFor();
    await page.getByTestId('job-status').getByText('Finished').waitFor();

    // Every file, succeeded.
    const resources = page.getByTestId('job-resources');
    for (const f of FILES) await resources.locator('tr', { hasText: f.name }).getByText('Succeeded').waitFor();

    // By resource: one row per object, the API's counts.
    const objects = await server.api<{ total_num: number; resource_list: ObjectGroup[] }>('GET', `/v5/${pid()}/common/tasks/${taskId}/result-groups?group_by=resource&limit=200`);
    // Only failures are stored for IaC files: the hardened manifest has none.
    assert.deepEqual(objects.body.resource_list.map((g) => g.resource_name).sort(), ['host-pid.yaml', 'privileged.yaml'], JSON.stringify(objects.body));
    const objectTable = page.getByTestId('object-groups');
    await objectTable.locator('tbody tr.ant-table-row').first().waitFor();
    const objectRows = objectTable.locator('tbody tr.ant-table-row');
    assert.equal(await objectRows.count(), Math.min(10, objects.body.total_num));
    for (const g of objects.body.resource_list.slice(0, 10)) {
      const row = objectTable.locator(`tr[data-row-key="${g.resource_id}|${g.object_kind}|${g.object_namespace}|${g.object_name}"]`);
      const text = await cells(row);
      assert.ok(text.includes(g.resource_name), text.join(' | '));
      assert.equal(await row.getByTestId('failed-num').innerText(), String(g.failed_num), `${g.resource_name} ${g.object_name}`);
      assert.ok(text.includes(String(g.passed_num)), text.join(' | '));
    }
    // The privileged Deployment fails K8S001, and its failures equal the results the API lists for it.
    const privileged = objects.body.resource_list.find((g) => g.resource_name === 'privileged.yaml' && g.object_kind === 'Deployment')!;
    const failedResults = await server.api<{ total_num: number; data_list: Array<{ check_id: string }> }>(
      'GET',
      `/v5/${pid()}/common/tasks/${taskId}/results?resource_id=${privileged.resource_id}&resource_kind=Deployment&resource_namespace=shop&resource_name=web&status=failed&limit=200`,
    );
    assert.equal(privileged.failed_num, failedResults.body.total_num);
    assert.ok(failedResults.body.data_list.some((r) => r.check_id === 'K8S001'));
    const privilegedRow = objectTable.locator(`tr[data-row-key="${privileged.resource_id}|Deployment|shop|web"]`);
    assert.ok((await cells(privilegedRow)).includes('Deployment shop/web'));
    await privilegedRow.getByRole('button', { name: /expand/i }).click();
    const privilegedResults = page.getByRole('region', { name: 'Results of privileged.yaml Deployment shop/web' });
    await privilegedResults.getByText('K8S001', { exact: true }).waitFor();
    await expectNoSeriousA11y(page, 'the job page, by resource');

    // By rule.
    await page.getByRole('tab', { name: 'By rule' }).click();
    await page.waitForURL((url) => url.searchParams.get('view') === 'rule');
    const rules = await server.api<{ total_num: number; rule_list: RuleGroup[] }>('GET', `/v5/${pid()}/common/tasks/${taskId}/result-groups?group_by=rule&limit=200`);
    const ruleTable = page.getByTestId('rule-groups');
    await ruleTable.locator('tbody tr.ant-table-row').first().waitFor();
    assert.equal(await ruleTable.locator('tbody tr.ant-table-row').count(), Math.min(10, rules.body.total_num));
    await ruleTable.getByText(`${rules.body.total_num} in all`).waitFor();
    for (const g of rules.body.rule_list.slice(0, 10)) {
      const row = ruleTable.locator(`tr[data-row-key="${g.category}|${g.check_id}"]`);
      const text = await cells(row);
      assert.ok(text.includes(g.check_id) && text.includes(g.title), text.join(' | '));
      assert.equal(await row.getByTestId('failed-num').innerText(), String(g.failed_num), g.check_id);
    }
    const k8s001 = rules.body.rule_list.find((g) => g.check_id === 'K8S001')!;
    const k8s001Failed = await server.api<{ total_num: number }>('GET', `/v5/${pid()}/common/tasks/${taskId}/results?check_id=K8S001&status=failed&limit=10`);
    assert.equal(k8s001.failed_num, k8s001Failed.body.total_num);
    assert.ok(k8s001.failed_num >= 1);
    // Only failures, most first: the filter goes to the server and into the URL.
    await pick(page, 'Result', 'Failed');
    await page.waitForURL((url) => url.searchParams.get('rule_status') === 'failed');
    const failedRules = await server.api<{ total_num: number }>('GET', `/v5/${pid()}/common/tasks/${taskId}/result-groups?group_by=rule&status=failed&limit=10`);
    await ruleTable.getByText(`${failedRules.body.total_num} in all`).waitFor();
    await ruleTable.locator(`tr[data-row-key="iac|K8S001"]`).getByRole('button', { name: /expand/i }).click();
    const k8s001Results = page.getByRole('region', { name: 'Results of rule K8S001' });
    await k8s001Results.getByText('Deployment shop/web').first().waitFor();
    await k8s001Results.getByText(/privileged\.yaml:\d+/).first().waitFor();
    await expectNoSeriousA11y(page, 'the job page, by rule');
    assert.deepEqual(pageErrors(context), []);
  });

  it('registers a cluster from an offline snapshot, scans it, and deletes it', async () => {
    await page.goto(`${server.baseUrl}/jobs/clusters`);
    await page.getByRole('tab', { name: 'Clusters', selected: true }).waitFor();
    await page.getByText('No cluster is registered.').waitFor();
    await page.getByRole('button', { name: 'Register a cluster' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register a cluster' });
    await dialog.getByLabel('Name', { exact: true }).fill('shop-prod');
    await dialog.getByRole('radio', { name: /Offline snapshot/ }).click();
    await dialog.locator('input[type=file]').setInputFiles(SNAPSHOT);
    await dialog.getByLabel('Snapshot JSON').and(page.locator(`textarea:has-text("gitVersion")`)).waitFor();
    await expectNoSeriousA11y(page, 'the register-cluster dialog');
    await dialog.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Cluster shop-prod registered.').waitFor();
    const row = page.locator('tr', { hasText: 'shop-prod' });
    await row.getByText('Snapshot').waitFor();
    const clusters = await server.api<{ total_num: number; data_list: Array<{ id: string; name: string; source: string }> }>('GET', `/v5/${pid()}/openhss/clusters`);
    assert.deepEqual(clusters.body.data_list.map((c) => [c.name, c.source]), [['shop-prod', 'snapshot']]);
    await expectNoSeriousA11y(page, 'the clusters tab');

    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.waitForURL((url) => url.pathname === '/jobs');
    await page.getByRole('button', { name: 'New cluster scan' }).click();
    const scan = page.getByRole('dialog', { name: 'New cluster scan' });
    await scan.getByLabel('Job name').fill('console cluster scan');
    await scan.getByRole('checkbox', { name: 'Cluster vulnerabilities' }).uncheck();
    const created = page.waitForResponse((r) => r.url().includes('/common/task') && r.request().method() === 'POST');
    await scan.getByRole('button', { name: 'Start scan' }).click();
    const clusterTask = ((await (await created).json()) as { task_id: string }).task_id;
    assert.equal(new URL(page.url()).searchParams.get('task_type'), 'cluster_scan');
    const jobRow = page.locator(`tr[data-row-key="${clusterTask}"]`);
    await jobRow.getByText('Finished').waitFor({ timeout: 60_000 });
    const text = await cells(jobRow);
    assert.ok(text.some((c) => c.includes('Risk assessment') && c.includes('CIS benchmark') && !c.includes('Cluster vulnerabilities')), text.join(' | '));
    assert.ok(text.includes('0 / 1 / 0'), text.join(' | '));
    await jobRow.getByRole('link', { name: 'console cluster scan', exact: true }).click();
    await page.getByTestId('job-resources').locator('tr', { hasText: 'shop-prod' }).getByText('Succeeded').waitFor();
    const ruleGroups = await server.api<{ total_num: number }>('GET', `/v5/${pid()}/common/tasks/${clusterTask}/result-groups?group_by=resource&limit=10`);
    await page.getByTestId('object-groups').getByText(`${ruleGroups.body.total_num} in all`).waitFor();
    // A risk finding is one per workload and rule; expanding it lists where it failed (kube-proxy mounts two host paths).
    await page.goto(`${server.baseUrl}/jobs/${clusterTask}?view=rule&rule_category=risk_assessment&rule_limit=200`);
    const riskRules = page.getByTestId('rule-groups');
    await riskRules.locator('tr[data-row-key="risk_assessment|K8S004"]').getByRole('button', { name: /expand/i }).click();
    const k8s004 = page.getByRole('region', { name: 'Results of rule K8S004' });
    const proxyRow = k8s004.locator('tr.ant-table-row', { hasText: 'DaemonSet kube-system/kube-proxy' });
    await proxyRow.getByText(/^2 instances: /).waitFor();
    await proxyRow.getByRole('button', { name: /expand/i }).click();
    const where = k8s004.getByRole('region', { name: 'Where: 2 instances' });
    await where.getByText('spec.template.spec.volumes[1].hostPath').waitFor();
    await where.getByText('spec.template.spec.volumes[2].hostPath').waitFor();
    await expectNoSeriousA11y(page, 'a risk finding with its instances');

    await page.goto(`${server.baseUrl}/jobs/clusters`);
    await page.getByRole('button', { name: 'Delete shop-prod' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Cluster shop-prod deleted.').waitFor();
    await page.getByText('No cluster is registered.').waitFor();
    assert.equal((await server.api<{ total_num: number }>('GET', `/v5/${pid()}/openhss/clusters`)).body.total_num, 0);
  });

  it('creates and deletes a weekly cluster-scan schedule', async () => {
    await page.getByRole('tab', { name: 'Schedules' }).click();
    await page.waitForURL((url) => url.pathname === '/jobs/schedules');
    await page.getByText('No job runs on a schedule.').waitFor();
    await page.getByRole('button', { name: 'New schedule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New schedule' });
    await dialog.getByLabel('Name', { exact: true }).fill('weekly cluster scan');
    await dialog.getByRole('radio', { name: 'Weekly' }).click();
    await dialog.getByLabel('Day of the week').waitFor();
    await expectNoSeriousA11y(page, 'the schedule dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText(/Schedule created; next run/).waitFor();
    const listed = await server.api<{ data_list: Array<{ task_name: string; period: string; weekday: number; hour: number; minute: number }> }>('GET', `/v5/${pid()}/openhss/job-schedules`);
    assert.deepEqual(listed.body.data_list.map((s) => [s.task_name, s.period, s.weekday]), [['weekly cluster scan', 'weekly', 1]]);
    await page.locator('tr', { hasText: 'weekly cluster scan' }).getByText('Every Monday at 02:00').waitFor();
    await expectNoSeriousA11y(page, 'the schedules tab');
    await page.getByRole('button', { name: 'Delete weekly cluster scan' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('No job runs on a schedule.').waitFor();
    assert.deepEqual(pageErrors(context), []);
  });
});
