import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/connect.js';
import type { DB } from '../db/schema.js';
import type { VulInfo } from '../domain/host-vul.js';
import { newPostings } from './vul-host-postings.js';
import { packInserts } from './host-vul-packing.js';
import { batchChanges, DAY_MS, HOST_COUNT_COLUMNS, HOST_COUNT_SELECT, HOST_DAY_COUNT_ADD, HOST_DAY_COUNT_INSERT } from './host-vul-counts.js';

const CHUNK = 500;

/** The columns that decide what a re-scan does with an existing row. */
export interface HostVulState {
  vulSeq: number;
  affectSeq: number;
  kind: number;
  status: number;
  handledFingerprint: number | null;
}

export interface NewHostVul extends HostVulState {
  hostSeq: number;
  firstScanTime: number;
}

export interface HostVulUpdate extends HostVulState {
  hostSeq: number;
  /** The handling changed: its remark no longer applies. */
  clearRemark: boolean;
}

/** One vulnerability in one set of package versions, shared by the hosts that have it. */
export interface VulAffect {
  seq: number;
  vulSeq: number;
  vulType: string;
  severity: string;
  /** JSON AffectedApp[]. */
  packages: string;
  fingerprint: number;
}

export interface HostVulWrite {
  inserts: NewHostVul[];
  updates: HostVulUpdate[];
  deletes: Array<{ hostSeq: number; vulSeq: number }>;
  affects: VulAffect[];
  infos: Array<VulInfo & { seq: number }>;
  /**
   * Hosts scanned in this batch: `last_scan_at` becomes `now`; a non-null state records what they were matched from,
   * with `matchGap`, why their OS packages could not be matched (null: they were). A null state keeps both.
   */
  scanned: Array<{ hostSeq: number; matchedState: string | null; matchGap?: string | null }>;
  now: number;
}

/** Writes a batch of host vulnerability changes in one transaction, as fast as the database allows. */
export interface BulkWriter {
  write(batch: HostVulWrite): Promise<void>;
  close(): void;
}

/**
 * SQLite: the writes run on a worker thread (sqlite-host-vul-worker.ts) with
 * a connection of its own, so the next batch is matched on the main thread
 * while this one is written, and the write's transaction cannot interleave
 * with the service's own Kysely transactions.
 */
class ThreadedSqliteWriter implements BulkWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(file: string) {
    // Under tsx (tests, benchmarks) the worker module is TypeScript, and tsx must be registered inside the worker too.
    const typescript = import.meta.url.endsWith('.ts');
    const entry = new URL(typescript ? './sqlite-host-vul-worker.ts' : './sqlite-host-vul-worker.js', import.meta.url).href;
    const bootstrap = `const { workerData } = require('node:worker_threads');
      (async () => { if (workerData.typescript) (await import('tsx/esm/api')).register(); await import(workerData.entry); })();`;
    this.worker = new Worker(bootstrap, { eval: true, workerData: { entry, typescript, file } });
    this.worker.on('message', (m: { id: number; error?: string }) => {
      const waiter = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.error) waiter?.reject(new Error(`writing host vulnerabilities: ${m.error}`));
      else waiter?.resolve();
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the host vulnerability writer thread stopped')));
    // An idle writer does not keep the process alive; one with writes in flight does.
    this.worker.unref();
  }

  write(batch: HostVulWrite): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // Inserts (most of a fleet scan's rows) cross to the thread as one typed array, moved rather than cloned object by object.
    const packed = packInserts(batch.inserts);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, batch: { ...batch, inserts: [] }, packed }, [packed.buffer as ArrayBuffer]);
    });
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** PostgreSQL: one statement per kind of change, the rows passed as arrays and expanded with unnest. */
class PostgresBulkWriter implements BulkWriter {
  constructor(private readonly db: Kysely<DB>) {}

