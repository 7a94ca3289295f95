/**
 * Extra hosts for the console's browser tests, enrolled and inventoried
 * through the agent API itself (as an agent would), without a running agent:
 * a host stays online for the offline window after its upload, long enough
 * for a scan that uses the inventory it just sent.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { EnrollResponse } from '../../src/agent/protocol.js';
import type { OsRelease, Package } from '../../src/domain/package.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newConsoleContext, signIn, type ConsoleServer } from './browser.js';
import { DEBIAN_12, identity, inventoryOf } from './hosts.js';

export interface ApiHost {
  name: string;
  agentId: string;
  hostId: string;
}

export async function enrolApiHost(server: ConsoleServer, name: string, packages: Package[], os: OsRelease = DEBIAN_12): Promise<ApiHost> {
  const pid = server.account.projectId;
  const issued = await server.api<{ token: string }>('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, { description: `console test ${name}` });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const enrolled = await fetch(`${server.baseUrl}/agent/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: issued.body.token, identity: identity(name, { machine_id: `api-${name}`, ips: ['10.9.0.1'] }) }),
  });
  const enrolledText = await enrolled.text();
  assert.equal(enrolled.status, 201, enrolledText);
  const creds = JSON.parse(enrolledText) as EnrollResponse;
  const uploaded = await fetch(`${server.baseUrl}/agent/v1/inventory`, {
    method: 'POST',
    headers: { authorization: `OpenHSS-Agent ${creds.agent_id}:${creds.agent_secret}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify(inventoryOf(packages, os))),
  });
  const uploadedText = await uploaded.text();
  assert.equal(uploaded.status, 200, uploadedText);
  const hosts = await server.api<{ data_list: Array<{ host_id: string; agent_id: string }> }>('GET', `/v5/${pid}/host-management/hosts?host_name=${encodeURIComponent(name)}&limit=10`);
  const row = hosts.body.data_list.find((h) => h.agent_id === creds.agent_id);
  assert.ok(row, `host ${name} listed`);
  return { name, agentId: creds.agent_id, hostId: row.host_id };
}

/** Starts a manual scan of the hosts' agents and waits until the task has finished. */
export async function scanAndWait(server: ConsoleServer, agentIds: string[], types: string[] = ['linux_vul', 'app_vul']): Promise<string> {
  const pid = server.account.projectId;
  const started = await server.api<{ task_id: string }>('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: types, range_type: 'specific_host', agent_id_list: agentIds });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await server.api<{ data_list: Array<{ status: string }> }>('GET', `/v5/${pid}/vulnerability/scan-tasks?task_id=${started.body.task_id}`);
    if (res.body.data_list[0]?.status === 'finished') return started.body.task_id;
    assert.ok(Date.now() < deadline, 'the scan task finished in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A fresh 1280×800 context (the README screenshots' size) with a page signed in through the form. */
export async function signedInPage(browser: Browser, server: ConsoleServer): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newConsoleContext(browser, { viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, server);
  return { context, page };
}
