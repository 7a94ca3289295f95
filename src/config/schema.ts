import Type, { type Static } from 'typebox';

/**
 * The one configuration schema. Every setting has a config-file path (the
 * nested keys below) and an environment variable (see `envBindings`), and is
 * validated once at start-up.
 */
export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
        shutdownTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
        trustProxy: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    database: Type.Object(
      {
        /** Empty means embedded SQLite in `dataDir`; `postgres://…` selects PostgreSQL. */
        url: Type.String({ default: '', pattern: '^(|postgres(ql)?://.*|sqlite:.+)$' }),
        /** PostgreSQL schema holding openhss's tables (handy for sharing a database). */
        schema: Type.String({ default: 'public', pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
        poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
      },
      { additionalProperties: false, default: {} },
    ),
    security: Type.Object(
      {
        /**
         * Base64 of 32 random bytes. Derives the token-signing and the
         * secret-encryption keys. Empty: generated once into `dataDir/master.key`.
         * Every process sharing a database must use the same key.
         */
        masterKey: Type.String({ default: '', pattern: '^(|[A-Za-z0-9+/]{43}=)$' }),
        tokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600, default: 24 * 3600 }),
        signatureMaxSkewSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 900 }),
      },
      { additionalProperties: false, default: {} },
    ),
    queue: Type.Object(
      {
        /** Run job workers inside `openhss serve` (SQLite always does). */
        inProcessWorkers: Type.Boolean({ default: true }),
        concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
        leaseSeconds: Type.Integer({ minimum: 1, maximum: 24 * 3600, default: 300 }),
        pollIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    hosts: Type.Object(
      {
        /** An agent not heard from for this long is offline. */
        offlineAfterSeconds: Type.Integer({ minimum: 5, maximum: 86_400, default: 90 }),
        /** The long-poll wait agents are told to use. */
        pollWaitSeconds: Type.Integer({ minimum: 1, maximum: 30, default: 25 }),
        /** How often agents upload an inventory unasked. */
        inventoryIntervalSeconds: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: 6 * 3600 }),
        /** A host scan uses a stored inventory at most this old instead of asking the agent. */
        inventoryMaxAgeSeconds: Type.Integer({ minimum: 0, maximum: 7 * 86_400, default: 600 }),
        /** How long a host scan waits for the agent's fresh inventory. */
        inventoryTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
        /** Enrolment tokens expire after this long. */
        enrolmentTokenTtlHours: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 24 }),
        /** How often running scan tasks are checked for arrived inventories, offline agents and timeouts. */
        monitorIntervalMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
        /** A scan task's hosts are split into shards of this many, each a job any worker may take. */
        scanShardSize: Type.Integer({ minimum: 1, maximum: 20_000, default: 500 }),
        /** How often scan policies are checked for a due slot. */
        schedulerIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    images: Type.Object(
      {
        /** Images larger than this (compressed layers plus config) are not pulled: `image_oversized`. */
        maxImageSizeBytes: Type.Integer({ minimum: 1, default: 10 * 1024 ** 3 }),
        /** A running image scan task still unfinished after this long is stopped as timed out. */
        taskTimeoutHours: Type.Integer({ minimum: 1, maximum: 24 * 30, default: 24 }),
        /** Registries are synced again this often (0: only when asked). */
        registrySyncIntervalMinutes: Type.Integer({ minimum: 0, maximum: 7 * 24 * 60, default: 60 }),
        /** How long a local image scan waits for the agents' fresh reports. */
        localReportTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
      },
      { additionalProperties: false, default: {} },
    ),
    vulndb: Type.Object(
      {
        /** `serve`/`worker` update the vulnerability DB this often, and at start when it is older (0: never; `openhss db update` by hand). */
        updateIntervalHours: Type.Integer({ minimum: 0, maximum: 24 * 30, default: 12 }),
        /** Fetch every feed from `<mirrorUrl>/<host><path>` instead of upstream (empty: upstream). */
        mirrorUrl: Type.String({ default: '', pattern: '^(|https?://.+)$' }),
      },
      { additionalProperties: false, default: {} },
    ),
    exports: Type.Object(
      {
        /** Export files are deleted this long after they were made. */
        retentionDays: Type.Integer({ minimum: 1, maximum: 365, default: 7 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where export files are kept, so every process can serve them (docs/file-storage.md). */
    files: Type.Object(
      {
        /** '' picks the database's own: `local` (the data directory) with SQLite, `postgres` with PostgreSQL. */
        store: Type.Enum(['', 'local', 'postgres', 's3'], { default: '' }),
        s3: Type.Object(
          {
            /** Empty: AWS's own endpoint for the region; otherwise http(s)://host[:port] of an S3-compatible store. */
            endpoint: Type.String({ default: '', pattern: '^(|https?://.+)$' }),
            bucket: Type.String({ default: '' }),
            region: Type.String({ default: 'us-east-1', minLength: 1 }),
            /** Key names start with this (a "folder" of the bucket). */
            prefix: Type.String({ default: 'openhss/' }),
            accessKeyId: Type.String({ default: '' }),
            /** Plain, or sealed with the master key by `openhss files seal-secret` (`sealed:v1.…`). Never logged. */
            secretAccessKey: Type.String({ default: '' }),
            /** Path-style addressing (http://host/bucket/key), as MinIO and most self-hosted stores want. */
            forcePathStyle: Type.Boolean({ default: false }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

type Kind = 'string' | 'integer' | 'boolean';

/** Environment variable → config path. The only list of environment settings. */
export const envBindings: ReadonlyArray<{ env: string; path: string; kind: Kind; description: string }> = [
  { env: 'OPENHSS_HOST', path: 'server.host', kind: 'string', description: 'Address to listen on' },
  { env: 'OPENHSS_PORT', path: 'server.port', kind: 'integer', description: 'Port to listen on (0 picks a free one)' },
  { env: 'OPENHSS_BODY_LIMIT_BYTES', path: 'server.bodyLimitBytes', kind: 'integer', description: 'Largest request body accepted' },
  { env: 'OPENHSS_SHUTDOWN_TIMEOUT_SECONDS', path: 'server.shutdownTimeoutSeconds', kind: 'integer', description: 'How long SIGTERM waits for requests and jobs in flight' },
  { env: 'OPENHSS_TRUST_PROXY', path: 'server.trustProxy', kind: 'boolean', description: 'Trust X-Forwarded-* headers from a reverse proxy' },
  { env: 'OPENHSS_DATA_DIR', path: 'dataDir', kind: 'string', description: 'Directory for the SQLite file, the generated master key and files' },
  { env: 'OPENHSS_DATABASE_URL', path: 'database.url', kind: 'string', description: 'Empty for embedded SQLite, or postgres://user@host:port/db' },
  { env: 'OPENHSS_DATABASE_SCHEMA', path: 'database.schema', kind: 'string', description: 'PostgreSQL schema for openhss tables' },
  { env: 'OPENHSS_DATABASE_POOL_SIZE', path: 'database.poolSize', kind: 'integer', description: 'PostgreSQL connection pool size' },
  { env: 'OPENHSS_LOG_LEVEL', path: 'log.level', kind: 'string', description: 'fatal, error, warn, info, debug, trace or silent' },
  { env: 'OPENHSS_MASTER_KEY', path: 'security.masterKey', kind: 'string', description: 'Base64 32-byte key for token signing and secret encryption' },
  { env: 'OPENHSS_TOKEN_TTL_SECONDS', path: 'security.tokenTtlSeconds', kind: 'integer', description: 'Lifetime of issued tokens' },
  { env: 'OPENHSS_SIGNATURE_MAX_SKEW_SECONDS', path: 'security.signatureMaxSkewSeconds', kind: 'integer', description: 'Largest X-Sdk-Date clock difference accepted' },
  { env: 'OPENHSS_QUEUE_IN_PROCESS_WORKERS', path: 'queue.inProcessWorkers', kind: 'boolean', description: 'Run job workers inside `openhss serve`' },
  { env: 'OPENHSS_QUEUE_CONCURRENCY', path: 'queue.concurrency', kind: 'integer', description: 'Jobs a process runs at once' },
  { env: 'OPENHSS_QUEUE_LEASE_SECONDS', path: 'queue.leaseSeconds', kind: 'integer', description: 'How long a job stays claimed without a heartbeat' },
  { env: 'OPENHSS_QUEUE_POLL_INTERVAL_MS', path: 'queue.pollIntervalMs', kind: 'integer', description: 'How often an idle worker looks for jobs' },
  { env: 'OPENHSS_AGENT_OFFLINE_AFTER_SECONDS', path: 'hosts.offlineAfterSeconds', kind: 'integer', description: 'An agent silent this long is offline' },
  { env: 'OPENHSS_AGENT_POLL_WAIT_SECONDS', path: 'hosts.pollWaitSeconds', kind: 'integer', description: 'Long-poll wait agents use' },
  { env: 'OPENHSS_AGENT_INVENTORY_INTERVAL_SECONDS', path: 'hosts.inventoryIntervalSeconds', kind: 'integer', description: 'How often agents upload unasked' },
  { env: 'OPENHSS_SCAN_INVENTORY_MAX_AGE_SECONDS', path: 'hosts.inventoryMaxAgeSeconds', kind: 'integer', description: 'Stored inventories this fresh are scanned without asking the agent' },
  { env: 'OPENHSS_SCAN_INVENTORY_TIMEOUT_SECONDS', path: 'hosts.inventoryTimeoutSeconds', kind: 'integer', description: 'How long a host scan waits for the agent' },
  { env: 'OPENHSS_ENROLMENT_TOKEN_TTL_HOURS', path: 'hosts.enrolmentTokenTtlHours', kind: 'integer', description: 'Lifetime of agent enrolment tokens' },
  { env: 'OPENHSS_SCAN_MONITOR_INTERVAL_MS', path: 'hosts.monitorIntervalMs', kind: 'integer', description: 'How often running scan tasks are checked' },
  { env: 'OPENHSS_SCAN_SHARD_SIZE', path: 'hosts.scanShardSize', kind: 'integer', description: 'Hosts per scan shard (one job each, taken by any worker)' },
  { env: 'OPENHSS_SCHEDULER_INTERVAL_SECONDS', path: 'hosts.schedulerIntervalSeconds', kind: 'integer', description: 'How often scan policies are checked for a due slot' },
  { env: 'OPENHSS_IMAGE_MAX_SIZE_BYTES', path: 'images.maxImageSizeBytes', kind: 'integer', description: 'Larger images are not pulled (image_oversized)' },
  { env: 'OPENHSS_IMAGE_TASK_TIMEOUT_HOURS', path: 'images.taskTimeoutHours', kind: 'integer', description: 'Image scan tasks running longer are stopped as timed out' },
  { env: 'OPENHSS_REGISTRY_SYNC_INTERVAL_MINUTES', path: 'images.registrySyncIntervalMinutes', kind: 'integer', description: 'Registries are synced again this often (0: only when asked)' },
  { env: 'OPENHSS_LOCAL_IMAGE_REPORT_TIMEOUT_SECONDS', path: 'images.localReportTimeoutSeconds', kind: 'integer', description: 'How long a local image scan waits for agents' },
  { env: 'OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS', path: 'vulndb.updateIntervalHours', kind: 'integer', description: 'Update the vulnerability DB this often, and at start when older (0: off)' },
  { env: 'OPENHSS_VULNDB_MIRROR_URL', path: 'vulndb.mirrorUrl', kind: 'string', description: 'Fetch vulnerability feeds from <url>/<host><path> instead of upstream' },
  { env: 'OPENHSS_EXPORT_RETENTION_DAYS', path: 'exports.retentionDays', kind: 'integer', description: 'Export files are deleted after this many days' },
  { env: 'OPENHSS_FILE_STORE', path: 'files.store', kind: 'string', description: "Where export files are kept: local, postgres or s3 (empty: the database's own)" },
  { env: 'OPENHSS_S3_ENDPOINT', path: 'files.s3.endpoint', kind: 'string', description: 'S3-compatible endpoint URL (empty: AWS)' },
  { env: 'OPENHSS_S3_BUCKET', path: 'files.s3.bucket', kind: 'string', description: 'S3 bucket for export files' },
  { env: 'OPENHSS_S3_REGION', path: 'files.s3.region', kind: 'string', description: 'S3 region' },
  { env: 'OPENHSS_S3_PREFIX', path: 'files.s3.prefix', kind: 'string', description: 'Prefix of every key openhss writes to the bucket' },
  { env: 'OPENHSS_S3_ACCESS_KEY_ID', path: 'files.s3.accessKeyId', kind: 'string', description: 'S3 access key id' },
  { env: 'OPENHSS_S3_SECRET_ACCESS_KEY', path: 'files.s3.secretAccessKey', kind: 'string', description: 'S3 secret key, plain or sealed by `openhss files seal-secret`' },
  { env: 'OPENHSS_S3_FORCE_PATH_STYLE', path: 'files.s3.forcePathStyle', kind: 'boolean', description: 'Path-style S3 addressing (MinIO and most self-hosted stores)' },
];

/** The environment variable naming an optional YAML or JSON config file. */
export const CONFIG_FILE_ENV = 'OPENHSS_CONFIG';
