import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { SecretBox } from '../security/secret-box.js';
import type { FileStore } from './file-store.js';
import { LocalFileStore } from './local-store.js';
import { PostgresFileStore } from './postgres-store.js';
import { S3FileStore } from './s3-store.js';

/** What a sealed config secret starts with (`openhss files seal-secret` prints it). */
export const SEALED_PREFIX = 'sealed:';
/** Binds a sealed S3 secret to its setting, so a sealed value of another setting is refused. */
export const S3_SECRET_AAD = 'config:files.s3.secretAccessKey';

/** The S3 secret in clear: a sealed value opened with the master key's secret-encryption key, or a plain one as given. */
export function unsealSetting(value: string, secrets: SecretBox, associatedData: string): string {
  if (!value.startsWith(SEALED_PREFIX)) return value;
  try {
    return secrets.open(value.slice(SEALED_PREFIX.length), associatedData);
  } catch {
    // Never the value itself in the message.
    throw new Error(`the sealed ${associatedData.replace(/^config:/, '')} cannot be opened with this master key`);
  }
}

/**
 * The file store this configuration asks for: `files.store`, or by default
 * the data directory with SQLite and PostgreSQL with PostgreSQL.
 */
export function openFileStore(config: Config, database: Database, secrets: SecretBox): FileStore {
  const kind = config.files.store || (database.dialect === 'postgres' ? 'postgres' : 'local');
  if (kind === 'local') return new LocalFileStore(config.dataDir);
  if (kind === 'postgres') {
    if (database.dialect !== 'postgres') throw new Error('files.store postgres needs a PostgreSQL database (database.url postgres://…)');
    return new PostgresFileStore(database.db);
  }
  const s3 = config.files.s3;
  return new S3FileStore({ ...s3, secretAccessKey: unsealSetting(s3.secretAccessKey, secrets, S3_SECRET_AAD) });
}

/** The sealed form of a secret setting, for the config file or environment (`openhss files seal-secret`). */
export function sealSetting(value: string, secrets: SecretBox, associatedData: string): string {
  return SEALED_PREFIX + secrets.seal(value, associatedData);
}
