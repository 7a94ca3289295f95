import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { akskHeaders } from '../../support/aksk.js';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import type { JobQueue } from '../../../src/jobs/queue.js';
import { wireStarters } from '../../../src/runtime/starters.js';

for (const backend of backends) {
  describe(`administration: credentials, users, enterprise projects, DB update (${backend})`, () => {
    let t: TestApp;
    let queue: JobQueue;
    let bob: { id: string; token: string };
    let paymentsEp: string;
    let hrEp: string;

    before(async () => {
      t = await createTestApp(backend);
      const identity = t.runtime.services.identity;
      t.clock.advance(1000);
      paymentsEp = (await identity.createEnterpriseProject('openhss', 'payments')).id;
      t.clock.advance(1000);
      hrEp = (await identity.createEnterpriseProject('openhss', 'hr')).id;
      t.clock.advance(1000);
      const user = await identity.createUser({ domainName: 'openhss', userName: 'bob', password: 'bob-password-1', projectIds: [t.account.project.id], enterpriseProjects: ['payments'] });
      bob = { id: user.id, token: (await t.runtime.services.auth.issueFor(user.id, t.account.project.id, ['token'])).token };
      queue = createJobQueue(t.runtime.database, { concurrency: 1, leaseMs: 30_000, pollIntervalMs: 50, maintenanceIntervalSeconds: 1 });
      wireStarters(t.runtime, queue);
      await queue.start();
    });
    after(async () => {
      assert.deepEqual(t.undocumentedStatuses, []);
      await queue.stop(0);
      await t.close();
    });

    const as = (token: string) => ({ 'x-auth-token': token });
    const call = (token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url, headers: as(token), ...(payload ? { payload } : {}) });
    const refused = (res: { statusCode: number; json(): { error_code: string; error_msg: string } }) => {
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error_code, 'HSS.0013');
      assert.match(res.json().error_msg, /first user/);
    };

    it('whoami tells the account administrator (the first user) from other users, with the enterprise projects each may select', async () => {
      const admin = (await call(t.token, 'GET', `/v5/${t.account.project.id}/openhss/whoami`)).json();
      assert.deepEqual(admin.user, { id: t.account.user.id, name: 'admin' });
      assert.deepEqual(admin.project, { id: t.account.project.id, name: 'default' });
      assert.deepEqual(admin.domain, { id: t.account.domain.id, name: 'openhss' });
      assert.equal(admin.is_account_admin, true);
      assert.deepEqual(admin.enterprise_projects.map((e: { name: string }) => e.name), ['default', 'payments', 'hr']);
      const res = await call(bob.token, 'GET', `/v5/${t.account.project.id}/openhss/whoami`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().is_account_admin, false);
      assert.deepEqual(res.json().enterprise_projects, [{ id: '0', name: 'default' }, { id: paymentsEp, name: 'payments' }]);
      assert.equal(res.json().auth_method, 'token');
    });

    it('a user creates their own AK/SK in their project (the SK once), signs with it, disables and deletes it', async () => {
      const created = await call(bob.token, 'POST', '/v3.0/OS-CREDENTIAL/credentials', { credential: { user_id: bob.id, description: 'ci' } });
      assert.equal(created.statusCode, 201, created.body);
      const c = created.json().credential;
      assert.equal(c.user_id, bob.id);
      assert.equal(c.status, 'active');
      assert.equal(c.description, 'ci');
      assert.equal(c.project_id, t.account.project.id);
      assert.match(c.secret, /^\S{20,}$/);
      const credential = { accessKey: c.access as string, secretKey: c.secret as string };
      const url = `/v5/${t.account.project.id}/openhss/whoami`;
      const signed = await t.app.inject({ method: 'GET', url, headers: akskHeaders(credential, 'GET', url) });
      assert.equal(signed.statusCode, 200, signed.body);
      assert.equal(signed.json().user.name, 'bob');
      assert.equal(signed.json().auth_method, 'aksk');

      const listed = await call(bob.token, 'GET', '/v3.0/OS-CREDENTIAL/credentials');
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(listed.json().credentials.map((x: { access: string }) => x.access), [c.access]);
      assert.ok(!listed.body.includes(c.secret), 'the SK is never shown again');

      const disabled = await call(bob.token, 'PUT', `/v3.0/OS-CREDENTIAL/credentials/${c.access}`, { credential: { status: 'inactive', description: 'paused' } });
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal(disabled.json().credential.status, 'inactive');
      assert.equal(disabled.json().credential.description, 'paused');
      const refusedSig = await t.app.inject({ method: 'GET', url, headers: akskHeaders(credential, 'GET', url) });
      assert.equal(refusedSig.statusCode, 401);

      const deleted = await call(bob.token, 'DELETE', `/v3.0/OS-CREDENTIAL/credentials/${c.access}`);
      assert.equal(deleted.statusCode, 204);
      assert.deepEqual((await call(bob.token, 'GET', `/v3.0/OS-CREDENTIAL/credentials?user_id=${bob.id}`)).json().credentials, []);
      assert.equal((await call(bob.token, 'DELETE', `/v3.0/OS-CREDENTIAL/credentials/${c.access}`)).statusCode, 404);
    });

    it("another user's credentials are the first user's business only", async () => {
      const adminKey = t.account.credential.accessKey;
      refused(await call(bob.token, 'GET', `/v3.0/OS-CREDENTIAL/credentials?user_id=${t.account.user.id}`));
      refused(await call(bob.token, 'POST', '/v3.0/OS-CREDENTIAL/credentials', { credential: { user_id: t.account.user.id } }));
      refused(await call(bob.token, 'PUT', `/v3.0/OS-CREDENTIAL/credentials/${adminKey}`, { credential: { status: 'inactive' } }));
      refused(await call(bob.token, 'DELETE', `/v3.0/OS-CREDENTIAL/credentials/${adminKey}`));
      const adminsOwn = await call(t.token, 'GET', '/v3.0/OS-CREDENTIAL/credentials');
      assert.deepEqual(adminsOwn.json().credentials.map((x: { access: string; status: string }) => [x.access, x.status]), [[adminKey, 'active']]);

      const forBob = await call(t.token, 'POST', '/v3.0/OS-CREDENTIAL/credentials', { credential: { user_id: bob.id, description: 'made by the admin' } });
      assert.equal(forBob.statusCode, 201, forBob.body);
      const bobs = await call(t.token, 'GET', `/v3.0/OS-CREDENTIAL/credentials?user_id=${bob.id}`);
      assert.deepEqual(bobs.json().credentials.map((x: { access: string }) => x.access), [forBob.json().credential.access]);
      const unknown = await call(t.token, 'GET', '/v3.0/OS-CREDENTIAL/credentials?user_id=no-such-user');
      assert.equal(unknown.statusCode, 404);
    });

    it('users: the first user lists and creates them (the new user joins the current project and signs in); others get 403', async () => {
      refused(await call(bob.token, 'GET', '/v3/users'));
      refused(await call(bob.token, 'POST', '/v3.0/OS-USER/users', { user: { name: 'mallory', password: 'mallory-password' } }));

      t.clock.advance(1000);
      const created = await call(t.token, 'POST', '/v3.0/OS-USER/users', { user: { name: 'carol', password: 'carol-password', description: 'SRE', enterprise_project_ids: [hrEp] } });
      assert.equal(created.statusCode, 201, created.body);
      const carol = created.json().user;
      assert.equal(carol.name, 'carol');
      assert.equal(carol.domain_id, t.account.domain.id);
      assert.equal(carol.description, 'SRE');
      assert.equal(carol.is_account_admin, false);
      assert.deepEqual(carol.project_ids, [t.account.project.id]);
      const again = await call(t.token, 'POST', '/v3.0/OS-USER/users', { user: { name: 'carol', password: 'carol-password' } });
      assert.equal(again.statusCode, 409);
      const otherDomain = await call(t.token, 'POST', '/v3.0/OS-USER/users', { user: { name: 'dave', password: 'dave-password', domain_id: 'another-account' } });
      assert.equal(otherDomain.statusCode, 403);

      const users = await call(t.token, 'GET', '/v3/users');
      assert.equal(users.statusCode, 200, users.body);
      assert.deepEqual(
        users.json().users.map((u: { name: string; is_account_admin: boolean; enabled: boolean }) => [u.name, u.is_account_admin, u.enabled]),
        [['admin', true, true], ['bob', false, true], ['carol', false, true]],
      );

      const login = await t.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: { auth: { identity: { methods: ['password'], password: { user: { name: 'carol', password: 'carol-password', domain: { name: 'openhss' } } } } } },
      });
      assert.equal(login.statusCode, 201, login.body);
      assert.equal(login.json().token.project.id, t.account.project.id);
      const me = await call(String(login.headers['x-subject-token']), 'GET', `/v5/${t.account.project.id}/openhss/whoami`);
      assert.deepEqual(me.json().enterprise_projects.map((e: { name: string }) => e.name), ['default', 'hr']);
    });

    it('enterprise projects: the first user sees and creates every one and grants them; a user sees the granted ones', async () => {
      refused(await call(bob.token, 'POST', '/v1.0/enterprise-projects', { name: 'ops' }));
      t.clock.advance(1000);
      const created = await call(t.token, 'POST', '/v1.0/enterprise-projects', { name: 'ops', description: 'operations' });
      assert.equal(created.statusCode, 200, created.body);
      const ops = created.json().enterprise_project;
      assert.equal(ops.name, 'ops');
      assert.equal(ops.description, 'operations');
      assert.equal(ops.status, 1);
      assert.equal(ops.type, 'prod');
      assert.ok(!Number.isNaN(Date.parse(ops.created_at)));
      assert.equal((await call(t.token, 'POST', '/v1.0/enterprise-projects', { name: 'ops' })).statusCode, 409);

      const all = (await call(t.token, 'GET', '/v1.0/enterprise-projects')).json();
      assert.deepEqual(all.enterprise_projects.map((e: { name: string }) => e.name), ['default', 'payments', 'hr', 'ops']);
      assert.equal(all.total_count, 4);
      const bobs = () => call(bob.token, 'GET', '/v1.0/enterprise-projects').then((r) => r.json().enterprise_projects.map((e: { name: string }) => e.name));
      assert.deepEqual(await bobs(), ['default', 'payments']);

      refused(await call(bob.token, 'PUT', `/v1.0/enterprise-projects/${ops.id}/users/${bob.id}`));
      assert.equal((await call(t.token, 'PUT', `/v1.0/enterprise-projects/${ops.id}/users/${bob.id}`)).statusCode, 204);
      assert.equal((await call(t.token, 'PUT', `/v1.0/enterprise-projects/no-such-ep/users/${bob.id}`)).statusCode, 404);
      assert.deepEqual(await bobs(), ['default', 'payments', 'ops']);
      // A token issued after the grant may select it in HSS routes.
      const fresh = (await t.runtime.services.auth.issueFor(bob.id, t.account.project.id, ['token'])).token;
      const policy = await call(fresh, 'GET', `/v5/${t.account.project.id}/vulnerability/scan-policy?enterprise_project_id=${ops.id}`);
      assert.equal(policy.statusCode, 200, policy.body);
    });

    it('"update now" queues one vulnerability DB update job a minute, for the first user only', async () => {
      const url = `/v5/${t.account.project.id}/openhss/vulnerability-db/update`;
      refused(await call(bob.token, 'POST', url));
      const first = await call(t.token, 'POST', url);
      assert.equal(first.statusCode, 202, first.body);
      assert.equal(first.json().queued, true);
      const job = await queue.get(first.json().job_id);
      assert.equal(job?.kind, 'vulndb.update');
      const repeat = await call(t.token, 'POST', url);
      assert.deepEqual(repeat.json(), { job_id: null, queued: false });
      t.clock.advance(61_000);
      const later = await call(t.token, 'POST', url);
      assert.equal(later.json().queued, true);
      assert.notEqual(later.json().job_id, first.json().job_id);
    });
  });
}
