/**
 * The vulnerability database: its own SQLite file, importers per feed, update/import/status
 * back ends for the `openhss db` commands, and the reader matchers use.
 */
export { buildDemoDb, type DemoDbResult } from './demo.js';
export { importPath, ImportPathError, type ImportPathResult } from './import-path.js';
export {
  update,
  defaultSources,
  osvSource,
  alpineSource,
  rewriteUrl,
  FeedDownloadError,
  DEFAULT_OSV_ECOSYSTEMS,
  DEFAULT_OSV_OS_ECOSYSTEMS,
  DEFAULT_ALPINE_RELEASES,
  DEFAULT_ALPINE_REPOS,
  OSV_BUCKET,
  ALPINE_SECDB,
  DEBIAN_TRACKER_URL,
  KEV_URL,
  K8S_CVE_FEED_URL,
  type FeedSource,
  type SourceOptions,
  type VulnDbHttp,
  type UpdateResult,
  type FeedUpdateOutcome,
  type FeedOutcomeStatus,
} from './update.js';
export { status, type VulnDbStatus, type FeedStatus, type EcosystemStatus } from './status.js';
export { VulnDbReader, type AdvisoryRecord, type AffectedRecord } from './reader.js';
export { VulnDbSchemaError } from './store.js';
export { SCHEMA_VERSION } from './schema.js';
export { scoreCvss, cvss3BaseScore, cvss2BaseScore, cvssVersionOf, CvssError, type CvssScore } from './cvss.js';
export { cvss4Score } from './cvss4.js';
export { severityFromScore, severityFromLabel } from './severity.js';
export { DEBIAN_CODENAMES, normalizeEcosystem, normalizePackageName, ecosystemFamily, debianEcosystem, alpineEcosystem } from './ecosystems.js';
export { detectFeedFile, FeedFormatError, type FeedFileKind } from './importers/index.js';
export { importK8sCveFeed, affectedFromIssueText, isK8sCveFeed, K8S_CVE_FEED, K8S_CVE_SOURCE, K8S_ECOSYSTEM, K8S_WHOLE_RELEASE } from './importers/k8s-cve-feed.js';
export type * from './types.js';
