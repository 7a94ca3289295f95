import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { importPath, status, VulnDbReader, VulnDbSchemaError, buildDemoDb, ImportPathError } from '../../../src/vulndb/index.js';
import { FIXTURES, tempDir } from './support/tmp.js';
import { writeZip } from './support/zip.js';

describe('KEV flags and air-gapped directory import', () => {
  let tmp: ReturnType<typeof tempDir>;
  let bundle: string;
  before(() => {
    tmp = tempDir();
    // what an operator carries over: the fixtures plus an OSV all.zip in the bucket layout and a stray file
    bundle = join(tmp.dir, 'bundle');
    cpSync(FIXTURES, bundle, { recursive: true });
    mkdirSync(join(bundle, 'PyPI'));
    const osv = join(FIXTURES, 'osv');
    writeZip(
      join(bundle, 'PyPI', 'all.zip'),
      readdirSync(osv)
        .filter((n) => n.startsWith('PYSEC'))
        .map((name) => ({ name, data: readFileSync(join(osv, name)) })),
    );
    writeFileSync(join(bundle, 'manifest.json'), JSON.stringify({ exported: '2024-06-01' }));
  });
  after(() => tmp.cleanup());

  it('imports every feed in a directory, telling each file by content', async () => {
    const db = join(tmp.dir, 'bundle.db');
    const result = await importPath(db, bundle, { now: () => new Date('2024-06-02T00:00:00Z') });
    assert.deepEqual(result.feeds.map((f) => f.feed).sort(), [
      'alpine-secdb/v3.19/main',
      'debian-tracker',
      'kev',
      'osv-files/bundle',
      'osv/PyPI',
    ]);
    assert.deepEqual(result.ignored, [join(bundle, 'manifest.json')]);
    assert.equal(result.rebuilt, false);
    const kev = result.feeds.find((f) => f.feed === 'kev');
    assert.equal(kev?.records, 3);
    assert.equal(kev?.skipped, 1);
    assert.equal(kev?.warnings['invalid-entry'], 1);

    const s = await status(db, { now: () => new Date('2024-06-02T01:00:00Z') });
    assert.equal(s.usable, true);
    assert.equal(s.builtAt, '2024-06-02T00:00:00.000Z');
    assert.equal(s.ageSeconds, 3600);
    assert.equal(s.demo, false);
    assert.equal(s.kev.catalogEntries, 3);
    const eco = new Map(s.ecosystems.map((e) => [e.ecosystem, e]));
    // tracker: 1 fixed, 2 unfixed, 2 will-not-fix; OSV DSA-5555-1: 2 `affected` entries on the same keys
    assert.deepEqual(eco.get('Debian:12')?.byStatus, { affected: 2, fixed: 1, unfixed: 2, will_not_fix: 2 });
    assert.equal(eco.get('Alpine:v3.19')?.entries, 10, '9 from secdb + 1 from the OSV DSA record');
    assert.deepEqual(
      s.advisoriesBySource.map((a) => a.source),
      ['alpine-secdb/v3.19/main', 'debian-tracker', 'osv'],
    );
  });

  it('flags advisories whose id, alias or upstream id is in KEV, with the date added', () => {
    const reader = VulnDbReader.open(join(tmp.dir, 'bundle.db'));
    try {
      const kevOf = (id: string) => reader.findAdvisories(id).map((a) => [a.source, a.id, a.kev?.dateAdded ?? null]);
      assert.deepEqual(kevOf('CVE-2023-0001'), [
        ['debian-tracker', 'CVE-2023-0001', '2024-01-15'], // by id
        ['osv', 'DSA-5555-1', '2024-01-15'], // through `upstream`
      ]);
      assert.deepEqual(kevOf('CVE-2024-0001'), [['osv', 'GHSA-2222-3333-4444', '2024-05-20']]); // through `aliases`
      assert.deepEqual(kevOf('CVE-2005-2541'), [['debian-tracker', 'CVE-2005-2541', '2024-03-01']]);
      assert.deepEqual(kevOf('CVE-2023-5678'), [['alpine-secdb/v3.19/main', 'CVE-2023-5678', null]]);
      // a `related` id finds the advisory that mentions it
      assert.deepEqual(reader.findAdvisories('GHSA-5555-6666-7777').map((a) => a.id), ['GHSA-2222-3333-4444']);
    } finally {
      reader.close();
    }
  });

  it('keeps the flags right whatever order feeds arrive in, and clears them when KEV drops an entry', async () => {
    const db = join(tmp.dir, 'order.db');
    await importPath(db, join(FIXTURES, 'kev.json'));
    await importPath(db, join(FIXTURES, 'osv', 'GHSA-2222-3333-4444.json'));
    // `related` ids are other vulnerabilities: they do not flag
    const relatedOnly = join(tmp.dir, 'related.json');
    writeFileSync(relatedOnly, JSON.stringify({ id: 'GHSA-7777-8888-9999', modified: '2024-01-01T00:00:00Z', related: ['CVE-2024-0001'], affected: [] }));
    await importPath(db, relatedOnly);
    let reader = VulnDbReader.open(db);
    assert.equal(reader.findAdvisories('GHSA-2222-3333-4444')[0]?.kev?.dateAdded, '2024-05-20');
    assert.equal(reader.findAdvisories('GHSA-7777-8888-9999')[0]?.kev, null);
    reader.close();

    const smaller = JSON.parse(readFileSync(join(FIXTURES, 'kev.json'), 'utf8')) as { vulnerabilities: Array<{ cveID: string }> };
    smaller.vulnerabilities = smaller.vulnerabilities.filter((v) => v.cveID !== 'CVE-2024-0001');
    const file = join(tmp.dir, 'known_exploited_vulnerabilities.json');
    writeFileSync(file, JSON.stringify(smaller));
    await importPath(db, file);
    reader = VulnDbReader.open(db);
    assert.equal(reader.findAdvisories('GHSA-2222-3333-4444')[0]?.kev, null);
    reader.close();
    assert.equal((await status(db)).kev.catalogEntries, 2);
  });

  it('says clearly what it cannot import', async () => {
    const db = join(tmp.dir, 'nothing.db');
    await assert.rejects(importPath(db, join(tmp.dir, 'missing')), ImportPathError);
    await assert.rejects(importPath(db, join(bundle, 'manifest.json')), /not a feed openhss can import/);
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    await assert.rejects(importPath(db, empty), /no feed files/);
    const twice = join(tmp.dir, 'twice');
    mkdirSync(twice);
    cpSync(join(FIXTURES, 'kev.json'), join(twice, 'a.json'));
    cpSync(join(FIXTURES, 'kev.json'), join(twice, 'b.json'));
    await assert.rejects(importPath(db, twice), /both feed kev/);
  });

  it('refuses to read a DB of another schema version, and rebuilds it on import', async () => {
    const db = join(tmp.dir, 'old-schema.db');
    const old = new SQLite(db);
    old.exec("create table meta (key text primary key, value text not null); insert into meta values ('schema_version', '0');");
    old.close();
    assert.throws(() => VulnDbReader.open(db), VulnDbSchemaError);
    const s = await status(db);
    assert.equal(s.exists, true);
    assert.equal(s.usable, false);
    assert.match(s.problem ?? '', /schema v0/);
    const result = await importPath(db, join(FIXTURES, 'kev.json'));
    assert.equal(result.rebuilt, true);
    assert.equal((await status(db)).usable, true);
    assert.equal((await status(join(tmp.dir, 'never.db'))).exists, false);
  });

  it('builds the demo DB from the fixtures that ship with the product', async () => {
    const db = join(tmp.dir, 'demo.db');
    await buildDemoDb(db);
    const s = await status(db);
    assert.equal(s.demo, true);
    assert.deepEqual(
      s.ecosystems.map((e) => e.ecosystem),
      ['Alpine:v3.19', 'Debian:11', 'Debian:12', 'Go', 'Kubernetes', 'Maven', 'PyPI', 'npm'],
    );
    const reader = VulnDbReader.open(db);
    try {
      const glibc = reader.affectedFor('Debian:12', 'glibc').find((r) => r.advisory.id === 'CVE-2023-4911');
      assert.deepEqual(glibc?.fixedVersions, ['2.36-9+deb12u3']);
      assert.equal(glibc?.advisory.kev?.dateAdded, '2023-11-21');
      assert.equal(reader.affectedFor('Debian:12', 'xz-utils')[0]?.status, 'not_affected');
      const log4j = reader.affectedFor('Maven', 'org.apache.logging.log4j:log4j-core')[0];
      assert.equal(log4j?.advisory.kev?.dateAdded, '2021-12-10');
      assert.equal(log4j?.advisory.cvss?.score, 10);
      assert.equal(reader.affectedFor('PyPI', 'PyYAML')[0]?.advisory.id, 'GHSA-8q59-q68h-6hv4');
    } finally {
      reader.close();
    }
  });
});
