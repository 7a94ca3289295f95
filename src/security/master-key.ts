import { randomBytes, hkdfSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

const KEY_FILE = 'master.key';

/**
 * The master key: from config when given, otherwise generated once into the
 * data directory (mode 0600) so a single-node install needs no set-up.
 */
export function loadMasterKey(configured: string, dataDir: string): Buffer {
  if (configured) return Buffer.from(configured, 'base64');
  const dir = resolve(dataDir);
  const file = join(dir, KEY_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    const key = Buffer.from(existing, 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a base64 32-byte key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' fails if another process created it first; then we read theirs.
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadMasterKey('', dataDir);
    throw err;
  }
}

export type KeyPurpose = 'token-signing' | 'secret-encryption';

/** Separate keys per purpose, so a leak of one use's key does not expose the other. */
export function deriveKey(master: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `openhss:${purpose}`, 32));
}