  async write(b: HostVulWrite): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const col = <T, V>(rows: T[], pick: (row: T) => V) => rows.map(pick);
      // Integer columns go as one array literal each: pg's own array encoding quotes and escapes every element, which costs this thread more than matching does.
      const ints = <T>(rows: T[], pick: (row: T) => number | null) => {
        let text = '{';
        for (let i = 0; i < rows.length; i++) {
          const v = pick(rows[i]!);
          text += (i === 0 ? '' : ',') + (v === null ? 'NULL' : String(v));
        }
        return text + '}';
      };
      if (b.infos.length > 0) {
        const i = b.infos;
        await sql`insert into vul_info (vul_id, seq, title, description, url, severity, cvss_score, cve_ids, kev, data_source, updated_at)
          select *, ${b.now}::bigint from unnest(${col(i, (v) => v.vulId)}::text[], ${col(i, (v) => v.seq)}::bigint[], ${col(i, (v) => v.title)}::text[],
            ${col(i, (v) => v.description)}::text[], ${col(i, (v) => v.url)}::text[], ${col(i, (v) => v.severity)}::text[], ${col(i, (v) => v.cvssScore)}::real[],
            ${col(i, (v) => JSON.stringify(v.cveIds))}::text[], ${col(i, (v) => (v.kev ? 1 : 0))}::int[], ${col(i, (v) => v.dataSource)}::text[])
          on conflict (vul_id) do update set title = excluded.title, description = excluded.description, url = excluded.url, severity = excluded.severity,
            cvss_score = excluded.cvss_score, cve_ids = excluded.cve_ids, kev = excluded.kev, data_source = excluded.data_source, updated_at = excluded.updated_at`.execute(tx);
      }
      if (b.affects.length > 0) {
        const a = b.affects;
        await sql`insert into vul_affects (seq, vul_seq, vul_type, severity, packages, fingerprint)
          select * from unnest(${col(a, (r) => r.seq)}::bigint[], ${col(a, (r) => r.vulSeq)}::bigint[], ${col(a, (r) => r.vulType)}::text[],
            ${col(a, (r) => r.severity)}::text[], ${col(a, (r) => r.packages)}::text[], ${col(a, (r) => r.fingerprint)}::bigint[])
          on conflict (seq) do nothing`.execute(tx);
      }
      for (let i = 0; i < b.inserts.length; i += 20_000) {
        const r = b.inserts.slice(i, i + 20_000);
        await sql`insert into host_vuls (host_seq, vul_seq, affect_seq, kind, status, handled_fingerprint, first_scan_time)
          select * from unnest(${ints(r, (x) => x.hostSeq)}::bigint[], ${ints(r, (x) => x.vulSeq)}::bigint[], ${ints(r, (x) => x.affectSeq)}::bigint[],
            ${ints(r, (x) => x.kind)}::int[], ${ints(r, (x) => x.status)}::int[], ${ints(r, (x) => x.handledFingerprint)}::bigint[], ${ints(r, (x) => x.firstScanTime)}::bigint[])`.execute(tx);
      }
      if (b.inserts.length > 0) {
        const postings = [...newPostings(b.inserts)];
        await sql`insert into vul_host_postings (vul_seq, host_seqs)
          select v, h::bigint[] from unnest(${ints(postings, (p) => p[0])}::bigint[], ${postings.map((p) => `{${p[1].join(',')}}`)}::text[]) as p(v, h)`.execute(tx);
      }
      if (b.updates.length > 0) {
        const u = b.updates;
        await sql`update host_vuls h set affect_seq = u.affect_seq, kind = u.kind, status = u.status, handled_fingerprint = u.handled_fingerprint,
            remark = case when u.clear_remark then null else h.remark end
          from unnest(${ints(u, (x) => x.hostSeq)}::bigint[], ${ints(u, (x) => x.vulSeq)}::bigint[], ${ints(u, (x) => x.affectSeq)}::bigint[], ${ints(u, (x) => x.kind)}::int[],
            ${ints(u, (x) => x.status)}::int[], ${ints(u, (x) => x.handledFingerprint)}::bigint[], ${col(u, (x) => x.clearRemark)}::boolean[])
            as u(host_seq, vul_seq, affect_seq, kind, status, handled_fingerprint, clear_remark)
          where h.host_seq = u.host_seq and h.vul_seq = u.vul_seq`.execute(tx);
      }
      if (b.deletes.length > 0) {
        const d = b.deletes;
        await sql`delete from host_vuls h using unnest(${ints(d, (x) => x.hostSeq)}::bigint[], ${ints(d, (x) => x.vulSeq)}::bigint[]) as d(host_seq, vul_seq)
          where h.host_seq = d.host_seq and h.vul_seq = d.vul_seq`.execute(tx);
      }
      if (b.scanned.length > 0) {
        const h = b.scanned;
        await sql`update hosts set last_scan_at = ${b.now}::bigint, matched_state = coalesce(s.matched_state, hosts.matched_state),
            match_gap = case when s.matched_state is null then hosts.match_gap else s.match_gap end
          from unnest(${col(h, (x) => x.hostSeq)}::bigint[], ${col(h, (x) => x.matchedState)}::text[], ${col(h, (x) => x.matchGap ?? null)}::text[]) as s(host_seq, matched_state, match_gap)
          where hosts.seq = s.host_seq`.execute(tx);
      }
      const { changed, perHost } = batchChanges(b);
      if (changed.length > 0) await recountHosts(tx, changed);
      if (perHost.length > 0) {
        await sql`${sql.raw(HOST_DAY_COUNT_INSERT)} select h.project_id, h.enterprise_project_id, ${Math.floor(b.now / DAY_MS)}::bigint, sum(d.added), sum(d.gone)
          from unnest(${col(perHost, (x) => x.hostSeq)}::bigint[], ${col(perHost, (x) => x.added)}::int[], ${col(perHost, (x) => x.gone)}::int[]) as d(host_seq, added, gone)
          join hosts h on h.seq = d.host_seq group by h.project_id, h.enterprise_project_id ${sql.raw(HOST_DAY_COUNT_ADD)}`.execute(tx);
      }
    });
  }

  close(): void {}
}

