import type { AppServices } from '../api/app.js';
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
import { VulnDbUpdater } from '../services/vulndb-updater.js';
import { ImageAssetRepository } from '../repositories/image-asset-repository.js';
import { ImageContentRepository } from '../repositories/image-content-repository.js';
import { ImageContentService } from '../services/images/image-content-service.js';
import { ExportTaskRepository } from '../repositories/export-task-repository.js';
import { ExportService } from '../services/export-service.js';
import { ExportSources } from '../exports/sources.js';
import { openFileStore } from '../files/open-store.js';
import type { FileStore } from '../files/file-store.js';
import { ImageScanTaskRepository } from '../repositories/image-scan-task-repository.js';
import { RateBucketRepository } from '../repositories/rate-bucket-repository.js';
import { ImageScanService } from '../services/images/image-scan-service.js';
import { ImageVulService } from '../services/images/image-vul-service.js';
import { CicdImageService } from '../services/images/cicd-image-service.js';
import { CommonTaskRepository } from '../repositories/common-task-repository.js';
import { ClusterRepository } from '../repositories/cluster-repository.js';
import { K8sNodeReportRepository } from '../repositories/k8s-node-report-repository.js';
import { IacFileRepository } from '../repositories/iac-file-repository.js';
import { JobScheduleRepository } from '../repositories/job-schedule-repository.js';
import { CommonTaskService } from '../services/jobs/common-task-service.js';
import { ClusterService } from '../services/jobs/cluster-service.js';
import { IacFileService } from '../services/jobs/iac-file-service.js';
import { JobScheduler } from '../services/jobs/job-scheduler.js';
import { ClusterScanRunnerImpl } from '../services/jobs/cluster-scan-runner.js';
import { KubernetesNodeService } from '../services/k8s-node-service.js';
import { IacScanRunnerImpl } from '../services/jobs/iac-scan-runner.js';
import { ImageVulListRepository } from '../repositories/image-vul-list-repository.js';
import { RegistryRepository } from '../repositories/registry-repository.js';
import { RegistryConnector } from '../services/images/registry-connector.js';
import { RegistrySync } from '../services/images/registry-sync.js';
import { RegistryService } from '../services/images/registry-service.js';
import { RegistryImageScanner, type RegistryAccess } from '../services/images/registry-image-scanner.js';
import { FileLayerCache } from '../scan/layer-cache.js';
import { analyzers } from '../inventory/registry.js';
import { ImageLocalRefRepository } from '../repositories/image-local-ref-repository.js';
import { LocalImageService } from '../services/images/local-image-service.js';
import { AccountService } from '../services/account-service.js';
import { OverviewService } from '../services/overview-service.js';
import { OverviewRepository } from '../repositories/overview-repository.js';
import { ConsoleFactsService } from '../services/console-facts-service.js';

/** Everything the routes call (AppServices), and what only workers and the CLI use besides. */
export interface Services extends AppServices {
  identity: IdentityService;
  matcher: HostVulMatcher;
  scheduler: PolicyScheduler;
  imageContents: ImageContentService;
}

