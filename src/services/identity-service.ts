import { conflict, invalidParameter, notFound } from '../domain/errors.js';
import { newAccessKey, newHexId, newPassword, newSecretKey } from '../domain/ids.js';
import type { CredentialRepository, CredentialRow } from '../repositories/credential-repository.js';
import type { DomainRow, IdentityRepository, ProjectRow, UserRow } from '../repositories/identity-repository.js';
import { hashPassword } from '../security/password.js';
import type { SecretBox } from '../security/secret-box.js';

export interface IssuedCredential {
  accessKey: string;
  /** Shown once, at creation; only its sealed form is stored. */
  secretKey: string;
  userId: string;
  projectId: string;
}

export interface FirstStartResult {
  domain: DomainRow;
  project: ProjectRow;
  user: { id: string; name: string; password: string };
  credential: IssuedCredential;
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function checkName(field: string, value: string): void {
  if (!NAME_PATTERN.test(value)) throw invalidParameter(field, `${field} must be 1-64 letters, digits, '_', '.' or '-'`);
}

/** Accounts (domains), projects, users, enterprise-project grants and AK/SK credentials. */
export class IdentityService {
  constructor(
    private readonly identity: IdentityRepository,
    private readonly credentials: CredentialRepository,
    private readonly secrets: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the default domain, project, admin user and a credential when the store is empty. */
  async bootstrapIfEmpty(): Promise<FirstStartResult | null> {
    if ((await this.identity.countDomains()) > 0) return null;
    const domain = await this.createDomain('openhss');
    const project = await this.createProject(domain.name, 'default');
    const password = newPassword();
    const user = await this.createUser({ domainName: domain.name, userName: 'admin', password, projectIds: [project.id] });
    const credential = await this.createCredential(user.id, project.id, 'created on first start');
    return { domain, project, user: { id: user.id, name: user.name, password }, credential };
  }

  async createDomain(name: string): Promise<DomainRow> {
    checkName('domain', name);
    if (await this.identity.findDomainByName(name)) throw conflict(`Domain ${name} already exists`);
    const domain = { id: newHexId(), name };
    await this.identity.insertDomain(domain, this.now());
    return domain;
  }

  async createDomainIfMissing(name: string): Promise<DomainRow> {
    return (await this.identity.findDomainByName(name)) ?? this.createDomain(name);
  }

  async createProject(domainName: string, name: string): Promise<ProjectRow> {
    checkName('project', name);
    const domain = await this.requireDomain(domainName);
    if (await this.identity.findProject(domain.id, { name })) throw conflict(`Project ${name} already exists in domain ${domainName}`);
    const project = { id: newHexId(), domainId: domain.id, name };
    await this.identity.insertProject(project, this.now());
    return project;
  }

  async createEnterpriseProject(domainName: string, name: string, description = ''): Promise<{ id: string; name: string }> {
    checkName('enterprise_project', name);
    const domain = await this.requireDomain(domainName);
    if (await this.identity.findEnterpriseProject(domain.id, name)) throw conflict(`Enterprise project ${name} already exists`);
    const ep = { id: crypto.randomUUID(), domainId: domain.id, name, description };
    await this.identity.insertEnterpriseProject(ep, this.now());
    return { id: ep.id, name };
  }

  async createUser(input: {
    domainName: string;
    userName: string;
    password: string;
    projectIds?: string[];
    projectNames?: string[];
    enterpriseProjects?: string[];
    description?: string;
  }): Promise<UserRow> {
    checkName('user', input.userName);
    if (input.password.length < 8) throw invalidParameter('password', 'password must be at least 8 characters');
    const domain = await this.requireDomain(input.domainName);
    if (await this.identity.findUser(domain.id, { name: input.userName })) throw conflict(`User ${input.userName} already exists`);
    const projects: ProjectRow[] = [];
    for (const id of input.projectIds ?? []) projects.push(await this.requireProject(domain.id, { id }));
    for (const name of input.projectNames ?? []) projects.push(await this.requireProject(domain.id, { name }));
    const eps: string[] = [];
    for (const ref of input.enterpriseProjects ?? []) {
      const ep = await this.identity.findEnterpriseProject(domain.id, ref);
      if (!ep) throw notFound(`Enterprise project ${ref} does not exist`);
      eps.push(ep.id);
    }
    const user: UserRow = { id: newHexId(), domainId: domain.id, name: input.userName, passwordHash: await hashPassword(input.password), enabled: true, description: input.description ?? '' };
    await this.identity.insertUser(user, this.now());
    for (const project of projects) await this.identity.addProjectMember(user.id, project.id);
    for (const ep of eps) await this.identity.grantEnterpriseProject(user.id, ep);
    return user;
  }

  async grantEnterpriseProject(domainName: string, userName: string, epRef: string): Promise<void> {
    const domain = await this.requireDomain(domainName);
    const user = await this.identity.findUser(domain.id, { name: userName });
    if (!user) throw notFound(`User ${userName} does not exist`);
    const ep = await this.identity.findEnterpriseProject(domain.id, epRef);
    if (!ep) throw notFound(`Enterprise project ${epRef} does not exist`);
    await this.identity.grantEnterpriseProject(user.id, ep.id);
  }

  async addProjectMember(domainName: string, userName: string, projectRef: string): Promise<ProjectRow> {
    const domain = await this.requireDomain(domainName);
    const user = await this.identity.findUser(domain.id, { name: userName });
    if (!user) throw notFound(`User ${userName} does not exist`);
    const project = (await this.identity.findProject(domain.id, { id: projectRef })) ?? (await this.requireProject(domain.id, { name: projectRef }));
    await this.identity.addProjectMember(user.id, project.id);
    return project;
  }

  /** Issues an AK/SK pair for a user in one of the user's projects. The SK is returned once. */
  async createCredential(userId: string, projectId: string, description = ''): Promise<IssuedCredential> {
    if (!(await this.identity.isProjectMember(userId, projectId))) throw invalidParameter('project', 'The user is not a member of that project');
    const accessKey = newAccessKey();
    const secretKey = newSecretKey();
    await this.credentials.insert({
      accessKey,
      userId,
      projectId,
      secretCiphertext: this.secrets.seal(secretKey, `credential:${accessKey}`),
      description,
      enabled: true,
      createdAt: this.now(),
      lastUsedAt: null,
    });
    return { accessKey, secretKey, userId, projectId };
  }

  async listCredentials(userId: string): Promise<Omit<CredentialRow, 'secretCiphertext'>[]> {
    const rows = await this.credentials.listByUser(userId);
    return rows.map(({ secretCiphertext: _sealed, ...rest }) => rest);
  }

  async setCredentialEnabled(accessKey: string, enabled: boolean): Promise<void> {
    if (!(await this.credentials.setEnabled(accessKey, enabled))) throw notFound(`Credential ${accessKey} does not exist`);
  }

  async resolveUser(domainName: string, userName: string): Promise<UserRow> {
    const domain = await this.requireDomain(domainName);
    const user = await this.identity.findUser(domain.id, { name: userName });
    if (!user) throw notFound(`User ${userName} does not exist in domain ${domainName}`);
    return user;
  }

  /** The project a CLI command means when none is named: the user's first. */
  async defaultProjectOf(user: UserRow): Promise<ProjectRow> {
    const [first] = await this.identity.projectsOfUser(user.id);
    if (!first) throw notFound(`User ${user.name} belongs to no project`);
    return first;
  }

  async resolveProject(domainId: string, ref: string): Promise<ProjectRow> {
    return (await this.identity.findProject(domainId, { id: ref })) ?? this.requireProject(domainId, { name: ref });
  }

  /** A project named by id or name within a domain named by name (CLI commands). */
  async resolveProjectIn(domainName: string, ref: string): Promise<ProjectRow> {
    return this.resolveProject((await this.requireDomain(domainName)).id, ref);
  }

  private async requireDomain(name: string): Promise<DomainRow> {
    const domain = await this.identity.findDomainByName(name);
    if (!domain) throw notFound(`Domain ${name} does not exist`);
    return domain;
  }

  private async requireProject(domainId: string, ref: { id?: string; name?: string }): Promise<ProjectRow> {
    const project = await this.identity.findProject(domainId, ref);
    if (!project) throw notFound(`Project ${ref.id ?? ref.name} does not exist`);
    return project;
  }
}
