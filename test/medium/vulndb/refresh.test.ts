import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { buildDemoDb, defaultSources, status, VulnDbReader, type VulnDbHttp } from '../../../src/vulndb/index.js';
import { changedSince, timeKey } from '../../../src/vulndb/osv-incremental.js';
import { readUpdateState, refreshVulnDb } from '../../../src/vulndb/refresh.js';
import { npmAdvisory, OsvBucket, type OsvRecord } from '../../support/osv-bucket.js';
import { tempDir } from './support/tmp.js';

const sources = defaultSources({ osvEcosystems: ['npm', 'PyPI'], alpineReleases: [], debian: false, kev: false, kubernetesCveFeed: false });
const identity = (file: string) => {
  const s = statSync(file);
  return `${s.ino}:${s.mtimeMs}`;
};
const fixedOf = (file: string, pkg: string) => {
  const r = VulnDbReader.open(file);
  try {
    return r.affectedFor('npm', pkg).flatMap((a) => a.fixedVersions);
  } finally {
    r.close();
  }
};
const pypi = (id: string, name: string, fixed: string, modified: string): OsvRecord => ({
  schema_version: '1.6.0',
  id,
  modified,
  published: '2024-02-01T00:00:00Z',
  summary: `${name} issue`,
  affected: [{ package: { ecosystem: 'PyPI', name, purl: `pkg:pypi/${name}` }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
});

describe('scheduled vulnerability DB updates against an OSV bucket on 127.0.0.1', () => {
  const bucket = new OsvBucket();
  const tmp = tempDir();
  const file = join(tmp.dir, 'vulndb.sqlite');
  const dispatcher = new Agent();
  let http: VulnDbHttp;
  // Every run's clock is given, so "built at" and the state file do not depend on the machine's time.
  let clock = Date.parse('2025-03-01T00:00:00Z');
  const now = () => new Date(clock);

  before(async () => {
    bucket.put('npm', npmAdvisory('GHSA-aaaa-aaaa-aaaa', 'left-pad', '1.3.0', '2025-01-01T10:00:00.100000Z'), npmAdvisory('GHSA-bbbb-bbbb-bbbb', 'lodash', '4.17.21', '2025-01-02T10:00:00Z'), npmAdvisory('GHSA-cccc-cccc-cccc', 'minimist', '1.2.6', '2025-01-03T10:00:00.000001Z'));
    bucket.put('PyPI', pypi('PYSEC-2024-1', 'requests', '2.32.0', '2025-01-04T00:00:00Z'));
    http = { dispatcher, baseUrl: await bucket.start() };
    await buildDemoDb(file, { now });
  });
  after(async () => {
    await dispatcher.close();
    await bucket.stop();
    tmp.cleanup();
  });

  it('replaces the demo DB with a full download of every feed, and records the success', async () => {
    assert.equal((await status(file)).demo, true);
    clock += 60_000;
    const result = await refreshVulnDb(file, sources, http, { now });
    assert.equal(result.mode, 'full');
    assert.equal(result.swapped, true);
    assert.equal(result.ok, true);
    const info = await status(file);
    assert.equal(info.demo, false, 'the demo mark is gone');
    assert.deepEqual(info.feeds.map((f) => [f.name, f.records]), [['osv/PyPI', 1], ['osv/npm', 3]], 'no demo/… feed is left');
    assert.equal(bucket.requestsFor('npm/all.zip').at(-1)?.status, 200);
    assert.deepEqual(fixedOf(file, 'left-pad'), ['1.3.0']);
    const state = readUpdateState(file);
    assert.equal(state.lastSuccessAt, new Date(clock).toISOString());
    assert.equal(state.lastError, null);
  });

  it('with nothing changed: reads the first line of each modified_id.csv only, and leaves the file alone', async () => {
    const before = identity(file);
    const mark = bucket.requests.length;
    clock += 12 * 3_600_000;
    const result = await refreshVulnDb(file, sources, http, { now });
    assert.equal(result.mode, 'incremental');
    assert.equal(result.swapped, false);
    assert.deepEqual(result.feeds.map((f) => [f.name, f.status, f.via]), [['osv/npm', 'not-modified', 'incremental'], ['osv/PyPI', 'not-modified', 'incremental']]);
    const paths = bucket.requests.slice(mark).map((r) => r.path).sort();
    assert.deepEqual(paths, [`osv-vulnerabilities.storage.googleapis.com/PyPI/modified_id.csv`, `osv-vulnerabilities.storage.googleapis.com/npm/modified_id.csv`]);
    assert.equal(identity(file), before, 'no rebuild');
    assert.equal(readUpdateState(file).lastSuccessAt, new Date(clock).toISOString(), 'the check counts as a success');
  });

  it('fetches only the changed records: a new fix, a new advisory and a withdrawn one, then is quiet again', async () => {
    bucket.put('npm', npmAdvisory('GHSA-aaaa-aaaa-aaaa', 'left-pad', '1.3.1', '2025-02-01T00:00:00.000002Z'));
    bucket.put('npm', npmAdvisory('GHSA-dddd-dddd-dddd', 'express', '4.19.2', '2025-02-02T00:00:00Z'));
    bucket.put('npm', npmAdvisory('GHSA-bbbb-bbbb-bbbb', 'lodash', '4.17.21', '2025-02-03T00:00:00Z', { withdrawn: '2025-02-03T00:00:00Z' }));
    const mark = bucket.requests.length;
    clock += 12 * 3_600_000;
    const result = await refreshVulnDb(file, sources, http, { now });
    assert.equal(result.swapped, true);
    assert.deepEqual(result.feeds.find((f) => f.name === 'osv/npm'), { name: 'osv/npm', status: 'updated', via: 'incremental', changed: 3 });
    const fetched = bucket.requests.slice(mark).map((r) => r.path.split('/').at(-1)).sort();
    assert.deepEqual(fetched, ['GHSA-aaaa-aaaa-aaaa.json', 'GHSA-bbbb-bbbb-bbbb.json', 'GHSA-dddd-dddd-dddd.json', 'modified_id.csv', 'modified_id.csv']);
    assert.deepEqual(fixedOf(file, 'left-pad'), ['1.3.1']);
    assert.deepEqual(fixedOf(file, 'express'), ['4.19.2']);
    assert.deepEqual(fixedOf(file, 'lodash'), [], 'the withdrawn advisory is deleted');
    assert.deepEqual(fixedOf(file, 'minimist'), ['1.2.6'], 'untouched records stay');
    const info = await status(file);
    assert.equal(info.feeds.find((f) => f.name === 'osv/npm')?.records, 3);
    assert.equal(info.builtAt, new Date(clock).toISOString());

    const quiet = await refreshVulnDb(file, sources, http, { now });
    assert.equal(quiet.swapped, false, 'the withdrawn record is not fetched again');
    assert.ok(quiet.feeds.every((f) => f.status === 'not-modified'));
  });

  it('falls back to the whole all.zip when more records changed than an incremental run takes', async () => {
    bucket.put('PyPI', pypi('PYSEC-2024-2', 'flask', '3.0.3', '2025-03-01T00:00:00Z'), pypi('PYSEC-2024-3', 'jinja2', '3.1.4', '2025-03-02T00:00:00Z'));
    const mark = bucket.requests.length;
    const result = await refreshVulnDb(file, sources, http, { now, maxChanges: 1 });
    assert.deepEqual(result.feeds.find((f) => f.name === 'osv/PyPI'), { name: 'osv/PyPI', status: 'updated', via: 'full' });
    assert.deepEqual(bucket.requests.slice(mark).filter((r) => r.path.endsWith('.json')), [], 'no record fetched one by one');
    assert.equal(bucket.requests.slice(mark).find((r) => r.path.endsWith('PyPI/all.zip'))?.status, 200);
    assert.equal((await status(file)).feeds.find((f) => f.name === 'osv/PyPI')?.records, 3);
    // The records the zip brought in raise the watermark: the next run has nothing to fetch.
    const quiet = await refreshVulnDb(file, sources, http, { now });
    assert.ok(quiet.feeds.every((f) => f.status === 'not-modified'));
  });

  it('keeps the last good DB when a feed cannot be fetched at all, and records why', async () => {
    bucket.put('npm', npmAdvisory('GHSA-eeee-eeee-eeee', 'axios', '1.6.0', '2025-04-01T00:00:00Z'));
    bucket.failing.add('npm/modified_id.csv');
    bucket.failing.add('npm/all.zip');
    const before = identity(file);
    const success = readUpdateState(file).lastSuccessAt;
    clock += 12 * 3_600_000;
    try {
      const result = await refreshVulnDb(file, sources, http, { now });
      assert.equal(result.ok, false);
      assert.equal(result.feeds.find((f) => f.name === 'osv/npm')?.status, 'failed');
    } finally {
      bucket.failing.clear();
    }
    assert.equal(identity(file), before, 'the DB file is untouched');
    assert.deepEqual(fixedOf(file, 'left-pad'), ['1.3.1']);
    const state = readUpdateState(file);
    assert.equal(state.lastSuccessAt, success);
    assert.equal(state.lastAttemptAt, new Date(clock).toISOString());
    assert.equal(state.lastError?.feeds[0]?.name, 'osv/npm');
    assert.match(state.lastError?.feeds[0]?.error ?? '', /HTTP 500/);

    // Once the bucket answers again the change arrives incrementally.
    const result = await refreshVulnDb(file, sources, http, { now });
    assert.equal(result.ok, true);
    assert.deepEqual(fixedOf(file, 'axios'), ['1.6.0']);
  });

  it('orders OSV times to the microsecond, in any zone', async () => {
    assert.ok((timeKey('2025-01-01T10:00:00.000002Z') as string) > (timeKey('2025-01-01T10:00:00.000001Z') as string));
    assert.equal(timeKey('2025-01-01T12:00:00+02:00'), timeKey('2025-01-01T10:00:00Z'));
    assert.equal(timeKey('yesterday'), null);
    const changed = await changedSince(`https://osv-vulnerabilities.storage.googleapis.com/npm/`, timeKey('2025-02-01T00:00:00.000001Z') as string, http, 100);
    assert.notEqual(changed, 'too-many');
    if (changed !== 'too-many') assert.deepEqual(changed.ids, ['GHSA-eeee-eeee-eeee', 'GHSA-bbbb-bbbb-bbbb', 'GHSA-dddd-dddd-dddd', 'GHSA-aaaa-aaaa-aaaa']);
  });
});
