import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openRuntime, type Runtime } from '../runtime/runtime.js';

/** CLI commands act as the operator: they open the data store directly, do their work and close it. */
export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig());
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** The options every project-scoped command takes. */
export interface ProjectOptions {
  domain: string;
  project: string;
  json?: boolean;
}

export function withProject(command: Command): Command {
  return command
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .option('--project <id-or-name>', 'project', 'default')
    .option('--json', 'print JSON');
}

/** Runs `work` with the runtime and the id of the project the options name. */
export async function inProject<T>(opts: ProjectOptions, work: (runtime: Runtime, projectId: string) => Promise<T>): Promise<T> {
  return withRuntime(async (runtime) => work(runtime, (await runtime.services.identity.resolveProjectIn(opts.domain, opts.project)).id));
}
