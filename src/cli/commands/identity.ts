import type { Command } from 'commander';
import { newPassword } from '../../domain/ids.js';
import { withRuntime } from '../with-runtime.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const collect = (value: string, previous: string[]) => [...previous, value];
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Identity administration. The CLI acts as the operator: it opens the data store directly. */
export function registerIdentityCommands(program: Command): void {
  const user = program.command('user').description('Manage users');
  user
    .command('create')
    .description('Create a user; prints a generated password once unless --password-stdin is given')
    .requiredOption('--name <name>', 'user name')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .option('--project <id-or-name>', 'project the user may act on (repeatable)', collect, [])
    .option('--enterprise-project <id-or-name>', 'enterprise project to grant (repeatable)', collect, [])
    .option('--password-stdin', 'read the password from standard input')
    .action(async (opts: { name: string; domain: string; project: string[]; enterpriseProject: string[]; passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? await readStdin() : newPassword();
      await withRuntime(async ({ services }) => {
        const domain = await services.identity.createDomainIfMissing(opts.domain);
        const projectIds: string[] = [];
        for (const ref of opts.project) projectIds.push((await services.identity.resolveProject(domain.id, ref)).id);
        const created = await services.identity.createUser({
          domainName: opts.domain,
          userName: opts.name,
          password,
          projectIds,
          enterpriseProjects: opts.enterpriseProject,
        });
        out(`user ${created.name} created (id ${created.id})`);
        if (!opts.passwordStdin) out(`password: ${password}   (shown once)`);
      });
    });
  user
    .command('grant')
    .description('Give a user a project or an enterprise project')
    .requiredOption('--name <name>', 'user name')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .option('--project <id-or-name>', 'project to add the user to')
    .option('--enterprise-project <id-or-name>', 'enterprise project to grant')
    .action(async (opts: { name: string; domain: string; project?: string; enterpriseProject?: string }) => {
      await withRuntime(async ({ services }) => {
        if (opts.project) out(`added to project ${(await services.identity.addProjectMember(opts.domain, opts.name, opts.project)).id}`);
        if (opts.enterpriseProject) {
          await services.identity.grantEnterpriseProject(opts.domain, opts.name, opts.enterpriseProject);
          out(`granted enterprise project ${opts.enterpriseProject}`);
        }
      });
    });

  program
    .command('project')
    .description('Manage projects')
    .command('create <name>')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .action(async (name: string, opts: { domain: string }) => {
      await withRuntime(async ({ services }) => {
        await services.identity.createDomainIfMissing(opts.domain);
        const project = await services.identity.createProject(opts.domain, name);
        out(`project ${project.name} created: project_id ${project.id}`);
      });
    });

  program
    .command('enterprise-project')
    .description('Manage enterprise projects')
    .command('create <name>')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .action(async (name: string, opts: { domain: string }) => {
      await withRuntime(async ({ services }) => {
        const ep = await services.identity.createEnterpriseProject(opts.domain, name);
        out(`enterprise project ${ep.name} created: enterprise_project_id ${ep.id}`);
      });
    });

  const credential = program.command('credential').description('Manage AK/SK credentials');
  credential
    .command('create')
    .description('Create an AK/SK pair for a user in one project; the SK is shown once')
    .requiredOption('--user <name>', 'user name')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .option('--project <id-or-name>', "project the credential is bound to (default: the user's first)")
    .option('--description <text>', 'note kept with the credential', '')
    .action(async (opts: { user: string; domain: string; project?: string; description: string }) => {
      await withRuntime(async ({ services }) => {
        const owner = await services.identity.resolveUser(opts.domain, opts.user);
        const project = opts.project ? await services.identity.resolveProject(owner.domainId, opts.project) : await services.identity.defaultProjectOf(owner);
        const issued = await services.identity.createCredential(owner.id, project.id, opts.description);
        out(`AK: ${issued.accessKey}`);
        out(`SK: ${issued.secretKey}   (shown once)`);
        out(`project_id: ${project.id}`);
      });
    });
  credential
    .command('list')
    .description("List a user's credentials (never their secrets)")
    .requiredOption('--user <name>', 'user name')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .action(async (opts: { user: string; domain: string }) => {
      await withRuntime(async ({ services }) => {
        const owner = await services.identity.resolveUser(opts.domain, opts.user);
        for (const c of await services.identity.listCredentials(owner.id)) {
          const lastUsed = c.lastUsedAt ? new Date(c.lastUsedAt).toISOString() : 'never';
          out(`${c.accessKey}  ${c.enabled ? 'active  ' : 'disabled'}  project ${c.projectId}  created ${new Date(c.createdAt).toISOString()}  last used ${lastUsed}  ${c.description}`);
        }
      });
    });
  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    credential
      .command(`${name} <access-key>`)
      .description(`${name === 'disable' ? 'Disable' : 'Re-enable'} an AK/SK pair (takes effect on the next request)`)
      .action(async (accessKey: string) => {
        await withRuntime(async ({ services }) => {
          await services.identity.setCredentialEnabled(accessKey, enabled);
          out(`${accessKey} ${name}d`);
        });
      });
  }

  program
    .command('token')
    .description('Print a token for the X-Auth-Token header (valid for security.tokenTtlSeconds)')
    .requiredOption('--user <name>', 'user name')
    .option('--domain <name>', 'account (domain) name', 'openhss')
    .option('--project <id-or-name>', "project the token is scoped to (default: the user's first)")
    .action(async (opts: { user: string; domain: string; project?: string }) => {
      await withRuntime(async ({ services }) => {
        const owner = await services.identity.resolveUser(opts.domain, opts.user);
        const project = opts.project ? await services.identity.resolveProject(owner.domainId, opts.project) : await services.identity.defaultProjectOf(owner);
        const { token } = await services.auth.issueFor(owner.id, project.id, ['token']);
        out(token);
      });
    });
}
