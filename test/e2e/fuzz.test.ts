import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentAuth, createEnrolmentToken, enroll, identity } from '../support/hosts.js';
import { invalidRequestsFor, type InvalidRequest, type JsonSchema, type OpenApiParameter, type RouteUnderTest } from '../support/invalid-requests.js';
import { validRequestArbitrary, type ValidRequest } from '../support/valid-requests.js';
import { completeInventory, inventoryHash, type ReceivedImageReport, type ReceivedInventoryUpload } from '../../src/agent/protocol.js';
import { imageContentHash } from '../../src/agent/image-content-hash.js';

const TARGET = 10_000;
/** Schema-valid requests per route; OPENHSS_FUZZ_SEED replays a failure (the failure message names the seed). */
const VALID_PER_ROUTE = Number(process.env.OPENHSS_FUZZ_RUNS ?? 40);
const VALID_SEED = Number(process.env.OPENHSS_FUZZ_SEED ?? 20_251_123);

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Array<Record<string, unknown>>;
}

function routesFromOpenApi(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): Array<RouteUnderTest & { agent?: true }> {
  const routes: Array<RouteUnderTest & { agent?: true }> = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      routes.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(op.requestBody?.content?.['application/json']?.schema ? { body: op.requestBody.content['application/json'].schema } : {}),
        public: Array.isArray(op.security) && op.security.length === 0,
        ...(op.security?.some((s) => 'agent' in s) ? { agent: true } : {}),
      });
    }
  }
  return routes;
}

describe('fuzz: generated invalid requests at every route', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(async () => {
    await t.close();
  });

  it(`answers ${TARGET}+ invalid requests with a 4xx and an HSS error body, never a 5xx`, async (ctx) => {
    const doc = t.app.swagger() as unknown as { paths: Record<string, Record<string, OpenApiOperation>> };
    const routes = routesFromOpenApi(doc);
    assert.ok(routes.length >= 5, `the OpenAPI document lists ${routes.length} routes`);
    const perRoute = new Map<string, number>();
    let sent = 0;
    for (let seed = 1; sent < TARGET; seed++) {
      for (const route of routes) {
        const requests: InvalidRequest[] = invalidRequestsFor(route, {
          projectId: t.account.project.id,
          authHeaders: { 'x-auth-token': t.token },
          bodyLimit: t.config.server.bodyLimitBytes,
          seed,
        });
        for (const req of requests) {
          const res = await t.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
          const where = `${route.method} ${route.path}: ${req.description} (seed ${seed}) → ${res.statusCode} ${res.body.slice(0, 200)}`;
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, where);
          const body = res.json() as { error_code?: unknown; error_msg?: unknown };
          assert.equal(typeof body.error_code, 'string', where);
          assert.match(String(body.error_code), /^(HSS|APIGW)\.\d{4}$/, where);
          assert.equal(typeof body.error_msg, 'string', where);
          assert.ok(res.headers['x-request-id'], where);
          sent++;
          perRoute.set(`${route.method} ${route.path}`, (perRoute.get(`${route.method} ${route.path}`) ?? 0) + 1);
        }
      }
    }
    ctx.diagnostic(`sent ${sent} invalid requests: ${[...perRoute].map(([r, n]) => `${r} ${n}`).join(', ')}`);
    assert.ok(sent >= TARGET);
    for (const route of routes) assert.ok((perRoute.get(`${route.method} ${route.path}`) ?? 0) > 0, `${route.method} ${route.path} was fuzzed`);
  });
});

/**
 * The one rule of some bodies no JSON schema can state: a content hash over
 * the rest of the body. Set it, so the request reaches the code behind it.
 */
function withContentHashes(req: ValidRequest): ValidRequest {
  if (req.method === 'POST' && req.url.startsWith('/agent/v1/inventory') && !req.url.includes('unchanged')) {
    const upload = req.body as ReceivedInventoryUpload;
    return { ...req, body: { ...upload, content_hash: inventoryHash(upload) } };
  }
  if (req.method === 'POST' && req.url.startsWith('/agent/v1/images')) {
    const report = req.body as ReceivedImageReport;
    return { ...req, body: { ...report, images: report.images.map((i) => (i.inventory ? { ...i, content_hash: imageContentHash(completeInventory(i.inventory)) } : i)) } };
  }
  return req;
}

