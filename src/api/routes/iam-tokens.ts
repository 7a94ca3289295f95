import Type from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../../services/auth-service.js';
import { ErrorResponse } from '../schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 64 });
const Id = Type.String({ minLength: 1, maxLength: 64 });

const TokenRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.Enum(['password']), { minItems: 1, maxItems: 1, description: 'Only the password method is supported' }),
      password: Type.Object({
        user: Type.Object({
          name: Type.Optional(Name),
          id: Type.Optional(Id),
          password: Type.String({ minLength: 1, maxLength: 256 }),
          domain: Type.Optional(Type.Object({ name: Type.Optional(Name), id: Type.Optional(Id) })),
        }),
      }),
    }),
    scope: Type.Object({
      project: Type.Object({ id: Type.Optional(Id), name: Type.Optional(Name) }, { minProperties: 1 }),
    }),
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

export const iamTokenRoutes =
  (auth: AuthService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v3/auth/tokens',
      {
        schema: {
          operationId: 'KeystoneCreateUserTokenByPassword',
          summary: 'Obtain a token with a password (IAM request shape); the token is in X-Subject-Token',
          tags: ['IAM'],
          security: [],
          body: TokenRequest,
          response: { 201: TokenResponse, 400: ErrorResponse, 401: ErrorResponse },
        },
      },
      async (request, reply) => {
        const user = request.body.auth.identity.password.user;
        const scope = request.body.auth.scope.project;
        const { token, claims } = await auth.loginWithPassword({
          user: {
            ...(user.id !== undefined ? { id: user.id } : {}),
            ...(user.name !== undefined ? { name: user.name } : {}),
            ...(user.domain?.name !== undefined ? { domainName: user.domain.name } : {}),
            ...(user.domain?.id !== undefined ? { domainId: user.domain.id } : {}),
          },
          password: user.password,
          scope: { ...(scope.id !== undefined ? { projectId: scope.id } : {}), ...(scope.name !== undefined ? { projectName: scope.name } : {}) },
        });
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
  };
