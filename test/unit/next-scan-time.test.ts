import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextScanTime, previousScanTime, type ScanSchedule } from '../../src/jobs/schedule/next-scan-time.js';

const utc = (iso: string) => Date.parse(iso);
const schedule = (over: Partial<ScanSchedule>): ScanSchedule => ({
  period: 'one_day',
  dayPart: [],
  hour: 0,
  minute: 0,
  timezoneOffset: 0,
  anchor: 0,
  ...over,
});

describe('nextScanTime', () => {
  it('one_day: later today when the slot is still ahead, tomorrow when it has passed', () => {
    const s = schedule({ hour: 3, minute: 30 });
    assert.equal(nextScanTime(s, utc('2026-11-23T01:00:00Z')), utc('2026-11-23T03:30:00Z'));
    assert.equal(nextScanTime(s, utc('2026-11-23T03:30:00Z')), utc('2026-11-24T03:30:00Z'), 'a slot exactly now is not "next"');
    assert.equal(nextScanTime(s, utc('2026-11-23T05:00:00Z')), utc('2026-11-24T03:30:00Z'));
  });

  it('applies the HSS timezone offset (GMT+8 is -480): 02:00 local is 18:00 UTC the day before', () => {
    const s = schedule({ hour: 2, timezoneOffset: -480 });
    assert.equal(nextScanTime(s, utc('2026-11-23T10:00:00Z')), utc('2026-11-23T18:00:00Z'));
    // 17:59 UTC on the 23rd is 01:59 on the 24th in GMT+8, so 02:00 local is one minute away.
    assert.equal(nextScanTime(s, utc('2026-11-23T17:59:00Z')), utc('2026-11-23T18:00:00Z'));
  });

  it('applies a western offset (GMT-5 is 300)', () => {
    const s = schedule({ hour: 22, timezoneOffset: 300 });
    assert.equal(nextScanTime(s, utc('2026-11-23T12:00:00Z')), utc('2026-11-24T03:00:00Z'));
  });

  it('three_day: counts in steps of three local days from the anchor day', () => {
    const s = schedule({ period: 'three_day', hour: 1, anchor: utc('2026-11-20T12:00:00Z') });
    assert.equal(nextScanTime(s, utc('2026-11-21T00:00:00Z')), utc('2026-11-23T01:00:00Z'));
    assert.equal(nextScanTime(s, utc('2026-11-20T00:30:00Z')), utc('2026-11-20T01:00:00Z'));
    assert.equal(nextScanTime(s, utc('2026-11-23T02:00:00Z')), utc('2026-11-26T01:00:00Z'));
  });

  it('one_week with day_part [1,3] (Monday, Wednesday) in GMT+8', () => {
    // 2026-11-23 is a Monday.
    const s = schedule({ period: 'one_week', dayPart: [1, 3], hour: 9, timezoneOffset: -480 });
    assert.equal(nextScanTime(s, utc('2026-11-22T00:00:00Z')), utc('2026-11-23T01:00:00Z'), 'Monday 09:00 GMT+8 is 01:00 UTC');
    assert.equal(nextScanTime(s, utc('2026-11-23T01:00:00Z')), utc('2026-11-25T01:00:00Z'), 'then Wednesday');
    assert.equal(nextScanTime(s, utc('2026-11-25T02:00:00Z')), utc('2026-11-30T01:00:00Z'), 'then next Monday');
  });

  it('one_week: Sunday is 7', () => {
    const s = schedule({ period: 'one_week', dayPart: [7] });
    assert.equal(nextScanTime(s, utc('2026-11-23T00:00:00Z')), utc('2026-11-29T00:00:00Z'));
  });

  it('one_month: the named days, and the last day for a day the month lacks', () => {
    const s = schedule({ period: 'one_month', dayPart: [15, 31], hour: 12 });
    assert.equal(nextScanTime(s, utc('2026-11-01T00:00:00Z')), utc('2026-11-15T12:00:00Z'));
    assert.equal(nextScanTime(s, utc('2026-11-16T00:00:00Z')), utc('2026-11-30T12:00:00Z'), 'November has no 31st');
    assert.equal(nextScanTime(s, utc('2026-12-16T00:00:00Z')), utc('2026-12-31T12:00:00Z'));
    assert.equal(nextScanTime(s, utc('2027-02-16T00:00:00Z')), utc('2027-02-28T12:00:00Z'), 'February, not a leap year');
    assert.equal(nextScanTime(s, utc('2028-02-16T00:00:00Z')), utc('2028-02-29T12:00:00Z'), 'leap year');
  });

  it('one_month across a year end in a timezone east of UTC', () => {
    const s = schedule({ period: 'one_month', dayPart: [1], hour: 0, timezoneOffset: -540 });
    // 2027-01-01 00:00 in GMT+9 is 2026-12-31 15:00 UTC.
    assert.equal(nextScanTime(s, utc('2026-12-10T00:00:00Z')), utc('2026-12-31T15:00:00Z'));
  });

  it('returns null for a weekly or monthly policy without days', () => {
    assert.equal(nextScanTime(schedule({ period: 'one_week', dayPart: [] }), utc('2026-11-23T00:00:00Z')), null);
    assert.equal(nextScanTime(schedule({ period: 'one_month', dayPart: [] }), utc('2026-11-23T00:00:00Z')), null);
  });
});

describe('previousScanTime (the slot the scheduler fires)', () => {
  it('one_day: the slot exactly now counts; before it, yesterday\'s', () => {
    const s = schedule({ hour: 3, minute: 30 });
    assert.equal(previousScanTime(s, utc('2026-11-23T03:30:00Z')), utc('2026-11-23T03:30:00Z'));
    assert.equal(previousScanTime(s, utc('2026-11-23T03:29:59Z')), utc('2026-11-22T03:30:00Z'));
  });

  it('one_week, Monday and Wednesday 22:00 in GMT+8: the latest of them in local time', () => {
    const s = schedule({ period: 'one_week', dayPart: [1, 3], hour: 22, timezoneOffset: -480 });
    // 2026-11-25 is a Wednesday; 22:00 GMT+8 is 14:00 UTC.
    assert.equal(previousScanTime(s, utc('2026-11-25T15:00:00Z')), utc('2026-11-25T14:00:00Z'));
    assert.equal(previousScanTime(s, utc('2026-11-25T13:00:00Z')), utc('2026-11-23T14:00:00Z'));
    assert.equal(nextScanTime(s, utc('2026-11-25T15:00:00Z')), utc('2026-11-30T14:00:00Z'));
  });

  it('one_month on the 31st falls back to the last day of a short month', () => {
    const s = schedule({ period: 'one_month', dayPart: [31], hour: 1 });
    assert.equal(previousScanTime(s, utc('2026-12-05T00:00:00Z')), utc('2026-11-30T01:00:00Z'));
  });

  it('is null when a weekly policy names no day', () => {
    assert.equal(previousScanTime(schedule({ period: 'one_week', dayPart: [] }), utc('2026-11-25T00:00:00Z')), null);
  });
});
