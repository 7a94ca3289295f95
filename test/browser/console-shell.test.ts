import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { backends } from '../support/databases.js';
import { expectNoSeriousA11y, launchBrowser, newConsoleContext, pageErrors, signIn, startConsoleServer, type ConsoleServer } from '../support/browser.js';

const MENU_EN = ['Overview', 'Vulnerabilities', 'Hosts', 'Scan tasks', 'Scan policy', 'Images', 'Exports', 'Administration'];
const MENU_ZH = ['总览', '漏洞', '主机', '扫描任务', '扫描策略', '镜像', '导出', '系统管理'];

/** Every key and value in the page's localStorage and sessionStorage. */
async function storage(page: Page): Promise<{ local: Array<[string, string]>; session: Array<[string, string]> }> {
  // A string expression: the test code is compiled without the DOM's types.
  return page.evaluate('({ local: Object.entries(localStorage), session: Object.entries(sessionStorage) })');
}

async function menuTexts(page: Page): Promise<string[]> {
  const items = page.getByRole('navigation', { name: /Main menu|主菜单/ }).getByRole('menuitem');
  await items.first().waitFor();
  return (await items.allInnerTexts()).map((t) => t.trim());
}

/** Opens the header's language select (labelled "Language", or 语言 in Chinese) and picks one. */
async function chooseLanguage(page: Page, label: 'English' | '简体中文'): Promise<void> {
  await page.getByLabel(/^(Language|语言)$/).first().click();
  // Ant Design's select lists each option twice: an off-screen one for screen readers, and the one on screen.
  await page.getByTitle(label, { exact: true }).click();
}

