import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentHttpClient, AgentHttpError, AgentRejectedError } from '../../../src/agent/client/agent-http.js';

/** A server that answers every request with one status and body, remembering what it was sent. */
async function answering(status: number, body: unknown) {
  const seen: Array<{ url: string; authorization: string | undefined }> = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const auth = { agent_id: 'a1', agent_secret: 'top-secret' };

describe('AgentHttpClient', () => {
  it('throws AgentRejectedError on 401, with the server code and without the secret', async () => {
    const server = await answering(401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' });
    const client = new AgentHttpClient(server.url);
    client.setAuth(auth);
    try {
      await assert.rejects(client.pollCommands(0), (err: unknown) => {
        assert.ok(err instanceof AgentRejectedError);
        assert.equal(err.retryable, false);
        assert.equal(err.code, 'APIGW.0301');
        assert.ok(!err.message.includes('top-secret'));
        return true;
      });
      assert.equal(server.seen[0]?.authorization, 'OpenHSS-Agent a1:top-secret');
      assert.equal(server.seen[0]?.url, '/agent/v1/commands?wait_ms=0');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('calls 5xx and unreachable servers retryable, and a 400 not', async () => {
    for (const [status, retryable] of [
      [503, true],
      [500, true],
      [429, true],
      [400, false],
    ] as const) {
      const server = await answering(status, { error_code: 'HSS.0001', error_msg: 'x' });
      const client = new AgentHttpClient(server.url);
      client.setAuth(auth);
      try {
        await assert.rejects(client.putIdentity({ host_name: 'h', ips: [], os_type: 'Linux', os_name: 'L', os_version: '', kernel: 'k', agent_version: '0' }), (err: unknown) => {
          assert.ok(err instanceof AgentHttpError && !(err instanceof AgentRejectedError));
          assert.equal(err.status, status);
          assert.equal(err.retryable, retryable, `HTTP ${status}`);
          return true;
        });
      } finally {
        await client.close();
        await server.close();
      }
    }
    const gone = await answering(200, {});
    await gone.close();
    const client = new AgentHttpClient(gone.url);
    client.setAuth(auth);
    await assert.rejects(client.pollCommands(0), (err: unknown) => err instanceof AgentHttpError && err.retryable && err.status === null);
    await client.close();
  });

  it('returns null for a 409 on the unchanged report, so the caller uploads in full', async () => {
    const server = await answering(409, { error_code: 'HSS.0014', error_msg: 'unknown hash' });
    const client = new AgentHttpClient(`${server.url}/prefix`);
    client.setAuth(auth);
    try {
      assert.equal(await client.reportUnchanged({ content_hash: 'h', collected_at: 1 }), null);
      assert.equal(server.seen[0]?.url, '/prefix/agent/v1/inventory/unchanged', 'a server under a sub-path is honoured');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('clamps the long-poll wait to the protocol maximum', async () => {
    const server = await answering(200, { commands: [] });
    const client = new AgentHttpClient(server.url);
    client.setAuth(auth);
    try {
      assert.deepEqual(await client.pollCommands(999_999), { commands: [] });
      assert.equal(server.seen[0]?.url, '/agent/v1/commands?wait_ms=30000');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('refuses a server URL that is not http(s)', () => {
    assert.throws(() => new AgentHttpClient('ftp://127.0.0.1'), /http:\/\/ or https:\/\//);
    assert.throws(() => new AgentHttpClient('not a url'), /not a URL/);
  });
});
