import type { Kysely } from 'kysely';
import type { AgentCommand, AgentCommandType } from '../agent/protocol.js';
import type { DB } from '../db/schema.js';

/** Commands waiting for an agent's next poll. */
export class AgentCommandRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(id: string, hostId: string, type: AgentCommandType, now: number): Promise<void> {
    await this.db.insertInto('agent_commands').values({ id, host_id: hostId, type, state: 'pending', created_at: now, delivered_at: null, done_at: null }).execute();
  }

  /**
   * Hands the host's pending commands over, marking them delivered so no
   * other poll gets them too. A command delivered before `redeliverBefore`
   * and still not done is handed over again: the answer to a poll can be
   * lost with the connection (a server crash, a network cut), so delivery
   * is at least once.
   */
  async takePending(hostId: string, now: number, redeliverBefore: number): Promise<AgentCommand[]> {
    const rows = await this.db
      .updateTable('agent_commands')
      .set({ state: 'delivered', delivered_at: now })
      .where('host_id', '=', hostId)
      .where((eb) => eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'delivered'), eb('delivered_at', '<', redeliverBefore)])]))
      .returning(['id', 'type', 'created_at'])
      .execute();
    return rows.map((r) => ({ id: r.id, type: r.type as AgentCommandType, issued_at: Number(r.created_at) })).sort((a, b) => a.issued_at - b.issued_at);
  }

  /** Hosts with a pending command created at or after `since`. */
  async hostsWithPendingSince(since: number): Promise<string[]> {
    const rows = await this.db.selectFrom('agent_commands').select('host_id').distinct().where('state', '=', 'pending').where('created_at', '>=', since).execute();
    return rows.map((r) => r.host_id);
  }

  async markDone(hostId: string, commandId: string, now: number): Promise<void> {
    await this.db.updateTable('agent_commands').set({ state: 'done', done_at: now }).where('id', '=', commandId).where('host_id', '=', hostId).execute();
  }

  /** Commands of a type not done yet (pending or delivered), oldest first, with their host (null when deleted). */
  async openOfType(type: AgentCommandType): Promise<Array<{ id: string; hostId: string; createdAt: number; host: { projectId: string; hostName: string; lastSeenAt: number } | null }>> {
    const rows = await this.db
      .selectFrom('agent_commands')
      .leftJoin('hosts', 'hosts.id', 'agent_commands.host_id')
      .select(['agent_commands.id', 'agent_commands.host_id', 'agent_commands.created_at', 'hosts.project_id', 'hosts.host_name', 'hosts.last_seen_at'])
      .where('agent_commands.type', '=', type)
      .where('agent_commands.state', '<>', 'done')
      .orderBy('agent_commands.created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      hostId: r.host_id,
      createdAt: Number(r.created_at),
      host: r.project_id === null ? null : { projectId: r.project_id, hostName: r.host_name ?? '', lastSeenAt: Number(r.last_seen_at) },
    }));
  }

  /** Marks done the host's commands of a type the agent has received (one answer serves them all). */
  async markDeliveredDone(hostId: string, type: AgentCommandType, now: number): Promise<void> {
    await this.db.updateTable('agent_commands').set({ state: 'done', done_at: now }).where('host_id', '=', hostId).where('type', '=', type).where('state', '=', 'delivered').execute();
  }

  /** Gives commands up (done without an answer), so they are not delivered again. */
  async giveUp(ids: readonly string[], now: number): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) await this.db.updateTable('agent_commands').set({ state: 'done', done_at: now }).where('id', 'in', ids.slice(i, i + 500)).execute();
  }
}
