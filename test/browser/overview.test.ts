import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectNoSeriousA11y, launchBrowser, pageErrors, screenshot, startConsoleServer, type ConsoleServer } from '../support/browser.js';
import { signedInPage } from '../support/console-hosts-seed.js';

interface List<T> {
  total_num: number;
  data_list: T[];
}
type Counts = { critical_num: number; high_num: number; medium_num: number; low_num: number };
interface Overview {
  hosts: Counts & { total_num: number; vulnerable_num: number; kev_num: number };
  kev: { vul_num: number; list: Array<{ vul_id: string; title: string }> };
  top_hosts: Array<Counts & { host_id: string; host_name: string }>;
  trend: Array<{ date: string }>;
  scans: { next_scan_time: number | null };
}

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'] as const;

// Browser tests run on SQLite; the shell test covers PostgreSQL.
describe('the overview page in Chromium (sqlite)', { timeout: 180_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  let overview: Overview;
  const api = async <T>(path: string) => {
    const res = await server.api<T>('GET', `/v5/${pid}${path}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const figure = async (id: string, severity: string) => Number((await page.getByTestId(`${id}-${severity}`).locator('.ant-statistic-content').innerText()).trim());

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    pid = server.account.projectId;
    ({ context, page } = await signedInPage(browser, server));
    overview = await api<Overview>('/openhss/overview');
  });
  after(async () => {
    assert.deepEqual(pageErrors(context), []);
    await browser?.close();
    await server?.close();
  });

  it("shows the overview's figures, and each host figure equals the vulnerability lists' total for it", async () => {
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByTestId('hosts-Critical').waitFor();
    const hosts = await api<List<unknown>>('/host-management/hosts?limit=10');
    await page.getByText(`${hosts.total_num} in all, ${overview.hosts.vulnerable_num} vulnerable`).waitFor();
    assert.equal(overview.hosts.total_num, hosts.total_num);
    for (const severity of SEVERITIES) {
      const shown = await figure('hosts', severity);
      assert.equal(shown, overview.hosts[`${severity.toLowerCase()}_num` as keyof Counts], severity);
      // The same figure from the HSS list: open (unhandled) host findings of that severity, over both vulnerability types.
      let listed = 0;
      for (const type of ['linux_vul', 'app_vul']) {
        const vuls = await api<List<{ host_num: number }>>(`/vulnerability/vulnerabilities?type=${type}&repair_priority=${severity}&handle_status=unhandled&limit=200`);
        listed += vuls.data_list.reduce((n, v) => n + v.host_num, 0);
      }
      assert.equal(shown, listed, `${severity}: the overview and the lists agree`);
    }
    assert.ok(overview.hosts.critical_num + overview.hosts.high_num > 0, 'the seeded hosts have something to show');

    // KEV first: the known-exploited glibc vulnerability, as the API and the urgent_vul list say.
    const kevList = await api<List<{ vul_id: string }>>('/vulnerability/vulnerabilities?type=urgent_vul&limit=200');
    assert.deepEqual(overview.kev.list.map((k) => k.vul_id).sort(), kevList.data_list.map((v) => v.vul_id).sort());
    assert.deepEqual(await page.getByTestId('overview-kev').locator('tbody tr.ant-table-row td:nth-child(1) a').allInnerTexts(), overview.kev.list.map((k) => k.title));

    // Top hosts in the API's order, each with host-facts' open counts.
    const topNames = await page.getByTestId('overview-top-hosts').locator('tbody tr.ant-table-row td:nth-child(1)').allInnerTexts();
    assert.deepEqual(topNames, overview.top_hosts.map((h) => h.host_name));
    const facts = await api<List<Counts & { host_id: string }>>(`/openhss/host-facts?host_id_list=${overview.top_hosts.map((h) => h.host_id).join(',')}`);
    for (const [i, h] of facts.data_list.entries()) {
      const label = await page.getByTestId('overview-top-hosts').locator('tbody tr.ant-table-row').nth(i).getByTestId('severity-counts').getAttribute('aria-label');
      assert.equal(label, `${h.critical_num} critical, ${h.high_num} high, ${h.medium_num} medium, ${h.low_num} low`, h.host_id);
    }

    // The trend is drawn (lazily loaded ECharts) and says what it shows.
    assert.ok(overview.trend.length >= 1);
    const chart = page.getByRole('img', { name: /^Open findings from / });
    await chart.locator('svg').waitFor();
    if (overview.scans.next_scan_time !== null) assert.notEqual((await page.getByTestId('overview-next-scan').innerText()).trim(), '-');
    await expectNoSeriousA11y(page, 'the overview page');
    await screenshot(page, 'overview');
  });

  it('a host figure leads to the vulnerability list filtered to it, and the list shows the same findings', async () => {
    await page.goto(`${server.baseUrl}/overview`);
    await page.getByTestId('hosts-High').click();
    await page.waitForURL((u) => u.pathname === '/vulnerabilities' && u.searchParams.get('repair_priority') === 'High' && u.searchParams.get('handle_status') === 'unhandled');
    const vuls = await api<List<{ vul_name: string; host_num: number }>>('/vulnerability/vulnerabilities?type=linux_vul&repair_priority=High&handle_status=unhandled&limit=10');
    await page.getByText(`${vuls.total_num} in all`).waitFor();
    assert.deepEqual(await page.getByTestId('vul-name').allInnerTexts(), vuls.data_list.map((v) => v.vul_name));
  });

  it('a KEV vulnerability opens its detail; a top host opens its page', async () => {
    const kev = overview.kev.list[0]!;
    await page.goto(`${server.baseUrl}/overview`);
    await page.getByTestId('overview-kev').getByRole('link', { name: kev.title }).click();
    await page.waitForURL((u) => u.searchParams.get('type') === 'urgent_vul' && u.searchParams.get('vul') === kev.vul_id);
    await page.getByRole('dialog', { name: `Vulnerability ${kev.vul_id}` }).getByTestId('vul-description').waitFor();

    const top = overview.top_hosts[0]!;
    await page.goto(`${server.baseUrl}/overview`);
    await page.getByTestId('overview-top-hosts').getByRole('link', { name: top.host_name, exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/hosts/${top.host_id}`);
    await page.getByRole('heading', { level: 1, name: `Host ${top.host_name}` }).waitFor();
  });
});
