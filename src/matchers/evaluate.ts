import type { FindingStatus } from '../domain/finding.js';
import type { AffectedRecord } from '../vulndb/index.js';
import { comparatorFor, inRange, type RangeEvent } from '../versioning/index.js';
import type { MatchTarget } from './matcher.js';

export type Verdict = { affected: false } | { affected: true; status: FindingStatus; fixedVersion: string | null; matchedRange: string };

const NOT_AFFECTED: Verdict = { affected: false };

function describeRange(events: AffectedRecord['ranges'][number]['events']): string {
  return events.map((e) => `${e.kind.replace('_', ' ')} ${e.version}`).join(', ');
}

/** The lowest fix above the installed version: the one that would resolve it. */
function relevantFix(target: MatchTarget, fixes: readonly string[]): string | null {
  const compare = comparatorFor(target.scheme).compare;
  const above = fixes.filter((f) => compare(f, target.version) > 0).sort(compare);
  return above[0] ?? null;
}

/**
 * Decides whether one affected entry applies to the installed version.
 * Distro statuses come first (not-affected never matches; unfixed and
 * will-not-fix match every version unless ranges narrow them), then the
 * ranges and explicit version lists. Throws UnparsableVersionError or
 * InvalidRangeError instead of guessing.
 */
export function evaluate(record: AffectedRecord, target: MatchTarget): Verdict {
  if (record.status === 'not_affected') return NOT_AFFECTED;
  const comparator = comparatorFor(target.scheme);
  comparator.parseOrThrow(target.version);
  const matchingRange = record.ranges.find((range) =>
    inRange(target.scheme, target.version, range.events.map((e) => ({ [e.kind]: e.version }) as RangeEvent)),
  );
  const listed = record.versions.some((v) => v === target.version || (comparator.parse(v) !== null && comparator.compare(v, target.version) === 0));
  const openEnded = record.status === 'unfixed' || record.status === 'will_not_fix';
  if (!matchingRange && !listed && !(openEnded && record.ranges.length === 0 && record.versions.length === 0)) return NOT_AFFECTED;
  const fixedVersion = openEnded ? null : relevantFix(target, record.fixedVersions);
  const status: FindingStatus = record.status === 'unfixed' || record.status === 'will_not_fix' || record.status === 'fixed' ? record.status : fixedVersion ? 'fixed' : 'affected';
  const matchedRange = matchingRange
    ? describeRange(matchingRange.events)
    : listed
      ? `version ${target.version} is listed as affected`
      : record.status === 'will_not_fix'
        ? `all versions; will not be fixed in ${record.ecosystem}${record.statusNote ? ` (${record.statusNote})` : ''}`
        : `all versions; no fix in ${record.ecosystem} yet${record.statusNote ? ` (${record.statusNote})` : ''}`;
  return { affected: true, status, fixedVersion, matchedRange };
}
