#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { DomainError } from '../domain/errors.js';
import { VERSION } from '../runtime/version.js';

const program = new Command()
  .name('openhss')
  .description('Self-hosted vulnerability scanning service, wire-compatible with Huawei Cloud HSS v5')
  .version(VERSION)
  .showHelpAfterError();

/** Every command, in the order help lists them. The modules are loaded only when needed (see below). */
async function registerAll(): Promise<void> {
  (await import('./commands/serve.js')).registerServeCommands(program);
  (await import('./commands/identity.js')).registerIdentityCommands(program);
  (await import('./commands/scan.js')).registerScanCommands(program);
  (await import('./commands/db.js')).registerDbCommands(program);
  (await import('./commands/agent.js')).registerAgentCommands(program);
  (await import('./commands/hosts.js')).registerHostCommands(program);
  (await import('./commands/registry.js')).registerRegistryCommands(program);
  (await import('./commands/jobs.js')).registerJobCommands(program);
  (await import('./commands/iac.js')).registerIacCommands(program);
  (await import('./commands/files.js')).registerFileCommands(program);
}

// `openhss agent` runs on every host: it loads its own command only, not the server, database and
// report modules (about 2 s of CPU at each start on a small machine). Any other command line loads all.
if (process.argv[2] === 'agent') (await import('./commands/agent.js')).registerAgentCommands(program);
else await registerAll();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DomainError) {
    process.stderr.write(`openhss: ${err.message}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  }
  // Anything else is a failure of ours or of something we depend on (the database, the network):
  // say what failed in one line, and keep the stack for whoever reports it.
  const error = err as Error;
  process.stderr.write(`openhss: ${error.message}\n${error.stack ? `${error.stack.split('\n').slice(1).join('\n')}\n` : ''}`);
  process.exit(1);
}
