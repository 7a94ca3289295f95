import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { reportLocalImages, type LocalImageRow } from '../support/console-images-seed.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

const COLUMNS = ['Image name', 'Image version', 'Image digest', 'Package name', 'Installed version', 'Vulnerability ID'];

describe('the exports page in Chromium (sqlite)', { timeout: 300_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  let local: { images: LocalImageRow[]; stop(): Promise<void> } | undefined;

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    pid = server.account.projectId;
    local = await reportLocalImages(server);
    context = await newConsoleContext(browser, { acceptDownloads: true });
    page = await context.newPage();
    await signIn(page, server);
  });
  after(async () => {
    await browser?.close();
    await local?.stop();
    await server?.close();
  });

  it('exports the vulnerabilities of every local image; the downloaded workbook holds the rows the list API gives', async () => {
    // What the API lists: each image in list order, then its vulnerabilities in list order (the export's order).
    const expected: string[][] = [];
    for (const image of local!.images) {
      const listed = await server.api<{ data_list: Array<{ app_name: string; version: string; vul_id: string }> }>('GET', `/v5/${pid}/image/${image.id}/vulnerabilities?image_type=local&limit=200`);
      for (const v of listed.body.data_list) expected.push([image.image_name, image.image_version, image.image_digest, v.app_name, v.version, v.vul_id]);
    }
    assert.ok(expected.length >= 4, `several rows to export, got ${expected.length}`);

    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Exports', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Exports' }).waitFor();
    assert.ok(await page.getByRole('radio', { name: 'Local image vulnerabilities' }).isChecked(), 'local images are the default');
    assert.ok(await page.getByRole('checkbox', { name: 'All images matching the filters' }).isChecked());
    await expectNoSeriousA11y(page, 'the exports page');

    const created = page.waitForResponse((r) => r.url().includes('/image/local-vulnerability/export') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    const response = await created;
    assert.equal(response.status(), 200);
    const { task_id: taskId, record_total_num: total } = (await response.json()) as { task_id: string; record_total_num: number };
    assert.equal(total, expected.length);
    const row = page.locator('tr', { hasText: taskId });
    await row.getByText('Ready').waitFor();
    const task = (await server.api<{ task_status: string; file_name: string; record_total_num: number }>('GET', `/v5/${pid}/export-task/${taskId}`)).body;
    assert.equal(task.task_status, 'success');
    assert.equal(await row.locator('td').nth(2).innerText(), String(task.record_total_num));

    const downloading = page.waitForEvent('download');
    await row.getByRole('button', { name: `Download ${task.file_name}` }).click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), task.file_name);
    assert.doesNotMatch(download.url(), /token/i, 'the token is not in the download URL');
    const workbook = new ExcelJS.Workbook();
    const bytes = await readFile((await download.path())!);
    await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const col = (name: string) => header.indexOf(name) + 1;
    for (const name of COLUMNS) assert.ok(col(name) > 0, `column ${name} in ${header.join(', ')}`);
    const got: string[][] = [];
    for (let r = 2; r <= sheet.rowCount; r++) got.push(COLUMNS.map((name) => String(sheet.getRow(r).getCell(col(name)).value)));
    assert.deepEqual(got, expected);
    await expectNoSeriousA11y(page, 'the exports page with a finished export');
  });

  it('starts a host vulnerability export with its filters; the choice of export is in the URL and survives a reload, as does the list of this tab', async () => {
    await page.locator('label.ant-radio-button-wrapper', { hasText: 'Host vulnerabilities' }).click();
    await page.waitForURL((url) => url.searchParams.get('kind') === 'host');
    await page.reload();
    await page.getByLabel('Severity', { exact: true }).waitFor();
    assert.ok(await page.getByRole('radio', { name: 'Host vulnerabilities' }).isChecked());
    const previous = page.locator('tbody tr', { hasText: 'Local image vulnerabilities' });
    await previous.getByText('Ready').waitFor();

    await page.getByLabel('Vulnerability type').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'Application vulnerabilities' }).click();
    const created = page.waitForResponse((r) => r.url().includes('/vul/export?') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    const response = await created;
    assert.equal(response.status(), 200);
    const url = new URL(response.url());
    assert.equal(url.searchParams.get('type'), 'app_vul');
    assert.equal(url.searchParams.get('category'), 'vul');
    const { task_id: taskId } = (await response.json()) as { task_id: string };
    await page.locator('tr', { hasText: taskId }).getByText('Ready').waitFor();
    assert.equal((await server.api<{ task_status: string }>('GET', `/v5/${pid}/export-task/${taskId}`)).body.task_status, 'success');
    assert.deepEqual(pageErrors(context), []);
  });
});
