import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { ClusterScanError } from '../../../src/cluster/index.js';
import { readOnlyHttpLibrary, scrub } from '../../../src/cluster/source/read-only-http.js';

describe('read-only transport', () => {
  it('refuses every verb but GET before anything is sent', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/namespaces/a/pods`;
    const http = readOnlyHttpLibrary({ timeoutMs: 1_000, secrets: [] });
    try {
      for (const method of [HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE]) {
        await assert.rejects(http.send(new RequestContext(url, method)).toPromise(), (e: unknown) => e instanceof ClusterScanError && /read-only/.test(e.reason));
      }
      assert.equal(received, 0);
      const ok = await http.send(new RequestContext(url, HttpMethod.GET)).toPromise();
      assert.equal(ok.httpStatusCode, 200);
      assert.equal(await ok.body.text(), '{}');
      assert.equal(await ok.body.text(), '{}', 'the body can be read twice: once by the models, once raw');
      assert.equal(received, 1);
    } finally {
      server.close();
    }
  });

  it('scrubs known secrets and bounds the length of reasons', () => {
    assert.equal(scrub('bad token s3cr3t-token here', ['s3cr3t-token']), 'bad token *** here');
    assert.ok(scrub('x'.repeat(1_000), []).length < 320);
  });
});