/** Recomputes the per-host counts (host-vul-counts.ts) of the given hosts from their rows. */
async function recountHosts(db: Kysely<DB>, hostSeqs: number[]): Promise<void> {
  for (let i = 0; i < hostSeqs.length; i += CHUNK) {
    const seqs = hostSeqs.slice(i, i + CHUNK);
    await sql`update hosts set (${sql.raw(HOST_COUNT_COLUMNS)}) = (${sql.raw(HOST_COUNT_SELECT)}) where seq in (${sql.join(seqs)})`.execute(db);
  }
}

/** Host vulnerabilities: the rows matching writes, and the handling decisions users make on them. */
export class HostVulRepository {
  private writer: BulkWriter | undefined;

  constructor(private readonly database: Database) {}

  private get db(): Kysely<DB> {
    return this.database.db;
  }

  async statesFor(hostSeqs: number[]): Promise<Map<number, Map<number, HostVulState>>> {
    const out = new Map<number, Map<number, HostVulState>>();
    for (const seq of hostSeqs) out.set(seq, new Map());
    for (let i = 0; i < hostSeqs.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('host_vuls')
        .select(['host_seq', 'vul_seq', 'affect_seq', 'kind', 'status', 'handled_fingerprint'])
        .where('host_seq', 'in', hostSeqs.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        out.get(Number(r.host_seq))!.set(Number(r.vul_seq), {
          vulSeq: Number(r.vul_seq),
          affectSeq: Number(r.affect_seq),
          kind: r.kind,
          status: r.status,
          handledFingerprint: r.handled_fingerprint === null ? null : Number(r.handled_fingerprint),
        });
      }
    }
    return out;
  }

  async write(batch: HostVulWrite): Promise<void> {
    this.writer ??= this.database.dialect === 'sqlite' ? new ThreadedSqliteWriter(this.database.sqliteFile!) : new PostgresBulkWriter(this.db);
    await this.writer.write(batch);
  }

  /**
   * Sets the handling status of (host, vulnerability) pairs of a project;
   * returns how many rows changed. A decision tied to the packages records
   * their fingerprint, so a re-scan can tell when they changed.
   */
  async setStatus(projectId: string, pairs: Array<{ hostSeq: number; vulSeq: number }>, status: number, remark: string | null, tied: boolean): Promise<number> {
    let changed = 0;
    await this.db.transaction().execute(async (tx) => {
      for (const pair of pairs) {
        const result = await tx
          .updateTable('host_vuls')
          .set((eb) => ({
            status,
            remark,
            handled_fingerprint: tied ? eb.selectFrom('vul_affects').select('fingerprint').whereRef('vul_affects.seq', '=', 'host_vuls.affect_seq') : sql<null>`null`,
          }))
          .where('host_seq', '=', pair.hostSeq)
          .where('vul_seq', '=', pair.vulSeq)
          .where((eb) => eb.exists(eb.selectFrom('hosts').select('hosts.id').whereRef('hosts.seq', '=', 'host_vuls.host_seq').where('hosts.project_id', '=', projectId)))
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
      // Handling moves findings between open and handled: the hosts' counts follow in the same transaction.
      if (changed > 0) await recountHosts(tx, [...new Set(pairs.map((p) => p.hostSeq))]);
    });
    return changed;
  }

  async exists(projectId: string, hostSeq: number, vulSeq: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('host_vuls')
      .innerJoin('hosts', 'hosts.seq', 'host_vuls.host_seq')
      .select('host_vuls.vul_seq')
      .where('host_vuls.host_seq', '=', hostSeq)
      .where('host_vuls.vul_seq', '=', vulSeq)
      .where('hosts.project_id', '=', projectId)
      .executeTakeFirst();
    return row !== undefined;
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}
