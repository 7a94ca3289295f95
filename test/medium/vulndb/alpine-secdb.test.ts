import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { importPath, VulnDbReader, FeedFormatError } from '../../../src/vulndb/index.js';
import type { AffectedRecord } from '../../../src/vulndb/index.js';
import { FIXTURES, tempDir } from './support/tmp.js';

describe('Alpine secdb importer', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  let reader: VulnDbReader;
  let result: Awaited<ReturnType<typeof importPath>>;
  const byId = (pkg: string) => new Map(reader.affectedFor('Alpine:v3.19', pkg).map((r) => [r.advisory.id, r]));
  const fixedRange = (version: string) => ({
    type: 'ECOSYSTEM',
    events: [
      { kind: 'introduced', version: '0' },
      { kind: 'fixed', version },
    ],
  });

  before(async () => {
    tmp = tempDir();
    db = join(tmp.dir, 'alpine.db');
    result = await importPath(db, join(FIXTURES, 'alpine-v3.19-main.json'));
    reader = VulnDbReader.open(db);
  });
  after(() => {
    reader.close();
    tmp.cleanup();
  });

  it('names the feed after the release and repository and keys entries by Alpine:<release> and origin package', () => {
    const feed = result.feeds[0]!;
    assert.equal(feed.feed, 'alpine-secdb/v3.19/main');
    assert.equal(feed.kind, 'alpine-secdb');
    const openssl = byId('openssl');
    assert.deepEqual([...openssl.keys()].sort(), ['CVE-2022-0001', 'CVE-2023-5678', 'CVE-2024-0727']);
    const fixed = openssl.get('CVE-2023-5678') as AffectedRecord;
    assert.equal(fixed.status, 'fixed');
    assert.deepEqual(fixed.ranges, [fixedRange('3.1.4-r1')]);
    assert.deepEqual(fixed.fixedVersions, ['3.1.4-r1']);
    assert.equal(fixed.advisory.source, 'alpine-secdb/v3.19/main');
    assert.equal(fixed.advisory.url, 'https://security.alpinelinux.org/vuln/CVE-2023-5678');
  });

  it('reads the "0" key as not-affected', () => {
    const rec = byId('openssl').get('CVE-2022-0001') as AffectedRecord;
    assert.equal(rec.status, 'not_affected');
    assert.deepEqual(rec.ranges, []);
    assert.equal(byId('curl').get('CVE-2021-22897')?.status, 'not_affected');
  });

  it('reads a key without -rN as the -r0 build and says so', () => {
    const rec = byId('busybox').get('CVE-2022-48174') as AffectedRecord;
    assert.equal(rec.status, 'fixed');
    assert.deepEqual(rec.fixedVersions, ['1.36.1-r0']);
    assert.match(rec.statusNote ?? '', /1\.36\.1 has no -rN/);
    assert.equal(result.feeds[0]?.warnings['version-key-without-revision'], 1);
  });

  it('takes the id from entries with extra text, and keeps further ids in the text as aliases', () => {
    const curl = byId('curl');
    assert.deepEqual(curl.get('CVE-2023-38545')?.fixedVersions, ['8.4.0-r0']);
    assert.deepEqual(curl.get('CVE-2023-38546')?.fixedVersions, ['8.4.0-r0']);
    assert.equal(result.feeds[0]?.warnings['entry-extra-text'], 1);
    const rec = byId('openssl').get('CVE-2024-0727') as AffectedRecord;
    assert.deepEqual(rec.advisory.aliases, ['GHSA-9v9h-cgj8-h64p']);
    assert.deepEqual(reader.findAdvisories('GHSA-9v9h-cgj8-h64p').map((a) => a.id), ['CVE-2024-0727']);
  });

  it('lets a fix win over a "0" for the same id, and keeps one range per fix key', () => {
    const zlib = byId('zlib').get('CVE-2022-37434') as AffectedRecord;
    assert.equal(zlib.status, 'fixed');
    assert.deepEqual(zlib.fixedVersions, ['1.2.12-r2']);
    assert.equal(result.feeds[0]?.warnings['fixed-and-not-affected'], 1);
    const sqlite = byId('sqlite').get('CVE-2023-1111') as AffectedRecord;
    assert.deepEqual(sqlite.ranges, [fixedRange('3.41.2-r1'), fixedRange('3.44.0-r0')]);
  });

  it('skips unusable entries and keys with counted warnings', () => {
    assert.equal(reader.affectedFor('Alpine:v3.19', 'weird').length, 0);
    assert.equal(result.feeds[0]?.warnings['invalid-entry'], 3);
    assert.equal(result.feeds[0]?.warnings['invalid-version-key'], 1);
    assert.equal(reader.affectedFor('Alpine:v3.19', 'nofixes').length, 0);
    // 9 (package, id) pairs: openssl 3, busybox 1, curl 3, zlib 1, sqlite 1
    assert.equal(result.feeds[0]?.affected, 9);
    assert.equal(result.feeds[0]?.records, 9);
  });

  it('refuses a document that is not a secdb file', async () => {
    const bad = join(tmp.dir, 'bad-secdb.json');
    writeFileSync(bad, JSON.stringify({ distroversion: 'v3.19', packages: 'nope' }));
    await assert.rejects(importPath(join(tmp.dir, 'other.db'), bad), /not a feed openhss can import/);
    const { importAlpineSecdb } = await import('../../../src/vulndb/importers/alpine-secdb.js');
    assert.throws(() => importAlpineSecdb({} as never, { packages: [] }), FeedFormatError);
  });
});
