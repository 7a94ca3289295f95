/**
 * `openhss db import PATH`: builds the DB from local files, for sites without Internet access.
 * PATH is a feed file or a directory of them (searched recursively); each file's kind is told by
 * its content: OSV `all.zip` archives (feed `osv/<Ecosystem>` from `<Ecosystem>/all.zip` or
 * `<Ecosystem>.zip`), OSV JSON records, Alpine secdb files, the Debian tracker JSON, the KEV
 * catalog and the official Kubernetes CVE feed. Loose OSV JSON files under a directory form one
 * feed, `osv-files/<directory name>`.
 *
 * Whole feeds replace their previous contents; loose OSV records are upserted by id. The import
 * is all or nothing: it is built in a temporary copy and swapped in only when every file imported.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildAtomically } from './build.js';
import { detectFeedFile, planFileImport, type PlannedImport } from './importers/index.js';
import { importOsvFiles } from './importers/osv.js';
import type { FeedImportResult } from './types.js';

export interface ImportPathResult {
  dbFile: string;
  /** True when an existing file of another schema version was rebuilt from scratch. */
  rebuilt: boolean;
  builtAt: string;
  feeds: FeedImportResult[];
  /** Files under a directory that are no feed openhss reads (left alone). */
  ignored: string[];
}

export class ImportPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportPathError';
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && /\.(json|zip)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

async function plan(path: string): Promise<{ steps: PlannedImport[]; ignored: string[] }> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new ImportPathError(`${path} does not exist`);
  if (info.isFile()) {
    const kind = await detectFeedFile(path);
    if (!kind) throw new ImportPathError(`${path} is not a feed openhss can import (OSV JSON or all.zip, Alpine secdb, Debian tracker JSON, CISA KEV, Kubernetes CVE feed)`);
    return { steps: [await planFileImport(path, kind)], ignored: [] };
  }
  const steps: PlannedImport[] = [];
  const ignored: string[] = [];
  const looseOsv: string[] = [];
  for (const file of await walk(path)) {
    const kind = await detectFeedFile(file);
    if (!kind) ignored.push(file);
    else if (kind === 'osv-json') looseOsv.push(file);
    else steps.push(await planFileImport(file, kind));
  }
  if (looseOsv.length > 0) {
    const feed = `osv-files/${basename(path)}`;
    steps.push({ files: looseOsv, kind: 'osv', feed, replace: false, run: (w) => importOsvFiles(w, looseOsv, feed) });
  }
  if (steps.length === 0) throw new ImportPathError(`${path} holds no feed files openhss can import`);
  const seen = new Map<string, string>();
  for (const step of steps) {
    const other = seen.get(step.feed);
    if (other) throw new ImportPathError(`${other} and ${step.files[0]} are both feed ${step.feed}; import one of them`);
    seen.set(step.feed, step.files[0] as string);
  }
  return { steps, ignored };
}

/** Imports a feed file or a directory of them into `dbFile` (created if missing), atomically. */
export async function importPath(dbFile: string, path: string, options: { now?: () => Date } = {}): Promise<ImportPathResult> {
  const builtAt = (options.now ?? (() => new Date()))();
  const source = resolve(path);
  const { steps, ignored } = await plan(source);
  const built = await buildAtomically(dbFile, { base: 'copy', now: () => builtAt }, async ({ writer }) => {
    const results: FeedImportResult[] = [];
    for (const step of steps) {
      if (step.replace) writer.deleteFeed(step.feed);
      const log = await step.run(writer);
      const result = log.result();
      writer.recordLocalFeed({ ...result, feed: step.feed, kind: step.kind }, pathToFileURL(step.files.length === 1 ? (step.files[0] as string) : source).href, builtAt.toISOString());
      results.push(result);
    }
    return { value: results, commit: true };
  });
  return { dbFile: resolve(dbFile), rebuilt: built.rebuilt, builtAt: builtAt.toISOString(), feeds: built.value, ignored };
}
