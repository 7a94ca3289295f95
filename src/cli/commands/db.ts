import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Agent } from 'undici';
import { loadConfig } from '../../config/load.js';
import { defaultSources, ImportPathError, importPath, status, update } from '../../vulndb/index.js';
import { out } from '../output.js';
import { importIfBundle, registerDbBundleCommands } from './db-bundle.js';

const err = (line: string) => process.stderr.write(`${line}\n`);
const OFFLINE_HINT = [
  'Some feeds could not be fetched. Without access to them:',
  '  openhss db update --mirror URL     fetch every feed from a mirror (URL/<host><path>)',
  '  openhss db import PATH             import feed files downloaded elsewhere (see README, "Scanning from the command line")',
].join('\n');
const dbFile = (given: string | undefined) => resolve(given ?? join(loadConfig().dataDir, 'vulndb.sqlite'));

/** `openhss db …`: keep the vulnerability database current, online or from files. */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('The vulnerability database');

  db.command('update')
    .description('Download the OSV, Alpine secdb, Debian tracker, CISA KEV and official Kubernetes CVE feeds (conditional requests; atomic swap)')
    .option('--db <file>', 'database file (default: <dataDir>/vulndb.sqlite)')
    .option('--mirror <url>', 'fetch every feed from <url>/<host><path> instead of upstream')
    .action(async (options: { db?: string; mirror?: string }) => {
      const dispatcher = new Agent({ connect: { timeout: 30_000 } });
      try {
        const result = await update(dbFile(options.db), defaultSources(), { dispatcher, ...(options.mirror ? { baseUrl: options.mirror } : {}) });
        for (const feed of result.feeds) out(`${feed.status.padEnd(12)} ${feed.name}${feed.result ? `  ${feed.result.records} records` : ''}${feed.error ? `  (${feed.error})` : ''}`);
        out(result.swapped ? `database updated: ${result.dbFile}` : `database unchanged: ${result.dbFile}`);
        if (!result.ok) {
          err(OFFLINE_HINT);
          process.exitCode = 1;
        }
      } catch (error) {
        err(`openhss db update: ${(error as Error).message}\n${OFFLINE_HINT}`);
        process.exitCode = 1;
      } finally {
        await dispatcher.close();
      }
    });

  db.command('import <path>')
    .description('Import feed files or directories (OSV JSON or all.zip, Alpine secdb, Debian tracker, KEV, Kubernetes CVE feed), or install a DB bundle from "db export", for air-gapped sites')
    .option('--db <file>', 'database file (default: <dataDir>/vulndb.sqlite)')
    .action(async (path: string, options: { db?: string }) => {
      if (path.trim() === '') {
        err('openhss db import: give a feed file or a directory of feeds (an empty path would import the current directory)');
        process.exitCode = 2;
        return;
      }
      if (await importIfBundle(path, dbFile(options.db))) return;
      try {
        out(JSON.stringify(await importPath(dbFile(options.db), path), null, 2));
      } catch (error) {
        // A path that is missing or holds no feed is the user's to fix: the message says what, a stack trace would not help.
        if (!(error instanceof ImportPathError)) throw error;
        err(`openhss db import: ${error.message}`);
        process.exitCode = 1;
      }
    });

  registerDbBundleCommands(db, dbFile);

  db.command('status')
    .description("Report the database's contents and age")
    .option('--db <file>', 'database file (default: <dataDir>/vulndb.sqlite)')
    .option('--json', 'as JSON')
    .action(async (options: { db?: string; json?: boolean }) => {
      const info = await status(dbFile(options.db));
      if (options.json) {
        out(JSON.stringify(info, null, 2));
        return;
      }
      if (!info.usable) {
        out(`${info.file}: ${info.problem}`);
        process.exitCode = 1;
        return;
      }
      out(`${info.file}${info.demo ? ' (demo data)' : ''}: built ${info.builtAt}, ${Math.round((info.ageSeconds ?? 0) / 3600)} h old, schema ${info.schemaVersion}`);
      for (const s of info.advisoriesBySource) out(`  ${s.source.padEnd(28)} ${s.advisories} advisories`);
      out(`  KEV: ${info.kev.catalogEntries} catalog entries, ${info.kev.flaggedAdvisories} advisories flagged`);
    });
}
