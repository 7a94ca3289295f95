import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPath, VulnDbReader, status, FeedFormatError } from '../../../src/vulndb/index.js';
import { FIXTURES, tempDir } from './support/tmp.js';
import { writeZip, zipBuffer, type ZipEntry } from './support/zip.js';

const OSV_DIR = join(FIXTURES, 'osv');
const osvFiles = () => readdirSync(OSV_DIR).map((name) => ({ name, data: readFileSync(join(OSV_DIR, name)) }));

describe('OSV importer', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir();
  });
  after(() => tmp.cleanup());

  it('imports a single record file: ranges as events, versions, CVSS, aliases, and skips GIT ranges with a count', async () => {
    const db = join(tmp.dir, 'single.db');
    const result = await importPath(db, join(OSV_DIR, 'GHSA-2222-3333-4444.json'));
    const feed = result.feeds[0]!;
    assert.equal(feed.feed, 'osv-files/GHSA-2222-3333-4444.json');
    assert.equal(feed.records, 1);
    assert.equal(feed.affected, 1, 'the GIT-only entry has nothing to match on and is skipped');
    assert.equal(feed.warnings['git-range-skipped'], 2);
    assert.equal(feed.warnings['affected-without-ranges'], 1);

    const reader = VulnDbReader.open(db);
    try {
      const [rec, ...rest] = reader.affectedFor('npm', 'tiny-parser');
      assert.equal(rest.length, 0);
      assert.ok(rec);
      assert.equal(rec.status, 'affected');
      assert.equal(rec.purl, 'pkg:npm/tiny-parser');
      assert.deepEqual(rec.ranges, [
        {
          type: 'SEMVER',
          events: [
            { kind: 'introduced', version: '0' },
            { kind: 'fixed', version: '1.2.3' },
            { kind: 'introduced', version: '2.0.0' },
            { kind: 'last_affected', version: '2.1.0' },
          ],
        },
      ]);
      assert.deepEqual([...rec.versions].sort(), ['1.0.0', '1.2.2', '2.0.0', '2.1.0']);
      assert.deepEqual(rec.fixedVersions, ['1.2.3']);
      assert.equal(rec.severity, 'high', 'ecosystem_specific severity is the per-package severity');
      const adv = rec.advisory;
      assert.equal(adv.id, 'GHSA-2222-3333-4444');
      assert.equal(adv.source, 'osv');
      assert.deepEqual(adv.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', score: 8.8 }, 'v3.1 is preferred over v4.0');
      assert.equal(adv.severity, 'high');
      assert.equal(adv.severitySource, 'cvss');
      assert.equal(adv.summary, 'tiny-parser evaluates attacker-controlled templates.', 'empty summary falls back to the first line of details');
      assert.equal(adv.url, 'https://osv.dev/vulnerability/GHSA-2222-3333-4444');
      assert.equal(adv.published, '2024-04-01T00:00:00Z');
      assert.deepEqual(adv.aliases, ['CVE-2024-0001']);
      assert.deepEqual(adv.related, ['GHSA-5555-6666-7777']);
      assert.deepEqual(reader.affectedFor('npm', 'tiny-parser-cli'), []);
      // aliases are queryable both ways
      assert.deepEqual(
        reader.findAdvisories('CVE-2024-0001').map((a) => a.id),
        ['GHSA-2222-3333-4444'],
      );
      assert.deepEqual(reader.findAdvisories('GHSA-2222-3333-4444')[0]?.aliases, ['CVE-2024-0001']);
    } finally {
      reader.close();
    }
  });

  it('imports a directory of records (single records and arrays), normalising names and distro ecosystems', async () => {
    const db = join(tmp.dir, 'dir.db');
    const result = await importPath(db, OSV_DIR);
    assert.equal(result.feeds.length, 1);
    const feed = result.feeds[0]!;
    assert.equal(feed.feed, 'osv-files/osv');
    assert.equal(feed.records, 5);
    assert.equal(feed.warnings['cvss-invalid'], 1);
    assert.equal(feed.warnings['unknown-range-event'], 1);

    const reader = VulnDbReader.open(db);
    try {
      // PyPI names are PEP 503-normalised on both sides
      const [py] = reader.affectedFor('PyPI', 'django-rest-framework-extras');
      assert.equal(py?.advisory.id, 'PYSEC-2024-0002');
      assert.equal(reader.affectedFor('PyPI', 'Django_REST.Framework-Extras').length, 1);
      assert.equal(py?.advisory.severity, 'medium', 'MODERATE from database_specific');
      assert.equal(py?.advisory.severitySource, 'database_specific');
      assert.equal(py?.advisory.cvss, null);
      assert.equal(py?.advisory.url, 'https://example.invalid/advisories/PYSEC-2024-0002');
      assert.deepEqual(py?.advisory.aliases, ['CVE-2024-0002', 'GHSA-3333-4444-5555']);

      // OSV Debian/Alpine records land on the same keys as the distro feeds
      const [deb] = reader.affectedFor('Debian:12', 'openssl');
      assert.equal(deb?.advisory.id, 'DSA-5555-1');
      assert.deepEqual(deb?.fixedVersions, ['3.0.11-1~deb12u1']);
      assert.equal(deb?.severity, 'medium', 'ecosystem_specific urgency');
      assert.deepEqual(deb?.advisory.aliases, ['CVE-2023-0001'], 'upstream ids are aliases');
      assert.equal(reader.affectedFor('Debian:12', 'openssl-extra').length, 1, 'Debian:bookworm → Debian:12');
      assert.equal(reader.affectedFor('Debian:bookworm', 'openssl-extra').length, 1, 'lookups normalise too');
      assert.equal(reader.affectedFor('Alpine:v3.19', 'openssl').length, 1, 'Alpine:3.19 → Alpine:v3.19');

      // an invalid vector is kept unscored; the label falls back to database_specific
      const [go] = reader.affectedFor('Go', 'example.invalid/mod');
      assert.deepEqual(go?.advisory.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: null });
      assert.equal(go?.advisory.severity, 'low');
      assert.deepEqual(go?.ranges[0]?.events.map((e) => e.kind), ['introduced', 'fixed']);

      // a v4-only record is scored by the macro-vector method; explicit versions without ranges
      const [crate] = reader.affectedFor('crates.io', 'tiny-crate');
      assert.deepEqual(crate?.advisory.cvss, { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', score: 6.9 });
      assert.equal(crate?.advisory.severity, 'medium');
      assert.deepEqual(crate?.ranges, []);
      assert.deepEqual(crate?.versions, ['0.1.0', '0.1.1']);
    } finally {
      reader.close();
    }
  });

  it('streams an all.zip (feed osv/<Ecosystem>), skips bad entries with a warning, and replaces the feed on re-import', async () => {
    const db = join(tmp.dir, 'zip.db');
    const zipDir = join(tmp.dir, 'npm');
    mkdirSync(zipDir);
    const zip = join(zipDir, 'all.zip');
    writeZip(zip, [...osvFiles(), { name: 'broken.json', data: '{"id": ' }, { name: 'README.txt', data: 'not json', store: true }]);
    const first = await importPath(db, zip);
    assert.equal(first.feeds[0]?.feed, 'osv/npm');
    assert.equal(first.feeds[0]?.records, 5);
    assert.equal(first.feeds[0]?.warnings['invalid-json'], 1);

    // the new zip drops the Go record: replacing the feed removes it
    writeZip(
      zip,
      osvFiles().filter((f) => f.name !== 'GO-2024-0004.json'),
    );
    const second = await importPath(db, zip);
    assert.equal(second.feeds[0]?.records, 3);
    const reader = VulnDbReader.open(db);
    try {
      assert.equal(reader.affectedFor('Go', 'example.invalid/mod').length, 0);
      assert.equal(reader.affectedFor('npm', 'tiny-parser').length, 1, 'no duplicates after re-import');
    } finally {
      reader.close();
    }
    const s = await status(db);
    assert.deepEqual(
      s.feeds.map((f) => [f.name, f.records]),
      [['osv/npm', 3]],
    );
  });

  it('fails on a truncated zip and leaves the DB as it was', async () => {
    const db = join(tmp.dir, 'zip.db');
    const before = readFileSync(db);
    const full = zipBuffer(osvFiles());
    const truncated = join(tmp.dir, 'npm.zip');
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length * 0.6)));
    await assert.rejects(importPath(db, truncated), FeedFormatError);
    assert.deepEqual(readFileSync(db), before);
    const reader = VulnDbReader.open(db);
    assert.equal(reader.affectedFor('npm', 'tiny-parser').length, 1);
    reader.close();
  });

  it('detects a corrupted entry by its CRC-32', async () => {
    const db = join(tmp.dir, 'crc.db');
    const record = readFileSync(join(OSV_DIR, 'PYSEC-2024-0002.json'));
    const buf = zipBuffer([{ name: 'PYSEC-2024-0002.json', data: record, store: true }]);
    const at = buf.indexOf(record.subarray(0, 20));
    buf[at + 10] = buf[at + 10]! ^ 0x01;
    const file = join(tmp.dir, 'PyPI.zip');
    writeFileSync(file, buf);
    await assert.rejects(importPath(db, file), /CRC-32 mismatch/);
  });

  it('reads ZIP64 archives (more than 65,535 entries, like the real npm all.zip)', async () => {
    const db = join(tmp.dir, 'zip64.db');
    const entries: ZipEntry[] = Array.from({ length: 66_000 }, (_, i) => ({ name: `skip/${i}.txt`, data: '', store: true }));
    entries.push(...osvFiles().map((f) => ({ ...f, store: false })));
    const file = join(tmp.dir, 'crates.io.zip');
    writeFileSync(file, zipBuffer(entries));
    const result = await importPath(db, file);
    assert.equal(result.feeds[0]?.feed, 'osv/crates.io');
    assert.equal(result.feeds[0]?.records, 5);
  });

  it('skips withdrawn records and deletes a stored record they withdraw', async () => {
    const db = join(tmp.dir, 'withdrawn.db');
    const withdrawn = join(FIXTURES, 'osv-withdrawn', 'GHSA-9999-8888-7777.json');
    const live = join(tmp.dir, 'GHSA-9999-8888-7777.json');
    const record = JSON.parse(readFileSync(withdrawn, 'utf8')) as Record<string, unknown>;
    delete record.withdrawn;
    writeFileSync(live, JSON.stringify(record));
    await importPath(db, live);
    let reader = VulnDbReader.open(db);
    assert.equal(reader.findAdvisories('GHSA-9999-8888-7777').length, 1);
    reader.close();

    const result = await importPath(db, withdrawn);
    assert.equal(result.feeds[0]?.records, 0);
    assert.equal(result.feeds[0]?.skipped, 1);
    assert.equal(result.feeds[0]?.warnings.withdrawn, 1);
    reader = VulnDbReader.open(db);
    assert.equal(reader.findAdvisories('GHSA-9999-8888-7777').length, 0);
    assert.equal(reader.affectedFor('npm', 'tiny-parser').length, 0);
    reader.close();
  });

  it('re-importing a record replaces it instead of duplicating it', async () => {
    const db = join(tmp.dir, 'upsert.db');
    const file = join(tmp.dir, 'upsert.json');
    copyFileSync(join(OSV_DIR, 'GHSA-2222-3333-4444.json'), file);
    await importPath(db, file);
    const record = JSON.parse(readFileSync(file, 'utf8')) as { affected: Array<{ ranges: Array<{ events: unknown[] }> }> };
    record.affected[0]!.ranges[0]!.events = [{ introduced: '0' }, { fixed: '1.2.4' }];
    writeFileSync(file, JSON.stringify(record));
    await importPath(db, file);
    const reader = VulnDbReader.open(db);
    const recs = reader.affectedFor('npm', 'tiny-parser');
    reader.close();
    assert.equal(recs.length, 1);
    assert.deepEqual(recs[0]?.fixedVersions, ['1.2.4']);
  });
});
