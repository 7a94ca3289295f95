/**
 * The importers, as an explicit list keyed by feed kind, and file-type detection for
 * `importPath` (air-gapped sites hand over files whose kind we must tell by content).
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { VulnDbWriter } from '../store.js';
import type { FeedKind } from '../types.js';
import { alpineFeedName, importAlpineSecdb } from './alpine-secdb.js';
import { DEBIAN_FEED, importDebianTracker } from './debian-tracker.js';
import { importK8sCveFeed, isK8sCveFeed, K8S_CVE_FEED } from './k8s-cve-feed.js';
import { importKev, isKevDocument, KEV_FEED } from './kev.js';
import { FeedFormatError, isObject, type ImportLog } from './log.js';
import { importOsvFiles, importOsvZip } from './osv.js';

export { FeedFormatError, ImportLog } from './log.js';

/** How each feed kind is imported from a downloaded file. Each replaces the feed's previous rows. */
export const IMPORTERS: Readonly<Record<FeedKind, (writer: VulnDbWriter, file: string, feed: string) => Promise<ImportLog>>> = {
  osv: (writer, file, feed) => importOsvZip(writer, file, feed),
  'alpine-secdb': async (writer, file, feed) => importAlpineSecdb(writer, await readJson(file, feed), feed),
  'debian-tracker': (writer, file, feed) => importDebianTracker(writer, createReadStream(file), feed),
  kev: async (writer, file, feed) => {
    writer.clearKev();
    return importKev(writer, await readJson(file, feed), feed);
  },
  'k8s-cve-feed': async (writer, file, feed) => importK8sCveFeed(writer, await readJson(file, feed), feed),
};

async function readJson(file: string, feed: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FeedFormatError(feed, `${basename(file)} is not valid JSON: ${(err as Error).message}`);
  }
}

export type FeedFileKind = 'osv-zip' | 'osv-json' | 'alpine-secdb' | 'debian-tracker' | 'kev' | 'k8s-cve-feed';

/** Files larger than this are identified from their first bytes instead of being parsed. */
const PARSE_TO_DETECT_MAX = 32 * 1024 * 1024;
const DEBIAN_HEAD = /^\s*\{\s*"[^"\\]+"\s*:\s*\{\s*"[A-Z]+-[^"]*"\s*:\s*\{/;

function looksLikeDebianTracker(doc: Record<string, unknown>): boolean {
  const packages = Object.values(doc).slice(0, 5);
  if (packages.length === 0) return false;
  return packages.every((cves) => {
    if (!isObject(cves)) return false;
    const first = Object.values(cves)[0];
    return first === undefined || (isObject(first) && isObject(first.releases));
  });
}

/** The first `bytes` bytes of a file (fewer when it is shorter), to tell its kind by content. */
export async function readFileHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(head, 0, bytes, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Tells a feed file's kind from its content. Returns null when it is none of them. */
export async function detectFeedFile(file: string): Promise<FeedFileKind | null> {
  const head = await readFileHead(file, 64 * 1024);
  const length = head.length;
  if (length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'osv-zip';
  if (length >= 4 && head.readUInt32LE(0) === 0x06054b50) return 'osv-zip'; // an empty zip
  const text = head.subarray(0, length).toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return null;
  if ((await stat(file)).size > PARSE_TO_DETECT_MAX) {
    if (first === '[') return 'osv-json';
    return DEBIAN_HEAD.test(text) ? 'debian-tracker' : null;
  }
  let doc: unknown;
  try {
    doc = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch {
    return null;
  }
  if (Array.isArray(doc)) return 'osv-json';
  if (!isObject(doc)) return null;
  if (isKevDocument(doc)) return 'kev';
  if (isK8sCveFeed(doc)) return 'k8s-cve-feed';
  if (Array.isArray(doc.packages) && typeof doc.distroversion === 'string') return 'alpine-secdb';
  if (typeof doc.id === 'string' && ('affected' in doc || 'modified' in doc)) return 'osv-json';
  if (Array.isArray(doc.vulns)) return 'osv-json';
  if (looksLikeDebianTracker(doc)) return 'debian-tracker';
  return null;
}

/** The feed an OSV zip belongs to, from its path: `…/npm/all.zip` or `npm.zip` → `osv/npm`. */
export function osvZipFeedName(file: string): string {
  const name = basename(file).replace(/\.zip$/i, '');
  return `osv/${name === 'all' ? basename(dirname(file)) : name}`;
}

/** One import step of `importPath`: which feed it writes, whether it replaces it, and how. */
export interface PlannedImport {
  files: string[];
  kind: FeedKind;
  feed: string;
  /** Whole feeds replace what the feed wrote before; loose OSV files are added (upserted) by id. */
  replace: boolean;
  run(writer: VulnDbWriter): Promise<ImportLog>;
}

export async function planFileImport(file: string, kind: FeedFileKind): Promise<PlannedImport> {
  switch (kind) {
    case 'osv-zip': {
      const feed = osvZipFeedName(file);
      return { files: [file], kind: 'osv', feed, replace: true, run: (w) => importOsvZip(w, file, feed) };
    }
    case 'osv-json': {
      const feed = `osv-files/${basename(file)}`;
      return { files: [file], kind: 'osv', feed, replace: false, run: (w) => importOsvFiles(w, [file], feed) };
    }
    case 'alpine-secdb': {
      const doc = await readJson(file, 'alpine-secdb');
      const feed = alpineFeedName(doc);
      return { files: [file], kind: 'alpine-secdb', feed, replace: true, run: async (w) => importAlpineSecdb(w, doc, feed) };
    }
    case 'debian-tracker':
      return { files: [file], kind: 'debian-tracker', feed: DEBIAN_FEED, replace: true, run: (w) => IMPORTERS['debian-tracker'](w, file, DEBIAN_FEED) };
    case 'kev':
      return { files: [file], kind: 'kev', feed: KEV_FEED, replace: true, run: (w) => IMPORTERS.kev(w, file, KEV_FEED) };
    case 'k8s-cve-feed':
      return { files: [file], kind: 'k8s-cve-feed', feed: K8S_CVE_FEED, replace: true, run: (w) => IMPORTERS['k8s-cve-feed'](w, file, K8S_CVE_FEED) };
  }
}
