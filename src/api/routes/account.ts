import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AccountService, CredentialView } from '../../services/account-service.js';
import type { EnterpriseProjectListRow, UserListRow } from '../../repositories/identity-repository.js';
import { ErrorResponse, ProjectIdParams, standardErrors } from '../schemas/common.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Description = Type.String({ maxLength: 255 });
const iso = (ms: number) => new Date(ms).toISOString();

const Credential = Type.Object({
  user_id: Type.String(),
  access: Type.String({ description: 'The AK' }),
  status: Type.Enum(['active', 'inactive']),
  create_time: Type.String({ description: 'ISO 8601, UTC' }),
  description: Type.String(),
  project_id: Type.String({ description: 'openhss: the project the credential acts on (a credential is bound to one project)' }),
  last_use_time: Type.Union([Type.String(), Type.Null()], { description: 'openhss: last signed request (updated at most once a minute), ISO 8601' }),
});
const credentialBody = (c: CredentialView) => ({
  user_id: c.userId,
  access: c.accessKey,
  status: c.enabled ? ('active' as const) : ('inactive' as const),
  create_time: iso(c.createdAt),
  description: c.description,
  project_id: c.projectId,
  last_use_time: c.lastUsedAt === null ? null : iso(Number(c.lastUsedAt)),
});

const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domain_id: Type.String(),
  enabled: Type.Boolean(),
  description: Type.String(),
  create_time: Type.String({ description: 'ISO 8601, UTC' }),
  is_account_admin: Type.Boolean({ description: "openhss: the account's first user, who manages users and enterprise projects" }),
  links: Type.Object({ self: Type.String() }),
});

const EnterpriseProject = Type.Object({
  id: Type.String({ description: '"0" is the default enterprise project' }),
  name: Type.String(),
  description: Type.String(),
  status: Type.Integer({ description: '1 enabled (openhss has no disabled enterprise projects)' }),
  created_at: Type.String({ description: 'ISO 8601, UTC' }),
  updated_at: Type.String({ description: 'ISO 8601, UTC' }),
  type: Type.String({ description: 'prod' }),
});
const epBody = (ep: EnterpriseProjectListRow) => ({
  id: ep.id,
  name: ep.name,
  description: ep.description,
  status: 1,
  created_at: iso(ep.createdAt),
  updated_at: iso(ep.updatedAt),
  type: 'prod',
});

const ADMIN_NOTE = "Only the account's first user (the one made at first start) may call this; others get 403 HSS.0013.";

/**
 * The console's administration in IAM and EPS request shapes: AK/SK
 * credentials (a user manages their own), users and enterprise projects (the
 * account's first user only). The rule lives in AccountService.
 */
