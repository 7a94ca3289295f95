import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { reportLocalImages, startSeededRegistry, type LocalImageRow, type SeededRegistry } from '../support/console-images-seed.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

interface ApiList<T> {
  total_num: number;
  data_list: T[];
}
interface RegistryImage {
  id: number;
  namespace: string;
  image_name: string;
  image_version: string;
}
interface ImageTask {
  task_id: string;
  task_status: number;
  rate_limit: number;
  success_num: number;
  failed_num: number;
  total_num: number;
}

/** The text of one column of the page's (first) table body, row by row. */
async function column(page: Page, index: number): Promise<string[]> {
  return (await page.locator('.ant-table-tbody > tr.ant-table-row').all()).length === 0
    ? []
    : page.locator(`.ant-table-tbody > tr.ant-table-row > td:nth-child(${index})`).allInnerTexts().then((a) => a.map((s) => s.trim()));
}

describe('the images pages in Chromium (sqlite)', { timeout: 300_000 }, () => {
  let server: ConsoleServer;
  let registry: SeededRegistry;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  let local: { images: LocalImageRow[]; stop(): Promise<void> } | undefined;
  let taskId: string;
  const registryRow = () => page.locator('.ant-table-tbody > tr', { hasText: 'ci-registry' });

  before(async () => {
    [server, browser, registry] = await Promise.all([startConsoleServer('sqlite'), launchBrowser(), startSeededRegistry()]);
    pid = server.account.projectId;
    local = await reportLocalImages(server);
    context = await newConsoleContext(browser);
    page = await context.newPage();
    await signIn(page, server);
  });
  after(async () => {
    await browser?.close();
    await local?.stop();
    await server?.close();
    await registry?.stop();
  });

  it('adds a registry; a refused password shows as unauthorized, the corrected one connects, and a sync lists its images', async () => {
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Images', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/images/registry');
    await page.getByRole('tab', { name: 'Registries' }).click();
    await page.waitForURL((url) => url.pathname === '/images/registries');
    await page.getByText('No registries yet').waitFor();

    await page.getByRole('button', { name: 'Add registry' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add registry' });
    await dialog.getByLabel('Name', { exact: true }).fill('ci-registry');
    await dialog.getByLabel('URL', { exact: true }).fill(registry.registry.url);
    await dialog.getByLabel('User name', { exact: true }).fill(registry.credentials.username);
    await dialog.getByLabel('Password', { exact: true }).fill('not-the-password');
    await expectNoSeriousA11y(page, 'the add registry dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await registryRow().getByText('Unauthorized (credentials refused)').waitFor();
    const refused = (await server.api<ApiList<{ connection_status: string }>>('GET', `/v5/${pid}/image/registries`)).body.data_list;
    assert.deepEqual(refused.map((r) => r.connection_status), ['unauthorized']);

    await registryRow().getByRole('button', { name: 'Edit registry' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit registry' });
    assert.equal(await edit.getByLabel('URL', { exact: true }).inputValue(), registry.registry.url);
    await edit.getByLabel('Password', { exact: true }).fill(registry.credentials.password);
    await edit.getByRole('button', { name: 'Save' }).click();
    await registryRow().getByText('Connected', { exact: true }).waitFor();

    await registryRow().getByRole('button', { name: 'Sync', exact: true }).click();
    await registryRow().locator('td').nth(5).getByText('2', { exact: true }).waitFor();
    const listed = (await server.api<ApiList<RegistryImage>>('GET', `/v5/${pid}/image/registries/images?limit=200`)).body.data_list;
    assert.deepEqual(listed.map((r) => `${r.namespace}/${r.image_name}:${r.image_version}`).sort(), [...registry.images].sort());
    await expectNoSeriousA11y(page, 'the registries tab with a synced registry');
  });

  it('lists the registry images as the API does; a tag filter survives a reload; scanning all matching images creates a task whose progress the page follows', async () => {
    await page.getByRole('tab', { name: 'Registry images' }).click();
    await page.waitForURL((url) => url.pathname === '/images/registry');
    const api = (await server.api<ApiList<RegistryImage>>('GET', `/v5/${pid}/image/registries/images?limit=10`)).body;
    await page.locator('.ant-table-tbody > tr.ant-table-row').nth(api.data_list.length - 1).waitFor();
    assert.deepEqual(await column(page, 2), api.data_list.map((r) => r.image_name));
    assert.deepEqual(await column(page, 3), api.data_list.map((r) => r.image_version));
    await expectNoSeriousA11y(page, 'the registry images tab');

    const tag = page.getByLabel('Tag', { exact: true });
    await tag.fill('1.0');
    await tag.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('image_version') === '1.0');
    await page.reload();
    await page.getByRole('button', { name: 'Scan all matching (1)' }).waitFor();
    assert.equal(await page.getByLabel('Tag', { exact: true }).inputValue(), '1.0');
    assert.deepEqual(await column(page, 3), ['1.0']);

    await page.getByRole('button', { name: 'Scan all matching (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Start an image scan' });
    await dialog.getByText('All 1 images matching the current filters').waitFor();
    await dialog.getByLabel('Rate limit (images per hour, 0 = no limit)').fill('30');
    const created = page.waitForResponse((r) => r.url().includes('/image/image-scan/tasks?') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Start scan' }).click();
    const response = await created;
    assert.equal(response.status(), 200);
    taskId = (await response.headerValue('x-openhss-task-id'))!;
    assert.ok(taskId, 'the task is named in X-Openhss-Task-Id');
    await page.waitForURL((url) => url.pathname === '/images/tasks' && url.searchParams.get('task_id') === taskId);

    const row = page.locator('.ant-table-tbody > tr', { hasText: taskId });
    await row.getByTestId('task-counts').filter({ hasText: '1 / 0 / 1' }).waitFor();
    await row.getByText('30/hour').waitFor();
    const task = (await server.api<ApiList<ImageTask>>('GET', `/v5/${pid}/image/tasks?type=image_scan&task_id=${taskId}`)).body.data_list[0]!;
    assert.deepEqual([task.task_status, task.rate_limit, task.success_num, task.failed_num, task.total_num], [100, 30, 1, 0, 1]);
    assert.equal(await row.getByRole('progressbar').getAttribute('aria-valuenow'), '100');

    await row.getByRole('button', { name: /expand/i }).click();
    const images = page.getByRole('region', { name: `Images of task ${taskId}` });
    const scanned = (await server.api<ApiList<{ id: number; scan_status: string }>>('GET', `/v5/${pid}/image/image-scan/tasks/${taskId}/images`)).body.data_list;
    assert.deepEqual(scanned.map((i) => i.scan_status), ['success']);
    await images.locator('tr', { hasText: String(scanned[0]!.id) }).getByText('Scanned').waitFor();
    await expectNoSeriousA11y(page, 'the image scan tasks tab');
  });

  it('stops a running task from the page: a scan of every registry image at one image an hour', async () => {
    await page.goto(`${server.baseUrl}/images/registry`);
    await page.getByRole('button', { name: 'Scan all matching (2)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Start an image scan' });
    await dialog.getByLabel('Rate limit (images per hour, 0 = no limit)').fill('1');
    const created = page.waitForResponse((r) => r.url().includes('/image/image-scan/tasks?') && r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Start scan' }).click();
    const slowId = (await (await created).headerValue('x-openhss-task-id'))!;
    await page.waitForURL((url) => url.searchParams.get('task_id') === slowId);
    const row = page.locator('.ant-table-tbody > tr', { hasText: slowId });
    await row.getByText('1/hour').waitFor();
    const running = (await server.api<ApiList<ImageTask>>('GET', `/v5/${pid}/image/tasks?type=image_scan&task_id=${slowId}`)).body.data_list[0]!;
    assert.ok(running.task_status >= 0 && running.task_status < 100, `running: ${running.task_status}`);
    await row.getByRole('button', { name: 'Stop' }).click();
    const stopped = page.waitForResponse((r) => r.url().includes(`/image-scan/tasks/${slowId}/stop`));
    await page.getByRole('tooltip').getByRole('button', { name: 'Confirm' }).click();
    assert.equal((await stopped).status(), 200);
    await row.getByText('Stopped', { exact: true }).waitFor();
    const after = (await server.api<ApiList<ImageTask>>('GET', `/v5/${pid}/image/tasks?type=image_scan&task_id=${slowId}`)).body.data_list[0]!;
    assert.equal(after.task_status, -1);
    assert.equal(await row.getByRole('button', { name: 'Stop' }).count(), 0);
  });

  it("opens a scanned image's vulnerability list, equal to ListImageVulnerabilities", async () => {
    await page.getByRole('tab', { name: 'Registry images' }).click();
    await page.getByRole('link', { name: 'Vulnerabilities of web:1.0' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vulnerabilities of web:1.0' }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const api = (await server.api<ApiList<{ vul_id: string; app_name: string }>>('GET', `/v5/${pid}/image/${id}/vulnerabilities?image_type=registry&limit=10`)).body;
    assert.ok(api.total_num > 0, 'the vulnerable image has findings');
    await page.locator('.ant-table-tbody > tr.ant-table-row').nth(api.data_list.length - 1).waitFor();
    assert.deepEqual((await column(page, 1)).map((s) => s.split('\n')[0]), api.data_list.map((v) => v.vul_id));
    assert.deepEqual(await column(page, 3), api.data_list.map((v) => v.app_name));
    await expectNoSeriousA11y(page, 'an image vulnerability list');
  });

  it('lists the local images the agent reported, and the CI/CD tab', async () => {
    await page.goto(`${server.baseUrl}/images/local`);
    const api = (await server.api<ApiList<LocalImageRow>>('GET', `/v5/${pid}/image/local-repositories?limit=10`)).body;
    await page.locator('.ant-table-tbody > tr.ant-table-row').nth(api.data_list.length - 1).waitFor();
    assert.deepEqual(await column(page, 2), api.data_list.map((r) => r.image_name));
    assert.deepEqual(await column(page, 4), api.data_list.map(() => 'image-host'));
    await expectNoSeriousA11y(page, 'the local images tab');
    await page.getByRole('tab', { name: 'CI/CD images' }).click();
    // The same list as the registry and local tabs (axe-checked above), empty.
    await page.getByText('No CI/CD images').waitFor();
    assert.deepEqual(pageErrors(context), []);
  });
});
