import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pickOption } from '../support/antd.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

interface Task {
  id: string;
  scan_type: string;
  status: string;
  scanning_host_num: number;
  success_host_num: number;
  failed_host_num: number;
}
interface TaskHost {
  host_name: string;
  scan_status: string;
  failed_reasons: Array<{ vul_type: string; failed_reason: string }>;
}

/** The rows of the page's task table: [task id, host counts]. */
async function taskRows(page: Page): Promise<Array<[string, string]>> {
  const rows = page.locator('table > tbody > tr.ant-table-row-level-0');
  const out: Array<[string, string]> = [];
  for (const row of await rows.all()) out.push([(await row.locator('code').first().innerText()).trim(), (await row.getByTestId('host-counts').innerText()).replace(/\s+/g, ' ').trim()]);
  return out;
}

// Browser tests run on SQLite; the shell test covers PostgreSQL.
describe('the scan tasks page in Chromium (sqlite)', { timeout: 240_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  let failingTaskId: string;

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    pid = server.account.projectId;
    // A second, scheduled-type-free manual task whose windows_vul part every host fails (openhss does not scan Windows): failure reasons to show.
    const started = await server.api<{ task_id: string }>('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['windows_vul'], range_type: 'specific_host', agent_id_list: [server.hosts[0]!.agentId] });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    failingTaskId = started.body.task_id;
    for (;;) {
      const res = await server.api<{ data_list: Task[] }>('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${failingTaskId}`);
      if (res.body.data_list[0]?.status === 'finished') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    context = await newConsoleContext(browser);
    page = await context.newPage();
    await signIn(page, server);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the same tasks, in the same order and with the same host counts, as ListVulScanTask', async () => {
    const api = await server.api<{ total_num: number; data_list: Task[] }>('GET', `/v5/${pid}/vulnerability/scan-tasks?limit=10`);
    assert.ok(api.body.total_num >= 2);
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Scan tasks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Vulnerability scan tasks' }).waitFor();
    await page.getByText(api.body.data_list[0]!.id).waitFor();
    assert.deepEqual(
      await taskRows(page),
      api.body.data_list.map((t) => [t.id, `${t.scanning_host_num} / ${t.success_host_num} / ${t.failed_host_num}`]),
    );
    await page.getByText(`${api.body.total_num} in all`).waitFor();
    await expectNoSeriousA11y(page, 'the scan tasks page');
  });

  it("expands a task into its hosts, each with its outcome and the failure reasons the API gives", async () => {
    const hosts = await server.api<{ data_list: TaskHost[] }>('GET', `/v5/${pid}/vulnerability/scan-task/${failingTaskId}/hosts`);
    const failed = hosts.body.data_list[0]!;
    assert.equal(failed.scan_status, 'failed');
    const reason = failed.failed_reasons[0]!.failed_reason;
    const row = page.locator('tr', { hasText: failingTaskId });
    await row.getByRole('button', { name: /expand/i }).click();
    const section = page.getByRole('region', { name: `Hosts of task ${failingTaskId}` });
    const hostRow = section.locator('tbody tr', { hasText: failed.host_name });
    await hostRow.waitFor();
    await hostRow.getByText('Failed', { exact: true }).waitFor();
    await hostRow.getByText(reason, { exact: false }).waitFor();
    await hostRow.getByText('Windows vulnerabilities').waitFor();
    await expectNoSeriousA11y(page, 'the scan tasks page with a task expanded');
  });

  it('filters by task type, task id and start time through the URL; the filters survive a reload', async () => {
    await pickOption(page, 'Task type', 'Scheduled');
    await page.waitForURL((url) => url.searchParams.get('scan_type') === 'schedule');
    await page.getByText('No scan tasks match').waitFor();
    await page.reload();
    await page.getByText('No scan tasks match').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('scan_type'), 'schedule');

    const url = new URL(page.url());
    url.searchParams.set('scan_type', 'manual');
    url.searchParams.set('task_id', server.scanTaskId);
    const listed = page.waitForResponse((r) => r.url().includes('/vulnerability/scan-tasks?') && r.url().includes(`task_id=${server.scanTaskId}`) && r.url().includes('scan_type=manual'));
    await page.goto(url.toString());
    await listed;
    await page.locator('tr', { hasText: server.scanTaskId }).waitFor();
    assert.deepEqual((await taskRows(page)).map(([id]) => id), [server.scanTaskId]);

    // A start-time range: from today, every task; up to yesterday, none. The range is the API's min/max_start_time.
    await page.goto(`${server.baseUrl}/scan-tasks`);
    await page.locator('tr', { hasText: failingTaskId }).waitFor();
    const today = (await page.evaluate("new Date().toLocaleDateString('sv-SE')")) as string;
    const yesterday = (await page.evaluate("new Date(Date.now() - 86400000).toLocaleDateString('sv-SE')")) as string;
    await page.getByLabel('Start time from').fill(today);
    await page.waitForURL((url) => url.searchParams.has('min_start_time'));
    const min = Number(new URL(page.url()).searchParams.get('min_start_time'));
    const all = (await server.api<{ data_list: Task[] }>('GET', `/v5/${pid}/vulnerability/scan-tasks?min_start_time=${min}`)).body.data_list;
    assert.equal(all.length, 2);
    await page.locator('tr', { hasText: failingTaskId }).waitFor();
    assert.deepEqual((await taskRows(page)).map(([id]) => id), all.map((t) => t.id));
    await page.getByLabel('Start time from').fill(yesterday);
    await page.getByLabel('Start time to').fill(yesterday);
    await page.waitForURL((url) => url.searchParams.has('max_start_time') && Number(url.searchParams.get('min_start_time')) < min);
    await page.getByText('No scan tasks match').waitFor();
    await page.reload();
    await page.getByText('No scan tasks match').waitFor();
    assert.equal(await page.getByLabel('Start time to').inputValue(), yesterday);
    assert.deepEqual(pageErrors(context), []);
  });
});
