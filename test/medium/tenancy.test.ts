import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/app.js';

for (const backend of backends) {
  describe(`tenancy (${backend})`, () => {
    let t: TestApp;
    let otherProjectId: string;
    let grantedEp: string;
    let ungrantedEp: string;
    let bobToken: string;

    before(async () => {
      t = await createTestApp(backend);
      const identity = t.runtime.services.identity;
      otherProjectId = (await identity.createProject('openhss', 'other')).id;
      grantedEp = (await identity.createEnterpriseProject('openhss', 'payments')).id;
      ungrantedEp = (await identity.createEnterpriseProject('openhss', 'hr')).id;
      const bob = await identity.createUser({ domainName: 'openhss', userName: 'bob', password: 'bob-password-1', projectIds: [t.account.project.id], enterpriseProjects: ['payments'] });
      bobToken = (await t.runtime.services.auth.issueFor(bob.id, t.account.project.id, ['token'])).token;
    });
    after(async () => {
      await t.close();
    });

    const policyUrl = (projectId: string, ep?: string) => `/v5/${projectId}/vulnerability/scan-policy${ep === undefined ? '' : `?enterprise_project_id=${ep}`}`;

    it("refuses another project's routes with 403 HSS.0013, existing or not", async () => {
      for (const projectId of [otherProjectId, 'not-a-project']) {
        const res = await t.app.inject({ method: 'GET', url: policyUrl(projectId), headers: { 'x-auth-token': t.token } });
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error_code, 'HSS.0013');
      }
    });

    it("does not let one project's writes show in another", async () => {
      const identity = t.runtime.services.identity;
      const carol = await identity.createUser({ domainName: 'openhss', userName: 'carol', password: 'carol-password', projectIds: [otherProjectId] });
      const carolToken = (await t.runtime.services.auth.issueFor(carol.id, otherProjectId, ['token'])).token;
      const put = await t.app.inject({
        method: 'PUT',
        url: policyUrl(otherProjectId),
        headers: { 'x-auth-token': carolToken },
        payload: { scan_period: 'one_week', scan_range_type: 'all_host', status: 'close', time: { day_part: [2] } },
      });
      assert.equal(put.statusCode, 200, put.body);
      const mine = await t.app.inject({ method: 'GET', url: policyUrl(t.account.project.id), headers: { 'x-auth-token': t.token } });
      assert.equal(mine.json().scan_period, 'one_day');
      const theirs = await t.app.inject({ method: 'GET', url: policyUrl(otherProjectId), headers: { 'x-auth-token': carolToken } });
      assert.equal(theirs.json().scan_period, 'one_week');
    });

    it('enterprise_project_id: 0 and all_granted_eps are allowed, a granted id is allowed, an ungranted id gets 403', async () => {
      const get = (ep: string | undefined) => t.app.inject({ method: 'GET', url: policyUrl(t.account.project.id, ep), headers: { 'x-auth-token': bobToken } });
      assert.equal((await get(undefined)).statusCode, 200);
      assert.equal((await get('0')).statusCode, 200);
      assert.equal((await get('all_granted_eps')).statusCode, 200);
      assert.equal((await get(grantedEp)).statusCode, 200);
      const refused = await get(ungrantedEp);
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error_code, 'HSS.0013');
      const unknown = await get('no-such-ep');
      assert.equal(unknown.statusCode, 403);
    });

    it('a grant shows in tokens issued after it', async () => {
      await t.runtime.services.identity.grantEnterpriseProject('openhss', 'bob', 'hr');
      const bob = await t.runtime.services.identity.resolveUser('openhss', 'bob');
      const fresh = (await t.runtime.services.auth.issueFor(bob.id, t.account.project.id, ['token'])).token;
      const res = await t.app.inject({ method: 'GET', url: policyUrl(t.account.project.id, ungrantedEp), headers: { 'x-auth-token': fresh } });
      assert.equal(res.statusCode, 200);
    });
  });
}
