import { forbidden, invalidParameter, notFound } from '../domain/errors.js';
import type { CredentialRepository } from '../repositories/credential-repository.js';
import type { EnterpriseProjectListRow, IdentityRepository, UserListRow } from '../repositories/identity-repository.js';
import type { Principal } from './auth-service.js';
import { DEFAULT_ENTERPRISE_PROJECT } from './enterprise-scope.js';
import type { IdentityService, IssuedCredential } from './identity-service.js';

export interface CredentialView {
  accessKey: string;
  userId: string;
  projectId: string;
  description: string;
  enabled: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface WhoAmI {
  userId: string;
  userName: string;
  domainId: string;
  domainName: string;
  projectId: string;
  projectName: string;
  isAccountAdmin: boolean;
  enterpriseProjects: EnterpriseProjectListRow[];
  method: 'token' | 'aksk';
}

const ADMIN_ONLY = 'Insufficient permissions: only the account administrator (the first user of the account) may';

/**
 * The console's administration, with openhss's one rule until it has roles:
 * every user manages their own AK/SK credentials; the account's first user
 * (domains.first_user_id, the one made at first start) also manages other
 * users, their credentials and enterprise projects. Every method takes the
 * caller and enforces the rule itself, so no route can skip it.
 */
export class AccountService {
  constructor(
    private readonly identity: IdentityRepository,
    private readonly credentials: CredentialRepository,
    private readonly users: IdentityService,
    private readonly now: () => number = Date.now,
  ) {}

  async isAccountAdmin(principal: Principal): Promise<boolean> {
    return (await this.identity.firstUserOf(principal.domainId)) === principal.userId;
  }

  async whoami(principal: Principal): Promise<WhoAmI> {
    const [domain, project, isAccountAdmin] = await Promise.all([
      this.identity.findDomainById(principal.domainId),
      this.identity.findProjectById(principal.projectId),
      this.isAccountAdmin(principal),
    ]);
    return {
      userId: principal.userId,
      userName: principal.userName,
      domainId: principal.domainId,
      domainName: domain?.name ?? '',
      projectId: principal.projectId,
      projectName: project?.name ?? '',
      isAccountAdmin,
      enterpriseProjects: await this.enterpriseProjects(principal),
      method: principal.method,
    };
  }

  // --- AK/SK credentials ---

  async listCredentials(principal: Principal, userId: string | undefined): Promise<CredentialView[]> {
    const owner = await this.userTheCallerMayManage(principal, userId ?? principal.userId, 'list the credentials of other users');
    const rows = await this.credentials.listByUser(owner);
    return rows.map(({ secretCiphertext: _sealed, ...view }) => view);
  }

  /** A new AK/SK in the caller's project; the SK is returned here only. */
  async createCredential(principal: Principal, userId: string, description: string): Promise<IssuedCredential & { createdAt: number; description: string }> {
    const owner = await this.userTheCallerMayManage(principal, userId, 'create credentials for other users');
    if (!(await this.identity.isProjectMember(owner, principal.projectId))) {
      throw invalidParameter('credential.user_id', `Invalid parameter: credential.user_id: the user is not a member of project ${principal.projectId}, the project a credential is created in`);
    }
    const createdAt = this.now();
    const issued = await this.users.createCredential(owner, principal.projectId, description);
    return { ...issued, createdAt, description };
  }

  async updateCredential(principal: Principal, accessKey: string, change: { enabled?: boolean; description?: string }): Promise<CredentialView> {
    await this.credentialTheCallerMayManage(principal, accessKey);
    await this.credentials.update(accessKey, change);
    const row = (await this.credentials.findWithOwner(accessKey))!;
    const { secretCiphertext: _sealed, owner: _owner, ...view } = row;
    return view;
  }

  async deleteCredential(principal: Principal, accessKey: string): Promise<void> {
    await this.credentialTheCallerMayManage(principal, accessKey);
    await this.credentials.delete(accessKey);
  }

  // --- users (account administrator only) ---

  async listUsers(principal: Principal): Promise<UserListRow[]> {
    await this.requireAdmin(principal, 'list users');
    return this.identity.listUsers(principal.domainId);
  }

