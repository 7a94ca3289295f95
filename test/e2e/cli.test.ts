import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, parseFirstStart, startServerProcess, type ServerProcess } from '../support/server-process.js';

const run = promisify(execFile);

describe('openhss identity commands (the built CLI)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openhss-cli-'));
  const env = { PATH: process.env.PATH ?? '', HOME: dataDir, OPENHSS_DATA_DIR: dataDir, OPENHSS_LOG_LEVEL: 'silent' };
  const cli = async (args: string[], input?: string) => {
    const child = run(process.execPath, [CLI, ...args], { env });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    }
    return (await child).stdout;
  };
  let server: ServerProcess;
  let projectId: string;

  before(async () => {
    server = await startServerProcess(env);
    projectId = parseFirstStart(server.output())!.projectId;
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const policy = (headers: Record<string, string>, project = projectId) => fetch(`${server.url}/v5/${project}/vulnerability/scan-policy`, { headers });

  it('`token` prints a token the running server accepts', async () => {
    const token = (await cli(['token', '--user', 'admin'])).trim();
    assert.match(token, /^ohss1\./);
    assert.equal((await policy({ 'x-auth-token': token })).status, 200);
  });

  it('`user create` with --password-stdin, then the IAM login works with that password', async () => {
    const out = await cli(['user', 'create', '--name', 'ops', '--project', 'default', '--password-stdin'], 'ops-password-123\n');
    assert.match(out, /user ops created/);
    assert.ok(!out.includes('ops-password-123'));
    const login = await fetch(`${server.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: 'ops', password: 'ops-password-123', domain: { name: 'openhss' } } } }, scope: { project: { name: 'default' } } },
      }),
    });
    assert.equal(login.status, 201);
  });

  it('`user create` without a password prints a generated one once', async () => {
    const out = await cli(['user', 'create', '--name', 'auditor', '--project', projectId]);
    assert.match(out, /password: \S{24}\s+\(shown once\)/);
  });

  it('`credential create|list|disable|enable` manage an AK/SK and never list the secret', async () => {
    const created = await cli(['credential', 'create', '--user', 'ops', '--description', 'ci pipeline']);
    const ak = /AK: (\S+)/.exec(created)![1]!;
    const sk = /SK: (\S+)/.exec(created)![1]!;
    assert.match(created, new RegExp(`project_id: ${projectId}`));
    const listed = await cli(['credential', 'list', '--user', 'ops']);
    assert.match(listed, new RegExp(`${ak}\\s+active\\s+project ${projectId}.*ci pipeline`));
    assert.ok(!listed.includes(sk), 'the SK is never listed');

    await cli(['credential', 'disable', ak]);
    assert.match(await cli(['credential', 'list', '--user', 'ops']), new RegExp(`${ak}\\s+disabled`));
    await cli(['credential', 'enable', ak]);
    assert.match(await cli(['credential', 'list', '--user', 'ops']), new RegExp(`${ak}\\s+active`));
  });

  it('`project create`, `enterprise-project create` and `user grant` shape what a token may reach', async () => {
    const ep = /enterprise_project_id (\S+)/.exec(await cli(['enterprise-project', 'create', 'payments']))![1]!;
    const opsToken = (await cli(['token', '--user', 'ops'])).trim();
    assert.equal((await fetch(`${server.url}/v5/${projectId}/vulnerability/scan-policy?enterprise_project_id=${ep}`, { headers: { 'x-auth-token': opsToken } })).status, 403);
    await cli(['user', 'grant', '--name', 'ops', '--enterprise-project', 'payments']);
    const granted = (await cli(['token', '--user', 'ops'])).trim();
    assert.equal((await fetch(`${server.url}/v5/${projectId}/vulnerability/scan-policy?enterprise_project_id=${ep}`, { headers: { 'x-auth-token': granted } })).status, 200);

    const other = /project_id (\S+)/.exec(await cli(['project', 'create', 'staging']))![1]!;
    await assert.rejects(cli(['token', '--user', 'ops', '--project', 'staging']), /no access to the requested project/);
    await cli(['user', 'grant', '--name', 'ops', '--project', 'staging']);
    const stagingToken = (await cli(['token', '--user', 'ops', '--project', 'staging'])).trim();
    assert.equal((await policy({ 'x-auth-token': stagingToken }, other)).status, 200);
    assert.equal((await policy({ 'x-auth-token': stagingToken })).status, 403, 'a token reaches only its own project');
  });

  it('reports bad input plainly and exits non-zero', async () => {
    await assert.rejects(cli(['user', 'create', '--name', 'ops', '--project', 'default']), /User ops already exists/);
    await assert.rejects(cli(['credential', 'disable', 'NOSUCHKEY']), /Credential NOSUCHKEY does not exist/);
    await assert.rejects(cli(['token', '--user', 'ghost']), /User ghost does not exist/);
  });
});
