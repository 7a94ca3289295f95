import type { Kysely } from 'kysely';
import type { DB, JobSchedulesTable } from '../db/schema.js';

/** Schedules that create cluster and IaC scan tasks. */
export class JobScheduleRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: JobSchedulesTable): Promise<void> {
    await this.db.insertInto('job_schedules').values(row).execute();
  }

  async list(projectId: string): Promise<JobSchedulesTable[]> {
    return this.db.selectFrom('job_schedules').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
  }

  async all(): Promise<JobSchedulesTable[]> {
    return this.db.selectFrom('job_schedules').selectAll().orderBy('id').execute();
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('job_schedules').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}
