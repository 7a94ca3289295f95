import type { Runtime } from './runtime.js';

/**
 * Creates the default account on a store's first start and returns the
 * one-time message with its secrets; later starts get a reminder without
 * them. Returned, not logged: logs never carry secrets.
 */
export async function firstStartMessage(runtime: Runtime, baseUrl: string): Promise<string> {
  const created = await runtime.services.identity.bootstrapIfEmpty();
  if (!created) {
    return [
      'openhss: the first-start credentials were shown once, when this data store was created.',
      '  New AK/SK:   openhss credential create --user admin',
      '  A token:     openhss token --user admin',
    ].join('\n');
  }
  const { domain, project, user, credential } = created;
  return [
    '',
    '==================== openhss first start ====================',
    'Created the default account. These secrets are shown only now:',
    `  domain:      ${domain.name}`,
    `  project_id:  ${project.id}   (project "${project.name}")`,
    `  user:        ${user.name}`,
    `  password:    ${user.password}`,
    `  AK:          ${credential.accessKey}`,
    `  SK:          ${credential.secretKey}`,
    '',
    'Use the AK/SK with any Huawei Cloud SDK (endpoint ' + baseUrl + ', project_id above),',
    'or get a token for the X-Auth-Token header:',
    `  openhss token --user ${user.name}`,
    `  curl -si -X POST ${baseUrl}/v3/auth/tokens -H 'Content-Type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"${user.name}","password":"<password>","domain":{"name":"${domain.name}"}}}},"scope":{"project":{"id":"${project.id}"}}}}'`,
    '=============================================================',
    '',
  ].join('\n');
}
