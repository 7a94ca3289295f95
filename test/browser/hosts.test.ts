import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectNoSeriousA11y, launchBrowser, pageErrors, screenshot, startConsoleServer, type ConsoleServer } from '../support/browser.js';
import { enrolApiHost, signedInPage, type ApiHost } from '../support/console-hosts-seed.js';
import { deb } from '../support/hosts.js';

interface List<T> {
  total_num: number;
  data_list: T[];
}
interface Host {
  host_id: string;
  host_name: string;
  agent_id: string;
}

const shownHosts = (page: Page) => page.getByTestId('host-name').allInnerTexts();

// Browser tests run on SQLite; the shell test covers PostgreSQL.
describe('the hosts pages in Chromium (sqlite)', { timeout: 240_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pid: string;
  let packed: ApiHost;
  const api = async <T>(path: string) => {
    const res = await server.api<T>('GET', `/v5/${pid}${path}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const expectHosts = async (query: string) => {
    const hosts = await api<List<Host>>(`/host-management/hosts?${query}`);
    await page.getByText(`${hosts.total_num} in all`).waitFor();
    await page.getByTestId('host-name').filter({ hasText: hosts.data_list[0]!.host_name }).first().waitFor();
    assert.deepEqual(await shownHosts(page), hosts.data_list.map((h) => h.host_name), query);
    return hosts;
  };

  before(async () => {
    [server, browser] = await Promise.all([startConsoleServer('sqlite'), launchBrowser()]);
    pid = server.account.projectId;
    // Eight more hosts through the agent API: twelve in all, more than a page. One has 25 packages.
    packed = await enrolApiHost(server, 'pkg-1', Array.from({ length: 25 }, (_, i) => deb(`tool${String(i).padStart(2, '0')}`, `1.${i}-1`)));
    for (let i = 2; i <= 8; i++) await enrolApiHost(server, `edge-${i}`, [deb('tar', '1.34+dfsg-1.2')]);
    ({ context, page } = await signedInPage(browser, server));
  });
  after(async () => {
    assert.deepEqual(pageErrors(context), []);
    await browser?.close();
    await server?.close();
  });

  it('lists the hosts ListHostStatus gives, with open counts from host-facts, and pages in the URL', async () => {
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Hosts', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Hosts' }).waitFor();
    const first = await expectHosts('limit=10');
    assert.equal(first.total_num, 12);
    await expectNoSeriousA11y(page, 'the hosts page');
    await page.locator('.ant-pagination').getByTitle('2', { exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('offset') === '10');
    await expectHosts('offset=10&limit=10');
    await page.reload();
    await expectHosts('offset=10&limit=10');
  });

  it('filters by host name: the URL says so, the rows follow, and a reload keeps both', async () => {
    await page.goto(`${server.baseUrl}/hosts`);
    await expectHosts('limit=10');
    await page.getByLabel('Host name contains').fill('edge');
    await page.getByLabel('Host name contains').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('host_name') === 'edge');
    const edge = await expectHosts('host_name=edge&limit=10');
    assert.equal(edge.total_num, 7);
    await page.reload();
    await expectHosts('host_name=edge&limit=10');
    assert.equal(await page.getByLabel('Host name contains').inputValue(), 'edge');
  });

  it('"Scan now" on two selected hosts creates a scan task of exactly them, linked to the scan tasks page', async () => {
    await page.goto(`${server.baseUrl}/hosts?host_name=-1`);
    await expectHosts('host_name=-1&limit=10');
    for (const name of ['web-1', 'app-1']) await page.locator('tr', { hasText: name }).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Scan now (2 selected)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Scan 2 hosts now' });
    await dialog.getByRole('button', { name: 'Scan now', exact: true }).click();
    const notice = page.getByText(/Scan task \S+ created\./);
    await notice.waitFor();
    const taskId = /Scan task (\S+) created\./.exec(await notice.innerText())![1]!;
    const tasks = await api<List<{ id: string; scan_type: string }>>(`/vulnerability/scan-tasks?task_id=${taskId}`);
    assert.equal(tasks.total_num, 1);
    assert.equal(tasks.data_list[0]!.scan_type, 'manual');
    const scanned = await api<List<{ host_name: string }>>(`/vulnerability/scan-task/${taskId}/hosts?limit=10`);
    assert.deepEqual(scanned.data_list.map((h) => h.host_name).sort(), ['app-1', 'web-1']);
    await page.getByRole('link', { name: 'View the scan task' }).click();
    await page.waitForURL((u) => u.pathname === '/scan-tasks' && u.searchParams.get('task_id') === taskId);
  });

  it('"Enrol an agent" creates a token and shows the agent command for this server; the token enrols an agent', async () => {
    await page.goto(`${server.baseUrl}/hosts`);
    await page.getByRole('button', { name: 'Enrol an agent' }).click();
    await page.waitForURL((u) => u.searchParams.get('enrol') === '1');
    const drawer = page.getByRole('dialog', { name: 'Enrol an agent' });
    await drawer.getByLabel('Description (optional)').fill('rack 3');
    await drawer.getByRole('button', { name: 'Create token' }).click();
    const token = (await drawer.getByTestId('enrol-token').innerText()).trim();
    assert.match(token, /^\S{16,}$/);
    const command = (await drawer.getByTestId('enrol-command').innerText()).trim();
    assert.equal(command, `OPENHSS_AGENT_TOKEN=${token} openhss agent --server ${server.baseUrl}`);
    await drawer.getByText(`openhss agent --server ${server.baseUrl} --token ${token}`).waitFor();
    await expectNoSeriousA11y(page, 'the enrolment drawer');
    const enrolled = await fetch(`${server.baseUrl}/agent/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, identity: { machine_id: 'console-enrolled', host_name: 'rack3-1', ips: ['10.3.0.1'], os_type: 'Linux', os_name: 'Debian GNU/Linux 12 (bookworm)', os_version: '12', kernel: '6.1.0', agent_version: 'test' } }),
    });
    assert.equal(enrolled.status, 201, await enrolled.text());
  });

  it('the host page shows its facts, the vulnerabilities ListHostVuls gives and its packages, paged', async () => {
    const web = server.hosts.find((h) => h.name === 'web-1')!;
    const vuls = await api<List<{ vul_name: string }>>(`/vulnerability/host/${web.hostId}?type=linux_vul&limit=10`);
    await page.goto(`${server.baseUrl}/hosts?host_name=web`);
    await expectHosts('host_name=web&limit=10');
    // The open counts by severity are host-facts' (the words are the counts' accessible name).
    const facts = (await api<List<{ critical_num: number; high_num: number; medium_num: number; low_num: number }>>(`/openhss/host-facts?host_id_list=${web.hostId}`)).data_list[0]!;
    assert.ok(facts.critical_num + facts.high_num + facts.medium_num + facts.low_num > 0);
    const counts = page.locator('tr', { hasText: 'web-1' }).getByTestId('severity-counts');
    assert.equal(await counts.getAttribute('aria-label'), `${facts.critical_num} critical, ${facts.high_num} high, ${facts.medium_num} medium, ${facts.low_num} low`);
    await page.getByTestId('host-name').filter({ hasText: 'web-1' }).click();
    await page.waitForURL((u) => u.pathname === `/hosts/${web.hostId}`);
    await page.getByRole('heading', { level: 1, name: 'Host web-1' }).waitFor();
    await page.getByText(`${vuls.total_num} in all`).waitFor();
    assert.deepEqual(await page.getByTestId('host-vul-name').allInnerTexts(), vuls.data_list.map((v) => v.vul_name));
    await page.getByTestId('host-vul-table').getByText('2.36-9+deb12u3', { exact: false }).first().waitFor();
    await expectNoSeriousA11y(page, 'the host page');
    await screenshot(page, 'host');

    const apps = await api<List<{ app_name: string; version: string }>>(`/asset/apps?host_id=${web.hostId}&limit=10`);
    await page.getByRole('tab', { name: 'Packages' }).click();
    await page.waitForURL((u) => u.searchParams.get('tab_view') === 'packages');
    await page.getByTestId('host-app-table').getByText(apps.data_list[0]!.app_name, { exact: true }).waitFor();
    assert.deepEqual(await page.getByTestId('host-app-table').locator('tbody tr.ant-table-row td:nth-child(1)').allInnerTexts(), apps.data_list.map((a) => a.app_name));

    await page.goto(`${server.baseUrl}/hosts/${packed.hostId}?tab_view=packages`);
    await page.getByText('25 in all').waitFor();
    await page.locator('.ant-pagination').getByTitle('3', { exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('p_offset') === '20');
    const last = await api<List<{ app_name: string }>>(`/asset/apps?host_id=${packed.hostId}&offset=20&limit=10`);
    await page.getByTestId('host-app-table').getByText(last.data_list[0]!.app_name, { exact: true }).waitFor();
    assert.deepEqual(await page.getByTestId('host-app-table').locator('tbody tr.ant-table-row td:nth-child(1)').allInnerTexts(), last.data_list.map((a) => a.app_name));
    await expectNoSeriousA11y(page, 'the host packages tab');
  });
});
