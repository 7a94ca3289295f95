/**
 * Debian security tracker JSON (https://security-tracker.debian.org/tracker/data/json):
 * `{ "<source package>": { "CVE-…": { "description", "releases": { "bookworm": {
 *    "status", "fixed_version", "urgency", "nodsa", "nodsa_reason" } } } } }`.
 * Streamed package by package (the file is tens of megabytes).
 *
 * Codenames map to release numbers (bookworm → `Debian:12`, sid → `Debian:unstable`; see
 * DEBIAN_CODENAMES); unknown codenames are skipped with a counted warning. Status mapping:
 *
 * | tracker                                         | status         | status_note              |
 * | ----------------------------------------------- | -------------- | ------------------------ |
 * | resolved, fixed_version "0"                     | not_affected   | —                        |
 * | resolved, fixed_version V                       | fixed (at V)   | —                        |
 * | resolved, no fixed_version                      | skipped, warned| —                        |
 * | open, nodsa_reason "ignored"                    | will_not_fix   | `ignored: <nodsa text>`  |
 * | open, urgency "unimportant"                     | will_not_fix   | `unimportant`            |
 * | open, urgency "end-of-life"                     | will_not_fix   | `end-of-life`            |
 * | open, nodsa_reason "postponed"                  | unfixed        | `postponed: <nodsa text>`|
 * | open, other (incl. nodsa without a reason)      | unfixed        | nodsa text, if any       |
 * | undetermined                                    | unfixed        | `undetermined`           |
 * | any other status                                | skipped, warned| —                        |
 *
 * "ignored" is the tracker's explicit "no fix will be made for this release"; "unimportant" means
 * Debian does not consider it worth a security fix; "end-of-life" means the package lost security
 * support in that release. "postponed" is a fix deferred to a later point release, so it stays unfixed.
 * Urgency gives the per-package severity (unimportant → low; "not yet assigned" → unknown).
 */
import { DEBIAN_CODENAMES, debianEcosystem } from '../ecosystems.js';
import { JsonStreamError, objectMembers } from '../json-stream.js';
import { severityFromLabel } from '../severity.js';
import type { VulnDbWriter } from '../store.js';
import type { AffectedInput } from '../types.js';
import { FeedFormatError, ImportLog, isObject, str } from './log.js';

export const DEBIAN_FEED = 'debian-tracker';
const SUMMARY_MAX = 300;

type Mapped = Pick<AffectedInput, 'status' | 'statusNote' | 'ranges'>;

/** Maps one `releases.<codename>` entry; null when it must be skipped (the reason is logged). */
export function mapDebianRelease(rel: Record<string, unknown>, log: ImportLog, where: string): Mapped | null {
  const status = str(rel.status);
  const fixed = str(rel.fixed_version);
  const urgency = (str(rel.urgency) ?? '').replace(/\*+$/, '');
  const nodsa = str(rel.nodsa);
  const reason = str(rel.nodsa_reason);
  const openRange = [{ type: 'ECOSYSTEM' as const, events: [{ kind: 'introduced' as const, version: '0' }] }];
  switch (status) {
    case 'resolved':
      if (fixed === '0') return { status: 'not_affected', statusNote: null, ranges: [] };
      if (!fixed) {
        log.warn('resolved-without-fixed-version', where);
        return null;
      }
      return {
        status: 'fixed',
        statusNote: null,
        ranges: [
          {
            type: 'ECOSYSTEM',
            events: [
              { kind: 'introduced', version: '0' },
              { kind: 'fixed', version: fixed },
            ],
          },
        ],
      };
    case 'open':
      if (reason === 'ignored') return { status: 'will_not_fix', statusNote: nodsa ? `ignored: ${nodsa}` : 'ignored', ranges: openRange };
      if (urgency === 'unimportant') return { status: 'will_not_fix', statusNote: 'unimportant', ranges: openRange };
      if (urgency === 'end-of-life') return { status: 'will_not_fix', statusNote: 'end-of-life', ranges: openRange };
      if (reason === 'postponed') return { status: 'unfixed', statusNote: nodsa ? `postponed: ${nodsa}` : 'postponed', ranges: openRange };
      return { status: 'unfixed', statusNote: nodsa, ranges: openRange };
    case 'undetermined':
      return { status: 'unfixed', statusNote: 'undetermined', ranges: openRange };
    default:
      log.warn('unknown-status', `${where}: ${String(rel.status)}`);
      return null;
  }
}

/** Imports the tracker JSON from a stream of its bytes. */
export async function importDebianTracker(
  writer: VulnDbWriter,
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  feed = DEBIAN_FEED,
): Promise<ImportLog> {
  const log = new ImportLog(feed, 'debian-tracker');
  const uids = new Map<string, number>();
  const unknownCodenames = new Set<string>();
  let members = 0;
  try {
    for await (const [pkg, cves] of objectMembers(chunks)) {
      members++;
      if (!isObject(cves)) throw new FeedFormatError(feed, `"${pkg}" is not an object: not the Debian tracker JSON`);
      for (const [id, info] of Object.entries(cves)) {
        if (!isObject(info) || !isObject(info.releases)) {
          log.warn('entry-without-releases', `${pkg} ${id}`);
          continue;
        }
        for (const [codename, rel] of Object.entries(info.releases)) {
          const release = DEBIAN_CODENAMES[codename];
          if (!release) {
            if (!unknownCodenames.has(codename)) log.warn('unknown-release', codename);
            unknownCodenames.add(codename);
            continue;
          }
          if (!isObject(rel)) continue;
          const mapped = mapDebianRelease(rel, log, `${pkg} ${id} ${codename}`);
          if (!mapped) continue;
          let uid = uids.get(id);
          if (uid === undefined) {
            const description = str(info.description);
            uid = writer.putAdvisory(feed, {
              id,
              source: feed,
              summary: description && description.length > SUMMARY_MAX ? `${description.slice(0, SUMMARY_MAX - 1)}…` : description,
              url: `https://security-tracker.debian.org/tracker/${encodeURIComponent(id)}`,
            });
            uids.set(id, uid);
            log.records++;
          }
          const urgency = str(rel.urgency);
          writer.addAffected(uid, {
            ecosystem: debianEcosystem(release),
            package: pkg,
            ...mapped,
            severity: severityFromLabel(urgency),
            severityRaw: urgency,
            versions: [],
          });
          log.affected++;
        }
      }
    }
  } catch (err) {
    if (err instanceof JsonStreamError) throw new FeedFormatError(feed, err.message);
    throw err;
  }
  if (members === 0) throw new FeedFormatError(feed, 'the Debian tracker JSON is empty');
  return log;
}
