import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/connect.js';
import type { DB } from '../db/schema.js';
import type { VulInfo } from '../domain/host-vul.js';
import { newPostings } from './vul-host-postings.js';
import { packInserts } from './host-vul-packing.js';
import { bumpVersion, compactTotals, countRows, rowsOfPairs, SEEN_INSERT, seenUpsert, TOTALS_INSERT, TOTALS_UPSERT, countChanges, totalsHosts, type CountedState, type HostTotalsKey } from './vul-totals.js';
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
  /** The project of every host in the batch. */
  projectId: string;
  /** The vulnerabilities the batch's matched hosts have (their scan_time becomes `now`). */
  seen: number[];
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
  /** Affect severities read so far: an affect's key hashes its severity in, so a seq's severity never changes. */
  private readonly severities = new Map<number, string>();

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
      // The totals are counted from the rows' states before the batch and the hosts' keys (vul-totals.ts).
      for (const a of b.affects) this.severities.set(a.seq, a.severity);
      // The hosts are locked (shared) first: a change of their asset value or enterprise project waits for this batch, or this batch for it.
      const hostSeqs = totalsHosts(b);
      const hostKeys = new Map<number, HostTotalsKey>();
      for (let i = 0; i < hostSeqs.length; i += 5_000) {
        const rows = await tx
          .selectFrom('hosts')
          .select(['seq', 'project_id', 'enterprise_project_id', 'asset_value'])
          .where('seq', 'in', hostSeqs.slice(i, i + 5_000))
          .orderBy('seq')
          .forShare()
          .execute();
        for (const r of rows) hostKeys.set(Number(r.seq), { projectId: r.project_id, enterpriseProjectId: r.enterprise_project_id, assetValue: r.asset_value });
      }
      // What the updated and deleted rows are now, locked until the commit (a user's handling in between waits for this batch).
      const touched = [...b.updates, ...b.deletes];
      const before = new Map<string, CountedState>();
      for (let i = 0; i < touched.length; i += 20_000) {
        const c = touched.slice(i, i + 20_000);
        const rows = await sql<{ host_seq: string; vul_seq: string; affect_seq: string; kind: number; status: number }>`select h.host_seq, h.vul_seq, h.affect_seq, h.kind, h.status
          from host_vuls h join unnest(${ints(c, (x) => x.hostSeq)}::bigint[], ${ints(c, (x) => x.vulSeq)}::bigint[]) as k(host_seq, vul_seq)
            on h.host_seq = k.host_seq and h.vul_seq = k.vul_seq
          order by h.host_seq, h.vul_seq for update of h`.execute(tx);
        for (const r of rows.rows) before.set(`${r.host_seq}:${r.vul_seq}`, { affectSeq: Number(r.affect_seq), kind: r.kind, status: r.status });
      }
      const unknown = [...new Set([...b.inserts, ...b.updates].map((r) => r.affectSeq).concat([...before.values()].map((r) => r.affectSeq)))].filter((seq) => !this.severities.has(seq));
      for (let i = 0; i < unknown.length; i += 5_000) {
        const rows = await tx.selectFrom('vul_affects').select(['seq', 'severity']).where('seq', 'in', unknown.slice(i, i + 5_000)).execute();
        for (const r of rows) this.severities.set(Number(r.seq), r.severity);
      }
      const deltas = countChanges(b, (seq) => hostKeys.get(seq), (seq) => this.severities.get(seq) ?? '', (h, v) => before.get(`${h}:${v}`));
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
      // Each host's kept counts move by what the batch changed (not recounted from its rows).
      if (deltas.hosts.size > 0) {
        const h = [...deltas.hosts].sort((a, b) => a[0] - b[0]);
        await sql`update hosts set vul_critical_num = vul_critical_num + d.c, vul_high_num = vul_high_num + d.h, vul_medium_num = vul_medium_num + d.m,
            vul_low_num = vul_low_num + d.l, vul_handled_num = vul_handled_num + d.x, vul_kev_num = vul_kev_num + d.k
          from unnest(${ints(h, (x) => x[0])}::bigint[], ${ints(h, (x) => x[1][0])}::int[], ${ints(h, (x) => x[1][1])}::int[], ${ints(h, (x) => x[1][2])}::int[],
            ${ints(h, (x) => x[1][3])}::int[], ${ints(h, (x) => x[1][4])}::int[], ${ints(h, (x) => x[1][5])}::int[]) as d(seq, c, h, m, l, x, k)
          where hosts.seq = d.seq`.execute(tx);
      }
      const { perHost } = batchChanges(b);
      if (perHost.length > 0) {
        await sql`${sql.raw(HOST_DAY_COUNT_INSERT)} select h.project_id, h.enterprise_project_id, ${Math.floor(b.now / DAY_MS)}::bigint, sum(d.added), sum(d.gone)
          from unnest(${col(perHost, (x) => x.hostSeq)}::bigint[], ${col(perHost, (x) => x.added)}::int[], ${col(perHost, (x) => x.gone)}::int[]) as d(host_seq, added, gone)
          join hosts h on h.seq = d.host_seq group by h.project_id, h.enterprise_project_id ${sql.raw(HOST_DAY_COUNT_ADD)}`.execute(tx);
      }
      // Last, so the rows shared with other writers of the project stay locked only until the commit just after.
      if (b.seen.length > 0) {
        await sql`${sql.raw(SEEN_INSERT)} select ${b.projectId}, s, ${b.now}::bigint from unnest(${ints(b.seen, (x) => x)}::bigint[]) as s order by s ${sql.raw(seenUpsert(true))}`.execute(tx);
      }
      if (deltas.totals.length > 0) {
        const d = deltas.totals;
        await sql`${sql.raw(TOTALS_INSERT)} select * from unnest(${col(d, (x) => x.projectId)}::text[], ${ints(d, (x) => x.vulSeq)}::bigint[], ${col(d, (x) => x.enterpriseProjectId)}::text[],
            ${col(d, (x) => x.assetValue)}::text[], ${ints(d, (x) => x.kind)}::int[], ${col(d, (x) => x.severity)}::text[], ${ints(d, (x) => x.status)}::int[], ${ints(d, (x) => x.n)}::bigint[])
          ${sql.raw(TOTALS_UPSERT)}`.execute(tx);
      }
      await bumpVersion(tx, [b.projectId]);
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
    const postgres = this.database.dialect === 'postgres';
    const sorted = [...pairs].sort((a, b) => a.hostSeq - b.hostSeq || a.vulSeq - b.vulSeq);
    const chunks: Array<typeof sorted> = [];
    for (let i = 0; i < sorted.length; i += CHUNK) chunks.push(sorted.slice(i, i + CHUNK));
    const rowsOf = (chunk: typeof sorted) => sql<boolean>`${rowsOfPairs(chunk)} and h.project_id = ${projectId}`;
    await this.db.transaction().execute(async (tx) => {
      // The rows' counts move from their old status to the new one (vul-totals.ts); on PostgreSQL the rows are locked first, so a scan batch writing them waits or is waited for.
      for (const chunk of chunks) {
        if (postgres) await sql`select v.host_seq from host_vuls v where ${rowsOfPairs(chunk)} order by v.host_seq, v.vul_seq for update`.execute(tx);
        await countRows(tx, -1, rowsOf(chunk));
      }
      for (const pair of sorted) {
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
      for (const chunk of chunks) await countRows(tx, 1, rowsOf(chunk));
      // Handling moves findings between open and handled: the hosts' counts follow in the same transaction.
      if (changed > 0) await recountHosts(tx, [...new Set(pairs.map((p) => p.hostSeq))]);
      await compactTotals(tx, projectId);
      await bumpVersion(tx, [projectId]);
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
