/**
 * A local stand-in for the OSV bucket (osv-vulnerabilities.storage.googleapis.com), reached through
 * openhss's mirror rewrite (`<url>/<host><path>`), so feeds are fetched over real HTTP on 127.0.0.1:
 *
 *   /osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip           every record, zipped
 *   /osv-vulnerabilities.storage.googleapis.com/<ecosystem>/modified_id.csv   `<modified>,<id>`, newest first
 *   /osv-vulnerabilities.storage.googleapis.com/<ecosystem>/<id>.json         one record
 *
 * Every file has an ETag and Last-Modified, and conditional requests (If-None-Match,
 * If-Modified-Since) get a 304, as from the real bucket. Requests are recorded for assertions.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipBuffer } from '../medium/vulndb/support/zip.js';

export const OSV_HOST = 'osv-vulnerabilities.storage.googleapis.com';

export interface OsvRecord {
  id: string;
  modified: string;
  [key: string]: unknown;
}

interface Served {
  body: Buffer;
  etag: string;
  lastModified: string;
}

export class OsvBucket {
  private readonly ecosystems = new Map<string, Map<string, OsvRecord>>();
  private readonly zips = new Map<string, Served>();
  private server: Server | undefined;
  readonly requests: Array<{ path: string; status: number; headers: IncomingHttpHeaders; bytes: number }> = [];
  /** Paths (decoded, after the host) answered with a 500. */
  readonly failing = new Set<string>();
  url = '';

  /** Adds or replaces records (each with its `modified`). */
  put(ecosystem: string, ...records: OsvRecord[]): void {
    let map = this.ecosystems.get(ecosystem);
    if (!map) this.ecosystems.set(ecosystem, (map = new Map()));
    for (const r of records) map.set(r.id, r);
    this.zips.delete(ecosystem);
  }

  records(ecosystem: string): OsvRecord[] {
    return [...(this.ecosystems.get(ecosystem)?.values() ?? [])];
  }

  /** Requests whose path ends with `suffix` (e.g. `npm/all.zip`, `.json`). */
  requestsFor(suffix: string) {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const raw = (req.url ?? '/').split('?')[0] as string;
      const parts = raw.split('/').slice(1).map(decodeURIComponent);
      const record = (status: number, bytes = 0) => this.requests.push({ path: parts.join('/'), status, headers: req.headers, bytes });
      const served = parts[0] === OSV_HOST && parts.length === 3 ? this.file(parts[1] as string, parts[2] as string) : null;
      if (this.failing.has(parts.slice(1).join('/'))) {
        record(500);
        res.writeHead(500).end('the bucket is having a bad day');
        return;
      }
      if (!served) {
        record(404);
        res.writeHead(404).end('No such object');
        return;
      }
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      if (inm === served.etag || (inm === undefined && ims !== undefined && Date.parse(ims) >= Date.parse(served.lastModified))) {
        record(304);
        res.writeHead(304, { etag: served.etag, 'last-modified': served.lastModified }).end();
        return;
      }
      record(200, served.body.length);
      res.writeHead(200, { etag: served.etag, 'last-modified': served.lastModified, 'content-length': served.body.length });
      res.end(served.body);
    });
    // Building a large zip blocks for a while: keep idle connections open past it, so a client
    // reusing one does not meet a reset.
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Builds every ecosystem's all.zip now, so no request waits for one. */
  prepare(): void {
    for (const ecosystem of this.ecosystems.keys()) this.file(ecosystem, 'all.zip');
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private file(ecosystem: string, name: string): Served | null {
    const map = this.ecosystems.get(ecosystem);
    if (!map) return null;
    const newest = [...map.values()].map((r) => r.modified).sort((a, b) => Date.parse(b) - Date.parse(a))[0] ?? '1970-01-01T00:00:00Z';
    if (name === 'all.zip') {
      let zip = this.zips.get(ecosystem);
      if (!zip) {
        const body = zipBuffer([...map.values()].map((r) => ({ name: `${r.id}.json`, data: JSON.stringify(r) })));
        zip = served(body, newest);
        this.zips.set(ecosystem, zip);
      }
      return zip;
    }
    if (name === 'modified_id.csv') {
      const lines = [...map.values()].sort((a, b) => Date.parse(b.modified) - Date.parse(a.modified) || b.id.localeCompare(a.id)).map((r) => `${r.modified},${r.id}\n`);
      return served(Buffer.from(lines.join('')), newest);
    }
    if (name.endsWith('.json')) {
      const r = map.get(name.slice(0, -'.json'.length));
      return r ? served(Buffer.from(JSON.stringify(r)), r.modified) : null;
    }
    return null;
  }
}

function served(body: Buffer, modified: string): Served {
  return { body, etag: `"${createHash('sha1').update(body).digest('hex')}"`, lastModified: new Date(Date.parse(modified)).toUTCString() };
}

/** An npm advisory in the shape osv.dev serves GHSA records in. */
export function npmAdvisory(id: string, pkg: string, fixed: string, modified: string, extra: Partial<OsvRecord> = {}): OsvRecord {
  return {
    schema_version: '1.6.0',
    id,
    modified,
    published: '2024-01-10T00:00:00Z',
    aliases: [`CVE-2024-${id.slice(-4).replace(/[^0-9]/g, '1').padStart(4, '1')}`],
    summary: `${pkg} before ${fixed} is vulnerable`,
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [{ package: { ecosystem: 'npm', name: pkg, purl: `pkg:npm/${pkg}` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }], database_specific: { source: 'https://github.com/advisories' } }],
    references: [{ type: 'ADVISORY', url: `https://github.com/advisories/${id}` }],
    database_specific: { severity: 'HIGH', github_reviewed: true, cwe_ids: ['CWE-400'] },
    ...extra,
  };
}
