import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { validateConfig } from '../../../src/config/load.js';
import { openRuntime } from '../../../src/runtime/runtime.js';
import { S3_SECRET_AAD, sealSetting } from '../../../src/files/open-store.js';
import { createLogger } from '../../../src/observability/logger.js';
import { deriveKey } from '../../../src/security/master-key.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { ImageAssetRepository } from '../../../src/repositories/image-asset-repository.js';
import { exportFileKey } from '../../../src/services/export-service.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { createTestDatabase } from '../../support/databases.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';

/** The S3 store chosen by configuration, its secret sealed with the master key, carrying a real export from request to download. */
describe('export files in an S3-compatible bucket (files.store s3, sealed secret)', () => {
  let s3: S3TestServer;
  let t: TestApp;
  const masterKey = randomBytes(32).toString('base64');
  const box = new SecretBox(deriveKey(Buffer.from(masterKey, 'base64'), 'secret-encryption'));
  const s3Settings = () => ({ endpoint: s3.endpoint, bucket: s3.bucket, forcePathStyle: true, accessKeyId: s3.accessKeyId, prefix: 'exports-test/' });

  before(async () => {
    s3 = await startS3Server();
    t = await createTestApp('sqlite', {
      security: { masterKey },
      files: { store: 's3', s3: { ...s3Settings(), secretAccessKey: sealSetting(s3.secretAccessKey, box, S3_SECRET_AAD) } },
    });
  });
  after(async () => {
    await t?.close();
    await s3?.close();
  });

  it('an export is written to the bucket and downloaded from it', async () => {
    assert.equal(t.runtime.files.kind, 's3');
    const pid = t.account.project.id;
    const now = Date.now();
    const digest = `sha256:${'c'.repeat(64)}`;
    await new ImageAssetRepository(t.runtime.database.db).upsert(
      [{ projectId: pid, enterpriseProjectId: '0', imageType: 'local', naturalKey: `web:1@${digest}`, registryId: null, registryName: '', registryType: '', namespace: '', imageName: 'web', imageVersion: '1', imageDigest: digest, imageId: digest, imageSize: 10, latestUpdateTime: now, localImageType: 'other_image' }],
      now,
    );
    await t.runtime.database.db
      .insertInto('image_vuls')
      .values({
        project_id: pid, image_digest: digest, vul_id: 'GHSA-s3s3-0000-0000', package_name: 'left-pad', package_version: '1.0.0', package_path: 'srv/node_modules/left-pad/package.json',
        vul_type: 'app_vul', package_type: 'npm', fixed_version: '1.3.0', severity: 'high', cvss_score: 7.5, cve_ids: JSON.stringify(['CVE-2024-1']), title: 'left-pad in a bucket',
        handle_status: 'unhandled', handled_at: null, first_seen_at: now,
      })
      .execute();
    const exports = t.runtime.services.exports;
    const { taskId } = await exports.createImageVulExport(pid, { imageType: 'local', enterpriseProjectIds: ['0'], enterpriseProjectId: '0', operateAll: true, imageIds: [], assetFilter: {}, exportSize: 100, format: 'xlsx' });
    await exports.runTask(taskId);
    const task = await exports.get(pid, taskId);
    assert.equal(task.status, 'success');
    const res = await t.app.inject({ method: 'GET', url: `/v5/${pid}/download/${task.fileId}`, headers: { 'x-auth-token': t.token } });
    assert.equal(res.statusCode, 200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    assert.equal(book.worksheets[0]!.getRow(2).getCell(1).value, 'web');
    // The object itself, read with a plain S3 client: the same bytes.
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `exports-test/${exportFileKey(task.fileId!, 'xlsx')}` }));
    assert.deepEqual(Buffer.from(await object.Body!.transformToByteArray()), res.rawPayload);
    client.destroy();
  });

  it('a secret sealed with another master key stops the start, without showing either value', async () => {
    const testDb = await createTestDatabase('sqlite', { migrate: false });
    await testDb.database.close();
    const otherBox = new SecretBox(deriveKey(randomBytes(32), 'secret-encryption'));
    const sealed = sealSetting('the-real-secret', otherBox, S3_SECRET_AAD);
    const config = validateConfig({
      dataDir: testDb.dataDir,
      database: { url: testDb.url },
      log: { level: 'silent' },
      security: { masterKey },
      files: { store: 's3', s3: { ...s3Settings(), secretAccessKey: sealed } },
    });
    try {
      await assert.rejects(openRuntime(config), (err: Error) => {
        assert.match(err.message, /sealed files\.s3\.secretAccessKey cannot be opened with this master key/);
        assert.ok(!err.message.includes(sealed) && !err.message.includes('the-real-secret'));
        return true;
      });
    } finally {
      await testDb.cleanup();
    }
  });

  it('the logger blanks the secret wherever a config object is logged', () => {
    let line = '';
    const logger = createLogger('info', new Writable({ write: (c, _e, cb) => ((line += c.toString()), cb()) }) as never);
    logger.info({ s3: { bucket: 'b', secretAccessKey: 'do-not-print' } }, 'settings');
    assert.doesNotMatch(line, /do-not-print/);
    assert.match(line, /\[redacted\]/);
  });
});
