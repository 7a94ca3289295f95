import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../../services/auth-service.js';
import { invalidParameter } from '../../domain/errors.js';
import { ErrorResponse, standardErrors } from '../schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 64 });
const Id = Type.String({ minLength: 1, maxLength: 64 });

const TokenRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.Enum(['password', 'token']), {
        minItems: 1,
        maxItems: 1,
        description: 'password: sign in with a password; token: re-scope the token in identity.token.id to another project of its user (Keystone)',
      }),
      token: Type.Optional(Type.Object({ id: Type.String({ minLength: 1, maxLength: 8192, description: 'The token to re-scope' }) })),
      password: Type.Optional(Type.Object({
        user: Type.Object({
          name: Type.Optional(Name),
          id: Type.Optional(Id),
          password: Type.String({ minLength: 1, maxLength: 256 }),
          domain: Type.Optional(Type.Object({ name: Type.Optional(Name), id: Type.Optional(Id) })),
        }),
      })),
    }),
    scope: Type.Optional(
      Type.Object(
        { project: Type.Object({ id: Type.Optional(Id), name: Type.Optional(Name) }, { minProperties: 1 }) },
        {
          description:
            'The project the token is for. openhss extension: the password method may leave it out, and the token is then scoped to the oldest project the user belongs to; the token method requires it',
        },
      ),
    ),
  }),
});

const Ref = Type.Object({ id: Type.String(), name: Type.String() });
const TokenResponse = Type.Object({
  token: Type.Object({
    methods: Type.Array(Type.String()),
    expires_at: Type.String(),
    issued_at: Type.String(),
    user: Type.Object({ id: Type.String(), name: Type.String(), domain: Ref, password_expires_at: Type.String() }),
    project: Type.Object({ id: Type.String(), name: Type.String(), domain: Ref }),
    roles: Type.Array(Ref),
    catalog: Type.Array(Type.Object({})),
  }),
});

const ProjectsResponse = Type.Object({
  projects: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      domain_id: Type.String(),
      enabled: Type.Boolean(),
      description: Type.String(),
      is_domain: Type.Boolean(),
      parent_id: Type.String(),
      links: Type.Object({ self: Type.String() }),
    }),
  ),
  links: Type.Object({ self: Type.String(), previous: Type.Null(), next: Type.Null() }),
});

export const iamTokenRoutes =
  (auth: AuthService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v3/auth/tokens',
      {
        schema: {
          operationId: 'KeystoneCreateUserTokenByPassword',
          summary:
            'Obtain a token with a password, or re-scope a token to another project of its user (IAM request shapes: methods password or token); the token is in X-Subject-Token',
          tags: ['IAM'],
          security: [],
          body: TokenRequest,
          response: { 201: TokenResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { identity, scope: requested } = request.body.auth;
        const scope = requested?.project;
        const projectScope = { ...(scope?.id !== undefined ? { projectId: scope.id } : {}), ...(scope?.name !== undefined ? { projectName: scope.name } : {}) };
        let issued;
        if (identity.methods[0] === 'token') {
          if (!identity.token) throw invalidParameter('auth.identity.token', 'Invalid parameter: auth.identity.token is required with the token method');
          if (!scope) throw invalidParameter('auth.scope', 'Invalid parameter: auth.scope.project is required with the token method');
          issued = await auth.rescope(identity.token.id, projectScope);
        } else {
          if (!identity.password) throw invalidParameter('auth.identity.password', 'Invalid parameter: auth.identity.password is required with the password method');
          const user = identity.password.user;
          issued = await auth.loginWithPassword({
            user: {
              ...(user.id !== undefined ? { id: user.id } : {}),
              ...(user.name !== undefined ? { name: user.name } : {}),
              ...(user.domain?.name !== undefined ? { domainName: user.domain.name } : {}),
              ...(user.domain?.id !== undefined ? { domainId: user.domain.id } : {}),
            },
            password: user.password,
            scope: projectScope,
          });
        }
        const { token, claims } = issued;
        const domain = { id: claims.domainId, name: claims.domainName };
        reply.header('X-Subject-Token', token).code(201);
        return {
          token: {
            methods: claims.methods,
            expires_at: new Date(claims.exp).toISOString(),
            issued_at: new Date(claims.iat).toISOString(),
            user: { id: claims.sub, name: claims.userName, domain, password_expires_at: '' },
            project: { id: claims.projectId, name: claims.projectName, domain },
            roles: [{ id: '0', name: 'hss_admin' }],
            catalog: [],
          },
        };
      },
    );

    app.get(
      '/v3/auth/projects',
      {
        schema: {
          operationId: 'KeystoneListAuthProjects',
          summary: "The projects the caller's user belongs to (Keystone: projects available to the token's user); the console's project switcher",
          tags: ['IAM'],
          response: { 200: ProjectsResponse, ...standardErrors },
        },
      },
      async (request) => {
        const self = `${request.protocol}://${request.host}`;
        const projects = await auth.projectsOf(request.principal!);
        return {
          projects: projects.map((p) => ({
            id: p.id,
            name: p.name,
            domain_id: p.domainId,
            enabled: true,
            description: '',
            is_domain: false,
            parent_id: p.domainId,
            links: { self: `${self}/v3/projects/${p.id}` },
          })),
          links: { self: `${self}/v3/auth/projects`, previous: null, next: null },
        };
      },
    );
  };
