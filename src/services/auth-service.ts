import { DomainError, forbidden, unauthenticated } from '../domain/errors.js';
import type { CredentialRepository } from '../repositories/credential-repository.js';
import type { IdentityRepository, ProjectRow } from '../repositories/identity-repository.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { verifyPassword } from '../security/password.js';
import type { SecretBox } from '../security/secret-box.js';
import type { TokenClaims, TokenSigner } from '../security/tokens.js';

/** Who is calling, once authenticated. */
export interface Principal {
  userId: string;
  userName: string;
  domainId: string;
  /** The one project this caller may act on. */
  projectId: string;
  /** Enterprise projects granted to the user ("0", the default one, is always allowed). */
  enterpriseProjects: string[];
  method: 'token' | 'aksk';
  accessKey?: string;
}

export interface PasswordLogin {
  user: { name?: string; id?: string; domainName?: string; domainId?: string };
  password: string;
  /** Empty: the user's first project (openhss). */
  scope: { projectId?: string; projectName?: string };
}

export interface IssuedToken {
  token: string;
  claims: TokenClaims;
}

/** A credential that signs requests, with its secret opened for verification. */
export interface SigningCredential {
  secretKey: string;
  principal: Principal;
}

const WRONG_LOGIN = 'The username or password is wrong';

/** Issues and checks tokens, and resolves AK/SK credentials. */
export class AuthService {
  constructor(
    private readonly identity: IdentityRepository,
    private readonly credentials: CredentialRepository,
    private readonly secrets: SecretBox,
    private readonly tokens: TokenSigner,
    private readonly tokenTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.throttle = new LoginThrottle(now);
  }

  private readonly throttle: LoginThrottle;

  async loginWithPassword(login: PasswordLogin): Promise<IssuedToken> {
    const throttleKey = JSON.stringify([login.user.id ?? null, login.user.domainId ?? login.user.domainName ?? null, login.user.name ?? null]);
    const blockedUntil = this.throttle.blockedUntil(throttleKey);
    if (blockedUntil !== null) {
      throw unauthenticated(`Too many failed logins for this user; try again after ${new Date(blockedUntil).toISOString()}`);
    }
    try {
      const issued = await this.checkPasswordLogin(login);
      this.throttle.recordSuccess(throttleKey);
      return issued;
    } catch (err) {
      if (err instanceof DomainError && err.message === WRONG_LOGIN) this.throttle.recordFailure(throttleKey);
      throw err;
    }
  }

  private async checkPasswordLogin(login: PasswordLogin): Promise<IssuedToken> {
    const domain = login.user.domainId
      ? await this.identity.findDomainById(login.user.domainId)
      : login.user.domainName
        ? await this.identity.findDomainByName(login.user.domainName)
        : undefined;
    const user = login.user.id
      ? await this.identity.findUserById(login.user.id)
      : domain && login.user.name
        ? await this.identity.findUser(domain.id, { name: login.user.name })
        : undefined;
    if (!user || (domain && user.domainId !== domain.id) || !(await verifyPassword(login.password, user.passwordHash))) throw unauthenticated(WRONG_LOGIN);
    if (!user.enabled) throw unauthenticated('The user is disabled');
    const unscoped = login.scope.projectId === undefined && login.scope.projectName === undefined;
    const project = unscoped
      ? (await this.identity.projectsOfUser(user.id))[0]
      : await this.identity.findProject(user.domainId, {
          ...(login.scope.projectId !== undefined ? { id: login.scope.projectId } : {}),
          ...(login.scope.projectName !== undefined ? { name: login.scope.projectName } : {}),
        });
    if (!project || !(await this.identity.isProjectMember(user.id, project.id))) throw unauthenticated('The user has no access to the requested project');
    return this.issueFor(user.id, project.id, ['password']);
  }

