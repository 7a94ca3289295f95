import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportTaskRepository, type ExportTask } from '../../../src/repositories/export-task-repository.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { backends } from '../../support/databases.js';

/**
 * Files written before the file store: export_tasks.file_path holds a path in
 * the writer's data directory. The local store (SQLite) still serves and
 * expires them; the PostgreSQL store answers "gone" and its sweep goes on.
 */
for (const backend of backends) {
  describe(`export files recorded by an older version (${backend})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(backend);
    });
    after(async () => t?.close());

    it('are served where the store can reach them, and expire without stopping the sweep', async () => {
      const pid = t.account.project.id;
      const path = join(t.config.dataDir, 'exports', 'legacyfile.csv');
      mkdirSync(join(t.config.dataDir, 'exports'), { recursive: true });
      writeFileSync(path, 'a,b\r\n1,2\r\n', { mode: 0o600 });
      const now = t.clock.now();
      const task: ExportTask = {
        id: 'legacytask', projectId: pid, enterpriseProjectId: '0', kind: 'host_vuls', taskName: 'host_vuls_old', format: 'csv', params: {}, exportSize: 10,
        recordTotalNum: 1, matchedNum: 1, status: 'success', failedReason: '', fileId: 'legacyfile', fileName: 'old.csv', filePath: path, fileSize: 10, rowsWritten: 1,
        createdAt: now, finishedAt: now, expiresAt: now + 1000,
      };
      await new ExportTaskRepository(t.runtime.database.db).insert(task);
      const res = await t.app.inject({ method: 'GET', url: `/v5/${pid}/download/legacyfile`, headers: { 'x-auth-token': t.token } });
      if (backend === 'sqlite') {
        assert.equal(res.statusCode, 200);
        assert.equal(res.body, 'a,b\r\n1,2\r\n');
      } else {
        assert.equal(res.statusCode, 404);
        assert.match(res.json().error_msg, /is gone/);
      }
      t.clock.advance(2000);
      assert.equal((await t.runtime.services.exports.sweep()).expired, 1);
      assert.equal(existsSync(path), backend === 'postgres', 'the local store deletes it; the PostgreSQL store cannot see it');
    });
  });
}
