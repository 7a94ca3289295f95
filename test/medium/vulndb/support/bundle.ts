/** Helpers for bundle tests: a whole-DB dump to compare two DB files, and re-packing a bundle with altered members. */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import SQLite from 'better-sqlite3';
import { extract, pack } from 'tar-stream';

const TABLES = ['meta', 'feeds', 'advisories', 'aliases', 'affected', 'range_events', 'affected_versions', 'kev'];

/** Every row of every table, ordered: equal dumps mean equal DBs. */
export function dumpDb(file: string): Record<string, unknown[]> {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of TABLES) {
      const columns = (db.prepare(`pragma table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
      out[table] = db.prepare(`select * from ${table} order by ${columns.join(', ')}`).all();
    }
    return out;
  } finally {
    db.close();
  }
}

export interface Member {
  name: string;
  data: Buffer;
}

/** The members of a bundle file, in order. */
export async function unpackBundle(file: string): Promise<Member[]> {
  const ex = extract();
  const members: Member[] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const chunk of entry) parts.push(chunk as Buffer);
      members.push({ name: entry.header.name, data: Buffer.concat(parts) });
    }
  })();
  ex.end(gunzipSync(readFileSync(file)));
  await done;
  return members;
}

/** Writes members as a bundle file (gzip'd tar), in the order given. */
export async function packBundle(file: string, members: Member[]): Promise<void> {
  const p = pack();
  const parts: Buffer[] = [];
  const read = (async () => {
    for await (const chunk of p) parts.push(chunk as Buffer);
  })();
  for (const m of members) p.entry({ name: m.name, size: m.data.length }, m.data);
  p.finalize();
  await read;
  writeFileSync(file, gzipSync(Buffer.concat(parts)));
}
