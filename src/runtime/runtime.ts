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
import { join } from 'node:path';
import { AgentCommandRepository } from '../repositories/agent-command-repository.js';
import { EnrolmentTokenRepository } from '../repositories/enrolment-token-repository.js';
import { HostInventoryRepository } from '../repositories/host-inventory-repository.js';
import { HostRepository } from '../repositories/host-repository.js';
import { HostVulRepository } from '../repositories/host-vul-repository.js';
import { VulListRepository } from '../repositories/vul-list-repository.js';
import { VulScanTaskRepository } from '../repositories/vul-scan-task-repository.js';
import { AgentService } from '../services/agent-service.js';
import { HostService } from '../services/host-service.js';
import { HostVulMatcher } from '../services/host-vul-matcher.js';
import { HostVulService } from '../services/host-vul-service.js';
import { PolicyScheduler } from '../services/policy-scheduler.js';
import { VulScanService } from '../services/vul-scan-service.js';
import { VulnDbProvider } from '../vulndb/provider.js';
import { ImageAssetRepository } from '../repositories/image-asset-repository.js';
import { ImageContentRepository } from '../repositories/image-content-repository.js';
import { ImageContentService } from '../services/images/image-content-service.js';

export interface Services {
  identity: IdentityService;
  auth: AuthService;
  scanPolicies: ScanPolicyService;
  agents: AgentService;
  hosts: HostService;
  vulScans: VulScanService;
  hostVuls: HostVulService;
  matcher: HostVulMatcher;
  scheduler: PolicyScheduler;
  imageContents: ImageContentService;
}

export interface Runtime {
  config: Config;
  database: Database;
  services: Services;
  vulnDb: VulnDbProvider;
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
  const vulnDb = new VulnDbProvider(join(config.dataDir, 'vulndb.sqlite'), now);
  try {
    await vulnDb.open();
  } catch (err) {
    await database.close();
    throw err;
  }
  const db = database.db;
  const identityRepo = new IdentityRepository(db);
  const credentialRepo = new CredentialRepository(db);
  const hostRepo = new HostRepository(db);
  const hostVulRepo = new HostVulRepository(database);
  const h = config.hosts;
  const agents = new AgentService(new EnrolmentTokenRepository(db), hostRepo, new HostInventoryRepository(db), new AgentCommandRepository(db), {
    pollWaitMs: h.pollWaitSeconds * 1000,
    inventoryIntervalMs: h.inventoryIntervalSeconds * 1000,
    enrolmentTokenTtlMs: h.enrolmentTokenTtlHours * 3_600_000,
  }, now);
  const matcher = new HostVulMatcher(hostRepo, new HostInventoryRepository(db), hostVulRepo, vulnDb, now);
  const vulScans = new VulScanService(new VulScanTaskRepository(db), hostRepo, agents, matcher, {
    offlineAfterMs: h.offlineAfterSeconds * 1000,
    inventoryMaxAgeMs: h.inventoryMaxAgeSeconds * 1000,
    inventoryTimeoutMs: h.inventoryTimeoutSeconds * 1000,
  }, now);
  const hosts = new HostService(hostRepo, h.offlineAfterSeconds * 1000, now);
  const imageAssetRepo = new ImageAssetRepository(db);
  const imageContents = new ImageContentService(new ImageContentRepository(db), imageAssetRepo, vulnDb, now);
  const scanPolicies = new ScanPolicyService(new VulScanPolicyRepository(db), (projectId) => hosts.count(projectId), now);
  const services: Services = {
    identity: new IdentityService(identityRepo, credentialRepo, secrets, now),
    auth: new AuthService(identityRepo, credentialRepo, secrets, tokens, config.security.tokenTtlSeconds * 1000, now),
    scanPolicies,
    agents,
    hosts,
    vulScans,
    hostVuls: new HostVulService(new VulListRepository(db), hostVulRepo, hostRepo, vulScans),
    matcher,
    scheduler: new PolicyScheduler(db, scanPolicies, vulScans, now),
    imageContents,
  };
  return {
    config,
    database,
    services,
    vulnDb,
    now,
    close: async () => {
      vulnDb.close();
      hostVulRepo.close();
      await database.close();
    },
  };
}
