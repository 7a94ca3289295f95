import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { Package } from '../../../src/domain/package.js';
import { buildRpmHeader, parseRpmHeader, RpmHeaderError, RPMTAG } from '../../../src/inventory/pkg/rpm-header.js';
import { rpmAnalyzer, rpmEvr, rpmPackagesFromBlobs } from '../../../src/inventory/pkg/rpm.js';
import { readBdbRpmdb } from '../../../src/inventory/pkg/rpmdb-bdb.js';
import { readNdbRpmdb } from '../../../src/inventory/pkg/rpmdb-ndb.js';
import { buildBdbHashRpmdb, buildNdbRpmdb, buildRpms, installIntoRpmdb, rpmQueryAll, sqliteHeaderBlobs } from '../../support/rpmdb.js';

const line = (p: Package): string => (p.type === 'rpm' ? `${p.name} ${p.version} ${p.architecture} ${p.sourceRpm}` : `not rpm: ${p.name}`);
const lines = (packages: Package[]): string[] => packages.map(line).sort();

const gpgPubkey = buildRpmHeader([
  { tag: RPMTAG.NAME, string: 'gpg-pubkey' },
  { tag: RPMTAG.VERSION, string: 'fd431d51' },
  { tag: RPMTAG.RELEASE, string: '4ae0493b' },
]);

