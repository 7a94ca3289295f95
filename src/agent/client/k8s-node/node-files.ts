import { readFile, readdir, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { FileFacts } from '../../../cluster/benchmark/node/evidence.js';

/**
 * Reads a node's files under a root directory (`/` on the node itself, or
 * `--root` over a mounted node file system). Paths are the node's absolute
 * paths; user and group names come from the node's own /etc/passwd and
 * /etc/group, so a root mounted elsewhere is read as the node sees it.
 */
export class NodeFiles {
  private users = new Map<number, string>();
  private groups = new Map<number, string>();

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<NodeFiles> {
    const files = new NodeFiles(root);
    files.users = await files.names('/etc/passwd');
    files.groups = await files.names('/etc/group');
    return files;
  }

  /** The path on this machine of a node path; a path climbing out of the root stays inside it. */
  local(path: string): string {
    return join(this.root, normalize(`/${path}`));
  }

  async text(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.local(path), 'utf8');
    } catch {
      return undefined;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.facts(path)) !== undefined;
  }

  /** Mode, owner and group of one path (symbolic links followed, as `stat` does); undefined when missing. */
  async facts(path: string): Promise<FileFacts | undefined> {
    try {
      const s = await stat(this.local(path));
      return { path, mode: s.mode & 0o7777, owner: this.users.get(s.uid) ?? String(s.uid), group: this.groups.get(s.gid) ?? String(s.gid), directory: s.isDirectory() };
    } catch {
      return undefined;
    }
  }

  /** The entries of a directory, by node path; empty when it is missing. */
  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.local(dir))).sort().map((name) => `${dir.replace(/\/+$/, '')}/${name}`);
    } catch {
      return [];
    }
  }

  /** A directory and everything under it (as `find dir`), at most `limit` entries. */
  async tree(dir: string, limit = 10_000): Promise<FileFacts[]> {
    const out: FileFacts[] = [];
    const walk = async (path: string): Promise<void> => {
      const facts = await this.facts(path);
      if (facts === undefined || out.length >= limit) return;
      out.push(facts);
      if (facts.directory) for (const child of await this.list(path)) await walk(child);
    };
    await walk(dir);
    return out;
  }

  async factsOf(paths: Iterable<string>): Promise<FileFacts[]> {
    const out: FileFacts[] = [];
    for (const path of new Set(paths)) {
      const facts = await this.facts(path);
      if (facts !== undefined) out.push(facts);
    }
    return out;
  }

  private async names(file: string): Promise<Map<number, string>> {
    const map = new Map<number, string>();
    for (const line of (await this.text(file))?.split('\n') ?? []) {
      const [name, , id] = line.split(':');
      const n = Number(id);
      if (name && id !== undefined && id !== '' && Number.isInteger(n) && !map.has(n)) map.set(n, name);
    }
    return map;
  }
}
