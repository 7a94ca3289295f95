import { InvalidRangeError, type Comparator } from './types.js';

/** One event of an OSV range; exactly one field is set. */
export interface RangeEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

type Kind = 'introduced' | 'fixed' | 'last_affected' | 'limit';
const KINDS: readonly Kind[] = ['introduced', 'fixed', 'last_affected', 'limit'];

interface Event {
  readonly kind: Kind;
  readonly version: string;
  /** introduced "0" and limit "*" stand for minus and plus infinity. */
  readonly bound: 'min' | 'max' | null;
}

function classify(comparator: Comparator, events: readonly RangeEvent[]): Event[] {
  return events.map((event) => {
    const present = KINDS.filter((k) => event[k] !== undefined);
    if (present.length !== 1) {
      throw new InvalidRangeError(comparator.scheme, JSON.stringify(event), 'an event needs exactly one of introduced, fixed, last_affected, limit');
    }
    const kind = present[0]!;
    const version = event[kind]!;
    const bound = kind === 'introduced' && version === '0' ? 'min' : kind === 'limit' && version === '*' ? 'max' : null;
    // Checked up front, so a bad event fails the same way whatever the version being tested.
    if (bound === null) comparator.parseOrThrow(version);
    return { kind, version, bound };
  });
}

function compareEvents(comparator: Comparator, a: Event, b: Event): number {
  if (a.bound !== null || b.bound !== null) {
    const rank = (e: Event): number => (e.bound === 'min' ? -1 : e.bound === 'max' ? 1 : 0);
    return rank(a) - rank(b);
  }
  return comparator.compare(a.version, b.version);
}

/**
 * Whether a version lies in an OSV range, by the evaluation the OSV schema
 * specifies: walk the events in version order, switching "affected" on at
 * each introduced ≤ v and off at each fixed ≤ v or last_affected < v; limits,
 * if any, cap the range. Events at the same version keep their written
 * order (the spec's sort is Python's, which is stable), so that
 * "introduced X, fixed X" is empty while "fixed X, introduced X" covers X.
 * Throws UnparsableVersionError if the version or any event's version is not
 * valid for the scheme, and InvalidRangeError for a malformed event.
 */
export function inRangeWith(comparator: Comparator, version: string, events: readonly RangeEvent[]): boolean {
  comparator.parseOrThrow(version);
  const classified = classify(comparator, events);
  const vs = (e: Event): number => (e.bound === 'min' ? 1 : e.bound === 'max' ? -1 : comparator.compare(version, e.version));

  const limits = classified.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((e) => vs(e) < 0)) return false;

  const ordered = classified
    .filter((e) => e.kind !== 'limit')
    .map((e, i) => ({ e, i }))
    .sort((x, y) => compareEvents(comparator, x.e, y.e) || x.i - y.i)
    .map(({ e }) => e);
  let affected = false;
  for (const e of ordered) {
    const c = vs(e);
    if (e.kind === 'introduced') {
      if (c >= 0) affected = true;
    } else if (e.kind === 'fixed') {
      if (c >= 0) affected = false;
    } else if (c > 0) {
      affected = false;
    }
  }
  return affected;
}
