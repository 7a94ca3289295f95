import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pickOption } from '../support/antd.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

interface Policy {
  scan_period: string;
  scan_vul_types: string[];
  scan_range_type: string;
  host_ids: string[];
  total_host_num: number;
  status: string;
  time: { day_part: number[]; hour_part: number; minute_part: number; next_scan_time: number; timezone_offset: number };
}

/** What the page shows for an epoch-ms time: the console's formatTime in English, computed in the browser. */
const shown = (page: Page, ms: number) => page.evaluate(`new Date(${ms}).toLocaleString('en-GB', { hour12: false })`) as Promise<string>;

describe('the scan policy page in Chromium (sqlite)', { timeout: 240_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  const policy = async () => (await server.api<Policy>('GET', `/v5/${pid}/vulnerability/scan-policy`)).body;
  const saveResponse = () => page.waitForResponse((r) => r.url().includes('/vulnerability/scan-policy') && r.request().method() === 'PUT');

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    pid = server.account.projectId;
    context = await newConsoleContext(browser);
    page = await context.newPage();
    await signIn(page, server);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the stored policy and the next scan time the server computes', async () => {
    const stored = await policy();
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Scan policy', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Vulnerability scan policy' }).waitFor();
    const next = page.getByTestId('next-scan-time');
    await next.waitFor();
    if (stored.status === 'open') assert.equal(await next.innerText(), `${await shown(page, stored.time.next_scan_time)} (your browser’s time zone)`);
    else assert.equal(await next.innerText(), 'Scheduled scans are off.');
    assert.equal(await page.getByLabel('Hour (0–23)').inputValue(), String(stored.time.hour_part));
    assert.equal(await page.getByLabel('Minute (0–59)').inputValue(), String(stored.time.minute_part));
    for (const v of stored.scan_vul_types) assert.ok(await page.getByRole('checkbox', { name: { linux_vul: 'Linux vulnerabilities', app_vul: 'Application vulnerabilities' }[v] ?? v }).isChecked(), `${v} checked`);
    await page.getByText(`Hosts covered: ${stored.total_host_num}`).waitFor();
    await expectNoSeriousA11y(page, 'the scan policy page');
  });

  it("shows the API's refusal against the field it names: specific hosts with none chosen", async () => {
    await page.getByRole('radio', { name: 'Specific hosts' }).check();
    const saved = saveResponse();
    await page.getByRole('button', { name: 'Save policy' }).click();
    assert.equal((await saved).status(), 400);
    const hostsItem = page.locator('.ant-form-item', { has: page.getByLabel('Hosts', { exact: true }) });
    await hostsItem.getByText(/host_ids must name at least one host/).waitFor();
    assert.equal((await policy()).scan_range_type, 'all_host', 'nothing was saved');
  });

  it('saves a weekly policy for one host; the API returns the new values and the page shows the new next scan time', async () => {
    const host = server.hosts.find((h) => h.name === 'web-1')!;
    await pickOption(page, 'Hosts', 'web-1', { search: true });
    await page.keyboard.press('Escape');
    await page.locator('label.ant-radio-button-wrapper', { hasText: 'Every week' }).click();
    await page.getByRole('checkbox', { name: 'Monday' }).setChecked(false);
    await page.getByRole('checkbox', { name: 'Wednesday' }).check();
    await page.getByRole('checkbox', { name: 'Friday' }).check();
    await page.getByLabel('Hour (0–23)').fill('3');
    await page.getByLabel('Minute (0–59)').fill('30');
    await pickOption(page, 'Time zone', 'UTC+08:00', { search: true });
    await page.getByRole('checkbox', { name: 'Application vulnerabilities' }).check();
    const switchOn = page.getByRole('switch', { name: 'Scheduled scans' });
    if ((await switchOn.getAttribute('aria-checked')) !== 'true') await switchOn.click();

    const saved = saveResponse();
    const reread = page.waitForResponse((r) => r.url().includes('/vulnerability/scan-policy') && r.request().method() === 'GET');
    await page.getByRole('button', { name: 'Save policy' }).click();
    assert.equal((await saved).status(), 200);
    await page.getByText('The scan policy is saved.').waitFor();
    await reread;

    const after = await policy();
    assert.equal(after.status, 'open');
    assert.equal(after.scan_period, 'one_week');
    assert.equal(after.scan_range_type, 'specific_host');
    assert.deepEqual(after.host_ids, [host.hostId]);
    assert.equal(after.total_host_num, 1);
    assert.ok(after.scan_vul_types.includes('app_vul'));
    assert.deepEqual(after.time.day_part, [3, 5]);
    assert.deepEqual([after.time.hour_part, after.time.minute_part, after.time.timezone_offset], [3, 30, -480]);
    // The next scan is a Wednesday or Friday at 03:30 in UTC+8, in the future, within a week.
    const local = new Date(after.time.next_scan_time + 8 * 3600_000);
    assert.ok([3, 5].includes(local.getUTCDay()), `weekday of ${local.toISOString()}`);
    assert.deepEqual([local.getUTCHours(), local.getUTCMinutes()], [3, 30]);
    assert.ok(after.time.next_scan_time > Date.now() && after.time.next_scan_time <= Date.now() + 7 * 86400_000);
    await page.getByTestId('next-scan-time').filter({ hasText: `${await shown(page, after.time.next_scan_time)} (your browser’s time zone)` }).waitFor();
    await page.getByText('Hosts covered: 1').waitFor();

    // Reloaded, the form holds what the API holds.
    await page.reload();
    await page.getByRole('checkbox', { name: 'Friday' }).waitFor();
    assert.ok(await page.getByRole('checkbox', { name: 'Wednesday' }).isChecked());
    assert.equal(await page.getByLabel('Minute (0–59)').inputValue(), '30');
    await page.getByText('web-1').first().waitFor();
    await expectNoSeriousA11y(page, 'the scan policy page, weekly, one host');
    assert.deepEqual(pageErrors(context), []);
  });

  it('reads in Simplified Chinese', async () => {
    await page.evaluate("localStorage.setItem('openhss.lang', 'zh')");
    try {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: '漏洞扫描策略' }).waitFor();
      await page.getByText('下次扫描时间').waitFor();
      assert.ok(await page.getByRole('checkbox', { name: '星期三' }).isChecked());
      await page.getByRole('button', { name: '保存策略' }).waitFor();
    } finally {
      await page.evaluate("localStorage.setItem('openhss.lang', 'en')");
    }
  });
});