for (const backend of backends) {
  describe(`the console shell in Chromium: sign-in, session, language, accessibility (${backend})`, { timeout: 300_000 }, () => {
    let server: ConsoleServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;

    before(async () => {
      browser = await launchBrowser();
      server = await startConsoleServer(backend);
      context = await newConsoleContext(browser);
      page = await context.newPage();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it('sends a visitor without a session to the sign-in page, which has no serious accessibility problems', async () => {
      await page.goto(`${server.baseUrl}/overview`);
      await page.waitForURL((url) => url.pathname === '/sign-in');
      await page.getByRole('heading', { name: 'Sign in to openhss' }).waitFor();
      await expectNoSeriousA11y(page, 'the sign-in page');
    });

    it('a wrong password shows the server\'s error and stays on the sign-in page', async () => {
      await signIn(page, server, { password: `${server.account.password}-wrong` });
      const alert = page.getByRole('alert').filter({ hasText: /password|credential|authenticat/i });
      await alert.waitFor();
      assert.equal(new URL(page.url()).pathname, '/sign-in');
      assert.deepEqual(await storage(page).then((s) => s.session.filter(([k]) => k.startsWith('openhss.session'))), [], 'no session kept');
    });

    it('signs in with the first-start credentials and lands on the overview; the token is in neither localStorage nor the URL', async () => {
      await page.getByLabel('Password', { exact: true }).fill('');
      await signIn(page, server);
      assert.equal(new URL(page.url()).pathname, '/overview');
      const menu = await menuTexts(page);
      for (const item of MENU_EN) assert.ok(menu.includes(item), `menu has ${item}: ${menu.join(', ')}`);
      await page.getByText(`Signed in as ${server.account.user}`).waitFor();

      const { local, session } = await storage(page);
      const kept = session.find(([key]) => key === 'openhss.session');
      assert.ok(kept, `the session is the tab's (sessionStorage): ${session.map(([k]) => k).join(', ')}`);
      const token = (JSON.parse(kept[1]) as { token: string }).token;
      assert.ok(token.length > 20, 'a token was issued');
      // The token the console keeps is one the server honours.
      const probe = await fetch(`${server.baseUrl}/v5/${server.account.projectId}/host-management/hosts`, { headers: { 'x-auth-token': token } });
      assert.equal(probe.status, 200);
      for (const [key, value] of local) {
        assert.ok(!key.includes(token) && !value.includes(token), `localStorage ${key} holds no token`);
        assert.doesNotMatch(value, /"token"/, `localStorage ${key} holds no session`);
      }
      assert.ok(!page.url().includes(token) && !decodeURIComponent(page.url()).includes(token), 'the token is not in the URL');
      for (const path of ['/vulnerabilities', '/hosts', '/overview']) {
        await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: MENU_EN[['/overview', '/vulnerabilities', '/hosts'].indexOf(path)]!, exact: true }).click();
        await page.waitForURL((url) => url.pathname === path);
        assert.ok(!page.url().includes(token), `no token in ${page.url()}`);
      }
      assert.deepEqual(pageErrors(context), [], 'no page errors and no CSP violations');
    });

    it('the overview shell has no serious accessibility problems', async () => {
      await page.waitForLoadState('networkidle');
      await expectNoSeriousA11y(page, 'the overview');
    });

    it('the language switch turns the menu into Simplified Chinese and back, and the choice survives a reload', async () => {
      await chooseLanguage(page, '简体中文');
      await page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: '总览' }).waitFor();
      const zh = await menuTexts(page);
      for (const item of MENU_ZH) assert.ok(zh.includes(item), `menu has ${item}: ${zh.join(', ')}`);
      assert.equal(await page.evaluate('document.documentElement.lang'), 'zh-CN');
      await page.reload();
      await page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: '总览' }).waitFor();
      await chooseLanguage(page, 'English');
      await page.getByRole('navigation', { name: 'Main menu' }).getByRole('menuitem', { name: 'Overview' }).waitFor();
      const en = await menuTexts(page);
      for (const item of MENU_EN) assert.ok(en.includes(item), `menu has ${item}: ${en.join(', ')}`);
      assert.equal(await page.evaluate('document.documentElement.lang'), 'en');
    });

    it('a browser that asks for zh-CN starts in Chinese', async () => {
      const zhContext = await newConsoleContext(browser, { locale: 'zh-CN' });
      try {
        const zhPage = await zhContext.newPage();
        await zhPage.goto(`${server.baseUrl}/`);
        await zhPage.waitForURL((url) => url.pathname === '/sign-in');
        await zhPage.getByRole('heading', { name: '登录 openhss' }).waitFor();
        await zhPage.getByLabel('账号', { exact: true }).waitFor();
        // Ant Design spaces out a two-character button label: "登 录".
        await zhPage.getByRole('button', { name: /^登\s?录$/ }).waitFor();
        await expectNoSeriousA11y(zhPage, 'the sign-in page in Chinese');
        assert.deepEqual(pageErrors(zhContext), []);
      } finally {
        await zhContext.close();
      }
    });

    it('a token the server no longer accepts returns to sign-in with a message', async () => {
      // A tampered token: the next API call is refused.
      await page.goto(`${server.baseUrl}/overview`);
      await page.waitForLoadState('networkidle');
      await page.evaluate(`(() => { const s = JSON.parse(sessionStorage.getItem('openhss.session')); s.token = 'not-a-token'; sessionStorage.setItem('openhss.session', JSON.stringify(s)); })()`);
      await page.goto(`${server.baseUrl}/vulnerabilities`);
      await page.waitForURL((url) => url.pathname === '/sign-in' && url.searchParams.get('expired') === '1');
      await page.getByRole('alert').filter({ hasText: 'Your session has expired. Sign in again.' }).waitFor();
      assert.deepEqual((await storage(page)).session.filter(([k]) => k === 'openhss.session'), [], 'the refused session is dropped');

      // An expired one: signed in again, then the server's clock passes the token's lifetime (24 h).
      await signIn(page, server);
      await page.waitForLoadState('networkidle');
      server.clock.advance(25 * 3600 * 1000);
      // The next API call is refused: the overview's own refresh may make it first, or opening the hosts page does.
      await page.goto(`${server.baseUrl}/hosts`);
      await page.waitForURL((url) => url.pathname === '/sign-in' && url.searchParams.get('expired') === '1');
      await page.getByRole('alert').filter({ hasText: 'Your session has expired. Sign in again.' }).waitFor();
      // Signing in again works at the server's new time.
      await signIn(page, server);
      assert.equal(new URL(page.url()).pathname, '/overview');
      assert.deepEqual(pageErrors(context), []);
    });
  });
}