describe('rpm analyzer', () => {
  let dir: string;
  let dbpath: string;
  let sqliteFile: string;
  let expected: string[];
  let records: { key: number; blob: Buffer }[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openhss-rpm-'));
    const rpms = buildRpms(dir, [
      { name: 'alpha', version: '1.2.3', release: '4.el9', epoch: 2 },
      { name: 'beta', version: '0.9', release: '1' },
      // epoch 0 set explicitly, a tilde version, an arch, and a header spanning many 512-byte pages
      { name: 'gamma', version: '3.0~rc1', release: '7.fc40', epoch: 0, arch: 'x86_64', description: 'long '.repeat(1500) },
    ]);
    assert.equal(rpms.length, 3);
    dbpath = join(dir, 'db');
    installIntoRpmdb(dbpath, rpms);
    sqliteFile = join(dbpath, 'rpmdb.sqlite');
    expected = rpmQueryAll(dbpath);
    records = sqliteHeaderBlobs(sqliteFile);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('asks for the rpmdb files of every backend and nothing else', () => {
    for (const p of ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite', 'var/lib/rpm/Packages', 'var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db'])
      assert.equal(rpmAnalyzer.required(p), true, p);
    for (const p of ['var/lib/rpm/Name', 'var/lib/rpm/rpmdb.sqlite-wal', 'var/lib/rpm/rpmdb.sqlite-shm', 'etc/rpm/macros', 'srv/var/lib/rpm/Packages'])
      assert.equal(rpmAnalyzer.required(p), false, p);
  });

  it('reads an rpmdb.sqlite written by rpm exactly as rpm -qa lists it', () => {
    assert.deepEqual(expected, [
      'alpha 2:1.2.3-4.el9 noarch alpha-1.2.3-4.el9.src.rpm',
      'beta 0.9-1 noarch beta-0.9-1.src.rpm',
      'gamma 0:3.0~rc1-7.fc40 x86_64 gamma-3.0~rc1-7.fc40.src.rpm',
    ]);
    for (const path of ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']) {
      const result = rpmAnalyzer.analyze({ path, content: readFileSync(sqliteFile), layerDigest: 'sha256:abc' });
      assert.deepEqual(result.warnings, []);
      assert.deepEqual(lines(result.packages), expected);
      const alpha = result.packages.find((p) => p.name === 'alpha');
      assert.deepEqual(alpha, {
        type: 'rpm',
        name: 'alpha',
        version: '2:1.2.3-4.el9',
        epoch: 2,
        release: '4.el9',
        architecture: 'noarch',
        sourceRpm: 'alpha-1.2.3-4.el9.src.rpm',
        location: { path, layerDigest: 'sha256:abc' },
      });
      const beta = result.packages.find((p) => p.name === 'beta');
      assert.ok(beta?.type === 'rpm' && beta.epoch === null && beta.release === '1');
    }
  });

  it('skips gpg-pubkey entries that rpm lists among the packages', () => {
    const copy = join(dir, 'gpg');
    mkdirSync(copy);
    copyFileSync(sqliteFile, join(copy, 'rpmdb.sqlite'));
    const db = new Database(join(copy, 'rpmdb.sqlite'));
    db.prepare('INSERT INTO Packages (hnum, blob) VALUES (?, ?)').run(100, gpgPubkey);
    db.close();
    const listed = rpmQueryAll(copy);
    assert.ok(listed.some((l) => l.startsWith('gpg-pubkey fd431d51-4ae0493b')), 'rpm itself reads the key header');
    const result = rpmAnalyzer.analyze({ path: 'var/lib/rpm/rpmdb.sqlite', content: readFileSync(join(copy, 'rpmdb.sqlite')) });
    assert.deepEqual(lines(result.packages), expected);
    assert.deepEqual(result.warnings, []);
  });

  it("reads a BerkeleyDB hash Packages built around rpm's header blobs, which rpm's bdb_ro reads back the same", () => {
    // 40 entries fill several chained hash pages; each header spans 3+ overflow pages at 512 bytes.
    const many = Array.from({ length: 40 }, (_, i) => ({ key: i + 1, blob: records[i % records.length]!.blob }));
    for (const options of [{ pageSize: 512 }, { pageSize: 512, bigEndian: true }, { pageSize: 4096 }]) {
      const file = buildBdbHashRpmdb([...many, { key: 41, blob: gpgPubkey }], options);
      const bdbDir = join(dir, `bdb-${options.pageSize}-${options.bigEndian ?? false}`);
      mkdirSync(bdbDir);
      writeFileSync(join(bdbDir, 'Packages'), file);
      const byRpm = rpmQueryAll(bdbDir, 'bdb_ro').filter((l) => !l.startsWith('gpg-pubkey '));
      assert.equal(byRpm.length, 40, `rpm reads the hand-built file (${JSON.stringify(options)})`);
      const result = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages', content: file });
      assert.deepEqual(result.warnings, []);
      assert.deepEqual(lines(result.packages), byRpm);
      assert.deepEqual([...new Set(byRpm)], expected);
    }
  });

  it("reads an NDB Packages.db built around rpm's header blobs", () => {
    const file = buildNdbRpmdb([...records, { key: 50, blob: gpgPubkey }]);
    const result = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages.db', content: file });
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(lines(result.packages), expected);
    assert.deepEqual(readNdbRpmdb(file).blobs.map((b) => b.key), [...records.map((r) => r.key), 50]);
  });

  it('formats the EVR with the epoch only when it is set', () => {
    assert.equal(rpmEvr(null, '1.0', '1.el9'), '1.0-1.el9');
    assert.equal(rpmEvr(0, '1.0', '1.el9'), '0:1.0-1.el9');
    assert.equal(rpmEvr(7, '2.4.57', '5.el9'), '7:2.4.57-5.el9');
  });
});

/** Byte positions of the off-page (overflow) items on the hash pages of a little-endian, 512-byte-page BerkeleyDB file. */
function offPageItems(file: Buffer): number[] {
  const out: number[] = [];
  for (let pg = 1; pg < file.length / 512; pg++) {
    const at = pg * 512;
    if (file[at + 25] !== 13) continue;
    const entries = file.readUInt16LE(at + 20);
    for (let i = 1; i < entries; i += 2) {
      const item = at + file.readUInt16LE(at + 26 + 2 * i);
      if (file[item] === 3) out.push(item);
    }
  }
  return out;
}

describe('rpm analyzer on hostile input', () => {
  let dir: string;
  let records: { key: number; blob: Buffer }[];
  let sqlite: Buffer;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openhss-rpm-bad-'));
    installIntoRpmdb(join(dir, 'db'), buildRpms(dir, [{ name: 'delta', version: '1', release: '1' }]));
    sqlite = readFileSync(join(dir, 'db', 'rpmdb.sqlite'));
    records = sqliteHeaderBlobs(join(dir, 'db', 'rpmdb.sqlite'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects every truncation of a real header blob with an RpmHeaderError', () => {
    const blob = records[0]!.blob;
    assert.equal(parseRpmHeader(blob).name, 'delta');
    for (let n = 0; n < blob.length; n++) assert.throws(() => parseRpmHeader(blob.subarray(0, n)), RpmHeaderError, `truncated to ${n}`);
  });

  it('rejects headers whose counts, offsets, types or strings are out of bounds', () => {
    const good = buildRpmHeader([
      { tag: RPMTAG.NAME, string: 'x' },
      { tag: RPMTAG.VERSION, string: '1' },
      { tag: RPMTAG.RELEASE, string: '1' },
      { tag: RPMTAG.EPOCH, int32: 3 },
    ]);
    assert.deepEqual(parseRpmHeader(good), { name: 'x', version: '1', release: '1', epoch: 3 });
    const mutate = (f: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    const cases: Record<string, Buffer> = {
      'huge index count': mutate((b) => b.writeUInt32BE(0xffffffff, 0)),
      'zero index count': mutate((b) => b.writeUInt32BE(0, 0)),
      'huge data length': mutate((b) => b.writeUInt32BE(0x7fffffff, 4)),
      'offset past the data': mutate((b) => b.writeUInt32BE(0xfffffff0, 8 + 8)),
      'string type for an int tag': mutate((b) => b.writeUInt32BE(4, 8 + 4)),
      'int past the end': mutate((b) => b.writeUInt32BE(b.readUInt32BE(4) - 2, 8 + 48 + 8)),
      'unterminated string': (() => {
        const b = buildRpmHeader([{ tag: RPMTAG.NAME, string: 'name' }]);
        b[b.length - 1] = 0x41;
        return b;
      })(),
      empty: Buffer.alloc(0),
    };
    for (const [name, blob] of Object.entries(cases)) assert.throws(() => parseRpmHeader(blob), RpmHeaderError, name);
    const result = rpmPackagesFromBlobs({ blobs: Object.values(cases).map((blob, i) => ({ key: i + 1, blob })).concat([{ key: 99, blob: good }]), warnings: [] }, { path: 'var/lib/rpm/rpmdb.sqlite' });
    assert.deepEqual(result.packages.map((p) => p.version), ['3:1-1']);
    assert.equal(result.warnings.length, Object.keys(cases).length);
    assert.ok(result.warnings.every((w) => w.startsWith('var/lib/rpm/rpmdb.sqlite: header ')));
  });

  it('never throws on random blobs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(64), (bytes, il) => {
        const b = Buffer.from(bytes);
        if (b.length >= 8) b.writeUInt32BE(il, 0);
        try {
          parseRpmHeader(b);
        } catch (err) {
          if (!(err instanceof RpmHeaderError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('turns a corrupt or truncated rpmdb.sqlite into a warning', () => {
    const noTable = join(dir, 'empty.sqlite');
    new Database(noTable).close();
    const cases: Record<string, Buffer> = {
      garbage: Buffer.from('not a database at all'),
      'sqlite magic then garbage': Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xab)]),
      truncated: sqlite.subarray(0, Math.floor(sqlite.length / 3)),
      'no Packages table': readFileSync(noTable),
      'pages zeroed': Buffer.concat([sqlite.subarray(0, 100), Buffer.alloc(sqlite.length - 100)]),
    };
    for (const [name, content] of Object.entries(cases)) {
      const result = rpmAnalyzer.analyze({ path: 'var/lib/rpm/rpmdb.sqlite', content });
      assert.deepEqual(result.packages, [], name);
      assert.equal(result.warnings.length, 1, name);
      assert.match(result.warnings[0]!, /^var\/lib\/rpm\/rpmdb\.sqlite: unreadable rpm database/, name);
    }
    // the analyzer opened a copy: the bytes it was given are untouched
    assert.equal(sqlite[18], 2);
  });

  it('survives truncated and corrupted BerkeleyDB files', () => {
    const file = buildBdbHashRpmdb(records, { pageSize: 512 });
    assert.equal(readBdbRpmdb(file).blobs.length, 1);
    for (let n = 0; n < file.length; n += 97) {
      const result = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages', content: file.subarray(0, n) });
      assert.ok(result.packages.length === 0 || n >= file.length - 512, `truncated to ${n}`);
    }
    // an overflow chain that loops back on itself
    const loop = Buffer.from(file);
    const lastPage = loop.readUInt32LE(32);
    loop.writeUInt32LE(lastPage, lastPage * 512 + 16);
    loop.writeUInt16LE(10, lastPage * 512 + 22);
    const looped = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages', content: loop });
    assert.equal(looped.packages.length, 0);
    assert.match(looped.warnings.join('\n'), /overflow/);
    // an off-page item claiming 4 GiB
    const huge = Buffer.from(file);
    const [item] = offPageItems(huge);
    assert.ok(item !== undefined);
    huge.writeUInt32LE(0xffffffff, item + 8);
    const hugeResult = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages', content: huge });
    assert.equal(hugeResult.packages.length, 0);
    assert.equal(hugeResult.warnings.length, 1);
    // two values pointing at one overflow chain: the second is refused
    const shared = buildBdbHashRpmdb([{ key: 1, blob: records[0]!.blob }, { key: 2, blob: records[0]!.blob }], { pageSize: 512 });
    const [first, second] = offPageItems(shared);
    assert.ok(first !== undefined && second !== undefined);
    shared.copy(shared, second + 4, first + 4, first + 12);
    const sharedResult = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages', content: shared });
    assert.equal(sharedResult.packages.length, 1);
    assert.match(sharedResult.warnings.join(), /already used page/);
    // random bytes behind a valid magic
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 4096 }), (bytes) => {
        const b = Buffer.from(bytes);
        b.writeUInt32LE(0x00061561, 12);
        b.writeUInt32LE(9, 16);
        b.writeUInt32LE(512, 20);
        b[24] = 0;
        rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages', content: b });
      }),
      { numRuns: 300 },
    );
  });

  it('survives truncated and corrupted NDB files', () => {
    const file = buildNdbRpmdb(records);
    for (let n = 0; n < file.length; n += 61) {
      const result = rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages.db', content: file.subarray(0, n) });
      assert.equal(result.packages.length, 0, `truncated to ${n}`);
      assert.equal(result.warnings.length, 1, `truncated to ${n}`);
    }
    const badBlob = Buffer.from(file);
    badBlob.writeUInt32LE(0x12345678, 4096); // blob head magic
    assert.match(rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages.db', content: badBlob }).warnings.join(), /damaged blob/);
    const badSlot = Buffer.from(file);
    badSlot.writeUInt32LE(0xfffffff0, 32 + 8); // block offset past the end
    assert.match(rpmAnalyzer.analyze({ path: 'var/lib/rpm/Packages.db', content: badSlot }).warnings.join(), /outside the file/);
  });
});
