/**
 * Browser tests of the web console: Debian's Chromium driven by
 * playwright-core, against a real `openhss serve` (in this process, real HTTP
 * on a loopback port) holding real scan results: hosts enrolled by real
 * agents (the agent's own code, in process) whose package inventories come
 * from small root file systems and are matched against the built-in demo
 * vulnerability DB by a real scan task.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { DialectName } from '../../src/db/connect.js';
import { runAgent, type AgentLogger } from '../../src/agent/client/run-agent.js';
import { DEFAULT_CONSOLE_DIR } from '../../src/api/plugins/console.js';
import { TestClock } from './app.js';
import { DEBIAN_12_OS_RELEASE } from './agent-fixture-root.js';
import { startLiveServer, type LiveServer } from './live-server.js';

/** Debian's chromium package (`.ci/run` installs it); playwright's own browser downloads cannot work here. */
export const CHROMIUM = '/usr/bin/chromium';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Where screenshot() writes: the README shows these. */
export const SCREENSHOT_DIR = join(REPO, 'docs/screenshots');

/**
 * Starts Chromium headless. playwright-core's launch gives every browser a
 * new, empty user-data-dir of its own (and removes it at close). The flags
 * keep Chromium off the network it has no access to here: without them it
 * keeps trying Google's hosts, and the refused connections slow it down.
 */
export async function launchBrowser(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A fresh context (no cookies, no storage) in English unless `options.locale`
 * says otherwise, so tests do not depend on the machine's language. Page
 * errors and failed console requests are collected: `pageErrors(context)`.
 */
export async function newConsoleContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 }, ...options });
  const errors: string[] = [];
  contextErrors.set(context, errors);
  context.on('page', (page) => watchPage(page, errors));
  return context;
}

const contextErrors = new WeakMap<BrowserContext, string[]>();

function watchPage(page: Page, errors: string[]): void {
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    // A CSP violation is reported on the console; it means the policy and the build disagree.
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(`CSP: ${message.text()}`);
  });
}

/** Uncaught errors in the context's pages, and CSP violations, so far. */
export function pageErrors(context: BrowserContext): string[] {
  return contextErrors.get(context) ?? [];
}

export interface SeededHost {
  name: string;
  hostId: string;
  agentId: string;
  /** CVE or advisory ids the demo DB matches on this host's packages. */
  expected: string[];
}

