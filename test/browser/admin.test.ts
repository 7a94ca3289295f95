import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { akskHeaders } from '../support/aksk.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

const ANALYST = { user: 'analyst', password: 'analyst-pass-1234' };

/** A request signed with an AK/SK by the Huawei Cloud SDK's signer, sent over real HTTP. */
async function signed(server: ConsoleServer, credential: { accessKey: string; secretKey: string }, path: string): Promise<{ status: number; body: string }> {
  const headers = akskHeaders(credential, 'GET', path);
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: Number(port), path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The token the console keeps for this tab (sessionStorage), to ask the API what it allows the same user. */
async function consoleToken(page: Page): Promise<string> {
  const raw = (await page.evaluate("sessionStorage.getItem('openhss.session')")) as string | null;
  assert.ok(raw, 'signed in');
  return (JSON.parse(raw) as { token: string }).token;
}

async function tabs(page: Page): Promise<string[]> {
  await page.getByRole('tablist').first().waitFor();
  return (await page.getByRole('tab').allInnerTexts()).map((t) => t.trim());
}

/**
 * Administration against a real server: the first user's own AK/SK (the SK
 * shown once, and a request the SDK signs with it accepted, then refused once
 * disabled), a second user made from the console who is offered neither users
 * nor enterprise projects and whom the API refuses them, two projects whose
 * data stay apart in the console, and "update now". Run on SQLite.
 */
describe('the administration page in Chromium: access keys, users, enterprise projects, two projects, vulnerability DB (sqlite)', { timeout: 300_000 }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
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

  it('creates an access key: the SK is shown once, and a request signed with it works until the key is disabled', async () => {
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
    assert.deepEqual(await tabs(page), ['My access keys', 'Users', 'Enterprise projects', 'Vulnerability DB']);
    // The first start made one key already.
    await page.locator(`tr[data-row-key="${server.live.account.credential.accessKey}"]`).waitFor();
    await expectNoSeriousA11y(page, 'the access keys tab');

    await page.getByRole('button', { name: 'Create access key' }).click();
    const form = page.getByRole('dialog', { name: 'Create access key' });
    await form.getByLabel('Description').fill('console test key');
    const created = page.waitForResponse((r) => r.url().endsWith('/v3.0/OS-CREDENTIAL/credentials') && r.request().method() === 'POST');
    await form.getByRole('button', { name: 'Create access key' }).click();
    const answer = (await (await created).json()) as { credential: { access: string; secret: string } };
    const shown = page.getByRole('dialog', { name: 'Your new access key' });
    await shown.getByText('This is the only time the secret key is shown.', { exact: false }).waitFor();
    const ak = (await shown.getByTestId('new-ak').innerText()).trim();
    const sk = (await shown.getByTestId('new-sk').innerText()).trim();
    assert.equal(ak, answer.credential.access);
    assert.equal(sk, answer.credential.secret);
    await shown.getByRole('button', { name: 'Copy the secret key' }).waitFor();
    await expectNoSeriousA11y(page, 'the new-key dialog');
    await shown.getByRole('button', { name: 'I have saved the secret key' }).click();
    await shown.waitFor({ state: 'hidden' });

    // Once closed, the SK is nowhere on the page, nor in what the API lists.
    const row = page.locator(`tr[data-row-key="${ak}"]`);
    await row.getByText('console test key').waitFor();
    await row.getByText('Enabled').waitFor();
    assert.ok(!(await page.content()).includes(sk), 'the secret key is not shown again');
    const listed = await server.api<{ credentials: Array<Record<string, unknown>> }>('GET', '/v3.0/OS-CREDENTIAL/credentials');
    assert.ok(listed.body.credentials.some((c) => c.access === ak));
    assert.ok(!JSON.stringify(listed.body).includes(sk));

    const path = `/v5/${pid()}/host-management/hosts?limit=10`;
    const ok = await signed(server, { accessKey: ak, secretKey: sk }, path);
    assert.equal(ok.status, 200, ok.body);
    assert.equal((JSON.parse(ok.body) as { total_num: number }).total_num, server.hosts.length);

    await row.getByRole('button', { name: `Disable ${ak}` }).click();
    await page.getByText(`Access key ${ak} disabled`, { exact: false }).waitFor();
    await row.getByText('Disabled').waitFor();
    const refused = await signed(server, { accessKey: ak, secretKey: sk }, path);
    assert.equal(refused.status, 401, refused.body);
    await row.getByRole('button', { name: `Enable ${ak}` }).click();
    await row.getByText('Enabled').waitFor();
    assert.equal((await signed(server, { accessKey: ak, secretKey: sk }, path)).status, 200);

    await row.getByRole('button', { name: `Delete ${ak}` }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText(`Access key ${ak} deleted.`).waitFor();
    await row.waitFor({ state: 'detached' });
    assert.equal((await signed(server, { accessKey: ak, secretKey: sk }, path)).status, 401);
  });

  it('the first user creates an enterprise project and a second user', async () => {
    await page.getByRole('tab', { name: 'Enterprise projects' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/enterprise-projects');
    await page.getByRole('button', { name: 'Create enterprise project' }).click();
    const epForm = page.getByRole('dialog', { name: 'Create enterprise project' });
    await epForm.getByLabel('Name', { exact: true }).fill('payments');
    await epForm.getByLabel('Description').fill('the payment services');
    await epForm.getByRole('button', { name: 'Create enterprise project' }).click();
    await page.getByText('Enterprise project payments created.').waitFor();
    await page.locator('tr', { hasText: 'payments' }).getByText('the payment services').waitFor();
    const eps = await server.api<{ enterprise_projects: Array<{ name: string }> }>('GET', '/v1.0/enterprise-projects');
    assert.ok(eps.body.enterprise_projects.some((e) => e.name === 'payments'));
    await expectNoSeriousA11y(page, 'the enterprise projects tab');

    await page.getByRole('tab', { name: 'Users' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/users');
    await page.locator('tr', { hasText: server.account.user }).getByText('Account administrator').waitFor();
    await page.getByRole('button', { name: 'Create user' }).click();
    const userForm = page.getByRole('dialog', { name: 'Create user' });
    await userForm.getByLabel('User name').fill(ANALYST.user);
    await userForm.getByLabel('Password').fill(ANALYST.password);
    await userForm.getByLabel('Description').fill('triage');
    await expectNoSeriousA11y(page, 'the create-user dialog');
    await userForm.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`User ${ANALYST.user} created.`).waitFor();
    const analystRow = page.locator('tr', { hasText: ANALYST.user });
    await analystRow.getByText('triage').waitFor();
    await analystRow.getByText('User', { exact: true }).waitFor();
    const users = await server.api<{ users: Array<{ name: string; is_account_admin: boolean }> }>('GET', '/v3/users');
    assert.deepEqual(users.body.users.map((u) => [u.name, u.is_account_admin]).sort(), [[server.account.user, true], [ANALYST.user, false]].sort());
    await expectNoSeriousA11y(page, 'the users tab');
  });

  it('the second user is offered neither users nor enterprise projects, and the API refuses them', async () => {
    const other = await newConsoleContext(browser);
    try {
      const p = await other.newPage();
      await signIn(p, { baseUrl: server.baseUrl, account: { ...server.account, user: ANALYST.user, password: ANALYST.password } }, { expectOverview: true });
      await p.goto(`${server.baseUrl}/admin`);
      await p.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
      await p.getByText("Only the account's first user", { exact: false }).first().waitFor();
      assert.deepEqual(await tabs(p), ['My access keys', 'Vulnerability DB']);
      await p.getByText('You have no access keys.').waitFor();
      await expectNoSeriousA11y(p, 'administration as a second user');

      // A direct link shows the API's refusal.
      await p.goto(`${server.baseUrl}/admin/users`);
      await p.getByRole('alert').filter({ hasText: /Insufficient permissions/ }).waitFor();
      const token = await consoleToken(p);
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.baseUrl}${path}`, { method, headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
        return { status: res.status, body: (await res.json().catch(() => null)) as { error_code?: string } | null };
      };
      for (const [method, path, body] of [
        ['GET', '/v3/users'],
        ['POST', '/v3.0/OS-USER/users', { user: { name: 'mallory', password: 'mallory-pass-1' } }],
        ['POST', '/v1.0/enterprise-projects', { name: 'sneaky' }],
        ['POST', `/v5/${pid()}/openhss/vulnerability-db/update`, {}],
      ] as Array<[string, string, unknown?]>) {
        const res = await call(method, path, body);
        assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body?.error_code, 'HSS.0013');
      }
      // "Update now" shows the API's refusal too.
      await p.goto(`${server.baseUrl}/admin/vulnerability-db`);
      await p.getByRole('button', { name: 'Update now' }).click();
      await p.getByRole('alert').filter({ hasText: /Insufficient permissions/ }).waitFor();
      // Their own keys they do manage.
      await p.goto(`${server.baseUrl}/admin`);
      await p.getByRole('button', { name: 'Create access key' }).click();
      await p.getByRole('dialog', { name: 'Create access key' }).getByRole('button', { name: 'Create access key' }).click();
      const ak = (await p.getByTestId('new-ak').innerText()).trim();
      await p.getByRole('button', { name: 'I have saved the secret key' }).click();
      await p.locator(`tr[data-row-key="${ak}"]`).waitFor();
      assert.deepEqual(pageErrors(other), []);
    } finally {
      await other.close();
    }
  });

  it("two projects: a user of one sees none of the other's data; the first user switches between them", async () => {
    const services = server.live.server.runtime.services;
    const domain = server.account.domain;
    const projectB = await services.identity.createProject(domain, 'project-b');
    await services.identity.addProjectMember(domain, server.account.user, projectB.id);
    // A job in each project, through the API, as the first user scoped to each.
    const tokenFor = async (projectId: string) => {
      const res = await fetch(`${server.baseUrl}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: server.account.user, password: server.account.password, domain: { name: domain } } } }, scope: { project: { id: projectId } } } }),
      });
      assert.equal(res.status, 201);
      return res.headers.get('x-subject-token')!;
    };
    const jobIn = async (projectId: string, name: string) => {
      const token = await tokenFor(projectId);
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${server.baseUrl}/v5/${projectId}${path}`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(res.status, 200, await res.clone().text());
        return res.json() as Promise<Record<string, unknown>>;
      };
      const files = (await post('/openhss/iac-files', { files: [{ file_name: `${name}.Dockerfile`, content: 'FROM debian:latest\nUSER root\n' }] })) as { data_list: Array<{ file_id: string }> };
      return ((await post('/common/task', { task_type: 'iac_scan', task_name: name, iac_scan_info: { file_type: 'dockerfile', file_id_list: [files.data_list[0]!.file_id] } })) as { task_id: string }).task_id;
    };
    const jobA = await jobIn(pid(), 'job-of-project-a');
    const jobB = await jobIn(projectB.id, 'job-of-project-b');

    const other = await newConsoleContext(browser);
    try {
      const p = await other.newPage();
      await signIn(p, { baseUrl: server.baseUrl, account: { ...server.account, user: ANALYST.user, password: ANALYST.password } }, { expectOverview: true });
      await p.goto(`${server.baseUrl}/jobs?task_type=iac_scan`);
      await p.locator(`tr[data-row-key="${jobA}"]`).waitFor();
      assert.equal(await p.locator(`tr[data-row-key="${jobB}"]`).count(), 0, "project B's job is not listed");
      assert.ok(!(await p.content()).includes('job-of-project-b'));
      // Project B's job by its address: not found in this user's project.
      await p.goto(`${server.baseUrl}/jobs/${jobB}`);
      await p.getByText(`No job ${jobB} in this project.`).waitFor();
      // The project switch offers only the analyst's project, and the API refuses project B to them.
      await p.getByLabel('Project', { exact: true }).click();
      // The dropdown draws after the click: its first option is waited for before all are read.
      const options = p.locator('.ant-select-dropdown:visible .ant-select-item-option');
      await options.first().waitFor();
      const offered = await options.allInnerTexts();
      assert.deepEqual(offered, [server.account.projectName]);
      await p.keyboard.press('Escape');
      const token = await consoleToken(p);
      const res = await fetch(`${server.baseUrl}/v5/${projectB.id}/common/tasks/batch-query`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ task_type: 'iac_scan' }) });
      assert.equal(res.status, 403, await res.text());
      const rescope = await fetch(`${server.baseUrl}/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: projectB.id } } } }),
      });
      assert.equal(rescope.status, 403);
    } finally {
      await other.close();
    }

    // The first user belongs to both: the switch moves the console from one to the other.
    await page.goto(`${server.baseUrl}/jobs?task_type=iac_scan`);
    await page.locator(`tr[data-row-key="${jobA}"]`).waitFor();
    assert.equal(await page.locator(`tr[data-row-key="${jobB}"]`).count(), 0);
    await page.getByLabel('Project', { exact: true }).click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option[title="project-b"]').click();
    await page.getByText('Signed in as admin').waitFor();
    await waitForSessionProject(page, 'project-b');
    // The page on screen follows the switch without a reload.
    await page.locator(`tr[data-row-key="${jobB}"]`).waitFor();
    assert.equal(await page.locator(`tr[data-row-key="${jobA}"]`).count(), 0, "project A's job is not listed in project B");
    await page.getByLabel('Project', { exact: true }).click();
    await page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${server.account.projectName}"]`).click();
    await waitForSessionProject(page, server.account.projectName);
    await page.locator(`tr[data-row-key="${jobA}"]`).waitFor();
    assert.equal(await page.locator(`tr[data-row-key="${jobB}"]`).count(), 0, "project B's job is gone after switching back");
  });

  it('the vulnerability DB tab shows the status the API gives, and "Update now" queues an update', async () => {
    await page.goto(`${server.baseUrl}/admin/vulnerability-db`);
    const status = await server.api<{ demo: boolean; stale: boolean; feeds: Array<{ name: string; records: number }>; ecosystems: Array<{ ecosystem: string }> }>('GET', `/v5/${pid()}/openhss/vulnerability-db`);
    const state = page.getByTestId('vulndb-state');
    if (status.body.demo) await state.getByText('Built-in demo data', { exact: false }).waitFor();
    else await state.getByText(status.body.stale ? /Stale/ : /Current/).waitFor();
    for (const f of status.body.feeds) await page.locator(`tr[data-row-key="${f.name}"]`).getByRole('cell', { name: f.records.toLocaleString('en'), exact: true }).waitFor();
    for (const e of status.body.ecosystems) await page.locator(`tr[data-row-key="${e.ecosystem}"]`).waitFor();
    await expectNoSeriousA11y(page, 'the vulnerability DB tab');

    const asked = page.waitForResponse((r) => r.url().endsWith('/openhss/vulnerability-db/update'));
    await page.getByRole('button', { name: 'Update now' }).click();
    const res = await asked;
    assert.equal(res.status(), 202);
    const answer = (await res.json()) as { job_id: string | null; queued: boolean };
    if (answer.queued) await page.getByRole('status').getByText(`An update was queued (job ${answer.job_id}).`, { exact: false }).waitFor();
    else await page.getByRole('status').getByText('An update was already asked for this minute', { exact: false }).waitFor();
    // The update runs in the server's queue; its attempt shows on the tab when it has run.
    await page.getByTestId('vulndb-last-attempt').filter({ hasNotText: 'never' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(pageErrors(context), []);
  });
});

/**
 * Waits until the console's session is scoped to `name`. Polled from the test
 * with page.evaluate: waitForFunction's in-page polling evaluates a string,
 * which the console's CSP (no 'unsafe-eval') rightly refuses.
 */
async function waitForSessionProject(page: Page, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = await page.evaluate("JSON.parse(sessionStorage.getItem('openhss.session') || 'null')?.project?.name ?? null");
    if (current === name) return;
    if (Date.now() > deadline) throw new Error(`the console's session is scoped to ${String(current)}, not ${name}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
