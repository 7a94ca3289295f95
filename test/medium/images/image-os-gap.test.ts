import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { DEBIAN_12 } from '../../support/hosts.js';

// An image whose OS has no advisory data (Huawei Cloud EulerOS here) must not pass as clean: its scan
// fails with the reason, while a Debian image on the same DB succeeds. Its language findings are still stored.
const HCE = { id: 'hce', versionId: '2.0', version: '2.0 (x86_64)', prettyName: 'Huawei Cloud EulerOS 2.0 (x86_64)' };
const OPENSSL_HCE = { type: 'rpm', name: 'openssl-libs', version: '1:1.1.1m-15.hce2', epoch: 1, release: '15.hce2', architecture: 'x86_64', sourceRpm: 'openssl-1.1.1m-15.hce2.src.rpm', location: { path: 'var/lib/rpm/rpmdb.sqlite' } };
const LODASH = { type: 'npm', name: 'lodash', version: '4.17.11', location: { path: 'srv/app/node_modules/lodash/package.json' } };
const CURL = { type: 'deb', name: 'curl', version: '7.88.1-10+deb12u3', architecture: 'amd64', source: { name: 'curl', version: '7.88.1-10+deb12u3' }, location: { path: 'var/lib/dpkg/status' } };

for (const backend of backends) {
  describe(`images whose OS packages cannot be matched (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const res = await t.app.inject({ method, url, headers: { 'x-auth-token': t.token }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: res.statusCode, body: res.json() as { total_num: number; data_list: Array<Record<string, unknown>> }, text: res.body };
    };
    const report = (name: string, digit: string, os: unknown, packages: unknown[]) => ({ image_name: name, image_digest: `sha256:${digit.repeat(64)}`, image_id: `sha256:${digit.repeat(63)}0`, os, packages });

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
    });
    after(() => t.close());

    it('an HCE image fails with the reason and keeps its language findings; a Debian image succeeds', async () => {
      assert.equal((await api('POST', `/v5/${pid}/image/cicd/reports`, report('registry.example/ci/hce-app:1', 'a', HCE, [OPENSSL_HCE, LODASH]))).status, 200);
      assert.equal((await api('POST', `/v5/${pid}/image/cicd/reports`, report('registry.example/ci/deb-app:1', 'b', DEBIAN_12, [CURL]))).status, 200);
      const hce = (await api('GET', `/v5/${pid}/image/cicd/images?image_name=hce-app`)).body.data_list[0]!;
      assert.equal(hce.scan_status, 'failed');
      assert.match(String(hce.scan_failed_desc), /OS packages not matched: hce 2\.0: Huawei Cloud EulerOS publishes no machine-readable advisory feed/);
      const rows = await t.runtime.database.db.selectFrom('image_vuls').select(['vul_id', 'package_name']).where('image_digest', '=', `sha256:${'a'.repeat(64)}`).execute();
      assert.ok(rows.some((r) => r.package_name === 'lodash'), 'the language findings of the image are stored');
      const deb = (await api('GET', `/v5/${pid}/image/cicd/images?image_name=deb-app`)).body.data_list[0]!;
      assert.deepEqual([deb.scan_status, deb.scan_failed_desc], ['success', '']);
    });
  });
}
