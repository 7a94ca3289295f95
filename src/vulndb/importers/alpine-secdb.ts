/**
 * Alpine secdb (https://secdb.alpinelinux.org/<release>/<repo>.json):
 * `{"distroversion": "v3.19", "reponame": "main", "packages": [{"pkg": {"name", "secfixes": {"1.2.3-r0": ["CVE-…"]}}}]}`.
 *
 * Package names are origin (source) packages. Mapping, per (package, id):
 * - a version key → `fixed` at that version (range introduced 0, fixed V);
 * - a key without `-rN` (`1.2.3`) → fixed at `1.2.3-r0`, the first build of that version (the raw key is kept in status_note);
 * - the key `"0"` → `not_affected` (Alpine's marker for "never affected"); if the same id also has a real
 *   fix key for the package, the fix wins (the conservative reading);
 * - an id listed under several fix keys → one range per key ([0, V1) ∪ [0, V2) = vulnerable below the highest);
 * - entries may carry text after the id (`CVE-2019-1234 (backported)`): the first word is the id, further
 *   CVE/GHSA ids in the text become aliases, other text is dropped with a counted warning.
 * Secdb lists fixes only, so it yields no `unfixed` or `will_not_fix` entries.
 */
import { alpineEcosystem } from '../ecosystems.js';
import type { VulnDbWriter } from '../store.js';
import type { AffectedInput } from '../types.js';
import { FeedFormatError, ImportLog, isObject, str } from './log.js';

const ID = /^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const ALIAS = /^(CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$/;
const VERSION = /^[0-9][0-9A-Za-z._+~-]*$/;
const REVISION = /-r\d+$/;

export interface AlpineDocInfo {
  distroversion: string;
  reponame: string;
}

/** Checks the document's shape; returns its release and repository. */
export function alpineDocInfo(doc: unknown, feedForErrors = 'alpine-secdb'): AlpineDocInfo {
  if (!isObject(doc) || !Array.isArray(doc.packages)) throw new FeedFormatError(feedForErrors, 'not an Alpine secdb document (no "packages" array)');
  const distroversion = str(doc.distroversion);
  if (!distroversion) throw new FeedFormatError(feedForErrors, 'Alpine secdb document without "distroversion"');
  return { distroversion, reponame: str(doc.reponame) ?? 'main' };
}

/** The feed (and advisory source) name of a secdb file: `alpine-secdb/v3.19/main`. */
export function alpineFeedName(doc: unknown): string {
  const { distroversion, reponame } = alpineDocInfo(doc);
  return `alpine-secdb/${alpineEcosystem(distroversion).slice('Alpine:'.length)}/${reponame}`;
}

interface Finding {
  fixed: Array<{ version: string; rawKey: string }>;
  notAffected: boolean;
  aliases: Set<string>;
}

export function importAlpineSecdb(writer: VulnDbWriter, doc: unknown, feed = alpineFeedName(doc)): ImportLog {
  const log = new ImportLog(feed, 'alpine-secdb');
  const { distroversion } = alpineDocInfo(doc, feed);
  const ecosystem = alpineEcosystem(distroversion);
  const packages = (doc as { packages: unknown[] }).packages;

  // package → id → what the file says
  const byPackage = new Map<string, Map<string, Finding>>();
  for (const item of packages) {
    const pkg = isObject(item) && isObject(item.pkg) ? item.pkg : null;
    const name = pkg ? str(pkg.name) : null;
    if (!pkg || !name) {
      log.warn('package-without-name', JSON.stringify(item).slice(0, 120));
      continue;
    }
    if (pkg.secfixes === undefined || pkg.secfixes === null) continue;
    if (!isObject(pkg.secfixes)) {
      log.warn('invalid-secfixes', name);
      continue;
    }
    const ids = byPackage.get(name) ?? new Map<string, Finding>();
    byPackage.set(name, ids);
    for (const [rawKey, list] of Object.entries(pkg.secfixes)) {
      const key = rawKey.trim().split(/\s+/)[0] ?? '';
      let version: string | null = null;
      if (key !== '0') {
        if (!VERSION.test(key)) {
          log.warn('invalid-version-key', `${name}: "${rawKey}"`);
          continue;
        }
        if (REVISION.test(key)) version = key;
        else {
          version = `${key}-r0`;
          log.warn('version-key-without-revision', `${name}: "${rawKey}" read as ${version}`);
        }
      }
      for (const entry of Array.isArray(list) ? list : []) {
        const words = typeof entry === 'string' ? entry.trim().split(/\s+/) : [];
        const id = words[0] ?? '';
        if (!ID.test(id)) {
          log.warn('invalid-entry', `${name} ${rawKey}: ${JSON.stringify(entry)}`);
          continue;
        }
        const f = ids.get(id) ?? { fixed: [], notAffected: false, aliases: new Set<string>() };
        ids.set(id, f);
        let extraText = false;
        for (const word of words.slice(1)) {
          if (ALIAS.test(word) && word !== id) f.aliases.add(word);
          else extraText = true;
        }
        if (extraText) log.warn('entry-extra-text', `${name} ${rawKey}: ${JSON.stringify(entry)}`);
        if (version === null) f.notAffected = true;
        else if (!f.fixed.some((x) => x.version === version)) f.fixed.push({ version, rawKey: key });
      }
    }
  }

  const uids = new Map<string, number>();
  for (const [name, ids] of byPackage) {
    for (const [id, f] of ids) {
      let uid = uids.get(id);
      if (uid === undefined) {
        uid = writer.putAdvisory(feed, { id, source: feed, url: `https://security.alpinelinux.org/vuln/${encodeURIComponent(id)}` });
        uids.set(id, uid);
        log.records++;
      }
      for (const alias of f.aliases) writer.addAlias(uid, alias, 'alias');
      let affected: AffectedInput;
      if (f.fixed.length > 0) {
        if (f.notAffected) log.warn('fixed-and-not-affected', `${name} ${id}: listed under "0" and a fix; the fix wins`);
        const normalised = f.fixed.filter((x) => x.rawKey !== x.version).map((x) => x.rawKey);
        affected = {
          ecosystem,
          package: name,
          status: 'fixed',
          statusNote: normalised.length > 0 ? `secfixes key ${normalised.join(', ')} has no -rN; read as -r0` : null,
          ranges: f.fixed.map((x) => ({
            type: 'ECOSYSTEM',
            events: [
              { kind: 'introduced', version: '0' },
              { kind: 'fixed', version: x.version },
            ],
          })),
          versions: [],
        };
      } else {
        affected = { ecosystem, package: name, status: 'not_affected', statusNote: 'secfixes "0"', ranges: [], versions: [] };
      }
      writer.addAffected(uid, affected);
      log.affected++;
    }
  }
  return log;
}
