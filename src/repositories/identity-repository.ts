import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface DomainRow { id: string; name: string }
export interface ProjectRow { id: string; domainId: string; name: string }
export interface UserRow { id: string; domainId: string; name: string; passwordHash: string; enabled: boolean; description?: string }
export interface EnterpriseProjectRow { id: string; domainId: string; name: string }
export interface UserListRow { id: string; domainId: string; name: string; enabled: boolean; description: string; createdAt: number }
export interface EnterpriseProjectListRow { id: string; name: string; description: string; createdAt: number; updatedAt: number }

/** Domains, projects, users, enterprise projects and the grants between them. Queries only. */
export class IdentityRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async countDomains(): Promise<number> {
    const row = await this.db.selectFrom('domains').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertDomain(domain: DomainRow, now: number): Promise<void> {
    await this.db.insertInto('domains').values({ id: domain.id, name: domain.name, created_at: now }).execute();
  }

  async findDomainByName(name: string): Promise<DomainRow | undefined> {
    return this.db.selectFrom('domains').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  }

  async findDomainById(id: string): Promise<DomainRow | undefined> {
    return this.db.selectFrom('domains').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  }

  async domainCreatedAt(id: string): Promise<number> {
    const row = await this.db.selectFrom('domains').select('created_at').where('id', '=', id).executeTakeFirst();
    return Number(row?.created_at ?? 0);
  }

  async insertProject(project: ProjectRow, now: number): Promise<void> {
    await this.db.insertInto('projects').values({ id: project.id, domain_id: project.domainId, name: project.name, created_at: now }).execute();
  }

  async findProject(domainId: string, idOrName: { id?: string; name?: string }): Promise<ProjectRow | undefined> {
    let query = this.db.selectFrom('projects').select(['id', 'domain_id as domainId', 'name']).where('domain_id', '=', domainId);
    if (idOrName.id !== undefined) query = query.where('id', '=', idOrName.id);
    if (idOrName.name !== undefined) query = query.where('name', '=', idOrName.name);
    return query.executeTakeFirst();
  }

  async findProjectById(id: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').select(['id', 'domain_id as domainId', 'name']).where('id', '=', id).executeTakeFirst();
  }

  async insertUser(user: UserRow, now: number): Promise<void> {
    await this.db
      .insertInto('users')
      .values({ id: user.id, domain_id: user.domainId, name: user.name, password_hash: user.passwordHash, enabled: user.enabled ? 1 : 0, created_at: now, description: user.description ?? '' })
      .execute();
    // The domain's first user is its account administrator; a later user never takes the place.
    await this.db.updateTable('domains').set({ first_user_id: user.id }).where('id', '=', user.domainId).where('first_user_id', 'is', null).execute();
  }

  /** The account's first user: the one who manages other users and enterprise projects. */
  async firstUserOf(domainId: string): Promise<string | null> {
    const row = await this.db.selectFrom('domains').select('first_user_id').where('id', '=', domainId).executeTakeFirst();
    return row?.first_user_id ?? null;
  }

  async listUsers(domainId: string): Promise<UserListRow[]> {
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'domain_id as domainId', 'name', 'enabled', 'description', 'created_at as createdAt'])
      .where('domain_id', '=', domainId)
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ ...r, enabled: r.enabled === 1, createdAt: Number(r.createdAt) }));
  }

  async findUser(domainId: string, idOrName: { id?: string; name?: string }): Promise<UserRow | undefined> {
    let query = this.db
      .selectFrom('users')
      .select(['id', 'domain_id as domainId', 'name', 'password_hash as passwordHash', 'enabled'])
      .where('domain_id', '=', domainId);
    if (idOrName.id !== undefined) query = query.where('id', '=', idOrName.id);
    if (idOrName.name !== undefined) query = query.where('name', '=', idOrName.name);
    const row = await query.executeTakeFirst();
    return row && { ...row, enabled: row.enabled === 1 };
  }

  async findUserById(id: string): Promise<UserRow | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'domain_id as domainId', 'name', 'password_hash as passwordHash', 'enabled'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { ...row, enabled: row.enabled === 1 };
  }

  async addProjectMember(userId: string, projectId: string): Promise<void> {
    await this.db.insertInto('user_projects').values({ user_id: userId, project_id: projectId }).onConflict((oc) => oc.doNothing()).execute();
  }

  async isProjectMember(userId: string, projectId: string): Promise<boolean> {
    const row = await this.db.selectFrom('user_projects').select('user_id').where('user_id', '=', userId).where('project_id', '=', projectId).executeTakeFirst();
    return row !== undefined;
  }

  async projectsOfUser(userId: string): Promise<ProjectRow[]> {
    return this.db
      .selectFrom('user_projects')
      .innerJoin('projects', 'projects.id', 'user_projects.project_id')
      .select(['projects.id as id', 'projects.domain_id as domainId', 'projects.name as name'])
      .where('user_projects.user_id', '=', userId)
      .orderBy('projects.created_at')
      .orderBy('projects.id')
      .execute();
  }

  async insertEnterpriseProject(ep: EnterpriseProjectRow & { description?: string }, now: number): Promise<void> {
    await this.db
      .insertInto('enterprise_projects')
      .values({ id: ep.id, domain_id: ep.domainId, name: ep.name, created_at: now, updated_at: now, description: ep.description ?? '' })
      .execute();
  }

  /** A domain's enterprise projects, oldest first; only the given ids when `ids` is not null. */
  async listEnterpriseProjects(domainId: string, ids: readonly string[] | null): Promise<EnterpriseProjectListRow[]> {
    if (ids !== null && ids.length === 0) return [];
    let q = this.db
      .selectFrom('enterprise_projects')
      .select(['id', 'name', 'description', 'created_at as createdAt', 'updated_at as updatedAt'])
      .where('domain_id', '=', domainId);
    if (ids !== null) q = q.where('id', 'in', [...ids]);
    const rows = await q.orderBy('created_at').orderBy('name').execute();
    return rows.map((r) => ({ ...r, createdAt: Number(r.createdAt), updatedAt: Number(r.updatedAt ?? r.createdAt) }));
  }

  async findEnterpriseProject(domainId: string, idOrName: string): Promise<EnterpriseProjectRow | undefined> {
    return this.db
      .selectFrom('enterprise_projects')
      .select(['id', 'domain_id as domainId', 'name'])
      .where('domain_id', '=', domainId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
  }

  async grantEnterpriseProject(userId: string, enterpriseProjectId: string): Promise<void> {
    await this.db
      .insertInto('user_enterprise_projects')
      .values({ user_id: userId, enterprise_project_id: enterpriseProjectId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async grantedEnterpriseProjects(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('user_enterprise_projects')
      .select('enterprise_project_id')
      .where('user_id', '=', userId)
      .orderBy('enterprise_project_id')
      .execute();
    return rows.map((r) => r.enterprise_project_id);
  }
}
