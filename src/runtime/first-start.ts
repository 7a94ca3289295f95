import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Runtime } from './runtime.js';

/** The file, in the data directory, that holds the first-start secrets (mode 0600). */
export const FIRST_START_FILE = 'first-start-credentials.txt';

/**
 * How to run the CLI as typed from the directory `npm start` runs in: the
 * package's `bin` makes `npx openhss` reach dist/cli/main.js without a global install.
 */
export const CLI_COMMAND = 'npx openhss';

/**
 * Creates the default account on a store's first start. Its secrets (the
 * admin password and the SK) are written to a 0600 file in the data
 * directory, never to standard output, which is often captured as the log
 * stream; the message returned names the file. `toTerminal` (standard output
 * is a TTY) adds the secrets to the message for the person watching. Later
 * starts get a reminder without secrets.
 */
export async function firstStartMessage(runtime: Runtime, baseUrl: string, options: { toTerminal?: boolean } = {}): Promise<string> {
  const created = await runtime.services.identity.bootstrapIfEmpty();
  if (!created) {
    return [
      `openhss: web console at ${baseUrl}/ (sign in as the admin user, or any user of the account)`,
      'openhss: the first-start credentials were shown once, when this data store was created.',
      `  New AK/SK:   ${CLI_COMMAND} credential create --user admin`,
      `  A token:     ${CLI_COMMAND} token --user admin`,
    ].join('\n');
  }
  const { domain, project, user, credential } = created;
  const secrets = [
    `  domain:      ${domain.name}`,
    `  project_id:  ${project.id}   (project "${project.name}")`,
    `  user:        ${user.name}`,
    `  password:    ${user.password}`,
    `  AK:          ${credential.accessKey}`,
    `  SK:          ${credential.secretKey}`,
  ];
  const dir = resolve(runtime.config.dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, FIRST_START_FILE);
  writeFileSync(file, `openhss first-start account (created ${new Date(runtime.now()).toISOString()}); delete this file once the secrets are kept elsewhere.\n${secrets.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return [
    '',
    '==================== openhss first start ====================',
    options.toTerminal
      ? 'Created the default account. These secrets are shown only now (and kept in the file below):'
      : 'Created the default account. Its secrets (admin password, SK) are not printed here:',
    ...(options.toTerminal ? secrets : secrets.filter((line) => !/^\s*(password|SK):/.test(line))),
    `  secrets:     ${file}   (mode 0600; delete it once they are kept elsewhere)`,
    '',
    `Web console: ${baseUrl}/`,
    `  sign in with account "${domain.name}", user "${user.name}" and the password ${options.toTerminal ? 'above' : 'in the secrets file'}.`,
    '',
    'Use the AK/SK with any Huawei Cloud SDK (endpoint ' + baseUrl + ', project_id above),',
    'or get a token for the X-Auth-Token header (from this directory):',
    `  ${CLI_COMMAND} token --user ${user.name}`,
    `  curl -si -X POST ${baseUrl}/v3/auth/tokens -H 'Content-Type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"${user.name}","password":"<password>","domain":{"name":"${domain.name}"}}}},"scope":{"project":{"id":"${project.id}"}}}}'`,
    '=============================================================',
    '',
  ].join('\n');
}
