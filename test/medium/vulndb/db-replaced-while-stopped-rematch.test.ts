import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { backends } from '../../support/databases.js';
import { agentAuth, deb, DEBIAN_12, identity, inventoryOf } from '../../support/hosts.js';
import { tokenApi, waitFor } from '../../support/http-api.js';
import { startLiveServer, type LiveServer } from '../../support/live-server.js';
import { createJobQueue } from '../../../src/jobs/create-queue.js';
import { openRuntime } from '../../../src/runtime/runtime.js';
import { queueOptions } from '../../../src/runtime/server.js';
import { queueStartupRematch } from '../../../src/runtime/startup-rematch.js';
import { importPath } from '../../../src/vulndb/index.js';
import type { EnrollResponse } from '../../../src/agent/protocol.js';

const CURL = deb('curl', '7.88.1-10+deb12u3');
/** A Debian security tracker entry (the tracker's JSON shape) for a curl advisory the demo DB does not have. */
const advisoryFor = (id: string) => ({
  curl: {
    [id]: {
      description: 'a curl issue published while the server was stopped',
      scope: 'remote',
      releases: { bookworm: { status: 'resolved', repositories: { bookworm: '7.88.1-10+deb12u9' }, fixed_version: '7.88.1-10+deb12u9', urgency: 'high' } },
    },
  },
});
/** Only guards against a hang: the test waits for the re-match itself, however long the machine takes. */
const HANG_GUARD_MS = 10 * 60_000;

for (const backend of backends) {
  describe(`a vulnerability DB replaced while the server is stopped is re-matched when it starts (${backend})`, () => {
    let first: LiveServer;
    let live: LiveServer | undefined;
    let token: string;
    let pid: string;
    let work: string;
    const api = tokenApi(() => (live ?? first).server.url, () => token);

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'openhss-db-replaced-stopped-'));
      first = await startLiveServer(backend);
      pid = first.account.project.id;
      token = (await first.server.runtime.services.auth.issueFor(first.account.user.id, pid, ['token'])).token;
    });
    after(async () => {
      await (live ?? first)?.close();
      rmSync(work, { recursive: true, force: true });
    });

    const hostsWith = async (vulId: string) => (await api('GET', `/v5/${pid}/vulnerability/vulnerabilities?vul_id=${vulId}`)).body;
    const imagesWith = async (vulId: string) => (await api('GET', `/v5/${pid}/image/vulnerability/${vulId}/images?global_image_type=cicd`)).body;
    /** Waits (on the API, however long the machine takes) until the host and the cicd image both list the advisory. */
    const bothListsShow = async (vulId: string) => {
      const hosts = await waitFor(`the host list to show ${vulId}`, async () => ((await hostsWith(vulId)).total_num > 0 ? hostsWith(vulId) : undefined), { timeoutMs: HANG_GUARD_MS });
      assert.equal(hosts.data_list[0]!.vul_id, vulId);
      assert.equal(hosts.data_list[0]!.host_num, 1);
      const images = await waitFor(`the cicd image to show ${vulId}`, async () => ((await imagesWith(vulId)).total_num > 0 ? imagesWith(vulId) : undefined), { timeoutMs: HANG_GUARD_MS });
      assert.deepEqual(images.data_list.map((i) => [i.image_name, i.image_version]), [['app', '7']]);
    };
    /** Stops the running server and does what `openhss db import` / `db update` do: build a new file aside and rename it over the old one. */
    const replaceWhileStopped = async (advisory: object) => {
      const server = live!;
      await server.shutdown();
      const feed = join(work, 'debian-tracker.json');
      writeFileSync(feed, JSON.stringify(advisory));
      await importPath(server.server.runtime.vulnDb.file, feed);
      return server;
    };

    it('a restarted server re-matches the stored host and image inventories on its own', async () => {
      live = first;
      // A host with an uploaded inventory, matched as a scan would, and a pipeline-reported image, both with curl.
      const enrolment = await api('POST', `/v5/${pid}/openhss/agent-enrolment-tokens`, {});
      assert.equal(enrolment.status, 201);
      const enrolled = await fetch(`${first.server.url}/agent/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: enrolment.body.token, identity: identity('web-1') }) });
      assert.equal(enrolled.status, 201);
      const agent = (await enrolled.json()) as EnrollResponse;
      const upload = await fetch(`${first.server.url}/agent/v1/inventory`, {
        method: 'POST',
        headers: { ...agentAuth(agent), 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify(inventoryOf([CURL]))),
      });
      assert.equal(upload.status, 200, await upload.text());
      assert.equal((await first.server.runtime.services.matcher.rematchAll()).hosts, 1);
      const report = await api('POST', `/v5/${pid}/image/cicd/reports`, { image_name: 'registry.example/ci/app:7', image_digest: `sha256:${'b'.repeat(64)}`, os: DEBIAN_12, packages: [CURL] });
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal((await hostsWith('CVE-2099-0002')).total_num, 0);
      assert.equal((await imagesWith('CVE-2099-0002')).total_num, 0);
      assert.equal(await first.server.runtime.services.matcher.hasStaleMatches(), false);
      assert.equal(await first.server.runtime.services.imageContents.hasStaleMatches(), false);

      const stopped = await replaceWhileStopped(advisoryFor('CVE-2099-0002'));
      // Nothing below asks for a re-match: the server's own start must see that the DB is not the one results were matched against.
      live = await startLiveServer(backend, undefined, { reuse: stopped });
      await bothListsShow('CVE-2099-0002');
      // Nothing is left matched against the old file.
      assert.equal(await live.server.runtime.services.matcher.hasStaleMatches(), false);
      assert.equal(await live.server.runtime.services.imageContents.hasStaleMatches(), false);
    });

    it('processes starting together on a replaced DB queue one re-match of each kind for the deployment', async () => {
      const stopped = await replaceWhileStopped(advisoryFor('CVE-2099-0003'));
      const config = stopped.server.runtime.config;
      const logger = pino({ level: 'silent' });
      // Two processes of one deployment start on the new file (their queues take no work: the server below does it).
      const starts = await Promise.all(
        [0, 1].map(async () => {
          const runtime = await openRuntime(config);
          const queue = createJobQueue(runtime.database, queueOptions(config, logger));
          try {
            return await queueStartupRematch(runtime, queue, logger);
          } finally {
            await queue.stop(0);
            await runtime.close();
          }
        }),
      );
      assert.equal(starts.filter((s) => s.hostsJob !== null).length, 1, JSON.stringify(starts));
      assert.equal(starts.filter((s) => s.imagesJob !== null).length, 1, JSON.stringify(starts));
      // A third process (the server) starting on the same file queues nothing more, and runs the queued jobs.
      live = await startLiveServer(backend, undefined, { reuse: stopped });
      assert.deepEqual(await queueStartupRematch(live.server.runtime, live.server.queue, logger), { hostsJob: null, imagesJob: null });
      await bothListsShow('CVE-2099-0003');
    });
  });
}