export const accountRoutes =
  (accounts: AccountService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const self = (request: { protocol: string; host: string }, path: string) => `${request.protocol}://${request.host}${path}`;
    const userBody = (request: { protocol: string; host: string }, u: UserListRow, adminId: string | null) => ({
      id: u.id,
      name: u.name,
      domain_id: u.domainId,
      enabled: u.enabled,
      description: u.description,
      create_time: iso(u.createdAt),
      is_account_admin: u.id === adminId,
      links: { self: self(request, `/v3/users/${u.id}`) },
    });

    app.get(
      '/v3.0/OS-CREDENTIAL/credentials',
      {
        schema: {
          operationId: 'ListPermanentAccessKeys',
          summary: "AK/SK credentials of a user: the caller's own (user_id absent or theirs); another user's for the account's first user only",
          tags: ['IAM'],
          querystring: Type.Object({ user_id: Type.Optional(Id) }),
          response: { 200: Type.Object({ credentials: Type.Array(Credential) }), ...standardErrors },
        },
      },
      async (request) => ({ credentials: (await accounts.listCredentials(request.principal!, request.query.user_id)).map(credentialBody) }),
    );

    app.post(
      '/v3.0/OS-CREDENTIAL/credentials',
      {
        schema: {
          operationId: 'CreatePermanentAccessKey',
          summary:
            "Create an AK/SK in the caller's project (openhss binds a credential to one project). The SK (secret) is in this response only; it is stored sealed. A user creates their own; the account's first user may create them for others",
          tags: ['IAM'],
          body: Type.Object({ credential: Type.Object({ user_id: Id, description: Type.Optional(Description) }) }),
          response: { 201: Type.Object({ credential: Type.Object({ ...Credential.properties, secret: Type.String({ description: 'The SK, shown once' }) }) }), ...standardErrors },
        },
      },
      async (request, reply) => {
        const { user_id, description } = request.body.credential;
        const issued = await accounts.createCredential(request.principal!, user_id, description ?? '');
        reply.code(201);
        return {
          credential: {
            ...credentialBody({ accessKey: issued.accessKey, userId: issued.userId, projectId: issued.projectId, description: issued.description, enabled: true, createdAt: issued.createdAt, lastUsedAt: null }),
            secret: issued.secretKey,
          },
        };
      },
    );

    const AccessKeyParams = Type.Object({ access_key: Type.String({ minLength: 1, maxLength: 64, description: 'The AK' }) });

    app.put(
      '/v3.0/OS-CREDENTIAL/credentials/:access_key',
      {
        schema: {
          operationId: 'UpdatePermanentAccessKey',
          summary: "Enable or disable an AK/SK, or change its description: the caller's own; any of the account's for its first user",
          tags: ['IAM'],
          params: AccessKeyParams,
          body: Type.Object({
            credential: Type.Object({ status: Type.Optional(Type.Enum(['active', 'inactive'])), description: Type.Optional(Description) }, { minProperties: 1 }),
          }),
          response: { 200: Type.Object({ credential: Credential }), ...standardErrors },
        },
      },
      async (request) => {
        const { status, description } = request.body.credential;
        const view = await accounts.updateCredential(request.principal!, request.params.access_key, {
          ...(status !== undefined ? { enabled: status === 'active' } : {}),
          ...(description !== undefined ? { description } : {}),
        });
        return { credential: credentialBody(view) };
      },
    );

    app.delete(
      '/v3.0/OS-CREDENTIAL/credentials/:access_key',
      {
        schema: {
          operationId: 'DeletePermanentAccessKey',
          summary: "Delete an AK/SK: the caller's own; any of the account's for its first user",
          tags: ['IAM'],
          params: AccessKeyParams,
          response: { 204: Type.Null({ description: 'Deleted' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        await accounts.deleteCredential(request.principal!, request.params.access_key);
        return reply.code(204).send(undefined as never);
      },
    );

    app.get(
      '/v3/users',
      {
        schema: {
          operationId: 'KeystoneListUsers',
          summary: `Every user of the caller's account. ${ADMIN_NOTE} (A user sees themselves through GET /v5/{project_id}/openhss/whoami.)`,
          tags: ['IAM'],
          response: { 200: Type.Object({ users: Type.Array(User), links: Type.Object({ self: Type.String(), previous: Type.Null(), next: Type.Null() }) }), ...standardErrors },
        },
      },
      async (request) => {
        const users = await accounts.listUsers(request.principal!);
        return {
          users: users.map((u) => userBody(request, u, request.principal!.userId)),
          links: { self: self(request, '/v3/users'), previous: null, next: null },
        };
      },
    );

    app.post(
      '/v3.0/OS-USER/users',
      {
        schema: {
          operationId: 'CreateUser',
          summary: `Create a user of the caller's account. The user joins the caller's current project, and the projects in project_ids; enterprise_project_ids are granted. ${ADMIN_NOTE}`,
          tags: ['IAM'],
          body: Type.Object({
            user: Type.Object({
              name: Type.String({ minLength: 1, maxLength: 64 }),
              password: Type.String({ minLength: 8, maxLength: 256 }),
              domain_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "The caller's account; another is refused" })),
              description: Type.Optional(Description),
              project_ids: Type.Optional(Type.Array(Id, { maxItems: 100, description: 'openhss: more projects of the account to join' })),
              enterprise_project_ids: Type.Optional(Type.Array(Id, { maxItems: 100, description: 'openhss: enterprise projects to grant' })),
            }),
          }),
          response: {
            201: Type.Object({ user: Type.Object({ ...User.properties, project_ids: Type.Array(Type.String(), { description: 'openhss: the projects the user belongs to' }) }) }),
            409: ErrorResponse,
            ...standardErrors,
          },
        },
      },
      async (request, reply) => {
        const u = request.body.user;
        const created = await accounts.createUser(request.principal!, {
          name: u.name,
          password: u.password,
          ...(u.domain_id !== undefined ? { domainId: u.domain_id } : {}),
          ...(u.description !== undefined ? { description: u.description } : {}),
          ...(u.project_ids !== undefined ? { projectIds: u.project_ids } : {}),
          ...(u.enterprise_project_ids !== undefined ? { enterpriseProjectIds: u.enterprise_project_ids } : {}),
        });
        reply.code(201);
        return { user: { ...userBody(request, created, null), project_ids: created.projectIds } };
      },
    );

    app.get(
      '/v1.0/enterprise-projects',
      {
        schema: {
          operationId: 'ListEnterpriseProject',
          summary: "Every enterprise project the caller may select (no paging: an account has few): the default one (\"0\") and, for the account's first user, every other one of the account; for other users those granted to them",
          tags: ['EPS'],
          response: { 200: Type.Object({ enterprise_projects: Type.Array(EnterpriseProject), total_count: Type.Integer() }), ...standardErrors },
        },
      },
      async (request) => {
        const all = await accounts.enterpriseProjects(request.principal!);
        return { enterprise_projects: all.map(epBody), total_count: all.length };
      },
    );

    app.post(
      '/v1.0/enterprise-projects',
      {
        schema: {
          operationId: 'CreateEnterpriseProject',
          summary: `Create an enterprise project. ${ADMIN_NOTE}`,
          tags: ['EPS'],
          body: Type.Object({
            name: Type.String({ minLength: 1, maxLength: 64, description: "Letters, digits, '_', '.', '-'" }),
            description: Type.Optional(Description),
            type: Type.Optional(Type.Enum(['prod'], { description: 'Accepted: openhss has one type' })),
          }),
          response: { 200: Type.Object({ enterprise_project: EnterpriseProject }), 409: ErrorResponse, ...standardErrors },
        },
      },
      async (request) => {
        const ep = await accounts.createEnterpriseProject(request.principal!, {
          name: request.body.name,
          ...(request.body.description !== undefined ? { description: request.body.description } : {}),
        });
        return { enterprise_project: epBody(ep) };
      },
    );

    app.put(
      '/v1.0/enterprise-projects/:enterprise_project_id/users/:user_id',
      {
        schema: {
          operationId: 'GrantEnterpriseProjectToUser',
          summary: `openhss: grant a user of the account an enterprise project (their next token covers it). ${ADMIN_NOTE}`,
          tags: ['EPS'],
          params: Type.Object({ enterprise_project_id: Id, user_id: Id }),
          response: { 204: Type.Null({ description: 'Granted' }), ...standardErrors },
        },
      },
      async (request, reply) => {
        await accounts.grantEnterpriseProject(request.principal!, request.params.enterprise_project_id, request.params.user_id);
        return reply.code(204).send(undefined as never);
      },
    );

    app.get(
      '/v5/:project_id/openhss/whoami',
      {
        schema: {
          operationId: 'ShowWhoAmI',
          summary: "openhss: the caller: user, account, project, whether they are the account administrator (the account's first user) and the enterprise projects they may select",
          tags: ['IAM'],
          params: ProjectIdParams,
          response: {
            200: Type.Object({
              user: Type.Object({ id: Type.String(), name: Type.String() }),
              domain: Type.Object({ id: Type.String(), name: Type.String() }),
              project: Type.Object({ id: Type.String(), name: Type.String() }),
              is_account_admin: Type.Boolean({ description: 'May manage users, their credentials and enterprise projects, and update the vulnerability DB' }),
              enterprise_projects: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
                description: 'The default one ("0") first; every one of the account for its administrator, else those granted',
              }),
              auth_method: Type.Enum(['token', 'aksk']),
            }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const me = await accounts.whoami(request.principal!);
        return {
          user: { id: me.userId, name: me.userName },
          domain: { id: me.domainId, name: me.domainName },
          project: { id: me.projectId, name: me.projectName },
          is_account_admin: me.isAccountAdmin,
          enterprise_projects: me.enterpriseProjects.map((ep) => ({ id: ep.id, name: ep.name })),
          auth_method: me.method,
        };
      },
    );
  };
