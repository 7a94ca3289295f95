import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../support/app.js';
import { invalidRequestsFor, type InvalidRequest, type JsonSchema, type OpenApiParameter, type RouteUnderTest } from '../support/invalid-requests.js';

const TARGET = 10_000;

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

function routesFromOpenApi(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): RouteUnderTest[] {
  const routes: RouteUnderTest[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      routes.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(op.requestBody?.content?.['application/json']?.schema ? { body: op.requestBody.content['application/json'].schema } : {}),
        public: Array.isArray(op.security) && op.security.length === 0,
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
