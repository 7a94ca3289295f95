import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pickOption } from '../support/antd.js';
import { expectNoSeriousA11y, launchBrowser, pageErrors, screenshot, startConsoleServer, type ConsoleServer } from '../support/browser.js';
import { enrolApiHost, scanAndWait, signedInPage } from '../support/console-hosts-seed.js';
import type { Package } from '../../src/domain/package.js';

interface Vul {
  vul_id: string;
  vul_name: string;
  host_num: number;
}
interface List<T> {
  total_num: number;
  data_list: T[];
}

/** Go and Maven packages the demo DB knows seven advisories for: with the seeded hosts' five, more than one page of application vulnerabilities. */
const CI_PACKAGES: Package[] = [
  { type: 'go', name: 'k8s.io/kubernetes', version: 'v1.20.0', location: { path: 'usr/local/bin/kubelet' } },
  { type: 'go', name: 'github.com/containerd/containerd', version: 'v1.6.0', location: { path: 'usr/bin/containerd' } },
  { type: 'maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', location: { path: 'opt/app/lib/log4j-core-2.14.1.jar' } },
];

/** The vulnerability names the page's table shows, in order. */
const shownNames = (page: Page) => page.getByTestId('vul-name').allInnerTexts();

// Browser tests run on SQLite; the shell test covers PostgreSQL.
describe('the vulnerabilities page in Chromium (sqlite)', { timeout: 240_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  const list = async (query: string) => {
    const res = await server.api<List<Vul>>('GET', `/v5/${pid}/vulnerability/vulnerabilities?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  /** Waits for the table to show the API's answer to the same query: the total and the names, in order. */
  const expectRows = async (query: string) => {
    const api = await list(query);
    await page.getByText(`${api.total_num} in all`).waitFor();
    await page.getByTestId('vul-name').filter({ hasText: api.data_list[0]!.vul_name }).first().waitFor();
    assert.deepEqual(await shownNames(page), api.data_list.map((v) => v.vul_name), query);
    return api;
  };

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    pid = server.account.projectId;
    const ci = await enrolApiHost(server, 'ci-1', CI_PACKAGES);
    await scanAndWait(server, [ci.agentId], ['app_vul']);
    ({ context, page } = await signedInPage(browser, server));
  });
  after(async () => {
    assert.deepEqual(pageErrors(context), []);
    await browser?.close();
    await server?.close();
  });

  it('shows what ListVulnerabilities gives, with KEV and fix columns; pages through application vulnerabilities in the URL', async () => {
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Vulnerabilities', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Vulnerabilities' }).waitFor();
    await expectRows('type=linux_vul&limit=10');
    const kevRow = page.locator('tr', { hasText: 'CVE-2023-4911' });
    await kevRow.getByText('KEV', { exact: true }).waitFor();
    await kevRow.getByText('Fix available').waitFor();
    await expectNoSeriousA11y(page, 'the vulnerabilities page');
    await screenshot(page, 'vulnerabilities');

    await pickOption(page, 'Vulnerability type', 'Applications');
    await page.waitForURL((u) => u.searchParams.get('type') === 'app_vul');
    const first = await expectRows('type=app_vul&limit=10');
    assert.ok(first.total_num > 10, `more than a page of application vulnerabilities (${first.total_num})`);
    await page.locator('.ant-pagination').getByTitle('2', { exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('offset') === '10');
    await expectRows('type=app_vul&offset=10&limit=10');
    await page.reload();
    await expectRows('type=app_vul&offset=10&limit=10');
  });

  it('filters by severity: the URL says so, the rows follow, and a reload keeps both', async () => {
    await page.goto(`${server.baseUrl}/vulnerabilities`);
    await expectRows('type=linux_vul&limit=10');
    await pickOption(page, 'Severity', 'High');
    await page.waitForURL((u) => u.searchParams.get('repair_priority') === 'High');
    const high = await expectRows('type=linux_vul&repair_priority=High&limit=10');
    assert.ok(high.total_num >= 1 && high.total_num < (await list('type=linux_vul&limit=10')).total_num, 'the filter narrows the list');
    await page.reload();
    await expectRows('type=linux_vul&repair_priority=High&limit=10');
    assert.equal(await page.getByLabel('Severity', { exact: true }).locator('xpath=ancestor::*[contains(@class,"ant-select")][1]').innerText(), 'High');
  });

  it('opens the detail drawer: description, CVSS, KEV, the affected package with its fixed version, and the hosts where it was found', async () => {
    const detail = (await server.api<{ description: string; packages: Array<{ app_name: string; upgrade_version: string }> }>('GET', `/v5/${pid}/openhss/vulnerabilities/CVE-2023-4911`)).body;
    const hosts = (await server.api<List<{ host_name: string }>>('GET', `/v5/${pid}/vulnerability/hosts?vul_id=CVE-2023-4911&type=linux_vul`)).body;
    await page.goto(`${server.baseUrl}/vulnerabilities`);
    await page.getByTestId('vul-name').filter({ hasText: 'GLIBC_TUNABLES' }).click();
    await page.waitForURL((u) => u.searchParams.get('vul') === 'CVE-2023-4911');
    const drawer = page.getByRole('dialog', { name: 'Vulnerability CVE-2023-4911' });
    assert.equal((await drawer.getByTestId('vul-description').innerText()).trim(), detail.description);
    await drawer.getByText(/Yes, added to the KEV catalog/).waitFor();
    const pkg = drawer.getByTestId('vul-packages').locator('tr', { hasText: 'libc6' });
    await pkg.getByText('2.36-9+deb12u1').waitFor();
    await pkg.getByText(detail.packages[0]!.upgrade_version).waitFor();
    assert.equal(detail.packages[0]!.upgrade_version, '2.36-9+deb12u3');
    const shownHosts = await drawer.getByTestId('vul-hosts').locator('tbody tr.ant-table-row td:nth-child(2)').allInnerTexts();
    assert.deepEqual(shownHosts, hosts.data_list.map((h) => h.host_name));
    await expectNoSeriousA11y(page, 'the vulnerability drawer');
    // The drawer is in the URL: a reload opens it again.
    await page.reload();
    await page.getByRole('dialog', { name: 'Vulnerability CVE-2023-4911' }).getByTestId('vul-description').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.waitForURL((u) => !u.searchParams.has('vul'));
  });

  it('ignores one vulnerability on all its hosts after confirmation; the list and the API agree', async () => {
    const before = (await list('type=linux_vul&vul_id=CVE-2023-38545')).data_list[0]!;
    assert.ok(before.host_num >= 2);
    await page.goto(`${server.baseUrl}/vulnerabilities`);
    await page.getByRole('button', { name: `Handle ${before.vul_name}` }).click();
    await page.getByRole('menuitem', { name: 'Ignore', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Ignore: ${before.vul_name} on ${before.host_num} hosts` });
    await dialog.getByLabel('Remark (optional)').fill('accepted risk: no SOCKS5 proxies');
    await dialog.getByRole('button', { name: 'Ignore', exact: true }).click();
    await page.getByText(`Ignore: done for ${before.host_num} findings.`).waitFor();
    await page.locator('tr', { hasText: 'CVE-2023-38545' }).getByText(`${before.host_num} ignored`).waitFor();
    const rows = (await server.api<List<{ status: string; remark: string }>>('GET', `/v5/${pid}/vulnerability/hosts?vul_id=CVE-2023-38545&type=linux_vul`)).body.data_list;
    assert.deepEqual(
      rows.map((r) => [r.status, r.remark]),
      rows.map(() => ['vul_status_ignored', 'accepted risk: no SOCKS5 proxies']),
    );
  });

  it('marks several selected vulnerabilities fixed at once', async () => {
    await page.goto(`${server.baseUrl}/vulnerabilities?repair_priority=Low`);
    const low = await expectRows('type=linux_vul&repair_priority=Low&limit=10');
    assert.ok(low.total_num >= 2);
    for (const v of low.data_list) await page.locator('tr', { hasText: v.vul_id }).getByRole('checkbox').check();
    await page.getByText(`${low.data_list.length} selected`).waitFor();
    await page.getByRole('button', { name: 'Mark fixed', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: new RegExp(`^Mark fixed: ${low.data_list.length} vulnerabilities`) });
    await dialog.getByRole('button', { name: 'Mark fixed', exact: true }).click();
    const pairs = low.data_list.reduce((n, v) => n + v.host_num, 0);
    await page.getByText(`Mark fixed: done for ${pairs} findings.`).waitFor();
    for (const v of low.data_list) {
      const statuses = (await server.api<List<{ status: string }>>('GET', `/v5/${pid}/vulnerability/hosts?vul_id=${v.vul_id}&type=linux_vul`)).body.data_list.map((r) => r.status);
      assert.deepEqual(statuses, statuses.map(() => 'vul_status_fixed'), v.vul_id);
    }
  });
});