  /**
   * A new user of the caller's account. They join the caller's current
   * project and any other `projectIds` of the account, and are granted
   * `enterpriseProjectIds`.
   */
  async createUser(
    principal: Principal,
    input: { name: string; password: string; domainId?: string; description?: string; projectIds?: string[]; enterpriseProjectIds?: string[] },
  ): Promise<UserListRow & { projectIds: string[] }> {
    await this.requireAdmin(principal, 'create users');
    if (input.domainId !== undefined && input.domainId !== principal.domainId) throw forbidden(`Insufficient permissions: domain ${input.domainId} is not the caller's account`);
    const domain = (await this.identity.findDomainById(principal.domainId))!;
    const projectIds = [...new Set([principal.projectId, ...(input.projectIds ?? [])])];
    for (const id of projectIds) {
      if (!(await this.identity.findProject(principal.domainId, { id }))) throw invalidParameter('user.project_ids', `Invalid parameter: user.project_ids: project ${id} does not exist in this account`);
    }
    for (const id of input.enterpriseProjectIds ?? []) {
      const ep = await this.identity.findEnterpriseProject(principal.domainId, id);
      if (!ep || ep.id !== id) throw invalidParameter('user.enterprise_project_ids', `Invalid parameter: user.enterprise_project_ids: enterprise project ${id} does not exist`);
    }
    const user = await this.users.createUser({
      domainName: domain.name,
      userName: input.name,
      password: input.password,
      projectIds,
      enterpriseProjects: input.enterpriseProjectIds ?? [],
      description: input.description ?? '',
    });
    const created = (await this.identity.listUsers(principal.domainId)).find((u) => u.id === user.id)!;
    return { ...created, projectIds };
  }

  // --- enterprise projects ---

  /**
   * The default enterprise project ("0") and the domain's others: every one
   * for the account administrator, the granted ones for other users (read
   * now, not from the token, so a grant shows at once).
   */
  async enterpriseProjects(principal: Principal): Promise<EnterpriseProjectListRow[]> {
    const admin = await this.isAccountAdmin(principal);
    const granted = admin ? null : await this.identity.grantedEnterpriseProjects(principal.userId);
    const domain = await this.identity.domainCreatedAt(principal.domainId);
    const defaultEp: EnterpriseProjectListRow = { id: DEFAULT_ENTERPRISE_PROJECT, name: 'default', description: 'The default enterprise project', createdAt: domain, updatedAt: domain };
    return [defaultEp, ...(await this.identity.listEnterpriseProjects(principal.domainId, granted))];
  }

  async createEnterpriseProject(principal: Principal, input: { name: string; description?: string }): Promise<EnterpriseProjectListRow> {
    await this.requireAdmin(principal, 'create enterprise projects');
    const domain = (await this.identity.findDomainById(principal.domainId))!;
    const ep = await this.users.createEnterpriseProject(domain.name, input.name, input.description ?? '');
    return (await this.identity.listEnterpriseProjects(principal.domainId, [ep.id]))[0]!;
  }

  /** Grants a user of the account an enterprise project: their next token covers it. */
  async grantEnterpriseProject(principal: Principal, enterpriseProjectId: string, userId: string): Promise<void> {
    await this.requireAdmin(principal, 'grant enterprise projects');
    const ep = await this.identity.findEnterpriseProject(principal.domainId, enterpriseProjectId);
    if (!ep || ep.id !== enterpriseProjectId) throw notFound(`Enterprise project ${enterpriseProjectId} does not exist`);
    const user = await this.identity.findUser(principal.domainId, { id: userId });
    if (!user) throw notFound(`User ${userId} does not exist`);
    await this.identity.grantEnterpriseProject(user.id, ep.id);
  }

  async requireAdmin(principal: Principal, action: string): Promise<void> {
    if (!(await this.isAccountAdmin(principal))) throw forbidden(`${ADMIN_ONLY} ${action}`);
  }

  /** The caller themselves, or (account administrator only) another user of the account. */
  private async userTheCallerMayManage(principal: Principal, userId: string, action: string): Promise<string> {
    if (userId === principal.userId) return userId;
    await this.requireAdmin(principal, action);
    const user = await this.identity.findUser(principal.domainId, { id: userId });
    if (!user) throw notFound(`User ${userId} does not exist`);
    return user.id;
  }

  /** A credential of the caller, or (account administrator) of a user of the account; others are "not found". */
  private async credentialTheCallerMayManage(principal: Principal, accessKey: string): Promise<void> {
    const credential = await this.credentials.findWithOwner(accessKey);
    if (!credential || credential.owner.domainId !== principal.domainId) throw notFound(`Credential ${accessKey} does not exist`);
    if (credential.userId !== principal.userId) await this.requireAdmin(principal, "manage other users' credentials");
  }
}
