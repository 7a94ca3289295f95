import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildDemoDb, importPath, SCHEMA_VERSION, VulnDbReader } from '../../../src/vulndb/index.js';
import { BUNDLE_DB_MEMBER, BUNDLE_METADATA_MEMBER, BundleError, exportBundle, importBundle, sniffBundle } from '../../../src/vulndb/bundle.js';
import { VulnDbProvider } from '../../../src/vulndb/provider.js';
import { dumpDb, packBundle, unpackBundle, type Member } from './support/bundle.js';
import { FIXTURES, tempDir } from './support/tmp.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('DB bundle: db export / db import of the whole DB as one file', () => {
  let tmp: ReturnType<typeof tempDir>;
  let original: string;
  let bundle: string;
  let members: Member[];
  before(async () => {
    tmp = tempDir('openhss-bundle-');
    original = join(tmp.dir, 'original', 'vulndb.sqlite');
    // a DB with every feed kind, built from the fixtures in their real shapes
    await importPath(original, FIXTURES, { now: () => new Date('2024-06-02T00:00:00Z') });
    bundle = join(tmp.dir, 'vulndb-bundle.tar.gz');
    await exportBundle(original, bundle, { now: () => new Date('2024-06-03T00:00:00Z') });
    members = await unpackBundle(bundle);
  });
  after(() => tmp.cleanup());

  it('writes one gzip tar: the metadata first (schema, built_at, feeds with their counts, SHA-256 of the DB), then the DB itself', async () => {
    assert.deepEqual(members.map((m) => m.name), [BUNDLE_METADATA_MEMBER, BUNDLE_DB_MEMBER]);
    const metadata = JSON.parse(members[0]!.data.toString('utf8'));
    const db = readFileSync(original);
    assert.equal(metadata.schemaVersion, SCHEMA_VERSION);
    assert.equal(metadata.builtAt, '2024-06-02T00:00:00.000Z');
    assert.equal(metadata.exportedAt, '2024-06-03T00:00:00.000Z');
    assert.deepEqual(metadata.files, [{ name: BUNDLE_DB_MEMBER, size: db.length, sha256: sha256(db) }]);
    assert.ok(members[1]!.data.equals(db), 'the DB member is the DB file byte for byte');
    const dump = dumpDb(original);
    assert.equal(metadata.advisories, dump.advisories!.length);
    const feeds = dump.feeds as Array<{ name: string; records: number }>;
    assert.deepEqual(
      metadata.feeds.map((f: { name: string; records: number }) => [f.name, f.records]),
      feeds.map((f) => [f.name, f.records]),
    );
    assert.ok(feeds.length >= 4 && feeds.every((f) => f.records > 0));
    assert.equal(await sniffBundle(bundle), 'bundle');
  });

  it('installs into a fresh path a DB equal to the original, and the file is detected by content', async () => {
    const target = join(tmp.dir, 'fresh', 'vulndb.sqlite');
    const result = await importBundle(target, bundle);
    assert.deepEqual(dumpDb(target), dumpDb(original));
    assert.equal(result.metadata.schemaVersion, SCHEMA_VERSION);
    const reader = VulnDbReader.open(target);
    try {
      // the matchers' reader opens it and finds every advisory of the original by id
      for (const row of dumpDb(original).advisories as Array<{ id: string }>) assert.ok(reader.findAdvisories(row.id).length > 0, row.id);
    } finally {
      reader.close();
    }
  });

  it('replaces the live DB atomically: a running provider switches to the new generation', async () => {
    const live = join(tmp.dir, 'live', 'vulndb.sqlite');
    await buildDemoDb(live);
    const provider = new VulnDbProvider(live);
    await provider.open();
    try {
      const before = provider.generation();
      const changed = new Promise<void>((resolve) => provider.onChange(resolve));
      await importBundle(live, bundle);
      assert.equal(provider.refresh(), true);
      await changed;
      assert.notEqual(provider.generation(), before);
      assert.deepEqual(dumpDb(live), dumpDb(original));
      assert.deepEqual(readdirSync(join(tmp.dir, 'live')), ['vulndb.sqlite'], 'no temporary file is left');
    } finally {
      provider.close();
    }
  });

  describe('refuses a bad bundle and leaves the installed DB as it was', () => {
    let installed: string;
    let installedBytes: Buffer;
    before(async () => {
      installed = join(tmp.dir, 'installed', 'vulndb.sqlite');
      await buildDemoDb(installed);
      installedBytes = readFileSync(installed);
    });

    const refuses = async (file: string, message: RegExp) => {
      await assert.rejects(importBundle(installed, file), (error: unknown) => {
        assert.ok(error instanceof BundleError, String(error));
        assert.match(error.message, message);
        return true;
      });
      assert.ok(readFileSync(installed).equals(installedBytes), 'the installed DB is unchanged');
      assert.deepEqual(readdirSync(join(tmp.dir, 'installed')), ['vulndb.sqlite'], 'no temporary file is left');
    };

    it('a truncated bundle', async () => {
      const whole = readFileSync(bundle);
      for (const keep of [Math.floor(whole.length / 2), whole.length - 20, 30]) {
        const file = join(tmp.dir, `truncated-${keep}.tar.gz`);
        writeFileSync(file, whole.subarray(0, keep));
        await refuses(file, /truncated|corrupt/);
      }
    });

    it('a corrupted byte in the compressed stream', async () => {
      const bytes = Buffer.from(readFileSync(bundle));
      const at = Math.floor(bytes.length * 0.6);
      bytes[at] = bytes[at]! ^ 0xff;
      const file = join(tmp.dir, 'corrupt.tar.gz');
      writeFileSync(file, bytes);
      await refuses(file, /truncated|corrupt|checksum/);
    });

    it('a DB altered after export (metadata checksum no longer matches)', async () => {
      const db = Buffer.from(members[1]!.data);
      const text = db.toString('latin1');
      const at = text.indexOf('CVE-');
      assert.ok(at > 0);
      db.write('CVX-', at, 'latin1');
      const file = join(tmp.dir, 'tampered-db.tar.gz');
      await packBundle(file, [members[0]!, { name: BUNDLE_DB_MEMBER, data: db }]);
      await refuses(file, /checksum mismatch/);
    });

    it('a wrong checksum in the metadata', async () => {
      const metadata = JSON.parse(members[0]!.data.toString('utf8'));
      metadata.files[0].sha256 = sha256(Buffer.from('something else'));
      const file = join(tmp.dir, 'wrong-checksum.tar.gz');
      await packBundle(file, [{ name: BUNDLE_METADATA_MEMBER, data: Buffer.from(JSON.stringify(metadata)) }, members[1]!]);
      await refuses(file, /checksum mismatch/);
    });

    it('a wrong size in the metadata', async () => {
      const metadata = JSON.parse(members[0]!.data.toString('utf8'));
      metadata.files[0].size += 1;
      const file = join(tmp.dir, 'wrong-size.tar.gz');
      await packBundle(file, [{ name: BUNDLE_METADATA_MEMBER, data: Buffer.from(JSON.stringify(metadata)) }, members[1]!]);
      await refuses(file, /bytes, its metadata says/);
    });

    it('another schema version', async () => {
      const metadata = JSON.parse(members[0]!.data.toString('utf8'));
      metadata.schemaVersion = SCHEMA_VERSION + 1;
      const file = join(tmp.dir, 'schema.tar.gz');
      await packBundle(file, [{ name: BUNDLE_METADATA_MEMBER, data: Buffer.from(JSON.stringify(metadata)) }, members[1]!]);
      await refuses(file, new RegExp(`schema v${SCHEMA_VERSION + 1}; this openhss reads v${SCHEMA_VERSION}`));
    });

    it('metadata whose feed counts are not the DB\'s', async () => {
      const metadata = JSON.parse(members[0]!.data.toString('utf8'));
      metadata.feeds[0].records += 1;
      const file = join(tmp.dir, 'counts.tar.gz');
      await packBundle(file, [{ name: BUNDLE_METADATA_MEMBER, data: Buffer.from(JSON.stringify(metadata)) }, members[1]!]);
      await refuses(file, /feeds differ from its metadata/);
    });

    it('members out of order, missing or extra', async () => {
      const cases: Array<[string, Member[], RegExp]> = [
        ['reordered', [members[1]!, members[0]!], /not an openhss vulnerability DB bundle/],
        ['no-db', [members[0]!], /no vulndb\.sqlite/],
        ['extra', [...members, { name: 'evil.sh', data: Buffer.from('#!/bin/sh\n') }], /unexpected member "evil\.sh"/],
      ];
      for (const [name, list, message] of cases) {
        const file = join(tmp.dir, `${name}.tar.gz`);
        await packBundle(file, list);
        await refuses(file, message);
      }
    });

    it('a gzip file that is not a bundle is told apart from one', async () => {
      const file = join(tmp.dir, 'other.json.gz');
      writeFileSync(file, gzipSync(Buffer.from('{"not":"a bundle"}'.padEnd(2000, ' '))));
      assert.equal(await sniffBundle(file), 'other-gzip');
      assert.equal(await sniffBundle(join(FIXTURES, 'kev.json')), 'no');
      await refuses(file, /truncated|corrupt|not an openhss/);
    });
  });
});
