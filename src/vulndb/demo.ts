/**
 * A small demo vulnerability DB, built from hand-written records that ship in `demo/` (a few
 * Debian 12, Alpine v3.19, npm, PyPI and Maven advisories, Kubernetes and containerd advisories as
 * OSV `Go` records plus an excerpt of the official Kubernetes CVE feed, and a KEV excerpt), so that the product
 * runs offline out of the box. The records are illustrative excerpts of public advisories written
 * for demonstration, not a substitute for `openhss db update`. Feeds are named `demo/…` and the DB
 * is marked `demo` in its meta table (status reports it).
 */
import { buildAtomically } from './build.js';
import alpineMain from './demo/alpine-v3.19-main.json' with { type: 'json' };
import debianTracker from './demo/debian-tracker.json' with { type: 'json' };
import k8sCveFeed from './demo/k8s-cve-feed.json' with { type: 'json' };
import kevCatalog from './demo/kev.json' with { type: 'json' };
import osvGoK8s from './demo/osv-go-k8s.json' with { type: 'json' };
import osvMaven from './demo/osv-maven.json' with { type: 'json' };
import osvNpm from './demo/osv-npm.json' with { type: 'json' };
import osvPypi from './demo/osv-pypi.json' with { type: 'json' };
import { importAlpineSecdb } from './importers/alpine-secdb.js';
import { importDebianTracker } from './importers/debian-tracker.js';
import { importK8sCveFeed } from './importers/k8s-cve-feed.js';
import { importKev } from './importers/kev.js';
import type { ImportLog } from './importers/log.js';
import { OsvImporter } from './importers/osv.js';
import type { FeedImportResult } from './types.js';

export interface DemoDbResult {
  dbFile: string;
  builtAt: string;
  feeds: FeedImportResult[];
}

/** Builds (or rebuilds) the demo DB at `file`, atomically. */
export async function buildDemoDb(file: string, options: { now?: () => Date } = {}): Promise<DemoDbResult> {
  const builtAt = (options.now ?? (() => new Date()))();
  const { value } = await buildAtomically(file, { base: 'empty', now: () => builtAt }, async ({ writer }) => {
    const logs: ImportLog[] = [];
    const osv = new OsvImporter(writer, 'demo/osv');
    for (const [name, doc] of [
      ['osv-npm.json', osvNpm],
      ['osv-pypi.json', osvPypi],
      ['osv-maven.json', osvMaven],
      ['osv-go-k8s.json', osvGoK8s],
    ] as const) {
      osv.importValue(doc, name);
    }
    logs.push(osv.log);
    logs.push(importAlpineSecdb(writer, alpineMain, 'demo/alpine-secdb/v3.19/main'));
    logs.push(await importDebianTracker(writer, [JSON.stringify(debianTracker)], 'demo/debian-tracker'));
    logs.push(importK8sCveFeed(writer, k8sCveFeed, 'demo/k8s-cve-feed'));
    writer.clearKev();
    logs.push(importKev(writer, kevCatalog, 'demo/kev'));
    for (const log of logs) {
      const r = log.result();
      writer.recordLocalFeed(r, null, builtAt.toISOString());
    }
    writer.setMeta('demo', 'true');
    return { value: logs.map((l) => l.result()), commit: true };
  });
  return { dbFile: file, builtAt: builtAt.toISOString(), feeds: value };
}
