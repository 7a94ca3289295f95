import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends } from '../support/databases.js';
import { TestClock } from '../support/app.js';
import { startLiveServer, type LiveServer } from '../support/live-server.js';

// The official SDK writes ~/.huaweicloud/application_id when it builds a client.
process.env.HOME = mkdtempSync(join(tmpdir(), 'openhss-sdk-home-'));
const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;

/** An HSS client as the official Node.js SDK builds one: AK/SK signing, project id, endpoint. */
function sdkClient(endpoint: string, ak: string, sk: string, projectId: string): HcClient {
  const credentials = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  return new ClientBuilder<HcClient>((hc) => hc).withEndpoint(endpoint).withCredential(credentials).build();
}

interface SdkError {
  httpStatusCode?: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
}

async function sdkFailure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  assert.fail('the SDK call was expected to fail');
}

const showPolicy = (client: HcClient, projectId: string, query: Record<string, string> = {}) =>
  client.sendRequest<Record<string, unknown> & { httpStatusCode?: number }>({
    method: 'GET',
    url: '/v5/{project_id}/vulnerability/scan-policy',
    contentType: 'application/json',
    queryParams: query,
    pathParams: { project_id: projectId },
    headers: {},
    data: {},
  });

for (const backend of backends) {
  describe(`the official Huawei Cloud SDK signs requests that openhss accepts (${backend})`, () => {
    let live: LiveServer;
    const clock = new TestClock();
    before(async () => {
      live = await startLiveServer(backend, clock);
    });
    after(async () => {
      await live.close();
    });

    const client = () => sdkClient(live.server.url, live.account.credential.accessKey, live.account.credential.secretKey, live.account.project.id);

    it('GET with query parameters the signer escapes differently from the wire', async () => {
      clock.current = Date.now();
      const res = await showPolicy(client(), live.account.project.id, { enterprise_project_id: 'all_granted_eps', note: "a b*'()!~ü/?&=" });
      assert.equal(res.httpStatusCode, 200);
      assert.equal(res.scan_period, 'one_day');
    });

    it('PUT with a JSON body, then GET sees the change', async () => {
      clock.current = Date.now();
      const put = await client().sendRequest<{ httpStatusCode?: number }>({
        method: 'PUT',
        url: '/v5/{project_id}/vulnerability/scan-policy',
        contentType: 'application/json;charset=UTF-8',
        queryParams: {},
        pathParams: { project_id: live.account.project.id },
        headers: { region: 'local-1' },
        data: { scan_period: 'one_week', scan_range_type: 'all_host', status: 'open', scan_vul_types: ['linux_vul', 'urgent_vul'], time: { day_part: [2, 4], hour_part: 22 } },
      });
      assert.equal(put.httpStatusCode, 200);
      const res = await showPolicy(client(), live.account.project.id);
      assert.equal(res.scan_period, 'one_week');
      assert.deepEqual(res.scan_vul_types, ['linux_vul', 'urgent_vul']);
    });

    it('ChangeVulScanPolicy as the SDK request model builds it (no time block) sets one_month and one_week, whatever was stored', async () => {
      clock.current = Date.now();
      const before = await showPolicy(client(), live.account.project.id);
      // ChangeVulScanPolicyRequestInfo: scan_period, scan_range_type, host_ids, scan_vul_types, status.
      for (const period of ['one_month', 'one_week', 'one_month']) {
        const put = await client().sendRequest<{ httpStatusCode?: number }>({
          method: 'PUT',
          url: '/v5/{project_id}/vulnerability/scan-policy',
          contentType: 'application/json;charset=UTF-8',
          queryParams: { enterprise_project_id: '0' },
          pathParams: { project_id: live.account.project.id },
          headers: {},
          data: { scan_period: period, scan_range_type: 'all_host', host_ids: [], scan_vul_types: ['linux_vul'], status: 'open' },
        });
        assert.equal(put.httpStatusCode, 200);
        const shown = await showPolicy(client(), live.account.project.id);
        assert.equal(shown.scan_period, period);
        const time = shown.time as { day_part: number[]; hour_part: number };
        assert.deepEqual(time.day_part, [1], `${period} defaults to Monday / the 1st`);
        assert.equal(time.hour_part, (before.time as { hour_part: number }).hour_part, 'the stored hour is kept');
      }
    });

    it('refuses a wrong SK, an unknown AK and a disabled AK with 401 APIGW.0301; re-enabling restores access', async () => {
      clock.current = Date.now();
      const { accessKey, secretKey } = live.account.credential;
      const projectId = live.account.project.id;
      // Flip the last character to one it cannot already be, so the key is always wrong.
      const wrongLast = secretKey.endsWith('X') ? 'Y' : 'X';
      const wrongSk = await sdkFailure(showPolicy(sdkClient(live.server.url, accessKey, `${secretKey.slice(0, -1)}${wrongLast}`, projectId), projectId));
      assert.equal(wrongSk.httpStatusCode, 401);
      assert.equal(wrongSk.errorCode, 'APIGW.0301');
      assert.match(wrongSk.errorMsg ?? '', /verify aksk signature fail/);
      assert.ok(wrongSk.requestId, 'the SDK reads the request id');

      const unknown = await sdkFailure(showPolicy(sdkClient(live.server.url, 'AKNOTKNOWN0000000000', secretKey, projectId), projectId));
      assert.equal(unknown.httpStatusCode, 401);

      await live.server.runtime.services.identity.setCredentialEnabled(accessKey, false);
      const disabled = await sdkFailure(showPolicy(client(), projectId));
      assert.equal(disabled.httpStatusCode, 401);
      assert.match(disabled.errorMsg ?? '', /disabled/);
      await live.server.runtime.services.identity.setCredentialEnabled(accessKey, true);
      assert.equal((await showPolicy(client(), projectId)).httpStatusCode, 200);
    });

    it("refuses another project's path with 403 HSS.0013", async () => {
      clock.current = Date.now();
      const other = await live.server.runtime.services.identity.createProject('openhss', `other-${backend}`);
      const denied = await sdkFailure(showPolicy(sdkClient(live.server.url, live.account.credential.accessKey, live.account.credential.secretKey, other.id), other.id));
      assert.equal(denied.httpStatusCode, 403);
      assert.equal(denied.errorCode, 'HSS.0013');
    });

    it('accepts an X-Sdk-Date 14 minutes off the server clock and refuses 16 minutes, either way', async () => {
      for (const [offsetMinutes, ok] of [
        [14, true],
        [-14, true],
        [16, false],
        [-16, false],
      ] as const) {
        clock.current = Date.now() + offsetMinutes * 60_000;
        const call = showPolicy(client(), live.account.project.id);
        if (ok) assert.equal((await call).httpStatusCode, 200, `${offsetMinutes} min`);
        else assert.equal((await sdkFailure(call)).httpStatusCode, 401, `${offsetMinutes} min`);
      }
      clock.current = Date.now();
    });
  });
}
