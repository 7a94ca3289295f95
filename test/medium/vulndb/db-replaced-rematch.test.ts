import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends } from '../../support/databases.js';
import { agentAuth, deb, DEBIAN_12, identity, inventoryOf } from '../../support/hosts.js';
import { tokenApi, waitFor } from '../../support/http-api.js';
import { startLiveServer, type LiveServer } from '../../support/live-server.js';
import { importPath } from '../../../src/vulndb/index.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';

const CURL = deb('curl', '7.88.1-10+deb12u3');
/** A Debian security tracker entry (the tracker's JSON shape) for an advisory the demo DB does not have. */
const NEW_ADVISORY = {
  curl: {
    'CVE-2099-0001': {
      description: 'a curl issue published after the stored inventories were matched',
      scope: 'remote',
      releases: { bookworm: { status: 'resolved', repositories: { bookworm: '7.88.1-10+deb12u9' }, fixed_version: '7.88.1-10+deb12u9', urgency: 'high' } },
    },
  },
};
/** Only guards against a hang: the test waits for the re-match itself, however long the machine takes. */
const HANG_GUARD_MS = 10 * 60_000;

for (const backend of backends) {
  describe(`a vulnerability DB replaced under a running server is picked up on its own (${backend})`, () => {
    let live: LiveServer;
    let token: string;
    let pid: string;
    let work: string;
    const api = tokenApi(() => live.server.url, () => token);

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'openhss-db-replaced-'));
      // The background checks the file on every scheduler tick; one second keeps the test short. No call below asks it to.
      live = await startLiveServer(backend, undefined, { hosts: { schedulerIntervalSeconds: 1 } });
      pid = live.account.project.id;
      token = (await live.server.runtime.services.auth.issueFor(live.account.user.id, pid, ['token'])).token;
    });
    after(async () => {
      await live?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('re-matches stored host inventories and stored image inventories without any scan or direct call', async () => {
      // A host with an uploaded inventory, and a pipeline-reported image, both with curl at the same build.
      const enrolment = await api('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, {});
      assert.equal(enrolment.status, 201);
      const enrolled = await fetch(`${live.server.url}/agent/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: enrolment.body.token, identity: identity('web-1') }) });
      assert.equal(enrolled.status, 201);
      const agent = (await enrolled.json()) as EnrollResponse;
      const upload = await fetch(`${live.server.url}/agent/v1/inventory`, {
        method: 'POST',
        headers: { ...agentAuth(agent), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(inventoryOf([CURL]))),
      });
      assert.equal(upload.status, 200, await upload.text());
      const report = await api('POST', `/v5/${pid}/image/cicd/reports`, { image_name: 'registry.example/ci/app:7', image_digest: `sha256:${'a'.repeat(64)}`, os: DEBIAN_12, packages: [CURL] });
      assert.equal(report.status, 200, JSON.stringify(report.body));

      const hostsWith = async () => (await api('GET', `/v5/${pid}/vulnerability/vulnerabilities?vul_id=CVE-2099-0001`)).body;
      const imagesWith = async () => (await api('GET', `/v5/${pid}/image/vulnerability/CVE-2099-0001/images?global_image_type=cicd`)).body;
      assert.equal((await hostsWith()).total_num, 0);
      assert.equal((await imagesWith()).total_num, 0);

      // What `openhss db import` / `db update` do: build a new file aside and rename it over the one in use.
      const feed = join(work, 'debian-tracker.json');
      writeFileSync(feed, JSON.stringify(NEW_ADVISORY));
      await importPath(live.server.runtime.vulnDb.file, feed);

      const hosts = await waitFor('the host list to show the new advisory', async () => ((await hostsWith()).total_num > 0 ? hostsWith() : undefined), { timeoutMs: HANG_GUARD_MS });
      assert.equal(hosts.data_list[0]!.vul_id, 'CVE-2099-0001');
      assert.equal(hosts.data_list[0]!.host_num, 1);
      const images = await waitFor('the cicd image to show the new advisory', async () => ((await imagesWith()).total_num > 0 ? imagesWith() : undefined), { timeoutMs: HANG_GUARD_MS });
      assert.deepEqual(images.data_list.map((i) => [i.image_name, i.image_version]), [['app', '7']]);
    });
  });
}
