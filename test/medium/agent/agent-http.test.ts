import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentHttpClient, AgentHttpError, AgentRejectedError } from '../../../src/agent/client/agent-http.js';
import { inventoryHash, type HostIdentity, type InventoryUpload } from '../../../src/agent/protocol.js';
import { AgentTestServer, waitFor } from './agent-server.js';

const identity: HostIdentity = { host_name: 'h', ips: ['10.0.0.9'], os_type: 'Linux', os_name: 'L', os_version: '1', kernel: 'k', agent_version: '0' };

function upload(): InventoryUpload {
  const document = { os: { id: 'debian', versionId: '12' }, packages: [] };
  return { ...document, content_hash: inventoryHash(document), collected_at: 1, warnings: [] };
}

const isHttpError = (status: number | null, retryable: boolean) => (err: unknown) => {
  assert.ok(err instanceof AgentHttpError && !(err instanceof AgentRejectedError), String(err));
  assert.equal(err.status, status);
  assert.equal(err.retryable, retryable, `HTTP ${status}`);
  return true;
};

describe('AgentHttpClient against the real server', { timeout: 120_000 }, () => {
  let server: AgentTestServer;
  before(async () => {
    server = await AgentTestServer.start();
  });
  after(async () => {
    await server.close();
  });

  /** A client enrolled with a fresh token, as a new agent would be. */
  async function enrolled(base = server.url) {
    const enrolling = new AgentHttpClient(server.url);
    const answer = await enrolling.enroll({ token: await server.enrolmentToken(), identity }).finally(() => enrolling.close());
    const client = new AgentHttpClient(base);
    client.setAuth(answer);
    return { client, answer };
  }

  it('throws AgentRejectedError on 401, with the server code and without the secret', async () => {
    const client = new AgentHttpClient(server.url);
    client.setAuth({ agent_id: 'a1', agent_secret: 'top-secret' });
    const before = server.requests.length;
    try {
      await assert.rejects(client.pollCommands(0), (err: unknown) => {
        assert.ok(err instanceof AgentRejectedError);
        assert.equal(err.retryable, false);
        assert.equal(err.status, 401);
        assert.equal(err.code, 'APIGW.0301');
        assert.match(err.message, /HTTP 401 APIGW\.0301/);
        assert.ok(!err.message.includes('top-secret'));
        return true;
      });
      const seen = server.requests.slice(before);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.headers.authorization, 'OpenHSS-Agent a1:top-secret');
      assert.equal(seen[0]!.path, '/agent/v1/commands');
      assert.equal(seen[0]!.query.get('wait_ms'), '0');
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown enrolment token with AgentRejectedError', async () => {
    const client = new AgentHttpClient(server.url);
    try {
      await assert.rejects(client.enroll({ token: 'never-issued', identity }), (err: unknown) => err instanceof AgentRejectedError && err.code === 'APIGW.0301' && !err.message.includes('never-issued'));
    } finally {
      await client.close();
    }
  });

  it('calls a 400 not retryable: a schema-invalid identity or upload, or a hash that does not match', async () => {
    const { client } = await enrolled();
    try {
      await assert.rejects(client.putIdentity({ ...identity, host_name: '' }), isHttpError(400, false));
      await assert.rejects(client.uploadInventory({ ...upload(), content_hash: 'not-a-hash' }), isHttpError(400, false));
      await assert.rejects(client.uploadInventory({ ...upload(), content_hash: '0'.repeat(64) }), isHttpError(400, false));
      await assert.rejects(client.uploadInventory({ ...upload(), packages: [{ type: 'bogus' }] } as unknown as InventoryUpload), isHttpError(400, false));
    } finally {
      await client.close();
    }
  });

  it('calls an unreachable server retryable', async () => {
    // A real server that has shut down: its port refuses connections.
    const gone = await AgentTestServer.start();
    await gone.close();
    const client = new AgentHttpClient(gone.url);
    client.setAuth({ agent_id: 'a1', agent_secret: 's' });
    try {
      await assert.rejects(client.pollCommands(0), isHttpError(null, true));
      await assert.rejects(client.enroll({ token: 't', identity }), isHttpError(null, true));
    } finally {
      await client.close();
    }
  });

  it('returns null for a 409 on the unchanged report, so the caller uploads in full', async () => {
    const { client } = await enrolled();
    try {
      const sent = upload();
      assert.equal(await client.reportUnchanged({ content_hash: sent.content_hash, collected_at: 1 }), null, 'nothing stored yet');
      assert.deepEqual(await client.uploadInventory(sent), { changed: true, content_hash: sent.content_hash });
      assert.deepEqual(await client.reportUnchanged({ content_hash: sent.content_hash, collected_at: 2 }), { changed: false, content_hash: sent.content_hash });
      assert.equal(await client.reportUnchanged({ content_hash: 'f'.repeat(64), collected_at: 3 }), null, 'a hash the server does not hold');
    } finally {
      await client.close();
    }
  });

  it('honours a server URL with a sub-path', async () => {
    const { client } = await enrolled(`${server.url}/prefix`);
    const before = server.requests.length;
    try {
      // This server is mounted at the root, so it answers 404; what matters is where the request went.
      await assert.rejects(client.reportUnchanged({ content_hash: 'f'.repeat(64), collected_at: 1 }), isHttpError(404, false));
      assert.deepEqual(
        server.requests.slice(before).map((r) => r.path),
        ['/prefix/agent/v1/inventory/unchanged'],
      );
    } finally {
      await client.close();
    }
  });

  it('clamps the long-poll wait to the protocol maximum', async () => {
    const { client, answer } = await enrolled();
    try {
      // A waiting command makes the server answer at once, whatever the wait.
      const id = await server.runtime.services.agents.issueCommand(answer.host_id, 'collect_inventory');
      const before = server.requests.length;
      const batch = await client.pollCommands(999_999);
      assert.deepEqual(
        batch.commands.map((c) => [c.id, c.type]),
        [[id, 'collect_inventory']],
      );
      await waitFor('the poll to be recorded', () => server.requests.length > before);
      assert.equal(server.requests[before]!.query.get('wait_ms'), '30000');
    } finally {
      await client.close();
    }
  });

  it('refuses a server URL that is not http(s)', () => {
    assert.throws(() => new AgentHttpClient('ftp://127.0.0.1'), /http:\/\/ or https:\/\//);
    assert.throws(() => new AgentHttpClient('not a url'), /not a URL/);
  });
});

describe('AgentHttpClient and an overloaded server', () => {
  /**
   * The real server cannot be made to answer 5xx or 429 on demand, so this
   * one node:http server does only that: every request gets `status`.
   * Everything else in these tests talks to the real server.
   */
  async function answering(status: number) {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 'HSS.0041', error_msg: 'Internal query error' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('calls 5xx and 429 retryable', async () => {
    for (const status of [503, 500, 429]) {
      const server = await answering(status);
      const client = new AgentHttpClient(server.url);
      client.setAuth({ agent_id: 'a1', agent_secret: 's' });
      try {
        await assert.rejects(client.putIdentity(identity), isHttpError(status, true));
      } finally {
        await client.close();
        await server.close();
      }
    }
  });
});
