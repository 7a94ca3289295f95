import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPath, VulnDbReader, FeedFormatError, detectFeedFile } from '../../../src/vulndb/index.js';
import type { AffectedRecord } from '../../../src/vulndb/index.js';
import { objectMembers } from '../../../src/vulndb/json-stream.js';
import { FIXTURES, tempDir } from './support/tmp.js';

const TRACKER = join(FIXTURES, 'debian-tracker.json');

describe('Debian security tracker importer', () => {
  let tmp: ReturnType<typeof tempDir>;
  let reader: VulnDbReader;
  let result: Awaited<ReturnType<typeof importPath>>;
  const entry = (release: string, pkg: string, id: string) =>
    reader.affectedFor(`Debian:${release}`, pkg).find((r) => r.advisory.id === id) as AffectedRecord;

  before(async () => {
    tmp = tempDir();
    const db = join(tmp.dir, 'debian.db');
    result = await importPath(db, TRACKER);
    reader = VulnDbReader.open(db);
  });
  after(() => {
    reader.close();
    tmp.cleanup();
  });

  it('detects the tracker JSON and names its feed', async () => {
    assert.equal(await detectFeedFile(TRACKER), 'debian-tracker');
    assert.equal(result.feeds[0]?.feed, 'debian-tracker');
    assert.equal(result.feeds[0]?.records, 4, 'CVE-2023-0001, CVE-2023-0002, TEMP-…, CVE-2005-2541; one advisory per id across packages');
  });

  it('resolved + fixed_version → fixed, by source package and release number', () => {
    const rec = entry('12', 'openssl', 'CVE-2023-0001');
    assert.equal(rec.status, 'fixed');
    assert.deepEqual(rec.ranges, [
      {
        type: 'ECOSYSTEM',
        events: [
          { kind: 'introduced', version: '0' },
          { kind: 'fixed', version: '3.0.11-1~deb12u1' },
        ],
      },
    ]);
    assert.equal(rec.severity, 'medium');
    assert.equal(rec.severityRaw, 'medium');
    assert.equal(rec.advisory.summary, 'openssl: a fixed issue');
    assert.equal(rec.advisory.url, 'https://security-tracker.debian.org/tracker/CVE-2023-0001');
    assert.deepEqual(entry('13', 'openssl', 'CVE-2023-0001').fixedVersions, ['3.0.11-1']);
    assert.deepEqual(entry('unstable', 'openssl', 'CVE-2023-0001').fixedVersions, ['3.0.11-1'], 'sid → Debian:unstable');
  });

  it('fixed_version "0" → not-affected', () => {
    const rec = entry('11', 'openssl', 'CVE-2023-0001');
    assert.equal(rec.status, 'not_affected');
    assert.deepEqual(rec.ranges, []);
    assert.equal(rec.severity, null, '"not yet assigned" is no severity');
  });

  it('open → unfixed; nodsa "ignored", unimportant and end-of-life → will-not-fix; postponed stays unfixed', () => {
    const ignored = entry('12', 'openssl', 'CVE-2023-0002');
    assert.equal(ignored.status, 'will_not_fix');
    assert.equal(ignored.statusNote, 'ignored: Minor issue');
    assert.deepEqual(ignored.ranges, [{ type: 'ECOSYSTEM', events: [{ kind: 'introduced', version: '0' }] }]);
    assert.deepEqual(ignored.fixedVersions, []);

    const eol = entry('10', 'openssl', 'CVE-2023-0002');
    assert.equal(eol.status, 'will_not_fix');
    assert.equal(eol.statusNote, 'end-of-life');

    const postponed = entry('13', 'openssl', 'CVE-2023-0002');
    assert.equal(postponed.status, 'unfixed');
    assert.equal(postponed.statusNote, 'postponed: Minor issue');
    assert.equal(postponed.severity, 'low', '"low*" → low');

    const unimportant = entry('12', 'tar', 'CVE-2005-2541');
    assert.equal(unimportant.status, 'will_not_fix');
    assert.equal(unimportant.statusNote, 'unimportant');
    assert.equal(unimportant.severity, 'low');

    const open = entry('12', 'glibc', 'CVE-2023-0001');
    assert.equal(open.status, 'unfixed');
    assert.equal(open.statusNote, 'Minor issue', 'nodsa without a reason stays unfixed');
    assert.equal(open.severity, 'high');

    const undetermined = entry('12', 'openssl', 'TEMP-0000000-ABCDEF');
    assert.equal(undetermined.status, 'unfixed');
    assert.equal(undetermined.statusNote, 'undetermined');
  });

  it('skips what it cannot map, with counted warnings', () => {
    const w = result.feeds[0]?.warnings ?? {};
    assert.equal(w['resolved-without-fixed-version'], 1);
    assert.equal(w['unknown-release'], 1, 'hamm');
    assert.equal(w['unknown-status'], 1);
    assert.equal(reader.findAdvisories('CVE-2023-0003').length, 0);
  });

  it('parses the stream member by member, whatever the chunk boundaries', async () => {
    const text = readFileSync(TRACKER, 'utf8').replace('"tar"', '"t\\u0061r"');
    const expected = JSON.parse(text) as Record<string, unknown>;
    for (const size of [1, 3, 7, 64, 100_000]) {
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const got: Record<string, unknown> = {};
      for await (const [k, v] of objectMembers(chunks)) got[k] = v;
      assert.deepEqual(got, expected, `chunks of ${size}`);
    }
    const members: unknown[] = [];
    for await (const m of objectMembers(['{"a": 1, "b": "x,}", "c": [1, {"d": "}"}], "e": null}'])) members.push(m);
    assert.deepEqual(members, [
      ['a', 1],
      ['b', 'x,}'],
      ['c', [1, { d: '}' }]],
      ['e', null],
    ]);
  });

  it('refuses truncated or foreign JSON and leaves the DB as it was', async () => {
    const db = join(tmp.dir, 'debian.db');
    const before = readFileSync(db);
    const truncated = join(tmp.dir, 'truncated.json');
    const text = readFileSync(TRACKER, 'utf8');
    writeFileSync(truncated, text.slice(0, text.indexOf('"tar"') + 30));
    // too short to be detected as anything but broken JSON; go through the importer directly
    const { importDebianTracker } = await import('../../../src/vulndb/importers/debian-tracker.js');
    const { buildAtomically } = await import('../../../src/vulndb/build.js');
    await assert.rejects(
      buildAtomically(db, { base: 'copy', now: () => new Date() }, async ({ writer }) => {
        writer.deleteFeed('debian-tracker');
        await importDebianTracker(writer, [readFileSync(truncated)]);
        return { value: null, commit: true };
      }),
      (err: unknown) => err instanceof FeedFormatError && /truncated/.test(err.message),
    );
    await assert.rejects(importDebianTracker({} as never, ['{"pkg": 1}']), FeedFormatError);
    await assert.rejects(importDebianTracker({} as never, ['[1, 2]']), FeedFormatError);
    assert.deepEqual(readFileSync(db), before);
  });
});
