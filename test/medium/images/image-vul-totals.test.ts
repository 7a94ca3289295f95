import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';
import { ImageAssetRepository } from '../../../src/repositories/image-asset-repository.js';
import { ImageContentRepository, recountImageDigest, type ImageVulDraft } from '../../../src/repositories/image-content-repository.js';
import { prng } from '../../../bench/hosts/fleet.js';

const COUNTS = ['open_critical_num', 'open_high_num', 'open_medium_num', 'open_low_num', 'open_unknown_num', 'handled_num'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
const EPS = ['0', 'ep-a', 'ep-b'];
const DIGESTS = Array.from({ length: 6 }, (_, i) => `sha256:${String(i).repeat(64)}`);
const VULS = Array.from({ length: 12 }, (_, i) => `CVE-2030-${1000 + i}`);
const KEV = VULS.filter((_, i) => i % 3 === 0);

for (const backend of backends) {
  describe(`image totals kept by triggers equal a recount (${backend})`, () => {
    let t: TestApp;
    let pid: string;

    before(async () => {
      t = await createTestApp(backend);
      pid = t.account.project.id;
    });
    after(async () => {
      await t.close();
    });

    /** Totals, KEV counts and ranked rows straight from image_assets and image_contents. */
    async function recount() {
      const db = t.runtime.database.db;
      const assets = await db
        .selectFrom('image_assets as a')
        .leftJoin('image_contents as c', (j) => j.onRef('c.project_id', '=', 'a.project_id').onRef('c.image_digest', '=', 'a.image_digest'))
        .select(['a.id', 'a.project_id', 'a.enterprise_project_id', 'a.image_name', ...COUNTS.map((c) => `c.${c}` as const), 'c.open_kev_vul_ids'])
        .where('a.removed_at', 'is', null)
        .execute();
      const totals = new Map<string, Record<string, number>>();
      const kev = new Map<string, number>();
      const ranks = new Map<string, string>();
      for (const a of assets) {
        const counts = COUNTS.map((c) => Number((a as Record<string, unknown>)[c] ?? 0));
        const kevIds = JSON.parse(a.open_kev_vul_ids ?? '[]') as string[];
        ranks.set(a.id, JSON.stringify([a.project_id, a.enterprise_project_id, a.image_name, ...counts, [...kevIds].sort()]));
        const key = `${a.project_id}|${a.enterprise_project_id}`;
        const t0 = totals.get(key) ?? { image_num: 0, vulnerable_num: 0, ...Object.fromEntries(COUNTS.map((c) => [c, 0])) };
        t0.image_num! += 1;
        if (counts.slice(0, 5).some((x) => x > 0)) t0.vulnerable_num! += 1;
        COUNTS.forEach((c, i) => (t0[c]! += counts[i]!));
        totals.set(key, t0);
        for (const id of kevIds) kev.set(`${key}|${id}`, (kev.get(`${key}|${id}`) ?? 0) + 1);
      }
      return { totals, kev, ranks };
    }

    async function kept() {
      const db = t.runtime.database.db;
      const totals = new Map<string, Record<string, number>>();
      for (const r of await db.selectFrom('image_vul_totals').selectAll().execute()) {
        if (Number(r.image_num) === 0) {
          assert.ok(COUNTS.every((c) => Number(r[c]) === 0) && Number(r.vulnerable_num) === 0, `an empty total row is all zero: ${JSON.stringify(r)}`);
          continue;
        }
        totals.set(`${r.project_id}|${r.enterprise_project_id}`, { image_num: Number(r.image_num), vulnerable_num: Number(r.vulnerable_num), ...Object.fromEntries(COUNTS.map((c) => [c, Number(r[c])])) });
      }
      const kev = new Map<string, number>();
      for (const r of await db.selectFrom('image_kev_counts').selectAll().execute()) {
        assert.ok(Number(r.image_num) >= 0, `a KEV count never goes below zero: ${JSON.stringify(r)}`);
        if (Number(r.image_num) > 0) kev.set(`${r.project_id}|${r.enterprise_project_id}|${r.vul_id}`, Number(r.image_num));
      }
      const ranks = new Map<string, string>();
      for (const r of await db.selectFrom('image_asset_vul_counts').selectAll().execute()) {
        ranks.set(r.id, JSON.stringify([r.project_id, r.enterprise_project_id, r.image_name, ...COUNTS.map((c) => Number(r[c])), [...(JSON.parse(r.open_kev_vul_ids) as string[])].sort()]));
      }
      return { totals, kev, ranks };
    }

    it('after random image listings, removals, moves, digest changes, scans, handling and deletions', async () => {
      const db = t.runtime.database.db;
      const assets = new ImageAssetRepository(db);
      const contents = new ImageContentRepository(db);
      const rand = prng(13);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      const names: string[] = [];
      let now = Date.parse('2026-12-01T00:00:00Z');
      const draft = (name: string, ep: string, digest: string | null) => ({
        projectId: pid,
        enterpriseProjectId: ep,
        imageType: 'cicd' as const,
        naturalKey: name,
        registryId: null,
        registryName: '',
        registryType: '',
        namespace: 'ns',
        imageName: name,
        imageVersion: '1',
        imageDigest: digest,
        imageId: null,
        imageSize: null,
        latestUpdateTime: now,
        localImageType: null,
      });
      const scan = async (digest: string) => {
        const vuls: ImageVulDraft[] = [];
        for (const vul of VULS) {
          if (rand() < 0.5) continue;
          for (let p = 0; p < 1 + Math.floor(rand() * 2); p++) {
            vuls.push({ vul_id: vul, package_name: `pkg${p}`, package_version: '1', package_path: '', vul_type: 'linux_vul', package_type: 'deb', fixed_version: '2', severity: pick(SEVERITIES), cvss_score: null, cve_ids: JSON.stringify([vul]), title: vul });
          }
        }
        const totals = { critical_num: 0, high_num: 0, medium_num: 0, low_num: 0, unknown_num: 0 };
        await contents.save(
          { project_id: pid, image_digest: digest, image_id: null, os_name: 'debian', os_version: '12', package_count: 3, document: Buffer.from('{}'), source: 'cicd', inventory_at: now, matched_at: now, matched_generation: 'g', ...totals },
          vuls,
          now,
          KEV,
        );
      };
      let checks = 0;
      for (let step = 0; step < 160; step++) {
        now += 1000;
        const r = rand();
        if (r < 0.2 || names.length === 0) {
          const name = `app-${names.length}`;
          names.push(name);
          await assets.upsert([draft(name, pick(EPS), rand() < 0.85 ? pick(DIGESTS) : null)], now);
        } else if (r < 0.35) {
          await scan(pick(DIGESTS));
        } else if (r < 0.45) {
          // Re-listed (un-removes it), maybe in another enterprise project or with another digest.
          await assets.upsert([draft(pick(names), pick(EPS), pick(DIGESTS))], now);
        } else if (r < 0.55) {
          await db.updateTable('image_assets').set({ removed_at: now }).where('project_id', '=', pid).where('natural_key', '=', pick(names)).execute();
        } else if (r < 0.65) {
          const row = await db.selectFrom('image_assets').select('id').where('natural_key', '=', pick(names)).executeTakeFirst();
          if (row) await assets.setContent(pid, row.id, { imageDigest: pick(DIGESTS), imageId: 'sha256:x', imageSize: 1 }, now);
        } else if (r < 0.8) {
          // Handling or reopening a vulnerability of a digest, then the digest's counts recounted as the handling code does.
          const digest = pick(DIGESTS);
          await db
            .updateTable('image_vuls')
            .set({ handle_status: rand() < 0.7 ? 'handled' : 'unhandled' })
            .where('project_id', '=', pid)
            .where('image_digest', '=', digest)
            .where('vul_id', '=', pick(VULS))
            .execute();
          await recountImageDigest(db, pid, digest);
        } else if (r < 0.88) {
          await db.updateTable('image_assets').set({ image_name: `renamed-${step}` }).where('natural_key', '=', pick(names)).execute();
        } else if (r < 0.95) {
          await db.deleteFrom('image_assets').where('natural_key', '=', pick(names)).execute();
        } else {
          const digest = pick(DIGESTS);
          await db.deleteFrom('image_vuls').where('project_id', '=', pid).where('image_digest', '=', digest).execute();
          await db.deleteFrom('image_contents').where('project_id', '=', pid).where('image_digest', '=', digest).execute();
        }
        if (step % 8 === 7) {
          const [want, got] = [await recount(), await kept()];
          assert.deepEqual(got.ranks, want.ranks, `image rows at step ${step}`);
          assert.deepEqual(got.totals, want.totals, `totals at step ${step}`);
          assert.deepEqual(got.kev, want.kev, `KEV counts at step ${step}`);
          checks++;
        }
      }
      const final = await recount();
      assert.equal(checks, 20);
      assert.ok(final.ranks.size >= 5 && final.kev.size > 0 && final.totals.size >= 2, 'the run ends with listed images, open KEV vulnerabilities and several enterprise projects');
    });
  });
}
