import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Agent } from 'undici';
import { loadConfig } from '../../config/load.js';
import { defaultSources, importPath, status, update } from '../../vulndb/index.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
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
        if (!result.ok) process.exitCode = 1;
      } finally {
        await dispatcher.close();
      }
    });

  db.command('import <path>')
    .description('Import feed files or directories (OSV JSON or all.zip, Alpine secdb, Debian tracker, KEV, Kubernetes CVE feed) for air-gapped sites')
    .option('--db <file>', 'database file (default: <dataDir>/vulndb.sqlite)')
    .action(async (path: string, options: { db?: string }) => {
      const result = await importPath(dbFile(options.db), path);
      out(JSON.stringify(result, null, 2));
    });

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
