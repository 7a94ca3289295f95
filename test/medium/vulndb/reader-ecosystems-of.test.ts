import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPath, VulnDbReader } from '../../../src/vulndb/index.js';
import { tempDir } from './support/tmp.js';

describe('VulnDbReader.ecosystemsOf', () => {
  let tmp: ReturnType<typeof tempDir>;
  let reader: VulnDbReader;
  before(async () => {
    tmp = tempDir();
    const dir = join(tmp.dir, 'records');
    mkdirSync(dir);
    // neighbours that sort right before, inside and right after the `Red Hat:` range, several entries per stream
    const ecosystems = ['Red Hat', 'Red Hat:enterprise_linux:9::baseos', 'Red Hat:enterprise_linux:9::appstream', 'Red Hat:enterprise_linux:8::baseos', 'Red Hat;x', 'Red Hatx', 'Red Ha', 'Rocky Linux:9', 'Debian:12'];
    ecosystems.forEach((ecosystem, i) => {
      for (let k = 0; k < 3; k++) {
        const id = `TEST-${i}-${k}`;
        writeFileSync(join(dir, `${id}.json`), JSON.stringify({ id, modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem, name: `pkg${k}` }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-1' }] }] }] }));
      }
    });
    const db = join(tmp.dir, 'vulndb.sqlite');
    await importPath(db, dir);
    reader = VulnDbReader.open(db);
  });
  after(() => {
    reader.close();
    tmp.cleanup();
  });

  it('lists the family itself and each of its streams once, in order, and nothing that only shares a prefix', () => {
    assert.deepEqual(reader.ecosystemsOf('Red Hat'), ['Red Hat', 'Red Hat:enterprise_linux:8::baseos', 'Red Hat:enterprise_linux:9::appstream', 'Red Hat:enterprise_linux:9::baseos']);
    assert.deepEqual(reader.ecosystemsOf('Rocky Linux'), ['Rocky Linux:9']);
    assert.deepEqual(reader.ecosystemsOf('Debian'), ['Debian:12']);
    assert.deepEqual(reader.ecosystemsOf('SUSE'), []);
  });
});
