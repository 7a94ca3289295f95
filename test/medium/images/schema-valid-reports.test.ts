import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { agentAuth, createEnrolmentToken, DEBIAN_12, enroll, identity, uploadInventory } from '../../support/hosts.js';
import { imageContentHash } from '../../../src/agent/image-content-hash.js';
import { inventoryHash, type EnrollResponse } from '../../../src/agent/protocol.js';

// Packages as a client other than the openhss agent may send them: the schema makes
// a deb's `source`, an apk's `origin` and every `architecture` optional.
const CURL_NO_SOURCE = { type: 'deb', name: 'curl', version: '7.88.1-10+deb12u3', location: { path: 'var/lib/dpkg/status' } };
const LIBC_WITH_SOURCE = { type: 'deb', name: 'libc6', version: '2.36-9+deb12u1', architecture: 'amd64', source: { name: 'glibc', version: '2.36-9+deb12u1' }, location: { path: 'var/lib/dpkg/status' } };
const DIGEST = `sha256:${'c'.repeat(64)}`;
const IMAGE_ID = `sha256:${'d'.repeat(64)}`;

for (const backend of backends) {
  describe(`schema-valid reports with optional package fields left out (${backend})`, () => {
    let t: TestApp;
    let pid: string;
    let agent: EnrollResponse;
    const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const res = await t.app.inject({ method, url, headers: { 'x-auth-token': t.token }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> & { total_num: number; data_list: Array<Record<string, unknown>> }, text: res.body };
    };
    const cicdReport = (image: string, packages: unknown[]) => ({ image_name: image, image_digest: DIGEST, image_id: IMAGE_ID, os: DEBIAN_12, packages });

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
      agent = await enroll(t.app, await createEnrolmentToken(t.app, pid, t.token), identity('bare-1'));
    });
    after(async () => {
      await t.close();
    });

    it('POST /image/cicd/reports: a deb without source is its own source and is matched', async () => {
      const res = await api('POST', `/v5/${pid}/image/cicd/reports`, cicdReport('registry.example/ci/bare:1', [CURL_NO_SOURCE, LIBC_WITH_SOURCE]));
      assert.equal(res.status, 200, res.text);
      const rows = await t.runtime.database.db.selectFrom('image_vuls').select(['vul_id', 'package_name']).where('image_digest', '=', DIGEST).execute();
      const found = rows.map((r) => `${r.package_name} ${r.vul_id}`);
      assert.ok(found.includes('curl CVE-2023-38545'), `curl is matched under its own name as source: ${found.join(', ')}`);
      assert.ok(found.includes('libc6 CVE-2023-4911'), found.join(', '));
      const listed = await api('GET', `/v5/${pid}/image/cicd/images?image_name=bare`);
      assert.equal(listed.body.total_num, 1);
      assert.equal(listed.body.data_list[0]!.scan_status, 'success');
    });

    it('POST /agent/v1/inventory: a deb without source is stored with itself as source and matched by a scan', async () => {
      const packages = [CURL_NO_SOURCE, { type: 'apk', name: 'busybox', version: '1.36.1-r15', location: { path: 'lib/apk/db/installed' } }];
      const upload = { os: DEBIAN_12, packages, content_hash: inventoryHash({ os: DEBIAN_12, packages } as never), collected_at: Date.now(), warnings: [] };
      const res = await uploadInventory(t.app, agent, upload as never);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().content_hash, upload.content_hash, 'the hash is of the inventory as sent');
      const scan = await api('POST', `/v5/${pid}/vulnerability/scan-task`, { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [agent.agent_id] });
      assert.equal(scan.status, 200, scan.text);
      await t.runtime.services.vulScans.runTask((scan.body as unknown as { task_id: string }).task_id);
      const hosts = await api('GET', `/v5/${pid}/vulnerability/hosts?vul_id=CVE-2023-38545&type=linux_vul`);
      assert.deepEqual(hosts.body.data_list.map((h) => h.host_name), ['bare-1']);
    });

    it('POST /agent/v1/images: an inlined inventory with a deb without source is accepted and matched', async () => {
      const inventory = { os: DEBIAN_12, packages: [CURL_NO_SOURCE] };
      // The content hash is of the inventory as the server stores it: the deb completed with its own source.
      const stored = { os: DEBIAN_12, packages: [{ ...CURL_NO_SOURCE, architecture: 'unknown', source: { name: 'curl', version: CURL_NO_SOURCE.version } }] };
      const image = {
        image_id: `sha256:${'e'.repeat(64)}`,
        image_digest: `sha256:${'e'.repeat(64)}`,
        repo_tags: [{ name: 'bare/local', version: '1' }],
        size: 1000,
        created: null,
        source: 'docker',
        containers: [],
        content_hash: imageContentHash(stored as never),
        inventory,
      };
      const res = await t.app.inject({
        method: 'POST',
        url: '/agent/v1/images',
        headers: { ...agentAuth(agent), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: gzipSync(JSON.stringify({ collected_at: Date.now(), images: [image], warnings: [] })),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().applied, true);
      const rows = await t.runtime.database.db.selectFrom('image_vuls').select('vul_id').where('image_digest', '=', image.image_digest).execute();
      assert.ok(rows.some((r) => r.vul_id === 'CVE-2023-38545'), JSON.stringify(rows));
    });

    it('a CI/CD report is recorded whole or not at all: a failure while storing its vulnerabilities leaves no image behind', async () => {
      const db = t.runtime.database.db;
      if (backend === 'sqlite') {
        await sql`create trigger fail_image_vuls before insert on image_vuls begin select raise(abort, 'injected failure'); end`.execute(db);
      } else {
        await sql`create function fail_image_vuls() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`.execute(db);
        await sql`create trigger fail_image_vuls before insert on image_vuls for each row execute function fail_image_vuls()`.execute(db);
      }
      try {
        const digest = `sha256:${'f'.repeat(64)}`;
        const res = await api('POST', `/v5/${pid}/image/cicd/reports`, { ...cicdReport('registry.example/ci/half:1', [LIBC_WITH_SOURCE]), image_digest: digest });
        assert.equal(res.status, 500, res.text);
        const listed = await api('GET', `/v5/${pid}/image/cicd/images?image_name=half`);
        assert.equal(listed.body.total_num, 0, 'no image asset is left from the failed report');
        const contents = await db.selectFrom('image_contents').select('image_digest').where('image_digest', '=', digest).execute();
        assert.deepEqual(contents, [], 'no inventory is left from the failed report');
      } finally {
        await sql`drop trigger fail_image_vuls${sql.raw(backend === 'postgres' ? ' on image_vuls' : '')}`.execute(db);
      }
      // The same report succeeds once storage works again.
      const again = await api('POST', `/v5/${pid}/image/cicd/reports`, cicdReport('registry.example/ci/half:1', [LIBC_WITH_SOURCE]));
      assert.equal(again.status, 200, again.text);
    });
  });
}
