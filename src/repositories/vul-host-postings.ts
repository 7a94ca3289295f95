import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Reading vul_host_postings (migration 0012): the hosts listed for
 * vulnerabilities, as SQL a query filters host_vuls rows with. A listed host
 * may no longer have the vulnerability; the row it is matched with decides.
 */
export class VulHostPostings {
  private readonly postgres: boolean;

  constructor(db: Kysely<any>) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** `host_seq in (…)`: the hosts listed for one vulnerability, for a host_vuls row aliased `alias` (whose vul_seq the query fixes). */
  hostsOf(alias: string, vulSeq: number): RawBuilder<boolean> {
    const col = sql.raw(`${alias}.host_seq`);
    if (this.postgres) return sql<boolean>`${col} in (select unnest(p.host_seqs) from vul_host_postings p where p.vul_seq = ${sql.lit(vulSeq)})`;
    return sql<boolean>`${col} in (select j.value from vul_host_postings p, json_each(p.host_seqs) j where p.vul_seq = ${sql.lit(vulSeq)})`;
  }

  /** `(host_seq, vul_seq) in (…)` over the listed pairs of these vulnerabilities, for a host_vuls row aliased `alias`. */
  pairsOf(alias: string, vulSeqs: number[]): RawBuilder<boolean> {
    const cols = sql.raw(`(${alias}.host_seq, ${alias}.vul_seq)`);
    const seqs = sql.join(vulSeqs.map((s) => sql.lit(s)));
    if (this.postgres) return sql<boolean>`${cols} in (select unnest(p.host_seqs), p.vul_seq from vul_host_postings p where p.vul_seq in (${seqs}))`;
    return sql<boolean>`${cols} in (select j.value, p.vul_seq from vul_host_postings p, json_each(p.host_seqs) j where p.vul_seq in (${seqs}))`;
  }
}

/** Per vulnerability, the hosts a write batch inserted it for: the postings the batch adds. */
export function newPostings(inserts: ReadonlyArray<{ hostSeq: number; vulSeq: number }>): Map<number, number[]> {
  const byVul = new Map<number, number[]>();
  for (const r of inserts) {
    const hosts = byVul.get(r.vulSeq);
    if (hosts) hosts.push(r.hostSeq);
    else byVul.set(r.vulSeq, [r.hostSeq]);
  }
  return byVul;
}
