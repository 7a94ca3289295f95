import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClusterScanError, collectLiveSnapshot, parseSnapshot, scanCluster } from '../../../src/cluster/index.js';
import { startFakeApiServer, type FakeApiServer } from '../../support/kube/fake-api-server.js';
import { fixtureParts, fixtureText } from '../../support/kube/fixture.js';
import { kubeconfigFor } from '../../support/kube/kubeconfig.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.scanner-token-5f2b9c';
const ALL_TYPES = ['cluster_vul', 'risk_assessment', 'benchmark'] as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejectsWith(promise: Promise<unknown>, kind: string): Promise<ClusterScanError> {
  const err = await promise.then(
    () => assert.fail(`expected ClusterScanError ${kind}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ClusterScanError, `expected ClusterScanError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.ok(!err.message.includes(TOKEN) && !err.reason.includes(TOKEN), 'the reason must not carry the token');
  return err;
}

describe('live cluster collection against a fake API server', () => {
  let server: FakeApiServer;
  before(async () => {
    server = await startFakeApiServer({ ...fixtureParts(), token: TOKEN });
  });
  after(async () => {
    await server.close();
  });

  it('reads the same snapshot as the offline fixture, page by page, with GETs only', async () => {
    const live = await collectLiveSnapshot(kubeconfigFor(server.url, TOKEN), { pageSize: 2 });
    const offline = parseSnapshot(fixtureText());
    assert.deepEqual(live, offline);
    assert.deepEqual(scanCluster(live, ALL_TYPES), scanCluster(offline, ALL_TYPES));

    assert.deepEqual(server.writes, []);
    assert.deepEqual(server.invalidResponses, []);
    assert.ok(server.requests.every((r) => r.method === 'GET'));
    const lists = server.requests.filter((r) => r.path !== '/version');
    assert.ok(lists.every((r) => r.query.limit === '2'), 'every list call sends limit');
    const podPages = lists.filter((r) => r.path === '/api/v1/pods');
    assert.equal(podPages.length, Math.ceil(offline.pods.length / 2));
    assert.ok(podPages.slice(1).every((r) => typeof r.query.continue === 'string'), 'later pages send the continue token');
    assert.ok(server.requests.some((r) => r.path === '/version'));
  });

  it('fails as unauthorized on a wrong token, without echoing credentials', async () => {
    const err = await rejectsWith(collectLiveSnapshot(kubeconfigFor(server.url, `${TOKEN}-wrong`)), 'unauthorized');
    assert.match(err.reason, /HTTP 401/);
    assert.ok(!err.reason.includes(`${TOKEN}-wrong`));
  });

  it('fails as unreachable when nothing listens', async () => {
    const port = await freePort();
    const err = await rejectsWith(collectLiveSnapshot(kubeconfigFor(`http://127.0.0.1:${port}`, TOKEN)), 'unreachable');
    assert.match(err.reason, /ECONNREFUSED/);
  });

  it('refuses an exec user and a broken kubeconfig as invalid input', async () => {
    const exec = kubeconfigFor(server.url, TOKEN).replace(`    token: ${JSON.stringify(TOKEN)}\n`, '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n');
    await rejectsWith(collectLiveSnapshot(exec), 'invalid-input');
    await rejectsWith(collectLiveSnapshot(`clusters: [\n  token: ${TOKEN}`), 'invalid-input');
    await rejectsWith(collectLiveSnapshot(kubeconfigFor(server.url, TOKEN).replace('current-context: test', 'current-context: other')), 'invalid-input');
  });

  it('refuses an http:// server without insecure-skip-tls-verify as invalid input', async () => {
    await rejectsWith(collectLiveSnapshot(kubeconfigFor(server.url, TOKEN).replace('    insecure-skip-tls-verify: true\n', '')), 'invalid-input');
  });
});

describe('live cluster collection failures', () => {
  it('fails as forbidden when one resource is denied', async () => {
    const server = await startFakeApiServer({ ...fixtureParts(), token: TOKEN, forbiddenPaths: ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'] });
    try {
      const err = await rejectsWith(collectLiveSnapshot(kubeconfigFor(server.url, TOKEN)), 'forbidden');
      assert.match(err.reason, /clusterrolebindings is forbidden/);
      assert.deepEqual(server.writes, []);
    } finally {
      await server.close();
    }
  });

  it('fails as api-error on a server error', async () => {
    const server = await startFakeApiServer({ ...fixtureParts(), token: TOKEN, failingPaths: ['/api/v1/pods'] });
    try {
      const err = await rejectsWith(collectLiveSnapshot(kubeconfigFor(server.url, TOKEN)), 'api-error');
      assert.match(err.reason, /HTTP 500.*etcdserver/);
    } finally {
      await server.close();
    }
  });

  it('restarts a list once when its continue token has expired', async () => {
    const server = await startFakeApiServer({ ...fixtureParts(), token: TOKEN, expireFirstContinue: ['/api/v1/pods'] });
    try {
      const live = await collectLiveSnapshot(kubeconfigFor(server.url, TOKEN), { pageSize: 3 });
      assert.deepEqual(live, parseSnapshot(fixtureText()));
      const firstPages = server.requests.filter((r) => r.path === '/api/v1/pods' && r.query.continue === undefined);
      assert.equal(firstPages.length, 2, 'listed pods from the top twice');
    } finally {
      await server.close();
    }
  });

  it('gives up on a slow server after the timeout', async () => {
    const server = await startFakeApiServer({ ...fixtureParts(), token: TOKEN, delayMs: 1_000 });
    try {
      const started = Date.now();
      const err = await rejectsWith(collectLiveSnapshot(kubeconfigFor(server.url, TOKEN), { timeoutMs: 150 }), 'unreachable');
      assert.match(err.reason, /no response within 0.15 s/);
      assert.ok(Date.now() - started < 900, 'the timeout, not the server, ended the request');
    } finally {
      await server.close();
    }
  });
});
