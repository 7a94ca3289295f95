/**
 * Inventories take ~6 ms a host to build (canonical hash + gzip), two minutes for 20,000: they are
 * kept between runs under ~/.cache/openhss-bench/hosts, keyed by the fleet's inputs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StoredInventory } from './hosts.js';

// 2: documents in the repository's compact encoding (src/repositories/inventory-codec.ts).
// 3: one version per source package in the fleet (fleet.ts).
const FORMAT = 3;
const DIR = join(process.env.OPENHSS_BENCH_CACHE ?? join(homedir(), '.cache', 'openhss-bench'), 'hosts');

/** A cache key over everything the inventories follow from. */
export function cacheKey(indexText: string, hostCount: number, seed: number): string {
  return createHash('sha256').update(`${FORMAT}\u0000${hostCount}\u0000${seed}\u0000`).update(indexText).digest('hex').slice(0, 16);
}

export function loadInventories(key: string): StoredInventory[] | null {
  const file = join(DIR, `${key}.bin`);
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const out: StoredInventory[] = [];
  for (let at = 0; at < buf.length; ) {
    const hash = buf.toString('latin1', at, at + 64);
    const packageCount = buf.readUInt32LE(at + 64);
    const len = buf.readUInt32LE(at + 68);
    out.push({ hash, packageCount, document: Buffer.from(buf.subarray(at + 72, at + 72 + len)) });
    at += 72 + len;
  }
  return out;
}

export function saveInventories(key: string, inventories: StoredInventory[]): void {
  mkdirSync(DIR, { recursive: true });
  const parts: Buffer[] = [];
  for (const inv of inventories) {
    const head = Buffer.alloc(72);
    head.write(inv.hash, 0, 'latin1');
    head.writeUInt32LE(inv.packageCount, 64);
    head.writeUInt32LE(inv.document.length, 68);
    parts.push(head, inv.document);
  }
  const file = join(DIR, `${key}.bin`);
  writeFileSync(`${file}.tmp`, Buffer.concat(parts));
  renameSync(`${file}.tmp`, file);
}