describe('fuzz: generated schema-valid requests at every route', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(async () => {
    await t.close();
  });

  it(`answers ${VALID_PER_ROUTE} schema-valid requests per route (seed ${VALID_SEED}) with a 2xx or a 4xx, never a 5xx`, async (ctx) => {
    const doc = t.app.swagger() as unknown as { paths: Record<string, Record<string, OpenApiOperation>> };
    const routes = routesFromOpenApi(doc);
    const agent = await enroll(t.app, await createEnrolmentToken(t.app, t.account.project.id, t.token), identity('fuzz-1'));
    // Addresses the server would contact stay on this machine (nothing listens on port 9); the long poll stays short.
    const overrides = {
      url: fc.constantFrom('http://127.0.0.1:9', 'https://127.0.0.1:9', 'http://localhost:9/'),
      registry_addr: fc.constantFrom('127.0.0.1:9', 'localhost:9'),
      wait_ms: fc.integer({ min: 0, max: 20 }),
      // Values that get past the first check more often than random text, so the code behind it runs too.
      enterprise_project_id: fc.constantFrom('0', 'all_granted_eps'),
      image_name: fc.oneof(fc.constantFrom('registry.example/ci/app:1', 'app', 'library/nginx:1.25'), fc.stringMatching(/^[a-z0-9]{1,12}(\/[a-z0-9]{1,12})?(:[a-z0-9.]{1,8})?$/)),
    };
    const statuses = new Map<string, Map<number, number>>();
    for (const [i, route] of routes.entries()) {
      const name = `${route.method} ${route.path}`;
      const seed = VALID_SEED + i;
      // OPENHSS_FUZZ_ROUTE (e.g. "POST /v5/{project_id}/image/cicd/reports") replays one route.
      if (process.env.OPENHSS_FUZZ_ROUTE && process.env.OPENHSS_FUZZ_ROUTE !== name) continue;
      const headers: Record<string, string> = route.public ? {} : route.agent ? agentAuth(agent) : { 'x-auth-token': t.token };
      // Header parameters (region) are left out: they are accepted and ignored. The long poll always gets a
      // short wait_ms: without one it waits 25 s.
      const parameters = route.parameters.filter((p) => p.in !== 'header').map((p) => (p.name === 'wait_ms' ? { ...p, required: true } : p));
      const requests = validRequestArbitrary({ ...route, parameters }, { pathValues: { project_id: t.account.project.id }, headers, overrides }).map(withContentHashes);
      const seen = new Map<number, number>();
      if (process.env.OPENHSS_FUZZ_TRACE) console.error(`fuzz ${name} ${new Date().toISOString()}`);
      statuses.set(name, seen);
      const result = await fc.check(
        fc.asyncProperty(requests, async (req) => {
          if (process.env.OPENHSS_FUZZ_TRACE) console.error(`  ${req.method} ${req.url.slice(0, 200)}`);
          const res = await t.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.body !== undefined ? { payload: JSON.stringify(req.body) } : {}) });
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          const where = `${res.statusCode} ${res.body.slice(0, 300)}`;
          assert.ok(res.statusCode >= 200 && res.statusCode < 500, where);
          if (res.statusCode >= 400) assert.match(String((res.json() as { error_code?: unknown }).error_code), /^(HSS|APIGW)\.\d{4}$/, where);
        }),
        { seed, numRuns: VALID_PER_ROUTE, endOnFailure: true },
      );
      if (result.failed) {
        assert.fail(`${name}: a schema-valid request got a 5xx or a malformed error.\n${fc.defaultReportMessage(result)}\nReplay: OPENHSS_FUZZ_SEED=${VALID_SEED} (route seed ${seed}).`);
      }
    }
    ctx.diagnostic(`seed ${VALID_SEED}: ${[...statuses].map(([r, m]) => `${r} ${[...m].map(([c, n]) => `${c}×${n}`).join('/')}`).join(', ')}`);
    if (!process.env.OPENHSS_FUZZ_ROUTE) for (const route of routes) assert.ok((statuses.get(`${route.method} ${route.path}`)?.size ?? 0) > 0, `${route.method} ${route.path} was fuzzed`);
  });
});