export interface ConsoleServer {
  /** http://127.0.0.1:PORT, the console at `${baseUrl}/`. */
  baseUrl: string;
  /** The first-start account, as the console's sign-in form asks for it. */
  account: { domain: string; user: string; password: string; projectId: string; projectName: string };
  hosts: SeededHost[];
  /** The id of the finished scan task that matched the hosts. */
  scanTaskId: string;
  live: LiveServer;
  /** The server's clock: real time plus whatever `advance(ms)` added (e.g. past the token lifetime). */
  clock: LiveClock;
  /** Calls the API as the first-start user, for setting things up and checking what the console shows. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** A clock that follows real time, moved forward on demand (tokens expire, agents stay online). */
export class LiveClock extends TestClock {
  private skewMs = 0;
  override now = () => Date.now() + this.skewMs;
  override advance(ms: number): void {
    this.skewMs += ms;
  }
}

interface HostFixture {
  name: string;
  machineId: string;
  debs: Array<{ name: string; version: string; source?: string }>;
  npm?: Array<{ name: string; version: string }>;
  pypi?: Array<{ name: string; version: string }>;
  expected: string[];
}

/**
 * Four Debian 12 hosts whose packages the demo DB knows to be vulnerable, at
 * every severity: critical (lodash, minimist, PyYAML), high (glibc's
 * CVE-2023-4911, which is also on the KEV list, and curl), medium (semver,
 * requests), low (openssl), and one with nothing to fix.
 */
const HOSTS: HostFixture[] = [
  {
    name: 'web-1',
    machineId: '1a1b1c1d1e1f40718293a4b5c6d7e8f0',
    debs: [{ name: 'libc6', version: '2.36-9+deb12u1', source: 'glibc' }, { name: 'curl', version: '7.88.1-10+deb12u3' }],
    npm: [{ name: 'lodash', version: '4.17.11' }],
    expected: ['CVE-2023-4911', 'CVE-2023-38545', 'GHSA-jf85-cpcp-j695'],
  },
  {
    name: 'db-1',
    machineId: '2a2b2c2d2e2f40718293a4b5c6d7e8f0',
    debs: [{ name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' }, { name: 'openssl', version: '3.0.11-1~deb12u2' }],
    npm: [{ name: 'semver', version: '5.7.1' }],
    expected: ['CVE-2023-5678', 'GHSA-c2qf-rxjj-qqgw'],
  },
  {
    name: 'app-1',
    machineId: '3a3b3c3d3e3f40718293a4b5c6d7e8f0',
    debs: [{ name: 'curl', version: '7.88.1-10+deb12u3' }],
    npm: [{ name: 'minimist', version: '1.2.5' }],
    pypi: [{ name: 'PyYAML', version: '5.3.1' }, { name: 'requests', version: '2.28.0' }],
    expected: ['CVE-2023-38545', 'GHSA-xvch-5gv4-984h', 'GHSA-8q59-q68h-6hv4', 'GHSA-j8r2-6x86-q33q'],
  },
  {
    name: 'build-1',
    machineId: '4a4b4c4d4e4f40718293a4b5c6d7e8f0',
    debs: [{ name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' }],
    expected: [],
  },
];

/** A small root file system as the agent reads it: os-release, machine-id, hostname, dpkg status, language packages. */
function writeRoot(dir: string, host: HostFixture): string {
  const root = join(dir, host.name);
  const put = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  put('etc/os-release', DEBIAN_12_OS_RELEASE);
  put('etc/machine-id', `${host.machineId}\n`);
  put('etc/hostname', `${host.name}\n`);
  put(
    'var/lib/dpkg/status',
    host.debs
      .map((p) => `Package: ${p.name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n${p.source ? `Source: ${p.source}\n` : ''}Version: ${p.version}\nDescription: ${p.name}\n`)
      .join('\n'),
  );
  for (const p of host.npm ?? []) put(`srv/app/node_modules/${p.name}/package.json`, JSON.stringify({ name: p.name, version: p.version }));
  for (const p of host.pypi ?? []) {
    put(`usr/lib/python3/dist-packages/${p.name}-${p.version}.dist-info/METADATA`, `Metadata-Version: 2.1\nName: ${p.name}\nVersion: ${p.version}\n\n`);
  }
  return root;
}

const quietAgentLog: AgentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A real openhss server for the console: the first-start account, four hosts
 * enrolled by running agents (they stay online and answer "scan now"), and a
 * finished manual scan task that matched their inventories.
 */
export async function startConsoleServer(dialect: DialectName): Promise<ConsoleServer> {
  assert.ok(existsSync(join(DEFAULT_CONSOLE_DIR, 'index.html')), `the console is not built (${DEFAULT_CONSOLE_DIR}): run npm run build`);
  const clock = new LiveClock();
  const live = await startLiveServer(dialect, clock, { hosts: { pollWaitSeconds: 2, monitorIntervalMs: 100, schedulerIntervalSeconds: 1 } });
  const baseUrl = live.server.url.replace('://[::1]', '://127.0.0.1');
  const { domain, project, user } = live.account;
  const work = mkdtempSync(join(tmpdir(), 'openhss-console-hosts-'));
  const agents: Array<{ controller: AbortController; done: Promise<number> }> = [];

  let token = '';
  let tokenExpiresAt = 0;
  const signIn = async () => {
    const res = await fetch(`${baseUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user.name, password: user.password, domain: { name: domain.name } } } }, scope: { project: { id: project.id } } } }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    token = res.headers.get('x-subject-token')!;
    tokenExpiresAt = Date.parse((JSON.parse(text) as { token: { expires_at: string } }).token.expires_at);
  };
  const api = async <T>(method: string, path: string, body?: unknown) => {
    // The server's clock may have been moved past the token's lifetime.
    if (!token || tokenExpiresAt <= clock.now() + 60_000) await signIn();
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const close = async () => {
    for (const agent of agents) agent.controller.abort();
    await Promise.all(agents.map((a) => a.done.catch(() => undefined)));
    await live.close();
    rmSync(work, { recursive: true, force: true });
  };

  try {
    for (const host of HOSTS) {
      const issued = await api<{ token: string }>('POST', `/v5/${project.id}/openhss/agent-enrolment-tokens`, { description: `console test ${host.name}` });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const controller = new AbortController();
      const done = runAgent({
        server: baseUrl,
        token: issued.body.token,
        stateDir: join(work, `state-${host.name}`),
        root: writeRoot(work, host),
        logger: quietAgentLog,
        signal: controller.signal,
        backoff: { initialMs: 50, maxMs: 500 },
      });
      agents.push({ controller, done });
    }
    const services = live.server.runtime.services;
    const listed = await eventually('every agent to enrol and upload its inventory', async () => {
      const { hosts } = await services.hosts.list(project.id, {}, { offset: 0, limit: 100 });
      return hosts.length === HOSTS.length && hosts.every((h) => h.inventoryHash) ? hosts : undefined;
    });
    const started = await api<{ task_id: string }>('POST', `/v5/${project.id}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'all_host' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const scanTaskId = started.body.task_id;
    await eventually('the seeding scan task to finish', async () => {
      const res = await api<{ data_list: Array<{ status: string; success_host_num: number; failed_host_num: number }> }>('GET', `/v5/${project.id}/vulnerability/scan-tasks?task_id=${scanTaskId}`);
      const task = res.body.data_list[0];
      if (task?.status !== 'finished') return undefined;
      assert.deepEqual([task.success_host_num, task.failed_host_num], [HOSTS.length, 0], 'every seeded host scanned');
      return task;
    });
    const hosts: SeededHost[] = HOSTS.map((fixture) => {
      const row = listed.find((h) => h.hostName === fixture.name);
      assert.ok(row, `host ${fixture.name} enrolled`);
      return { name: fixture.name, hostId: row.id, agentId: row.agentId, expected: fixture.expected };
    });
    const found = new Set<string>();
    for (const type of ['linux_vul', 'app_vul']) {
      const res = await api<{ data_list: Array<{ vul_id: string }> }>('GET', `/v5/${project.id}/vulnerability/vulnerabilities?type=${type}&limit=200`);
      for (const v of res.body.data_list) found.add(v.vul_id);
    }
    for (const id of HOSTS.flatMap((h) => h.expected)) assert.ok(found.has(id), `the seeding scan found ${id} (found: ${[...found].join(', ')})`);
    return {
      baseUrl,
      account: { domain: domain.name, user: user.name, password: user.password, projectId: project.id, projectName: project.name },
      hosts,
      scanTaskId,
      live,
      clock,
      api,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Signs in through the console's form with the first-start account; resolves on the overview page. */
export async function signIn(page: Page, server: Pick<ConsoleServer, 'baseUrl' | 'account'>, options: { password?: string; expectOverview?: boolean } = {}): Promise<void> {
  if (!page.url().startsWith(server.baseUrl)) await page.goto(`${server.baseUrl}/sign-in`);
  await page.getByLabel('Account', { exact: true }).fill(server.account.domain);
  await page.getByLabel('User name', { exact: true }).fill(server.account.user);
  await page.getByLabel('Password', { exact: true }).fill(options.password ?? server.account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (options.expectOverview ?? options.password === undefined) {
    await page.waitForURL((url) => url.pathname === '/overview' || url.pathname.startsWith('/overview/'));
    // The shell is drawn: its main menu is on screen.
    await page.getByRole('navigation').getByRole('menuitem').first().waitFor();
  }
}

/** Fails, listing each one readably, on any serious or critical axe-core violation on the page as it is now. */
export async function expectNoSeriousA11y(page: Page, what = page.url()): Promise<void> {
  // Colours are checked as they settle, not mid-transition (a button fading in measured 4.44:1 on a busy machine):
  // wait until no CSS animation or transition on the page is running.
  // Endless ones (a spinner) are left out.
  // (A function, not a string: the console's CSP refuses eval.)
  type Animations = { document: { getAnimations(): Array<{ playState: string; effect: { getComputedTiming(): { iterations?: number } } | null }> } };
  await page.waitForFunction(
    () => (globalThis as unknown as Animations).document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
    undefined,
    { timeout: 10_000 },
  );
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length === 0) return;
  const lines = serious.map((v) => {
    const nodes = v.nodes.slice(0, 5).map((n) => `      ${n.target.join(' ')}: ${n.failureSummary?.replaceAll('\n', ' ') ?? ''}`);
    return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join('\n')}${v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more` : ''}`;
  });
  assert.fail(`accessibility: ${serious.length} serious or critical axe-core violation(s) on ${what}:\n${lines.join('\n')}`);
}

/** Saves a full-page PNG as docs/screenshots/<name>.png (the README shows them); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  assert.match(name, /^[a-z0-9-]+$/, 'a screenshot name is a plain file name');
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Lazily loaded routes, their data and the fonts settle before the picture is taken.
  await page.waitForLoadState('networkidle');
  await page.locator('.ant-spin-spinning, .ant-skeleton-active').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
  await page.evaluate('document.fonts.ready.then(() => true)');
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
