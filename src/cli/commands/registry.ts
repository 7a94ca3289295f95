import type { Command } from 'commander';
import { out, iso } from '../output.js';
import { REGISTRY_TYPES, type RegistryType } from '../../domain/image.js';
import { invalidParameter } from '../../domain/errors.js';
import type { Registry } from '../../domain/registry.js';
import { inProject, withProject, type ProjectOptions } from '../with-runtime.js';


async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}


/** Never the password: a registry as the CLI shows it. */
const describe = (r: Registry) => `${r.id}  ${r.name.padEnd(20)} ${r.registryType.padEnd(13)} ${r.url.padEnd(32)} ${r.status.padEnd(12)} sync ${r.syncStatus} (last ${iso(r.lastSyncAt)})${r.statusReason ? `  ${r.statusReason}` : ''}`;

/** `openhss registry add|list|sync|delete`: the image registries openhss syncs and scans. */
export function registerRegistryCommands(program: Command): void {
  const registry = program.command('registry').description('Image registries whose tags are listed and scanned');

  withProject(registry.command('add').description('Add a registry; its connectivity is checked and shown (it is saved either way)'))
    .requiredOption('--name <name>', 'unique name in the project')
    .requiredOption('--url <url>', 'http(s)://host[:port] (http: plain HTTP)')
    .option('--type <type>', REGISTRY_TYPES.join(', '), 'Other')
    .option('--namespace <prefix>', 'sync only repositories under this path', '')
    .option('--username <name>', 'user name (empty: anonymous)', '')
    .option('--password-stdin', 'read the password from standard input')
    .option('--skip-tls-verify', 'HTTPS without certificate verification')
    .option('--enterprise-project <id>', 'enterprise project', '0')
    .action((opts: ProjectOptions & { name: string; url: string; type: string; namespace: string; username: string; passwordStdin?: boolean; skipTlsVerify?: boolean; enterpriseProject: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        if (!(REGISTRY_TYPES as readonly string[]).includes(opts.type)) throw invalidParameter('--type', `--type must be one of: ${REGISTRY_TYPES.join(', ')}`);
        const password = opts.passwordStdin ? await readStdin() : undefined;
        const added = await services.registries.add(projectId, {
          enterpriseProjectId: opts.enterpriseProject,
          name: opts.name,
          registryType: opts.type as RegistryType,
          url: opts.url,
          urlField: '--url',
          namespace: opts.namespace,
          username: opts.username,
          ...(password !== undefined ? { password } : {}),
          skipTlsVerify: opts.skipTlsVerify === true,
        });
        // The service checks connectivity in the background; the CLI waits for it, to print the outcome.
        await services.registries.checked(added.id);
        const checked = await services.registries.get(projectId, added.id);
        out(opts.json ? JSON.stringify(checked, null, 2) : describe(checked));
      }),
    );

  withProject(registry.command('list').description('List registries, their connection and last sync'))
    .option('--limit <n>', 'rows', '200')
    .action((opts: ProjectOptions & { limit: string }) =>
      inProject(opts, async ({ services }, projectId) => {
        const { total, registries } = await services.registries.list(projectId, { enterpriseProjectIds: null }, { offset: 0, limit: Number(opts.limit) });
        if (opts.json) return out(JSON.stringify({ total, registries }, null, 2));
        out(`${total} registr${total === 1 ? 'y' : 'ies'}`);
        for (const r of registries) out(`${describe(r)}  ${r.imagesNum} image(s)`);
      }),
    );

  withProject(registry.command('sync <registry_id>').description('Sync the registry now, in this process, and print the outcome')).action((id: string, opts: ProjectOptions) =>
    inProject(opts, async ({ services }, projectId) => {
      const outcome = await services.registries.syncNow(projectId, id);
      if (opts.json) return out(JSON.stringify(outcome, null, 2));
      out(`${outcome.status === 'idle' ? 'synced' : 'sync failed'}: ${outcome.connection}, ${outcome.images} image(s), ${outcome.removed} removed${outcome.reason ? `; ${outcome.reason}` : ''}`);
      for (const u of outcome.unreadable) out(`  unreadable ${u.image}: ${u.reason}`);
      if (outcome.status !== 'idle') process.exitCode = 1;
    }),
  );

  withProject(registry.command('delete <registry_id>').description('Delete a registry; its images leave the lists (kept as history)')).action((id: string, opts: ProjectOptions) =>
    inProject(opts, async ({ services }, projectId) => {
      await services.registries.delete(projectId, id);
      out(`registry ${id} deleted`);
    }),
  );
}
