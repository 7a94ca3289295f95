/**
 * The vulnerability DB's own SQLite schema (a file apart from the service DB).
 *
 * The DB is a derived artifact, rebuilt from its feeds: a schema change bumps
 * SCHEMA_VERSION, and `update`/`importPath` rebuild a file of another version
 * from scratch (readers refuse it with a message saying so). No in-place migrations.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_DDL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE feeds (
  name          TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  url           TEXT,
  etag          TEXT,
  last_modified TEXT,
  sha256        TEXT,
  bytes         INTEGER,
  fetched_at    TEXT,
  imported_at   TEXT NOT NULL,
  records       INTEGER NOT NULL,
  affected      INTEGER NOT NULL,
  skipped       INTEGER NOT NULL,
  warnings      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE advisories (
  uid             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL,
  source          TEXT NOT NULL,
  feed            TEXT NOT NULL,
  published       TEXT,
  modified        TEXT,
  summary         TEXT,
  url             TEXT,
  severity        TEXT,
  severity_source TEXT,
  cvss_version    TEXT,
  cvss_vector     TEXT,
  cvss_score      REAL,
  kev             INTEGER NOT NULL DEFAULT 0,
  kev_date_added  TEXT,
  UNIQUE (source, id)
);
CREATE INDEX advisories_by_id ON advisories (id);
CREATE INDEX advisories_by_feed ON advisories (feed);

CREATE TABLE aliases (
  advisory_uid INTEGER NOT NULL REFERENCES advisories (uid),
  alias        TEXT NOT NULL,
  kind         TEXT NOT NULL,
  PRIMARY KEY (advisory_uid, alias)
) WITHOUT ROWID;
CREATE INDEX aliases_by_alias ON aliases (alias);

CREATE TABLE affected (
  id           INTEGER PRIMARY KEY,
  advisory_uid INTEGER NOT NULL REFERENCES advisories (uid),
  ecosystem    TEXT NOT NULL,
  package      TEXT NOT NULL,
  purl         TEXT,
  status       TEXT NOT NULL,
  status_note  TEXT,
  severity     TEXT,
  severity_raw TEXT
);
CREATE INDEX affected_by_package ON affected (ecosystem, package);
CREATE INDEX affected_by_advisory ON affected (advisory_uid);

CREATE TABLE range_events (
  affected_id INTEGER NOT NULL REFERENCES affected (id),
  range_no    INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  range_type  TEXT NOT NULL,
  event       TEXT NOT NULL,
  version     TEXT NOT NULL,
  PRIMARY KEY (affected_id, range_no, seq)
) WITHOUT ROWID;

CREATE TABLE affected_versions (
  affected_id INTEGER NOT NULL REFERENCES affected (id),
  version     TEXT NOT NULL,
  PRIMARY KEY (affected_id, version)
) WITHOUT ROWID;

CREATE TABLE kev (
  cve_id           TEXT PRIMARY KEY,
  date_added       TEXT NOT NULL,
  due_date         TEXT,
  vendor           TEXT,
  product          TEXT,
  name             TEXT,
  known_ransomware TEXT
) WITHOUT ROWID;
`;

/** Kysely view of the tables (used for status and lookups that are not on the hot path). */
export interface MetaTable {
  key: string;
  value: string;
}
export interface FeedsTable {
  name: string;
  kind: string;
  url: string | null;
  etag: string | null;
  last_modified: string | null;
  sha256: string | null;
  bytes: number | null;
  fetched_at: string | null;
  imported_at: string;
  records: number;
  affected: number;
  skipped: number;
  warnings: string;
}
export interface AdvisoriesTable {
  uid: number;
  id: string;
  source: string;
  feed: string;
  published: string | null;
  modified: string | null;
  summary: string | null;
  url: string | null;
  severity: string | null;
  severity_source: string | null;
  cvss_version: string | null;
  cvss_vector: string | null;
  cvss_score: number | null;
  kev: number;
  kev_date_added: string | null;
}
export interface AliasesTable {
  advisory_uid: number;
  alias: string;
  kind: string;
}
export interface AffectedTable {
  id: number;
  advisory_uid: number;
  ecosystem: string;
  package: string;
  purl: string | null;
  status: string;
  status_note: string | null;
  severity: string | null;
  severity_raw: string | null;
}
export interface RangeEventsTable {
  affected_id: number;
  range_no: number;
  seq: number;
  range_type: string;
  event: string;
  version: string;
}
export interface AffectedVersionsTable {
  affected_id: number;
  version: string;
}
export interface KevTable {
  cve_id: string;
  date_added: string;
  due_date: string | null;
  vendor: string | null;
  product: string | null;
  name: string | null;
  known_ransomware: string | null;
}
export interface VulnDbTables {
  meta: MetaTable;
  feeds: FeedsTable;
  advisories: AdvisoriesTable;
  aliases: AliasesTable;
  affected: AffectedTable;
  range_events: RangeEventsTable;
  affected_versions: AffectedVersionsTable;
  kev: KevTable;
}
