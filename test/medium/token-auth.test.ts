import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/app.js';

const tokenBody = (user: string, password: string, domain: string, project: { id?: string; name?: string }) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } },
    scope: { project },
  },
});

for (const backend of backends) {
  describe(`token authentication (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(async () => {
      await t.close();
    });

    it('issues a token for a password login and accepts it on /v5 routes', async () => {
      const { account } = t;
      const login = await t.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: tokenBody(account.user.name, account.user.password, account.domain.name, { id: account.project.id }),
      });
      assert.equal(login.statusCode, 201, login.body);
      const token = login.headers['x-subject-token'];
      assert.equal(typeof token, 'string');
      const body = login.json();
      assert.equal(body.token.project.id, account.project.id);
      assert.equal(body.token.user.name, 'admin');
      assert.deepEqual(body.token.methods, ['password']);
      const lifetime = Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at);
      assert.equal(lifetime, 24 * 3600 * 1000, 'tokens last 24 hours by default');

      const policy = await t.app.inject({ method: 'GET', url: `/v5/${account.project.id}/vulnerability/scan-policy`, headers: { 'x-auth-token': String(token) } });
      assert.equal(policy.statusCode, 200, policy.body);
      assert.equal(policy.json().scan_period, 'one_day');
      assert.match(String(policy.headers['x-request-id']), /^[0-9a-f]{32}$/);
    });

    it('scopes a token by project name too', async () => {
      const { account } = t;
      const login = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: tokenBody('admin', account.user.password, account.domain.name, { name: 'default' }) });
      assert.equal(login.statusCode, 201, login.body);
    });

    it('refuses a wrong password, an unknown user and a project the user is not in, with APIGW 401s', async () => {
      const { account } = t;
      const cases = [
        tokenBody('admin', 'wrong-password', account.domain.name, { id: account.project.id }),
        tokenBody('nobody', account.user.password, account.domain.name, { id: account.project.id }),
        tokenBody('admin', account.user.password, 'other-domain', { id: account.project.id }),
        tokenBody('admin', account.user.password, account.domain.name, { id: '0123456789abcdef0123456789abcdef' }),
      ];
      for (const payload of cases) {
        const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload });
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json().error_code, 'APIGW.0301');
        assert.equal(res.headers['x-subject-token'], undefined);
      }
    });

    it('locks a user out for 15 minutes after 5 wrong passwords, even with the right one', async () => {
      const identity = t.runtime.services.identity;
      await identity.createUser({ domainName: t.account.domain.name, userName: 'guessed', password: 'right-password-1', projectIds: [t.account.project.id] });
      const attempt = (password: string) =>
        t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: tokenBody('guessed', password, t.account.domain.name, { id: t.account.project.id }) });
      for (let i = 0; i < 5; i++) assert.equal((await attempt(`wrong-${i}`)).statusCode, 401);
      const locked = await attempt('right-password-1');
      assert.equal(locked.statusCode, 401);
      assert.match(locked.json().error_msg, /Too many failed logins/);
      assert.equal((await attempt('right-password-1')).statusCode, 401, 'still locked');
      const adminStillWorks = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: tokenBody('admin', t.account.user.password, t.account.domain.name, { id: t.account.project.id }) });
      assert.equal(adminStillWorks.statusCode, 201, 'other users are not affected');
      t.clock.advance(15 * 60_000 + 1);
      assert.equal((await attempt('right-password-1')).statusCode, 201, 'the lock ends with the window');
      t.clock.current = Date.now();
    });

    it('rejects requests without credentials with an APIGW-style 401 body carrying the request id', async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v5/${t.account.project.id}/vulnerability/scan-policy`, headers: { 'x-request-id': 'req-123' } });
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), {
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
        request_id: 'req-123',
      });
      assert.equal(res.headers['x-request-id'], 'req-123');
    });

    it('rejects a tampered or forged token', async () => {
      const [prefix, claims, mac] = t.token.split('.');
      const forgedClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(claims!, 'base64url').toString()), projectId: 'f'.repeat(32) })).toString('base64url');
      for (const token of [`${prefix}.${forgedClaims}.${mac}`, `${prefix}.${claims}.${mac!.slice(0, -2)}AA`, 'garbage', 'a.b.c']) {
        const res = await t.app.inject({ method: 'GET', url: `/v5/${t.account.project.id}/vulnerability/scan-policy`, headers: { 'x-auth-token': token } });
        assert.equal(res.statusCode, 401, token);
        assert.equal(res.json().error_code, 'APIGW.0301');
      }
    });

    it('expires tokens after their lifetime with APIGW.0307', async () => {
      const { token } = await t.runtime.services.auth.issueFor(t.account.user.id, t.account.project.id, ['token']);
      const url = `/v5/${t.account.project.id}/vulnerability/scan-policy`;
      t.clock.advance(24 * 3600 * 1000 - 1000);
      assert.equal((await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } })).statusCode, 200);
      t.clock.advance(2000);
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': token } });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error_code, 'APIGW.0307');
      t.clock.current = Date.now();
    });
  });
}
