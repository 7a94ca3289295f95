import type { ReadinessProbe } from '../api/routes/health.js';
import { isReachable, type Database } from '../db/connect.js';
import { pendingMigrations } from '../db/migrate.js';

/** Ready means: the database answers and every migration this build knows is applied. */
export function databaseReadiness(database: Database): ReadinessProbe {
  return {
    async check() {
      if (!(await isReachable(database))) return ['database unreachable'];
      const pending = await pendingMigrations(database).catch(() => null);
      if (pending === null) return ['migration state unreadable'];
      return pending.length > 0 ? [`migrations not applied: ${pending.join(', ')}`] : [];
    },
  };
}
