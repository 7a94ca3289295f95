import { gunzipSync, gzipSync } from 'node:zlib';
import type { InventoryDocument } from '../agent/protocol.js';
import type { Package } from '../domain/package.js';

/**
 * How a host inventory is stored: gzip of JSON with each package as an
 * array rather than an object (no repeated keys), which halves the text a
 * fleet-wide scan has to parse.
 *   deb:   ["deb", name, version, path, architecture, source name, source version]
 *   apk:   ["apk", name, version, path, architecture, origin]
 *   rpm:   ["rpm", name, version, path, architecture, epoch, release, source rpm, modularity label?]
 *   other: [type, name, version, path]
 */
export type Row = Array<string | number | null>;

interface StoredDocument {
  os: InventoryDocument['os'];
  p: Row[];
}

function toRow(p: Package): Row {
  switch (p.type) {
    case 'deb':
      return ['deb', p.name, p.version, p.location.path, p.architecture, p.source.name, p.source.version];
    case 'apk':
      return ['apk', p.name, p.version, p.location.path, p.architecture, p.origin];
    case 'rpm':
      return ['rpm', p.name, p.version, p.location.path, p.architecture, p.epoch, p.release, p.sourceRpm, ...(p.modularityLabel ? [p.modularityLabel] : [])];
    default:
      return [p.type, p.name, p.version, p.location.path];
  }
}

export function fromRow(r: Row): Package {
  const [type, name, version, path] = r as [Package['type'], string, string, string];
  const location = { path };
  switch (type) {
    case 'deb':
      return { type, name, version, location, architecture: r[4] as string, source: { name: r[5] as string, version: r[6] as string } };
    case 'apk':
      return { type, name, version, location, architecture: r[4] as string, origin: r[5] as string };
    case 'rpm':
      return { type, name, version, location, architecture: r[4] as string, epoch: r[5] as number | null, release: r[6] as string, sourceRpm: r[7] as string, ...(typeof r[8] === 'string' ? { modularityLabel: r[8] } : {}) };
    default:
      return { type, name, version, location };
  }
}

export function encodeInventory(document: InventoryDocument): Buffer {
  const stored: StoredDocument = { os: document.os, p: document.packages.map(toRow) };
  return gzipSync(JSON.stringify(stored), { level: 6 });
}

export function decodeInventory(bytes: Buffer): InventoryDocument {
  const stored = JSON.parse(gunzipSync(bytes).toString('utf8')) as StoredDocument;
  return { os: stored.os, packages: stored.p.map(fromRow) };
}

/** The stored rows as they are, without building a package object per row (a fleet scan looks most packages up by their row alone). */
export function decodeInventoryRows(bytes: Buffer): { os: InventoryDocument['os']; rows: Row[] } {
  const stored = JSON.parse(gunzipSync(bytes).toString('utf8')) as StoredDocument;
  return { os: stored.os, rows: stored.p };
}
