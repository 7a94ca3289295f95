import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImageAssetRepository, type ImageAssetDraft } from '../../../src/repositories/image-asset-repository.js';
import { backends } from '../../support/databases.js';
import { createTestApp, type TestApp } from '../../support/app.js';

const INT64_MAX = '9223372036854775807';
const INT64_MAX_PLUS_1 = '9223372036854775808';
/** 2^53 + 1: the first integer a JavaScript number rounds. */
const ABOVE_2_53 = '9007199254740993';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/**
 * `image_size` filters and image ids are HSS Longs in the SDK models
 * (ListImageLocal, ListRegistryImages, CreateManualImageScanTask's query_info
 * and image_info, BatchExportLocalVulTask): the whole int64 range is taken,
 * compared exactly, and 2^63 is refused naming the field.
 */
for (const backend of backends) {
  describe(`image sizes and image ids take the whole Long range (${backend})`, () => {
    let t: TestApp;
    const pid = () => t.account.project.id;
    const call = (method: 'GET' | 'POST', url: string, raw?: string) =>
      t.app.inject({ method, url, headers: { 'x-auth-token': t.token, ...(raw === undefined ? {} : { 'content-type': 'application/json' }) }, ...(raw === undefined ? {} : { payload: raw }) });
    const names = async (url: string) => {
      const res = await call('GET', url);
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return (res.json().data_list as Array<{ image_name: string }>).map((r) => r.image_name).sort();
    };
    const refused = async (res: Awaited<ReturnType<typeof call>>, field: RegExp) => {
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error_code, 'HSS.0001', res.body);
      assert.match(res.json().error_msg, field);
    };

    before(async () => {
      t = await createTestApp(backend);
      const now = t.clock.now();
      const draft = (name: string, size: number, d: string): ImageAssetDraft => ({
        projectId: pid(), enterpriseProjectId: '0', imageType: 'local', naturalKey: `${name}@${d}`, registryId: null, registryName: '', registryType: '', namespace: '',
        imageName: name, imageVersion: '1', imageDigest: d, imageId: d, imageSize: size, latestUpdateTime: now, localImageType: 'other_image',
      });
      await new ImageAssetRepository(t.runtime.database.db).upsert(
        [
          draft('small', 1000, digest('a')),
          draft('big', 5_000_000_000, digest('b')),
          { ...draft('library/app', 2000, digest('c')), imageType: 'registry', naturalKey: 'reg/library/app:1', registryName: 'harbor-1', registryType: 'Harbor', namespace: 'library', localImageType: null },
        ],
        now,
      );
    });

    after(async () => {
      await t?.close();
    });

    it('ListImageLocal and ListRegistryImages filter image_size over the whole int64 range, exactly', async () => {
      const local = (size: string) => names(`/v5/${pid()}/image/local-repositories?limit=200&image_size=${size}`);
      assert.deepEqual(await local('1000'), ['big', 'small']);
      assert.deepEqual(await local('1001'), ['big']);
      assert.deepEqual(await local(ABOVE_2_53), []);
      assert.deepEqual(await local(INT64_MAX), []);
      const registry = (size: string) => names(`/v5/${pid()}/image/registries/images?limit=200&image_size=${size}`);
      assert.deepEqual(await registry('2000'), ['library/app']);
      assert.deepEqual(await registry(INT64_MAX), []);
      for (const url of [`/v5/${pid()}/image/local-repositories?image_size=${INT64_MAX_PLUS_1}`, `/v5/${pid()}/image/registries/images?image_size=${INT64_MAX_PLUS_1}`]) {
        await refused(await call('GET', url), /query\.image_size must be a 64-bit integer/);
      }
    });

    it("CreateManualImageScanTask takes query_info.image_size and image_info's id as Longs", async () => {
      const create = (body: string) => call('POST', `/v5/${pid()}/image/image-scan/tasks?global_image_type=local`, body);
      // Nothing is that big: the task selects no image, which HSS answers with 200 and no task.
      for (const size of [INT64_MAX, ABOVE_2_53]) {
        const res = await create(`{"is_all":true,"query_info":{"image_size":${size}}}`);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['x-openhss-task-id'], undefined, 'no task for an empty selection');
      }
      await refused(await create(`{"is_all":true,"query_info":{"image_size":${INT64_MAX_PLUS_1}}}`), /body\.query_info\.image_size/);
      // An id no image has, however large, is not found; beyond int64 it is not an id.
      const missing = await create(`{"image_info":[{"id":${INT64_MAX}}]}`);
      assert.equal(missing.statusCode, 404, missing.body);
      assert.match(missing.json().error_msg, /image_info\[0\]/);
      await refused(await create(`{"image_info":[{"id":${INT64_MAX_PLUS_1}}]}`), /body\.image_info\[0\]\.id must be a 64-bit integer/);
    });

    it('BatchExportLocalVulTask takes image_size as a Long', async () => {
      const exportOf = (body: string) => call('POST', `/v5/${pid()}/image/local-vulnerability/export?export_size=100&format=csv`, body);
      const none = await exportOf(`{"operate_all":true,"image_size":${INT64_MAX}}`);
      assert.equal(none.statusCode, 200, none.body);
      assert.equal(none.json().record_total_num, 0);
      await refused(await exportOf(`{"operate_all":true,"image_size":${INT64_MAX_PLUS_1}}`), /body\.image_size/);
      const param = (await call('GET', '/openapi.json')).json().paths['/v5/{project_id}/image/local-repositories'].get.parameters.find((p: { name: string }) => p.name === 'image_size');
      assert.equal(param.schema.format, 'int64');
    });
  });
}
