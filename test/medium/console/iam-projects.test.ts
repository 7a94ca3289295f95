import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { akskHeaders } from '../../support/aksk.js';

const passwordLogin = (name: string, password: string, scope?: { id?: string; name?: string }) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name, password, domain: { name: 'openhss' } } } },
    ...(scope ? { scope: { project: scope } } : {}),
  },
});
const rescope = (token: string, scope?: { id?: string; name?: string }) => ({
  auth: { identity: { methods: ['token'], token: { id: token } }, ...(scope ? { scope: { project: scope } } : {}) },
});

for (const backend of backends) {
  describe(`project switcher and re-scoping (${backend})`, () => {
    let t: TestApp;
    let second: { id: string; name: string };
    let foreign: { id: string; name: string };

    before(async () => {
      t = await createTestApp(backend);
      const identity = t.runtime.services.identity;
      t.clock.advance(1000);
      second = await identity.createProject('openhss', 'second');
      foreign = await identity.createProject('openhss', 'foreign');
      await identity.addProjectMember('openhss', 'admin', second.id);
      await identity.createUser({ domainName: 'openhss', userName: 'dana', password: 'dana-password', projectIds: [second.id] });
    });
    after(async () => {
      assert.deepEqual(t.undocumentedStatuses, []);
      await t.close();
    });

    const login = async (name: string, password: string, scope?: { id?: string; name?: string }) => {
      const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: passwordLogin(name, password, scope) });
      assert.equal(res.statusCode, 201, res.body);
      return { token: String(res.headers['x-subject-token']), body: res.json() };
    };

    it("lists the projects of the token's user, and only theirs, for a token and for an AK/SK caller's user", async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v3/auth/projects', headers: { 'x-auth-token': t.token } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(
        body.projects.map((p: { id: string; name: string; domain_id: string; enabled: boolean }) => [p.name, p.id, p.domain_id, p.enabled]),
        [
          ['default', t.account.project.id, t.account.domain.id, true],
          ['second', second.id, t.account.domain.id, true],
        ],
      );
      assert.match(body.links.self, /\/v3\/auth\/projects$/);
      const dana = await login('dana', 'dana-password');
      const theirs = await t.app.inject({ method: 'GET', url: '/v3/auth/projects', headers: { 'x-auth-token': dana.token } });
      assert.deepEqual(theirs.json().projects.map((p: { name: string }) => p.name), ['second']);
      const signed = await t.app.inject({ method: 'GET', url: '/v3/auth/projects', headers: akskHeaders(t.account.credential, 'GET', '/v3/auth/projects') });
      assert.equal(signed.statusCode, 200, signed.body);
      assert.deepEqual(signed.json().projects.map((p: { name: string }) => p.name), ['default', 'second']);
      const anonymous = await t.app.inject({ method: 'GET', url: '/v3/auth/projects' });
      assert.equal(anonymous.statusCode, 401);
    });

    it('a password login without scope is scoped to the oldest project the user belongs to', async () => {
      const admin = await login('admin', t.account.user.password);
      assert.equal(admin.body.token.project.id, t.account.project.id);
      const dana = await login('dana', 'dana-password');
      assert.equal(dana.body.token.project.id, second.id);
      assert.deepEqual(dana.body.token.methods, ['password']);
    });

    it('re-scopes a token to another project of its user, keeping its expiry; the new token works there and not in the old one', async () => {
      const first = await login('admin', t.account.user.password, { id: t.account.project.id });
      t.clock.advance(60_000);
      const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: rescope(first.token, { name: 'second' }) });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(body.token.project.id, second.id);
      assert.equal(body.token.user.id, t.account.user.id);
      assert.deepEqual(body.token.methods, ['token']);
      assert.equal(body.token.expires_at, first.body.token.expires_at, 're-scoping does not extend the sign-in');
      const token = String(res.headers['x-subject-token']);
      const there = await t.app.inject({ method: 'GET', url: `/v5/${second.id}/vulnerability/scan-policy`, headers: { 'x-auth-token': token } });
      assert.equal(there.statusCode, 200, there.body);
      const before = await t.app.inject({ method: 'GET', url: `/v5/${t.account.project.id}/vulnerability/scan-policy`, headers: { 'x-auth-token': token } });
      assert.equal(before.statusCode, 403);
    });

    it('refuses a bad or expired token with 401, a project the user is not in (or that does not exist) with 403, and a missing scope with 400', async () => {
      const bad = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: rescope('ohss1.bad.token', { id: second.id }) });
      assert.equal(bad.statusCode, 401);
      assert.equal(bad.json().error_code, 'APIGW.0301');
      const dana = await login('dana', 'dana-password');
      for (const scope of [{ id: foreign.id }, { id: t.account.project.id }, { name: 'no-such-project' }]) {
        const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: rescope(dana.token, scope) });
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error_code, 'HSS.0013');
      }
      const noScope = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: rescope(dana.token) });
      assert.equal(noScope.statusCode, 400);
      assert.match(noScope.json().error_msg, /auth\.scope/);
      const noToken = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: { auth: { identity: { methods: ['token'] }, scope: { project: { id: second.id } } } } });
      assert.equal(noToken.statusCode, 400);
      assert.match(noToken.json().error_msg, /auth\.identity\.token/);
      t.clock.advance(25 * 3600 * 1000);
      const expired = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: rescope(dana.token, { id: second.id }) });
      assert.equal(expired.statusCode, 401);
    });
  });
}
