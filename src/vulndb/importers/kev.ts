/**
 * CISA Known Exploited Vulnerabilities catalog
 * (`{"catalogVersion", "vulnerabilities": [{"cveID", "dateAdded", "dueDate", …}]}`).
 * Stored in its own table; after every build each advisory whose id, alias or upstream id is in
 * the catalog gets `kev = 1` and the date it was added (see VulnDbWriter.finalize), so the flag
 * holds whichever feed is imported first.
 */
import type { VulnDbWriter } from '../store.js';
import { FeedFormatError, ImportLog, isObject, str } from './log.js';

export const KEV_FEED = 'kev';
const CVE = /^CVE-\d{4}-\d{4,}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isKevDocument(doc: unknown): boolean {
  if (!isObject(doc) || !Array.isArray(doc.vulnerabilities)) return false;
  const first: unknown = doc.vulnerabilities[0];
  return 'catalogVersion' in doc || (isObject(first) && 'cveID' in first);
}

export function importKev(writer: VulnDbWriter, doc: unknown, feed = KEV_FEED): ImportLog {
  if (!isKevDocument(doc)) throw new FeedFormatError(feed, 'not the CISA KEV catalog (no "vulnerabilities" array)');
  const log = new ImportLog(feed, 'kev');
  for (const v of (doc as { vulnerabilities: unknown[] }).vulnerabilities) {
    const cveId = isObject(v) ? str(v.cveID) : null;
    const dateAdded = isObject(v) ? str(v.dateAdded) : null;
    if (!isObject(v) || !cveId || !CVE.test(cveId) || !dateAdded || !DATE.test(dateAdded)) {
      log.skipped++;
      log.warn('invalid-entry', JSON.stringify(v).slice(0, 160));
      continue;
    }
    writer.addKev({
      cveId,
      dateAdded,
      dueDate: str(v.dueDate),
      vendor: str(v.vendorProject),
      product: str(v.product),
      name: str(v.vulnerabilityName),
      knownRansomware: str(v.knownRansomwareCampaignUse),
    });
    log.records++;
  }
  return log;
}
