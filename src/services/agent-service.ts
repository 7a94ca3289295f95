import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { AGENT_AUTH_SCHEME, completePackage, inventoryHash, type AgentCommand, type AgentCommandType, type EnrollResponse, type HostIdentity, type InventoryAccepted, type InventoryUnchanged, type ReceivedInventoryUpload } from '../agent/protocol.js';
import { conflict, unauthenticated } from '../domain/errors.js';
import type { Host } from '../domain/host.js';
import { newHexId } from '../domain/ids.js';
import type { AgentCommandRepository } from '../repositories/agent-command-repository.js';
import type { EnrolmentTokenRepository } from '../repositories/enrolment-token-repository.js';
import type { HostInventoryRepository } from '../repositories/host-inventory-repository.js';
import type { HostRepository } from '../repositories/host-repository.js';
import { invalidParameter } from '../domain/errors.js';

export interface AgentSettings {
  pollWaitMs: number;
  inventoryIntervalMs: number;
  enrolmentTokenTtlMs: number;
}

export interface IssuedEnrolmentToken {
  id: string;
  /** Shown once. */
  token: string;
  expiresAt: number;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** How often waiting long-polls look at the database for commands created by another process. */
const WATCH_INTERVAL_MS = 1000;
/** The shortest time before a delivered, unanswered command is delivered again. */
const REDELIVER_MIN_MS = 30_000;
/** Commands are looked for a little before the last check too, so one committed during it is not missed. */
const WATCH_OVERLAP_MS = 2000;

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function privateIpOf(ips: string[]): string {
  return ips.find((ip) => ip.includes('.')) ?? ips[0] ?? '';
}

/**
 * Everything agents do: enrol with a one-time token, report who they are
 * and what is installed, and collect commands. Agent secrets and enrolment
 * tokens are high-entropy random values, so a SHA-256 of each is stored.
 */
export class AgentService {
  private readonly events = new EventEmitter();
  /** Hosts with a long-poll waiting in this process, and how many. */
  private readonly waiting = new Map<string, number>();
  private watcher: NodeJS.Timeout | undefined;

  constructor(
    private readonly tokens: EnrolmentTokenRepository,
    private readonly hosts: HostRepository,
    private readonly inventories: HostInventoryRepository,
    private readonly commands: AgentCommandRepository,
    private readonly settings: AgentSettings,
    private readonly now: () => number,
  ) {
    this.events.setMaxListeners(0);
  }

  async createEnrolmentToken(projectId: string, options: { enterpriseProjectId?: string; description?: string; ttlMs?: number } = {}): Promise<IssuedEnrolmentToken> {
    const token = `ohssenrol_${randomBytes(24).toString('base64url')}`;
    const id = newHexId();
    const expiresAt = this.now() + (options.ttlMs ?? this.settings.enrolmentTokenTtlMs);
    await this.tokens.insert(
      { id, projectId, enterpriseProjectId: options.enterpriseProjectId ?? '0', description: options.description ?? '', expiresAt, usedAt: null, createdAt: this.now() },
      sha256(token),
    );
    return { id, token, expiresAt };
  }

  /**
   * Exchanges a one-time token for agent credentials. A machine that
   * enrolled before (same machine id, same project) keeps its host id and
   * history and gets fresh credentials; the old ones stop working.
   */
  async enroll(token: string, identity: HostIdentity): Promise<EnrollResponse> {
    const now = this.now();
    const hostId = newHexId();
    const used = await this.tokens.consume(sha256(token), hostId, now);
    if (!used) throw unauthenticated('Incorrect IAM authentication information: the enrolment token is unknown, expired or already used');
    const agentId = newHexId();
    const secret = randomBytes(32).toString('base64url');
    const known = identity.machine_id ? await this.hosts.findByMachineId(used.projectId, identity.machine_id) : undefined;
    if (known) {
      await this.hosts.replaceAgent(known.id, agentId, sha256(secret), used.enterpriseProjectId, now);
      await this.hosts.updateIdentity(known.id, identityUpdate(identity), now);
    } else {
      await this.hosts.insert(
        {
          id: hostId,
          projectId: used.projectId,
          enterpriseProjectId: used.enterpriseProjectId,
          agentId,
          ...identityUpdate(identity),
          publicIp: '',
          assetValue: 'common',
          lastSeenAt: now,
          inventoryHash: null,
          inventoryAt: null,
          lastScanAt: null,
          createdAt: now,
        },
        sha256(secret),
      );
    }
    return {
      agent_id: agentId,
      host_id: known?.id ?? hostId,
      agent_secret: secret,
      inventory_interval_ms: this.settings.inventoryIntervalMs,
      poll_wait_ms: this.settings.pollWaitMs,
    };
  }

  /** Resolves `Authorization: OpenHSS-Agent <agent_id>:<secret>` to the agent's host. */
  async authenticate(authorization: string | undefined): Promise<Host> {
    const prefix = `${AGENT_AUTH_SCHEME} `;
    if (!authorization?.startsWith(prefix)) throw unauthenticated(`Incorrect IAM authentication information: expected ${AGENT_AUTH_SCHEME} credentials`);
    const [agentId, secret] = authorization.slice(prefix.length).trim().split(':', 2);
    if (!agentId || !secret) throw unauthenticated('Incorrect IAM authentication information: malformed agent credentials');
    const host = await this.hosts.findByAgentId(agentId);
    if (!host || !sameHash(host.agentSecretHash, sha256(secret))) throw unauthenticated('Incorrect IAM authentication information: unknown agent or wrong agent secret');
    const { agentSecretHash: _secret, ...rest } = host;
    return rest;
  }

