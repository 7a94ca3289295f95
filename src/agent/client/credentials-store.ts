import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/openhss-agent';
const CREDENTIALS_FILE = 'credentials.json';
const LAST_INVENTORY_FILE = 'last-inventory.json';

/** What enrolment gave this agent; the secret makes this file as sensitive as a password. */
export interface AgentCredentials {
  server: string;
  agent_id: string;
  host_id: string;
  agent_secret: string;
  inventory_interval_ms: number;
  poll_wait_ms: number;
}

/** Raised when a state file could be read by others: its secret must be treated as leaked, so we refuse it. */
export class InsecureStateFileError extends Error {
  constructor(readonly path: string, mode: number) {
    super(`${path} has mode 0${(mode & 0o777).toString(8)}; it holds the agent secret and must not be readable by group or others (chmod 600 it, or delete it and enrol again)`);
    this.name = 'InsecureStateFileError';
  }
}

/** Compares servers as URLs so "http://h:1" and "http://h:1/" count as the same server. */
export function sameServer(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      return new URL(s).href.replace(/\/+$/, '');
    } catch {
      return s.replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

function isCredentials(value: unknown): value is AgentCredentials {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.server === 'string' &&
    typeof v.agent_id === 'string' &&
    typeof v.host_id === 'string' &&
    typeof v.agent_secret === 'string' &&
    typeof v.inventory_interval_ms === 'number' &&
    typeof v.poll_wait_ms === 'number'
  );
}

/**
 * The agent's state directory: its credentials and the hash of the last
 * inventory the server accepted. Files are 0600 in a 0700 directory and are
 * replaced atomically, so a crash mid-write leaves the old file, never half a file.
 */
export class CredentialsStore {
  constructor(readonly dir: string = DEFAULT_STATE_DIR) {}

  get credentialsPath(): string {
    return join(this.dir, CREDENTIALS_FILE);
  }

  /** The stored credentials, or null when the agent has not enrolled yet. */
  async load(): Promise<AgentCredentials | null> {
    const text = await this.readPrivate(CREDENTIALS_FILE);
    if (text === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${this.credentialsPath} is not valid JSON; delete it and enrol again`);
    }
    if (!isCredentials(parsed)) throw new Error(`${this.credentialsPath} is missing fields; delete it and enrol again`);
    return parsed;
  }

  async save(credentials: AgentCredentials): Promise<void> {
    await this.writePrivate(CREDENTIALS_FILE, `${JSON.stringify(credentials, null, 2)}\n`);
  }

  /** The content hash last accepted for this agent id; a hash from an earlier enrolment does not count. */
  async loadLastHash(agentId: string): Promise<string | null> {
    const text = await this.readPrivate(LAST_INVENTORY_FILE).catch(() => null);
    if (text === null) return null;
    try {
      const parsed = JSON.parse(text) as { agent_id?: unknown; content_hash?: unknown };
      return parsed.agent_id === agentId && typeof parsed.content_hash === 'string' ? parsed.content_hash : null;
    } catch {
      return null;
    }
  }

  async saveLastHash(agentId: string, contentHash: string): Promise<void> {
    await this.writePrivate(LAST_INVENTORY_FILE, `${JSON.stringify({ agent_id: agentId, content_hash: contentHash })}\n`);
  }

  private async readPrivate(name: string): Promise<string | null> {
    const path = join(this.dir, name);
    let handle;
    try {
      // O_NOFOLLOW: a link planted in place of the file is refused rather than read.
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const info = await handle.stat();
      if ((info.mode & 0o077) !== 0) throw new InsecureStateFileError(path, info.mode);
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  private async writePrivate(name: string, text: string): Promise<void> {
    await this.ensureDir();
    const path = join(this.dir, name);
    const tmp = join(this.dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      // The umask can only narrow 0600, but say it outright in case the file system ignores the open mode.
      await handle.chmod(0o600);
      await handle.writeFile(text);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async ensureDir(): Promise<void> {
    // Only a directory we create is set to 0700: chmod-ing an existing one (say --state-dir /tmp) could break the host.
    const created = await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await chmod(this.dir, 0o700);
  }
}
