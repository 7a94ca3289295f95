/** The parts of a vulnerability scan policy that decide when it fires. */
export interface ScanSchedule {
  period: 'one_day' | 'three_day' | 'one_week' | 'one_month';
  /** one_week: ISO weekdays 1 (Monday) – 7 (Sunday); one_month: days of the month 1–31. */
  dayPart: number[];
  hour: number;
  minute: number;
  /** Minutes to add to local time to get UTC, as JavaScript's getTimezoneOffset: GMT+8 is -480. */
  timezoneOffset: number;
  /** A three-day cycle counts from the local day containing this instant (epoch ms). */
  anchor: number;
}

const DAY_MS = 86_400_000;
/** Far enough ahead to cover any monthly day list. */
const SEARCH_DAYS = 62;

const floorDay = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;

function daysInMonth(localDayStart: number): number {
  const d = new Date(localDayStart);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

function dayMatches(schedule: ScanSchedule, localDayStart: number, localAnchorDay: number): boolean {
  switch (schedule.period) {
    case 'one_day':
      return true;
    case 'three_day':
      return Math.round((localDayStart - localAnchorDay) / DAY_MS) % 3 === 0;
    case 'one_week': {
      const isoWeekday = new Date(localDayStart).getUTCDay() || 7;
      return schedule.dayPart.includes(isoWeekday);
    }
    case 'one_month': {
      // A day the month lacks (the 31st in April) runs on the month's last day instead.
      const dayOfMonth = new Date(localDayStart).getUTCDate();
      const last = daysInMonth(localDayStart);
      return schedule.dayPart.some((d) => d === dayOfMonth || (d > last && dayOfMonth === last));
    }
  }
}

/** The scheduled instant nearest to `now` in one direction, within the search window. */
function nearestSlot(schedule: ScanSchedule, now: number, direction: 1 | -1): number | null {
  const shift = -schedule.timezoneOffset * 60_000;
  const localNow = now + shift;
  const slot = (schedule.hour * 60 + schedule.minute) * 60_000;
  const localAnchorDay = floorDay(schedule.anchor + shift);
  const today = floorDay(localNow);
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const dayStart = today + direction * i * DAY_MS;
    const onTime = direction === 1 ? dayStart + slot > localNow : dayStart + slot <= localNow;
    if (onTime && dayMatches(schedule, dayStart, localAnchorDay)) return dayStart + slot - shift;
  }
  return null;
}

/**
 * The first scheduled instant strictly after `now` (epoch ms), or null when
 * the schedule can never fire (a weekly or monthly policy with no days).
 * Fixed offsets only: HSS policies carry an offset, not a zone, so no DST.
 */
export function nextScanTime(schedule: ScanSchedule, now: number): number | null {
  return nearestSlot(schedule, now, 1);
}

/**
 * The last scheduled instant at or before `now`, or null when none falls in
 * the search window. The scheduler fires this slot once; slots before it
 * that were missed (the service was down) are not replayed one by one.
 */
export function previousScanTime(schedule: ScanSchedule, now: number): number | null {
  return nearestSlot(schedule, now, -1);
}