  async updateIdentity(host: Host, identity: HostIdentity): Promise<void> {
    await this.hosts.updateIdentity(host.id, identityUpdate(identity), this.now());
  }

  /** Stores a full inventory, after checking its hash; the previous one stays if anything is wrong. */
  async uploadInventory(host: Host, upload: ReceivedInventoryUpload): Promise<InventoryAccepted> {
    const hash = inventoryHash({ os: upload.os, packages: upload.packages });
    if (hash !== upload.content_hash) throw invalidParameter('content_hash', 'content_hash does not match the uploaded os and packages');
    const now = this.now();
    await this.inventories.save(host.projectId, {
      hostId: host.id,
      contentHash: hash,
      collectedAt: upload.collected_at,
      uploadedAt: now,
      warnings: upload.warnings,
      os: upload.os,
      packages: upload.packages.map(completePackage),
    });
    if (upload.command_id) await this.commands.markDone(host.id, upload.command_id, now);
    this.events.emit('inventory', host.id);
    return { changed: hash !== host.inventoryHash, content_hash: hash };
  }

  /** The agent's inventory is the one already stored: only its freshness changes. */
  async reportUnchanged(host: Host, body: InventoryUnchanged): Promise<InventoryAccepted> {
    if (!host.inventoryHash || host.inventoryHash !== body.content_hash) throw conflict('the server does not hold an inventory with this content_hash; upload it in full');
    const now = this.now();
    await this.inventories.markFresh(host.id, body.collected_at, now);
    if (body.command_id) await this.commands.markDone(host.id, body.command_id, now);
    this.events.emit('inventory', host.id);
    return { changed: false, content_hash: body.content_hash };
  }

  /** Long-poll: returns as soon as a command is waiting, or empty after waitMs. Each poll is a heartbeat. */
  async pollCommands(host: Host, waitMs: number, signal: AbortSignal): Promise<AgentCommand[]> {
    await this.hosts.touch(host.id, this.now());
    const deadline = Date.now() + waitMs;
    for (;;) {
      const commands = await this.commands.takePending(host.id, this.now(), this.now() - this.redeliverAfterMs());
      const left = deadline - Date.now();
      if (commands.length > 0 || left <= 0 || signal.aborted) return commands;
      await this.waitForCommand(host.id, left, signal);
    }
  }

  async issueCommand(hostId: string, type: AgentCommandType): Promise<string> {
    const id = newHexId();
    await this.commands.insert(id, hostId, type, this.now());
    this.events.emit('command', hostId);
    return id;
  }

  /** Told whenever an agent delivers an inventory (full or unchanged). */
  /** A delivered command not done after this long is delivered again; long enough for an agent to collect and upload. */
  private redeliverAfterMs(): number {
    return Math.max(REDELIVER_MIN_MS, 2 * this.settings.pollWaitMs);
  }

  onInventory(listener: (hostId: string) => void): void {
    this.events.on('inventory', listener);
  }

  private waitForCommand(hostId: string, ms: number, signal: AbortSignal): Promise<void> {
    this.waiting.set(hostId, (this.waiting.get(hostId) ?? 0) + 1);
    this.watchOtherProcesses();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off('command', onCommand);
        signal.removeEventListener('abort', done);
        const left = (this.waiting.get(hostId) ?? 1) - 1;
        if (left > 0) this.waiting.set(hostId, left);
        else this.waiting.delete(hostId);
        resolve();
      };
      const onCommand = (id: string) => {
        if (id === hostId) done();
      };
      const timer = setTimeout(done, ms);
      this.events.on('command', onCommand);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Commands created by another process (a worker on PostgreSQL) raise no
   * event here: while polls wait, one query a second looks for new pending
   * commands of the waiting hosts and wakes them.
   */
  private watchOtherProcesses(): void {
    if (this.watcher) return;
    let since = this.now() - WATCH_OVERLAP_MS;
    this.watcher = setInterval(() => {
      if (this.waiting.size === 0) {
        clearInterval(this.watcher);
        this.watcher = undefined;
        return;
      }
      const checkFrom = since;
      since = this.now() - WATCH_OVERLAP_MS;
      this.commands.hostsWithPendingSince(checkFrom).then(
        (hostIds) => {
          for (const id of hostIds) if (this.waiting.has(id)) this.events.emit('command', id);
        },
        () => undefined,
      );
    }, WATCH_INTERVAL_MS);
    this.watcher.unref();
  }
}

function identityUpdate(identity: HostIdentity) {
  return {
    machineId: identity.machine_id ?? null,
    hostName: identity.host_name,
    osType: identity.os_type,
    osName: identity.os_name,
    osVersion: identity.os_version,
    kernel: identity.kernel,
    ips: identity.ips,
    privateIp: privateIpOf(identity.ips),
    agentVersion: identity.agent_version,
  };
}
