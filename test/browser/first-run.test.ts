/**
 * The new user's first hour, as issue 12's "Done when" puts it, without the
 * API docs: the built server started as `npm start` starts it (a fresh data
 * directory, SQLite), the console opened at the address its first-start
 * banner names, signed in with the credentials it created; then, only through
 * the pages: an agent enrolled by running the command the page shows (a real
 * `openhss agent` process of the built CLI), its host scanned and its
 * vulnerabilities read; the scan policy changed; a real registry added,
 * synced and its images scanned; the local images' vulnerabilities exported
 * and the file downloaded. axe on every page on the way.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { makeDebianRoot, DEBIAN_12_OS_RELEASE, dpkgStatus } from '../support/agent-fixture-root.js';
import { docker25Save } from '../support/archives.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn } from '../support/browser.js';
import { startSeededRegistry, VULNERABLE, type SeededRegistry } from '../support/console-images-seed.js';
import { buildImage } from '../support/oci-images.js';
import { CLI, parseFirstStart, startServerProcess, type ServerProcess } from '../support/server-process.js';

interface ApiList<T> {
  total_num: number;
  data_list: T[];
}

const HOST_NAME = 'first-run-host';
/** Generous: the machine running this is busy; every wait ends as soon as what it waits for shows. */
const SLOW = { timeout: 120_000 };

