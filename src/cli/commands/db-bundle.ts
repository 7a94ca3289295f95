/**
 * `openhss db export | push | pull`, and `db import` of a bundle: the whole vulnerability DB as one
 * artifact for air-gapped sites (src/vulndb/bundle.ts, src/vulndb/oci-artifact.ts).
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { RegistryError } from '../../sources/registry/index.js';
import { BundleError, exportBundle, importBundle, sniffBundle, type BundleMetadata } from '../../vulndb/bundle.js';
import { pullDb, pushDb } from '../../vulndb/oci-artifact.js';
import { out, readStdin } from '../output.js';

const err = (line: string) => process.stderr.write(`${line}\n`);
const DB_OPTION = ['--db <file>', 'database file (default: <dataDir>/vulndb.sqlite)'] as const;

const summary = (m: BundleMetadata) =>
  `schema v${m.schemaVersion}, built ${m.builtAt ?? 'at an unknown time'}, ${m.advisories} advisories from ${m.feeds.length} feeds${m.demo ? ' (demo data)' : ''}`;

/** Known failures (a bad bundle, a registry refusing) are one line on stderr and exit 1; anything else is a bug and keeps its stack. */
async function run(command: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof BundleError) && !(error instanceof RegistryError)) throw error;
    err(`openhss db ${command}: ${error.message}`);
    process.exitCode = 1;
  }
}

interface RegistryOptions {
  db?: string;
  username?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
}

async function transferOptions(options: RegistryOptions) {
  if (options.passwordStdin && !options.username) throw new BundleError('--password-stdin needs --username');
  const credentials = options.username ? { username: options.username, password: options.passwordStdin ? await readStdin() : '' } : undefined;
  return { ...(credentials ? { credentials } : {}), ...(options.insecure ? { insecure: true } : {}) };
}

/**
 * `db import FILE` when FILE is a bundle (told by content: a gzip'd tar whose first member is the
 * bundle metadata). Returns false for anything else, which `db import` reads as feed files.
 */
export async function importIfBundle(path: string, dbFile: string): Promise<boolean> {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info?.isFile()) return false;
  const kind = await sniffBundle(path);
  if (kind === 'no') return false;
  await run('import', async () => {
    if (kind === 'other-gzip') throw new BundleError(`${path} is gzip-compressed but not an openhss vulnerability DB bundle (one written by "openhss db export"); feed files are imported as they are downloaded (all.zip, JSON)`);
    const result = await importBundle(dbFile, path);
    out(`installed ${result.dbFile}: ${summary(result.metadata)}`);
  });
  return true;
}

const withRegistryOptions = (command: Command): Command =>
  command
    .option(...DB_OPTION)
    .option('--username <user>', 'registry user name')
    .option('--password-stdin', 'read the registry password (or token) from standard input')
    .option('--insecure', 'plain HTTP instead of HTTPS');

export function registerDbBundleCommands(db: Command, dbFile: (given: string | undefined) => string): void {
  db.command('export <file>')
    .description('Write the whole DB as one file (gzip tar: the SQLite DB and its metadata with SHA-256 checksums) for "db import" on an air-gapped site')
    .option(...DB_OPTION)
    .action((file: string, options: { db?: string }) =>
      run('export', async () => {
        const result = await exportBundle(dbFile(options.db), file);
        out(`wrote ${result.file} (${result.bytes} bytes, sha256 ${result.sha256}): ${summary(result.metadata)}`);
      }),
    );

  withRegistryOptions(db.command('push <reference>'))
    .description('Push the DB as an OCI artifact (REGISTRY/REPO:TAG) to any OCI registry, for "db pull" elsewhere')
    .action((reference: string, options: RegistryOptions) =>
      run('push', async () => {
        const result = await pushDb(dbFile(options.db), reference, await transferOptions(options));
        out(`pushed ${result.reference} (${result.digest}, ${result.bundleBytes} bytes): ${summary(result.metadata)}`);
      }),
    );

  withRegistryOptions(db.command('pull <reference>'))
    .description('Pull a DB pushed with "db push" from an OCI registry, verify it and install it atomically')
    .action((reference: string, options: RegistryOptions) =>
      run('pull', async () => {
        const result = await pullDb(reference, dbFile(options.db), await transferOptions(options));
        out(`installed ${result.dbFile} from ${result.reference} (${result.digest}): ${summary(result.metadata)}`);
      }),
    );
}
