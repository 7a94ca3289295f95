#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { DomainError } from '../domain/errors.js';
import { VERSION } from '../runtime/version.js';
import { registerServeCommands } from './commands/serve.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerScanCommands } from './commands/scan.js';
import { registerDbCommands } from './commands/db.js';
import { registerAgentCommands } from './commands/agent.js';
import { registerHostCommands } from './commands/hosts.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerIacCommands } from './commands/iac.js';

const program = new Command()
  .name('openhss')
  .description('Self-hosted vulnerability scanning service, wire-compatible with Huawei Cloud HSS v5')
  .version(VERSION)
  .showHelpAfterError();

registerServeCommands(program);
registerIdentityCommands(program);
registerScanCommands(program);
registerDbCommands(program);
registerAgentCommands(program);
registerHostCommands(program);
registerRegistryCommands(program);
registerJobCommands(program);
registerIacCommands(program);

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