/** Waits until `locator` shows, reloading the page between looks (a list the page does not poll by itself). */
async function reloadUntilVisible(page: Page, locator: Locator, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await locator.first().waitFor({ timeout: 3_000 }).then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} on ${page.url()}`);
    await page.reload();
  }
}

/**
 * axe on the page once it has settled: the lazily loaded route and its data
 * in (no spinner left), and the pointer off the control just clicked (axe
 * reads an element's current colours, so a hovered button would be judged
 * by its hover colour).
 */
async function checkA11y(page: Page, what: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 60_000 });
  await expectNoSeriousA11y(page, what);
}

describe('a new user, from the first start to an exported file, in Chromium (the built server, sqlite)', { timeout: 600_000 }, () => {
  let work: string;
  let server: ServerProcess;
  let registry: SeededRegistry;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleUrl: string;
  let pid: string;
  let account: { domain: string; user: string; password: string };
  let token = '';
  let hostId = '';
  let agent: ChildProcess | undefined;
  let agentLog = '';

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    if (!token) {
      const res = await fetch(`${server.url}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: account.user, password: account.password, domain: { name: account.domain } } } }, scope: { project: { id: pid } } } }),
      });
      assert.equal(res.status, 201, await res.text());
      token = res.headers.get('x-subject-token')!;
    }
    const res = await fetch(`${server.url}${path}`, { method, headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name, exact: true });
  /** Opens a page from the main menu; resolves once its title shows. */
  const openFromMenu = async (menu: string, title: string) => {
    await nav(menu).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  };
  const diagnostics = () => `\nserver (last lines):\n${server.output().slice(-2000)}\nagent (last lines):\n${agentLog.slice(-2000)}`;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'openhss-first-run-'));
    // As `npm start` runs it: the built CLI, only a fresh data directory and a free port chosen for it.
    [server, browser, registry] = await Promise.all([startServerProcess({ OPENHSS_DATA_DIR: join(work, 'data') }), launchBrowser(), startSeededRegistry()]);
    context = await newConsoleContext(browser, { acceptDownloads: true });
    page = await context.newPage();
  });
  after(async () => {
    if (agent?.pid && agent.exitCode === null && agent.signalCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      process.kill(-agent.pid, 'SIGTERM');
      await exited;
    }
    await browser?.close();
    await registry?.stop();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('1. opens the address the first-start banner names and signs in with the credentials it created', async () => {
    const banner = server.output();
    consoleUrl = /^Web console: (http\S+)$/m.exec(banner)?.[1] ?? '';
    assert.equal(consoleUrl, `${server.url}/`, `the banner names the console:\n${banner}`);
    const names = /sign in with account "([^"]+)", user "([^"]+)"/.exec(banner);
    assert.ok(names, `the banner says how to sign in:\n${banner}`);
    const secrets = parseFirstStart(banner);
    assert.ok(secrets, 'the banner names the secrets file');
    pid = secrets.projectId;
    account = { domain: names[1]!, user: names[2]!, password: secrets.password };

    await page.goto(consoleUrl);
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.getByLabel('Password', { exact: true }).waitFor();
    await checkA11y(page, 'the sign-in page');
    await signIn(page, { baseUrl: server.url, account: { ...account, projectId: pid, projectName: '' } });
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await checkA11y(page, 'the overview of an empty service');
  });

  it('2. enrols an agent with the command the hosts page shows; the host appears, a scan from the page finds its vulnerabilities', async () => {
    await openFromMenu('Hosts', 'Hosts');
    await page.getByText('No hosts yet. Enrol an agent to add one.').waitFor();
    await checkA11y(page, 'the hosts page, empty');

    await page.getByRole('button', { name: 'Enrol an agent' }).click();
    const drawer = page.getByRole('dialog', { name: 'Enrol an agent' });
    await drawer.getByLabel('Description (optional)').fill('first run');
    await checkA11y(page, 'the enrolment drawer');
    await drawer.getByRole('button', { name: 'Create token' }).click();
    await drawer.getByText('Enrolment token created').waitFor();
    const command = (await drawer.getByTestId('enrol-command').innerText()).trim();
    assert.match(command, new RegExp(`^OPENHSS_AGENT_TOKEN=\\S+ openhss agent --server ${server.url.replace(/[.]/g, '\\.')}$`), command);
    await checkA11y(page, 'the enrolment drawer with a token');

    // The host: a small Debian 12 root with a vulnerable openssl and lodash, and an image archive in a directory.
    const root = makeDebianRoot();
    writeFileSync(join(root, 'etc/hostname'), `${HOST_NAME}\n`);
    mkdirSync(join(root, 'srv/app/node_modules/lodash'), { recursive: true });
    writeFileSync(join(root, 'srv/app/node_modules/lodash/package.json'), JSON.stringify({ name: 'lodash', version: '4.17.11' }));
    const imageDir = join(work, 'images');
    mkdirSync(imageDir);
    const image = await buildImage({ format: 'docker', layers: [{ 'etc/os-release': DEBIAN_12_OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus(VULNERABLE) }, { 'srv/web/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.11' }) }] });
    writeFileSync(join(imageDir, 'web.tar'), await docker25Save(image, 'first-run/web:1.0'));
    // `openhss` on the PATH is this checkout's built CLI, as after `npm ci` (the note under the command says so).
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'openhss'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(join(bin, 'openhss'), 0o755);
    // The command as shown, with only the flags this test needs: the fixture root, a state directory, the image directory and no container engine sockets.
    const flags = `--root '${root}' --state-dir '${join(work, 'agent-state')}' --image-dir '${imageDir}' --docker-socket '' --podman-socket ''`;
    agent = spawn('sh', ['-c', `${command} ${flags}`], { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: work }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    agent.stdout!.on('data', (d: Buffer) => (agentLog += d.toString()));
    agent.stderr!.on('data', (d: Buffer) => (agentLog += d.toString()));
    agent.on('exit', (code) => (agentLog += `\n(agent exited with ${code})`));

    await drawer.getByRole('button', { name: 'Close' }).click();
    const row = page.locator('.ant-table-tbody > tr.ant-table-row', { hasText: HOST_NAME });
    await reloadUntilVisible(page, row, `host ${HOST_NAME} to be listed${diagnostics()}`);
    await row.getByText('Online').waitFor(SLOW);
    hostId = decodeURIComponent((await row.getByTestId('host-name').getAttribute('href'))!.split('/').pop()!);
    const listed = (await api<ApiList<{ host_id: string; host_name: string }>>('GET', `/v5/${pid}/host-management/hosts?limit=10`)).body;
    assert.deepEqual(listed.data_list.map((h) => [h.host_id, h.host_name]), [[hostId, HOST_NAME]]);
    await checkA11y(page, 'the hosts page with the new host');

    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Scan now (1 selected)' }).click();
    const modal = page.getByRole('dialog', { name: 'Scan 1 hosts now' });
    await checkA11y(page, 'the scan now dialog');
    const started = page.waitForResponse((r) => r.url().includes('/vulnerability/scan-task') && r.request().method() === 'POST');
    await modal.getByRole('button', { name: 'Scan now' }).click();
    assert.equal((await started).status(), 200);
    await page.getByRole('link', { name: 'View the scan task' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vulnerability scan tasks' }).waitFor();
    const taskId = new URL(page.url()).searchParams.get('task_id')!;
    const task = page.locator('.ant-table-tbody > tr.ant-table-row', { hasText: taskId });
    // The page follows a running task by itself.
    await task.getByText('Finished', { exact: true }).waitFor(SLOW);
    const row0 = (await api<ApiList<{ status: string; success_host_num: number; failed_host_num: number }>>('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${taskId}`)).body.data_list[0]!;
    assert.deepEqual([row0.status, row0.success_host_num, row0.failed_host_num], ['finished', 1, 0], diagnostics());
    await checkA11y(page, 'the scan tasks page');

    await nav('Hosts').click();
    await page.locator('.ant-table-tbody > tr.ant-table-row', { hasText: HOST_NAME }).getByRole('link', { name: HOST_NAME }).click();
    await page.getByRole('heading', { level: 1, name: `Host ${HOST_NAME}` }).waitFor();
    for (const [type, label, expected] of [
      ['linux_vul', 'Linux (OS packages)', 'CVE-2023-5678'],
      ['app_vul', 'Applications', 'GHSA-jf85-cpcp-j695'],
    ] as const) {
      const listedOnPage = page.waitForResponse((r) => r.url().includes(`/vulnerability/host/${encodeURIComponent(hostId)}?`) && new URL(r.url()).searchParams.get('type') === type && r.status() === 200);
      if (type !== 'linux_vul') {
        await page.getByLabel('Vulnerability type', { exact: true }).click();
        await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: label }).click();
      } else await page.reload();
      const response = await listedOnPage;
      // What the API gives for the very query the page made.
      const apiRows = (await api<ApiList<{ vul_id: string; vul_name: string }>>('GET', `${new URL(response.url()).pathname}${new URL(response.url()).search}`)).body.data_list;
      assert.ok(apiRows.some((v) => v.vul_id === expected), `${expected} found on the host (${apiRows.map((v) => v.vul_id).join(', ')})`);
      const names = page.getByTestId('host-vul-table').getByTestId('host-vul-name');
      await names.nth(apiRows.length - 1).waitFor();
      assert.deepEqual(await names.allInnerTexts(), apiRows.map((v) => v.vul_name), `the ${type} names on the host page`);
      await checkA11y(page, `the host page (${type})`);
    }
  });

  it('3. changes the scan policy in its form; the API returns the new policy', async () => {
    await openFromMenu('Scan policy', 'Vulnerability scan policy');
    await page.getByTestId('next-scan-time').waitFor();
    await checkA11y(page, 'the scan policy page');

    await page.locator('label.ant-radio-button-wrapper', { hasText: 'Every week' }).click();
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) await page.getByRole('checkbox', { name: day }).setChecked(day === 'Thursday');
    await page.getByLabel('Hour (0–23)').fill('4');
    await page.getByLabel('Minute (0–59)').fill('15');
    await page.getByRole('checkbox', { name: 'Linux vulnerabilities' }).check();
    await page.getByRole('checkbox', { name: 'Application vulnerabilities' }).check();
    const switchOn = page.getByRole('switch', { name: 'Scheduled scans' });
    if ((await switchOn.getAttribute('aria-checked')) !== 'true') await switchOn.click();
    const saved = page.waitForResponse((r) => r.url().includes('/vulnerability/scan-policy') && r.request().method() === 'PUT');
    await page.getByRole('button', { name: 'Save policy' }).click();
    assert.equal((await saved).status(), 200);
    await page.getByText('The scan policy is saved.').waitFor();

    const policy = (await api<{ status: string; scan_period: string; scan_vul_types: string[]; scan_range_type: string; total_host_num: number; time: { day_part: number[]; hour_part: number; minute_part: number; next_scan_time: number } }>('GET', `/v5/${pid}/vulnerability/scan-policy`)).body;
    assert.equal(policy.status, 'open');
    assert.equal(policy.scan_period, 'one_week');
    assert.deepEqual(policy.time.day_part, [4]);
    assert.deepEqual([policy.time.hour_part, policy.time.minute_part], [4, 15]);
    assert.deepEqual([...policy.scan_vul_types].sort(), ['app_vul', 'linux_vul']);
    assert.equal(policy.scan_range_type, 'all_host');
    assert.equal(policy.total_host_num, 1, 'the enrolled host is covered');
    assert.ok(policy.time.next_scan_time > Date.now(), 'the next scan is ahead');
    const shown = (await page.evaluate(`new Date(${policy.time.next_scan_time}).toLocaleString('en-GB', { hour12: false })`)) as string;
    await page.getByTestId('next-scan-time').filter({ hasText: shown }).waitFor(SLOW);
    await page.getByText('Hosts covered: 1').waitFor();
    await checkA11y(page, 'the scan policy page, saved');
  });

  it('4. adds a registry, syncs it and scans its images from the images pages; the image scan task finishes on the page', async () => {
    await nav('Images').click();
    await page.getByRole('tab', { name: 'Registries' }).click();
    await page.waitForURL((url) => url.pathname === '/images/registries');
    await page.getByText('No registries yet').waitFor();
    await checkA11y(page, 'the registries tab');

    await page.getByRole('button', { name: 'Add registry' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add registry' });
    await dialog.getByLabel('Name', { exact: true }).fill('my-registry');
    await dialog.getByLabel('URL', { exact: true }).fill(registry.registry.url);
    await dialog.getByLabel('User name', { exact: true }).fill(registry.credentials.username);
    await dialog.getByLabel('Password', { exact: true }).fill(registry.credentials.password);
    await checkA11y(page, 'the add registry dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('.ant-table-tbody > tr', { hasText: 'my-registry' });
    await row.getByText('Connected', { exact: true }).waitFor(SLOW);

    await row.getByRole('button', { name: 'Sync', exact: true }).click();
    await row.getByRole('link', { name: String(registry.images.length), exact: true }).waitFor(SLOW);
    const synced = (await api<ApiList<{ namespace: string; image_name: string; image_version: string }>>('GET', `/v5/${pid}/image/registries/images?limit=200`)).body.data_list;
    assert.deepEqual(synced.map((r) => `${r.namespace}/${r.image_name}:${r.image_version}`).sort(), [...registry.images].sort());
    await checkA11y(page, 'the registries tab, synced');

    await page.getByRole('tab', { name: 'Registry images' }).click();
    await page.waitForURL((url) => url.pathname === '/images/registry');
    const scanAll = page.getByRole('button', { name: `Scan all matching (${registry.images.length})` });
    await scanAll.waitFor(SLOW);
    await checkA11y(page, 'the registry images tab');
    await scanAll.click();
    const scanDialog = page.getByRole('dialog', { name: 'Start an image scan' });
    await scanDialog.getByText(`All ${registry.images.length} images matching the current filters`).waitFor();
    const created = page.waitForResponse((r) => r.url().includes('/image/image-scan/tasks') && r.request().method() === 'POST');
    await scanDialog.getByRole('button', { name: 'Start scan' }).click();
    const response = await created;
    assert.equal(response.status(), 200);
    const taskId = (await response.headerValue('x-openhss-task-id'))!;
    assert.ok(taskId, 'the task is named in X-Openhss-Task-Id');
    await page.waitForURL((url) => url.pathname === '/images/tasks' && url.searchParams.get('task_id') === taskId);
    const task = page.locator('.ant-table-tbody > tr', { hasText: taskId });
    const n = registry.images.length;
    // The task list follows a running task by itself.
    await task.getByTestId('task-counts').filter({ hasText: `${n} / 0 / ${n}` }).waitFor(SLOW);
    const apiTask = (await api<ApiList<{ task_status: number; success_num: number; failed_num: number; total_num: number }>>('GET', `/v5/${pid}/image/tasks?type=image_scan&task_id=${taskId}`)).body.data_list[0]!;
    assert.deepEqual([apiTask.task_status, apiTask.success_num, apiTask.failed_num, apiTask.total_num], [100, n, 0, n], diagnostics());
    assert.equal(await task.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
    await checkA11y(page, 'the image scan tasks tab');

    await page.getByRole('tab', { name: 'Registry images' }).click();
    await page.getByRole('link', { name: 'Vulnerabilities of web:1.0' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vulnerabilities of web:1.0' }).waitFor();
    await page.locator('.ant-table-tbody > tr.ant-table-row').first().waitFor();
    await checkA11y(page, 'an image vulnerability list');
  });

  it('5. exports the local images’ vulnerabilities from the exports page and downloads the file; it holds the list API’s rows', async () => {
    // The agent reported the image archive in its image directory; the local images tab shows it once it is scanned.
    await page.goto(`${server.url}/images/local`);
    const local = page.locator('.ant-table-tbody > tr.ant-table-row', { hasText: 'first-run/web' });
    await reloadUntilVisible(page, local.filter({ hasText: 'Scanned' }), `the local image to be scanned${diagnostics()}`);
    await checkA11y(page, 'the local images tab');
    const images = (await api<ApiList<{ id: number; image_name: string; image_version: string; image_digest: string }>>('GET', `/v5/${pid}/image/local-repositories?limit=200`)).body.data_list;
    assert.deepEqual(images.map((i) => `${i.image_name}:${i.image_version}`), ['first-run/web:1.0']);
    const expected: string[][] = [];
    for (const image of images) {
      const vuls = (await api<ApiList<{ app_name: string; version: string; vul_id: string }>>('GET', `/v5/${pid}/image/${image.id}/vulnerabilities?image_type=local&limit=200`)).body.data_list;
      for (const v of vuls) expected.push([image.image_name, image.image_version, image.image_digest, v.app_name, v.version, v.vul_id]);
    }
    assert.ok(expected.length >= 2, `the image has vulnerabilities to export (${expected.length})`);

    await openFromMenu('Exports', 'Exports');
    assert.ok(await page.getByRole('radio', { name: 'Local image vulnerabilities' }).isChecked(), 'local images are offered first');
    await checkA11y(page, 'the exports page');
    const created = page.waitForResponse((r) => r.url().includes('/image/local-vulnerability/export') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start export' }).click();
    const response = await created;
    assert.equal(response.status(), 200);
    const { task_id: taskId } = (await response.json()) as { task_id: string };
    const row = page.locator('tr', { hasText: taskId });
    await row.getByText('Ready').waitFor(SLOW);
    const task = (await api<{ task_status: string; file_name: string }>('GET', `/v5/${pid}/export-task/${taskId}`)).body;
    assert.equal(task.task_status, 'success');

    const downloading = page.waitForEvent('download', SLOW);
    await row.getByRole('button', { name: `Download ${task.file_name}` }).click();
    const download = await downloading;
    assert.equal(download.suggestedFilename(), task.file_name);
    const bytes = await readFile((await download.path())!);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const columns = ['Image name', 'Image version', 'Image digest', 'Package name', 'Installed version', 'Vulnerability ID'];
    for (const name of columns) assert.ok(header.includes(name), `column ${name} in the header row (${header.join(', ')})`);
    const got: string[][] = [];
    for (let r = 2; r <= sheet.rowCount; r++) got.push(columns.map((name) => String(sheet.getRow(r).getCell(header.indexOf(name) + 1).value)));
    assert.deepEqual(got, expected);
    await checkA11y(page, 'the exports page with a finished export');
  });

  it('6. nothing broke in the pages on the way (no uncaught errors, no CSP violations)', () => {
    assert.deepEqual(pageErrors(context), []);
  });
});
