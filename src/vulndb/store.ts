/**
 * Opening the vulnerability DB and writing to it.
 *
 * Writes use raw better-sqlite3 prepared statements, not Kysely: an import runs millions of
 * small inserts inside one transaction, and prepared statements run synchronously at a few
 * microseconds each, where Kysely would compile every query and go through a promise per row.
 * Reads that are not on a hot path (status) use Kysely; see status.ts and reader.ts.
 */
import SQLite from 'better-sqlite3';
import { SCHEMA_DDL, SCHEMA_VERSION } from './schema.js';
import type { AdvisoryInput, AffectedInput, AliasKind, FeedImportResult, FeedKind } from './types.js';

export type SqliteDb = SQLite.Database;

export class VulnDbSchemaError extends Error {
  constructor(
    readonly file: string,
    readonly found: number | null,
  ) {
    super(
      found === null
        ? `${file} is not an openhss vulnerability DB; run "openhss db update" or "openhss db import" to build one`
        : `${file} has vulnerability DB schema v${found}, this openhss reads v${SCHEMA_VERSION}; run "openhss db update" to rebuild it`,
    );
    this.name = 'VulnDbSchemaError';
  }
}

/** The schema version recorded in an open DB, or null when it has no meta table. */
export function schemaVersionOf(db: SqliteDb): number | null {
  const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'meta'").get();
  if (!table) return null;
  const row = db.prepare("select value from meta where key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : null;
}

/** Opens an existing DB read-only and checks its schema version. */
export function openVulnDbReadonly(file: string): SqliteDb {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const version = schemaVersionOf(db);
    if (version !== SCHEMA_VERSION) throw new VulnDbSchemaError(file, version);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Creates the tables in an empty DB. */
export function createSchema(db: SqliteDb): void {
  db.exec(SCHEMA_DDL);
  db.prepare('insert into meta (key, value) values (?, ?)').run('schema_version', String(SCHEMA_VERSION));
}

/** Pragmas for a DB file that is being built and nobody else reads (see build.ts). */
export function tuneForBuild(db: SqliteDb): void {
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -65536');
  db.pragma('locking_mode = EXCLUSIVE');
}

export interface FeedRecord {
  name: string;
  kind: FeedKind;
  url: string | null;
  etag: string | null;
  lastModified: string | null;
  sha256: string | null;
  bytes: number | null;
  fetchedAt: string | null;
  importedAt: string;
  records: number;
  affected: number;
  skipped: number;
  warnings: Record<string, number>;
}

export interface KevEntry {
  cveId: string;
  dateAdded: string;
  dueDate: string | null;
  vendor: string | null;
  product: string | null;
  name: string | null;
  knownRansomware: string | null;
}

/** Prepared statements for everything an importer writes. Use inside a transaction. */
export class VulnDbWriter {
  private readonly s;

  constructor(readonly db: SqliteDb) {
    const p = (text: string) => db.prepare(text);
    this.s = {
      findAdvisory: p('select uid from advisories where source = ? and id = ?').pluck(),
      insertAdvisory: p(
        `insert into advisories (id, source, feed, published, modified, summary, url, severity, severity_source, cvss_version, cvss_vector, cvss_score)
         values (@id, @source, @feed, @published, @modified, @summary, @url, @severity, @severitySource, @cvssVersion, @cvssVector, @cvssScore)`,
      ),
      updateAdvisory: p(
        `update advisories set feed = @feed, published = @published, modified = @modified, summary = @summary, url = @url,
           severity = @severity, severity_source = @severitySource, cvss_version = @cvssVersion, cvss_vector = @cvssVector,
           cvss_score = @cvssScore, kev = 0, kev_date_added = null
         where uid = @uid`,
      ),
      deleteEventsOf: p('delete from range_events where affected_id in (select id from affected where advisory_uid = ?)'),
      deleteVersionsOf: p('delete from affected_versions where affected_id in (select id from affected where advisory_uid = ?)'),
      deleteAffectedOf: p('delete from affected where advisory_uid = ?'),
      deleteAliasesOf: p('delete from aliases where advisory_uid = ?'),
      deleteAdvisory: p('delete from advisories where uid = ?'),
      insertAlias: p('insert or ignore into aliases (advisory_uid, alias, kind) values (?, ?, ?)'),
      insertAffected: p(
        `insert into affected (advisory_uid, ecosystem, package, purl, status, status_note, severity, severity_raw)
         values (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertEvent: p('insert into range_events (affected_id, range_no, seq, range_type, event, version) values (?, ?, ?, ?, ?, ?)'),
      insertVersion: p('insert or ignore into affected_versions (affected_id, version) values (?, ?)'),
      feedEvents: p(
        'delete from range_events where affected_id in (select af.id from affected af join advisories a on a.uid = af.advisory_uid where a.feed = ?)',
      ),
      feedVersions: p(
        'delete from affected_versions where affected_id in (select af.id from affected af join advisories a on a.uid = af.advisory_uid where a.feed = ?)',
      ),
      feedAffected: p('delete from affected where advisory_uid in (select uid from advisories where feed = ?)'),
      feedAliases: p('delete from aliases where advisory_uid in (select uid from advisories where feed = ?)'),
      feedAdvisories: p('delete from advisories where feed = ?'),
      feedRow: p('delete from feeds where name = ?'),
      deleteKev: p('delete from kev'),
      insertKev: p(
        'insert or replace into kev (cve_id, date_added, due_date, vendor, product, name, known_ransomware) values (?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertFeed: p(
        `insert or replace into feeds (name, kind, url, etag, last_modified, sha256, bytes, fetched_at, imported_at, records, affected, skipped, warnings)
         values (@name, @kind, @url, @etag, @lastModified, @sha256, @bytes, @fetchedAt, @importedAt, @records, @affected, @skipped, @warnings)`,
      ),
      setMeta: p('insert or replace into meta (key, value) values (?, ?)'),
    };
  }

  /**
   * Writes an advisory (and its aliases) under `feed`. An advisory with the same source and id is
   * replaced whole: its affected entries and aliases are dropped first. Returns its uid.
   */
  putAdvisory(feed: string, a: AdvisoryInput): number {
    const row = {
      id: a.id,
      source: a.source,
      feed,
      published: a.published ?? null,
      modified: a.modified ?? null,
      summary: a.summary ?? null,
      url: a.url ?? null,
      severity: a.severity ?? null,
      severitySource: a.severitySource ?? null,
      cvssVersion: a.cvss?.version ?? null,
      cvssVector: a.cvss?.vector ?? null,
      cvssScore: a.cvss?.score ?? null,
    };
    const existing = this.s.findAdvisory.get(a.source, a.id) as number | undefined;
    let uid: number;
    if (existing === undefined) {
      uid = Number(this.s.insertAdvisory.run(row).lastInsertRowid);
    } else {
      uid = existing;
      this.clearChildren(uid);
      this.s.updateAdvisory.run({ ...row, uid });
    }
    for (const { alias, kind } of a.aliases ?? []) if (alias !== a.id) this.s.insertAlias.run(uid, alias, kind);
    return uid;
  }

  addAlias(uid: number, alias: string, kind: AliasKind): void {
    this.s.insertAlias.run(uid, alias, kind);
  }

  /** Adds one affected entry with its ranges and explicit versions. */
  addAffected(uid: number, a: AffectedInput): void {
    const id = Number(
      this.s.insertAffected.run(uid, a.ecosystem, a.package, a.purl ?? null, a.status, a.statusNote ?? null, a.severity ?? null, a.severityRaw ?? null)
        .lastInsertRowid,
    );
    a.ranges.forEach((range, rangeNo) => {
      range.events.forEach((event, seq) => this.s.insertEvent.run(id, rangeNo, seq, range.type, event.kind, event.version));
    });
    for (const version of a.versions) this.s.insertVersion.run(id, version);
  }

  /** Deletes one advisory (a withdrawn OSV record). Returns whether it existed. */
  deleteAdvisory(source: string, id: string): boolean {
    const uid = this.s.findAdvisory.get(source, id) as number | undefined;
    if (uid === undefined) return false;
    this.clearChildren(uid);
    this.s.deleteAdvisory.run(uid);
    return true;
  }

  /** Deletes everything a feed wrote (before it is imported again), and its feeds row. */
  deleteFeed(feed: string): void {
    this.s.feedEvents.run(feed);
    this.s.feedVersions.run(feed);
    this.s.feedAffected.run(feed);
    this.s.feedAliases.run(feed);
    this.s.feedAdvisories.run(feed);
    this.s.feedRow.run(feed);
  }

  /** Empties the KEV catalog (before a new one is imported). */
  clearKev(): void {
    this.s.deleteKev.run();
  }

  addKev(e: KevEntry): void {
    this.s.insertKev.run(e.cveId, e.dateAdded, e.dueDate, e.vendor, e.product, e.name, e.knownRansomware);
  }

  recordFeed(f: FeedRecord): void {
    this.s.upsertFeed.run({ ...f, warnings: JSON.stringify(f.warnings) });
  }

  /** A feed read from local files (import, demo): no HTTP validators to keep. */
  recordLocalFeed(result: FeedImportResult, url: string | null, importedAt: string): void {
    this.recordFeed({
      name: result.feed,
      kind: result.kind,
      url,
      etag: null,
      lastModified: null,
      sha256: null,
      bytes: null,
      fetchedAt: null,
      importedAt,
      records: result.records,
      affected: result.affected,
      skipped: result.skipped,
      warnings: result.warnings,
    });
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  /**
   * Derived data, recomputed after every build: the KEV flag of each advisory whose id, or one of
   * whose aliases or upstream ids, is in the KEV catalog (the earliest date when several are).
   */
  finalize(builtAt: Date): void {
    this.db.exec(`
      update advisories set kev = 0, kev_date_added = null where kev = 1;
      update advisories set kev = 1, kev_date_added = (select date_added from kev where cve_id = advisories.id)
        where id in (select cve_id from kev);
      update advisories set kev = 1, kev_date_added = (
          select min(k.date_added) from aliases al join kev k on k.cve_id = al.alias
          where al.advisory_uid = advisories.uid and al.kind in ('alias', 'upstream'))
        where kev = 0 and uid in (
          select al.advisory_uid from aliases al join kev k on k.cve_id = al.alias where al.kind in ('alias', 'upstream'));
    `);
    this.setMeta('built_at', builtAt.toISOString());
  }

  private clearChildren(uid: number): void {
    this.s.deleteEventsOf.run(uid);
    this.s.deleteVersionsOf.run(uid);
    this.s.deleteAffectedOf.run(uid);
    this.s.deleteAliasesOf.run(uid);
  }
}