export interface Runtime {
  config: Config;
  database: Database;
  services: Services;
  vulnDb: VulnDbProvider;
  /** Where export files are kept (config files.store). */
  files: FileStore;
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
    shardSize: h.scanShardSize,
  }, now);
  const hosts = new HostService(hostRepo, h.offlineAfterSeconds * 1000, now);
  const imageAssetRepo = new ImageAssetRepository(db);
  const imageContentRepo = new ImageContentRepository(db);
  const imageContents = new ImageContentService(imageContentRepo, imageAssetRepo, vulnDb, now);
  const registryRepo = new RegistryRepository(db);
  const registryConnector = new RegistryConnector();
  const registries = new RegistryService(registryRepo, imageAssetRepo, imageContentRepo, secrets, registryConnector, new RegistrySync(registryRepo, imageAssetRepo, registryConnector, now), now);
  const registryAccess: RegistryAccess = registries;
  const imageScans = new ImageScanService(
    new ImageScanTaskRepository(db),
    imageAssetRepo,
    imageContentRepo,
    imageContents,
    new RateBucketRepository(db),
    registryAccess,
    new RegistryImageScanner(new FileLayerCache(join(config.dataDir, 'cache', 'layers'), analyzers), config.images.maxImageSizeBytes),
    { taskTimeoutMs: config.images.taskTimeoutHours * 3_600_000, localReportTimeoutMs: config.images.localReportTimeoutSeconds * 1000 },
    now,
  );
  const localImages = new LocalImageService(
    imageAssetRepo,
    new ImageLocalRefRepository(db),
    imageContentRepo,
    imageContents,
    agents,
    new AgentCommandRepository(db),
    hostRepo,
    { reportTimeoutMs: config.images.localReportTimeoutSeconds * 1000, offlineAfterMs: h.offlineAfterSeconds * 1000 },
    now,
  );
  imageScans.useLocalReports(localImages);
  let files: FileStore;
  try {
    files = openFileStore(config, database, secrets);
  } catch (err) {
    vulnDb.close();
    await database.close();
    throw err;
  }
  const exports = new ExportService(
    new ExportTaskRepository(db),
    new ExportSources(db, new VulListRepository(db)),
    files,
    imageAssetRepo,
    hostRepo,
    { retentionMs: config.exports.retentionDays * 86_400_000 },
    now,
  );
  const scanPolicies = new ScanPolicyService(new VulScanPolicyRepository(db), hostRepo, now);
  const iacFileRepo = new IacFileRepository(db);
  const clusters = new ClusterService(new ClusterRepository(db), secrets, now);
  const k8sNodeReports = new K8sNodeReportRepository(db);
  const commonTasks = new CommonTaskService(
    new CommonTaskRepository(db),
    clusters,
    iacFileRepo,
    { cluster: new ClusterScanRunnerImpl(vulnDb, imageAssetRepo, imageScans, k8sNodeReports), iac: new IacScanRunnerImpl() },
    now,
  );
  const vulnDbUpdater = new VulnDbUpdater(vulnDb, config.vulndb, now);
  const services: Services = {
    identity: new IdentityService(identityRepo, credentialRepo, secrets, now),
    auth: new AuthService(identityRepo, credentialRepo, secrets, tokens, config.security.tokenTtlSeconds * 1000, now),
    scanPolicies,
    agents,
    hosts,
    k8sNodes: new KubernetesNodeService(k8sNodeReports, now),
    vulScans,
    hostVuls: new HostVulService(new VulListRepository(db), hostVulRepo, hostRepo, vulScans),
    matcher,
    scheduler: new PolicyScheduler(db, scanPolicies, vulScans, now),
    exports,
    imageContents,
    imageScans,
    registries,
    localImages,
    imageVuls: new ImageVulService(imageAssetRepo, new ImageVulListRepository(db), now),
    cicdImages: new CicdImageService(db, imageAssetRepo, imageContents, now),
    commonTasks,
    clusters,
    iacFiles: new IacFileService(iacFileRepo, now),
    jobSchedules: new JobScheduler(new JobScheduleRepository(db), commonTasks, imageScans, now),
    vulnDbUpdater,
    overview: new OverviewService(new OverviewRepository(db), scanPolicies, vulnDbUpdater, now),
    accounts: new AccountService(identityRepo, credentialRepo, new IdentityService(identityRepo, credentialRepo, secrets, now), now),
    consoleFacts: new ConsoleFactsService(db, vulnDb, new HostInventoryRepository(db)),
  };
  return {
    config,
    database,
    services,
    vulnDb,
    files,
    now,
    close: async () => {
      await services.vulnDbUpdater.close();
      await files.close();
      vulnDb.close();
      hostVulRepo.close();
      await database.close();
    },
  };
}