  /**
   * Keystone's re-scope (`methods: ["token"]`): a token for the same user in
   * another project the user belongs to, expiring when the given token does,
   * so re-scoping never extends a sign-in. An unknown project is refused like
   * one the user is not in.
   */
  async rescope(token: string, scope: { projectId?: string; projectName?: string }): Promise<IssuedToken> {
    const check = this.tokens.verify(token, this.now());
    if (!check.ok) {
      if (check.reason === 'expired') throw new DomainError('token-expired', 'The token has expired; request a new one');
      throw unauthenticated('Incorrect IAM authentication information: token verification failed');
    }
    const claims = check.claims;
    const project = await this.identity.findProject(claims.domainId, {
      ...(scope.projectId !== undefined ? { id: scope.projectId } : {}),
      ...(scope.projectName !== undefined ? { name: scope.projectName } : {}),
    });
    if (!project || !(await this.identity.isProjectMember(claims.sub, project.id))) {
      throw forbidden(`Insufficient permissions: the user is not a member of project ${scope.projectId ?? scope.projectName}`);
    }
    return this.issueFor(claims.sub, project.id, ['token'], { expiresAt: claims.exp });
  }

  /** The projects the caller's user belongs to (Keystone's "projects available to the token's user"). */
  async projectsOf(principal: Principal): Promise<ProjectRow[]> {
    return this.identity.projectsOfUser(principal.userId);
  }

  /** Issues a token without a password: for the operator's CLI, which already holds the data directory. */
  async issueFor(userId: string, projectId: string, methods: string[], options: { expiresAt?: number } = {}): Promise<IssuedToken> {
    const user = await this.identity.findUserById(userId);
    if (!user || !user.enabled) throw unauthenticated('The user does not exist or is disabled');
    const domain = await this.identity.findDomainById(user.domainId);
    const project = await this.identity.findProjectById(projectId);
    if (!domain || !project || !(await this.identity.isProjectMember(user.id, project.id))) throw unauthenticated('The user has no access to the requested project');
    const iat = this.now();
    const claims: TokenClaims = {
      sub: user.id,
      userName: user.name,
      domainId: domain.id,
      domainName: domain.name,
      projectId: project.id,
      projectName: project.name,
      eps: await this.identity.grantedEnterpriseProjects(user.id),
      methods,
      iat,
      exp: Math.min(iat + this.tokenTtlMs, options.expiresAt ?? Infinity),
    };
    return { token: this.tokens.sign(claims), claims };
  }

  /** Checks a token by its signature and expiry alone; no database access. */
  verifyToken(token: string): Principal {
    const check = this.tokens.verify(token, this.now());
    if (!check.ok) {
      if (check.reason === 'expired') throw new DomainError('token-expired', 'The token has expired; request a new one');
      throw unauthenticated('Incorrect IAM authentication information: token verification failed');
    }
    const c = check.claims;
    return { userId: c.sub, userName: c.userName, domainId: c.domainId, projectId: c.projectId, enterpriseProjects: c.eps, method: 'token' };
  }

  /** Looks up an access key for signature verification; unknown or disabled keys are refused. */
  async signingCredential(accessKey: string): Promise<SigningCredential> {
    const credential = await this.credentials.findWithOwner(accessKey);
    if (!credential) throw unauthenticated('Incorrect IAM authentication information: AK not found');
    if (!credential.enabled) throw unauthenticated('Incorrect IAM authentication information: AK is disabled');
    if (!credential.owner.enabled) throw unauthenticated('Incorrect IAM authentication information: the user of this AK is disabled');
    return {
      secretKey: this.secrets.open(credential.secretCiphertext, `credential:${accessKey}`),
      principal: {
        userId: credential.userId,
        userName: credential.owner.name,
        domainId: credential.owner.domainId,
        projectId: credential.projectId,
        enterpriseProjects: await this.identity.grantedEnterpriseProjects(credential.userId),
        method: 'aksk',
        accessKey,
      },
    };
  }

  async recordUse(accessKey: string): Promise<void> {
    await this.credentials.touch(accessKey, this.now());
  }
}
