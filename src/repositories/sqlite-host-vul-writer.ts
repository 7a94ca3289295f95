import SQLite from 'better-sqlite3';
import type { HostVulWrite } from './host-vul-repository.js';
import { newPostings } from './vul-host-postings.js';
import { countChanges, HOST_COUNT_ADD, SEEN_INSERT, seenUpsert, TOTALS_INSERT, TOTALS_UPSERT, VERSION_BUMP, type HostTotalsKey } from './vul-totals.js';
import { batchChanges, DAY_MS, HOST_DAY_COUNT_ADD, HOST_DAY_COUNT_INSERT } from './host-vul-counts.js';

/**
 * Prepared statements on a connection of its own: a few hundred thousand
 * rows a second, each batch in one transaction. Runs on the writer thread.
 */
export function openSqliteHostVulWriter(file: string): { write(batch: HostVulWrite): void; close(): void } {
  const db = new SQLite(file);
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  // Millions of rows go into two B-trees: a larger page cache keeps their upper levels in memory.
  db.pragma('cache_size = -131072');
  const insert = db.prepare(
    'insert into host_vuls (host_seq, vul_seq, affect_seq, kind, status, handled_fingerprint, remark, first_scan_time) values (?, ?, ?, ?, ?, ?, null, ?)',
  );
  const update = db.prepare(
    'update host_vuls set affect_seq = ?, kind = ?, status = ?, handled_fingerprint = ?, remark = case when ? then null else remark end where host_seq = ? and vul_seq = ?',
  );
  const posting = db.prepare('insert into vul_host_postings (vul_seq, host_seqs) values (?, ?)');
  const remove = db.prepare('delete from host_vuls where host_seq = ? and vul_seq = ?');
  const scanned = db.prepare('update hosts set last_scan_at = ?, matched_state = coalesce(?, matched_state), match_gap = case when ? is null then match_gap else ? end where seq = ?');
  const affect = db.prepare('insert into vul_affects (seq, vul_seq, vul_type, severity, packages, fingerprint) values (?, ?, ?, ?, ?, ?) on conflict (seq) do nothing');
  const info = db.prepare(
    `insert into vul_info (vul_id, seq, title, description, url, severity, cvss_score, cve_ids, kev, data_source, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (vul_id) do update set title = excluded.title, description = excluded.description, url = excluded.url, severity = excluded.severity,
       cvss_score = excluded.cvss_score, cve_ids = excluded.cve_ids, kev = excluded.kev, data_source = excluded.data_source, updated_at = excluded.updated_at`,
  );
  const counts = db.prepare(`update hosts set ${HOST_COUNT_ADD} where seq = ?`);
  const dayCounts = db.prepare(`${HOST_DAY_COUNT_INSERT} select project_id, enterprise_project_id, @day, @added, @gone from hosts where seq = @hostSeq ${HOST_DAY_COUNT_ADD}`);
  const totals = db.prepare(`${TOTALS_INSERT} values (?, ?, ?, ?, ?, ?, ?, ?) ${TOTALS_UPSERT}`);
  const seen = db.prepare(`${SEEN_INSERT} values (?, ?, ?) ${seenUpsert(false)}`);
  const version = db.prepare(VERSION_BUMP);
  const hostKey = db.prepare<[number], { projectId: string; enterpriseProjectId: string; assetValue: string }>(
    'select project_id as projectId, enterprise_project_id as enterpriseProjectId, asset_value as assetValue from hosts where seq = ?',
  );
  const stored = db.prepare<[number, number], { affectSeq: number; kind: number; status: number }>(
    'select affect_seq as affectSeq, kind, status from host_vuls where host_seq = ? and vul_seq = ?',
  );
  const affectSeverity = db.prepare<[number], { severity: string }>('select severity from vul_affects where seq = ?');
  // An affect's key hashes its severity in (host-vul-matcher.ts), so a severity once read never changes.
  const severities = new Map<number, string>();
  const severityOf = (affectSeq: number) => {
    let severity = severities.get(affectSeq);
    if (severity === undefined) {
      severity = affectSeverity.get(affectSeq)?.severity ?? '';
      severities.set(affectSeq, severity);
    }
    return severity;
  };
  const write = db.transaction((b: HostVulWrite) => {
    for (const a of b.affects) severities.set(a.seq, a.severity);
    const hosts = new Map<number, HostTotalsKey | undefined>();
    const hostOf = (hostSeq: number) => (hosts.has(hostSeq) ? hosts.get(hostSeq) : hosts.set(hostSeq, hostKey.get(hostSeq)).get(hostSeq));
    // Counted before the rows change: a delete's host key is read while its row is still there (it is the host's, not the row's).
    const deltas = countChanges(b, hostOf, severityOf, (hostSeq, vulSeq) => stored.get(hostSeq, vulSeq));
    for (const v of b.infos) info.run(v.vulId, v.seq, v.title, v.description, v.url, v.severity, v.cvssScore, JSON.stringify(v.cveIds), v.kev ? 1 : 0, v.dataSource, b.now);
    for (const a of b.affects) affect.run(a.seq, a.vulSeq, a.vulType, a.severity, a.packages, a.fingerprint);
    for (const r of b.inserts) insert.run(r.hostSeq, r.vulSeq, r.affectSeq, r.kind, r.status, r.handledFingerprint, r.firstScanTime);
    for (const [vulSeq, hostSeqs] of newPostings(b.inserts)) posting.run(vulSeq, JSON.stringify(hostSeqs));
    for (const u of b.updates) update.run(u.affectSeq, u.kind, u.status, u.handledFingerprint, u.clearRemark ? 1 : 0, u.hostSeq, u.vulSeq);
    for (const d of b.deletes) remove.run(d.hostSeq, d.vulSeq);
    for (const h of b.scanned) scanned.run(b.now, h.matchedState, h.matchedState, h.matchGap ?? null, h.hostSeq);
    // Each host's kept counts move by what the batch changed (not recounted from its rows).
    for (const [hostSeq, d] of deltas.hosts) counts.run(d[0], d[1], d[2], d[3], d[4], d[5], hostSeq);
    const { perHost } = batchChanges(b);
    const day = Math.floor(b.now / DAY_MS);
    for (const h of perHost) dayCounts.run({ day, added: h.added, gone: h.gone, hostSeq: h.hostSeq });
    for (const d of deltas.totals) totals.run(d.projectId, d.vulSeq, d.enterpriseProjectId, d.assetValue, d.kind, d.severity, d.status, d.n);
    for (const vulSeq of b.seen) seen.run(b.projectId, vulSeq, b.now);
    version.run(b.projectId);
  });
    // IMMEDIATE: the totals are counted from what the transaction reads before its first write, so no other writer may commit in between.
  return { write: (batch) => write.immediate(batch), close: () => db.close() };
}
