import type { Config } from '../config/schema.js';
import { openDatabase, type Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { CredentialRepository } from '../repositories/credential-repository.js';
import { IdentityRepository } from '../repositories/identity-repository.js';
import { VulScanPolicyRepository } from '../repositories/vul-scan-policy-repository.js';
import { deriveKey, loadMasterKey } from '../security/master-key.js';
import { SecretBox } from '../security/secret-box.js';
import { TokenSigner } from '../security/tokens.js';
import { AuthService } from '../services/auth-service.js';
import { IdentityService } from '../services/identity-service.js';
import { ScanPolicyService } from '../services/scan-policy-service.js';

export interface Services {
  identity: IdentityService;
  auth: AuthService;
  scanPolicies: ScanPolicyService;
}

export interface Runtime {
  config: Config;
  database: Database;
  services: Services;
  now: () => number;
  close(): Promise<void>;
}

/**
 * The composition root: opens and migrates the database, derives keys and
 * wires repositories into services. Server, worker and CLI all start here.
 */
export async function openRuntime(config: Config, options: { now?: () => number } = {}): Promise<Runtime> {
  const now = options.now ?? Date.now;
  const database = openDatabase({ ...config.database, dataDir: config.dataDir });
  try {
    await migrateToLatest(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const masterKey = loadMasterKey(config.security.masterKey, config.dataDir);
  const secrets = new SecretBox(deriveKey(masterKey, 'secret-encryption'));
  const tokens = new TokenSigner(deriveKey(masterKey, 'token-signing'));
  const identityRepo = new IdentityRepository(database.db);
  const credentialRepo = new CredentialRepository(database.db);
  // Hosts arrive with the agent feature; until then a project has none to count.
  const countHosts = async () => 0;
  const services: Services = {
    identity: new IdentityService(identityRepo, credentialRepo, secrets, now),
    auth: new AuthService(identityRepo, credentialRepo, secrets, tokens, config.security.tokenTtlSeconds * 1000, now),
    scanPolicies: new ScanPolicyService(new VulScanPolicyRepository(database.db), countHosts, now),
  };
  return { config, database, services, now, close: () => database.close() };
}
