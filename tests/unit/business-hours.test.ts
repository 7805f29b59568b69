import {
  DEFAULT_HOURS,
  addReviewMinutes,
  describeDays,
  isOpen,
  localParts,
  nextOpening,
  reviewResumesSentence,
  zonedTime,
} from '../../server/services/business-hours';
import { medianMinutes } from '../../server/services/posts';

const at = (iso: string) => new Date(iso);

describe('business hours in the group’s own time zone', () => {
  it('is open on a weekday morning in Dublin and closed in the evening and at weekends', () => {
    expect(isOpen(DEFAULT_HOURS, at('2026-03-02T10:00:00Z'))).toBe(true); // Mon 10:00 GMT
    expect(isOpen(DEFAULT_HOURS, at('2026-03-02T17:00:00Z'))).toBe(false); // Mon 17:00 closes
    expect(isOpen(DEFAULT_HOURS, at('2026-03-07T11:00:00Z'))).toBe(false); // Saturday
    // Summer time: 08:30Z is 09:30 in Dublin.
    expect(isOpen(DEFAULT_HOURS, at('2026-06-01T08:30:00Z'))).toBe(true);
    expect(isOpen(DEFAULT_HOURS, at('2026-06-01T16:30:00Z'))).toBe(false);
  });

  it('after Friday close across the spring DST change, review resumes Monday 9:00 summer time', () => {
    // Friday 27 March 2026, 17:30 GMT; clocks go forward on Sunday 29 March.
    const friday = at('2026-03-27T17:30:00Z');
    expect(nextOpening(DEFAULT_HOURS, friday)?.toISOString()).toBe('2026-03-30T08:00:00.000Z');
    expect(reviewResumesSentence(DEFAULT_HOURS, friday)).toBe(
      'Moderators review posts Monday to Friday, 9:00–17:00; yours will be read from Monday 9:00.',
    );
  });

  it('across the autumn DST change, Monday 9:00 is back on GMT', () => {
    const friday = at('2026-10-23T16:30:00Z'); // 17:30 Irish summer time
    expect(nextOpening(DEFAULT_HOURS, friday)?.toISOString()).toBe('2026-10-26T09:00:00.000Z');
  });

  it('before opening on a weekday, it says today', () => {
    const early = at('2026-03-03T07:15:00Z'); // Tuesday 07:15
    expect(reviewResumesSentence(DEFAULT_HOURS, early)).toMatch(
      /yours will be read today from 9:00\.$/,
    );
  });

  it('uses the group’s own days, hours and zone', () => {
    const hours = { days: [6, 7], start: '10:30', end: '14:00', timeZone: 'America/New_York' };
    const mondayNy = at('2026-03-09T15:00:00Z'); // Monday 11:00 EDT
    expect(isOpen(hours, mondayNy)).toBe(false);
    // Saturday 14 March 10:30 EDT = 14:30Z
    expect(nextOpening(hours, mondayNy)?.toISOString()).toBe('2026-03-14T14:30:00.000Z');
    expect(reviewResumesSentence(hours, mondayNy)).toBe(
      'Moderators review posts Saturday and Sunday, 10:30–14:00; yours will be read from Saturday 10:30.',
    );
  });

  it('a local time inside the spring-forward gap lands just after it', () => {
    // 01:30 on 29 March 2026 does not exist in Dublin (01:00 → 02:00).
    const t = zonedTime(2026, 3, 29, 1, 30, 'Europe/Dublin');
    expect(t.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('counts review time only while review is open', () => {
    // Tuesday 10:00 + 30 minutes, same day.
    expect(addReviewMinutes(DEFAULT_HOURS, at('2026-03-03T10:00:00Z'), 30)?.toISOString()).toBe(
      '2026-03-03T10:30:00.000Z',
    );
    // Saturday: nothing counts until Monday 9:00.
    expect(addReviewMinutes(DEFAULT_HOURS, at('2026-03-07T12:00:00Z'), 5)?.toISOString()).toBe(
      '2026-03-09T09:05:00.000Z',
    );
    // Tuesday 16:45 + 30 minutes: 15 on Tuesday, 15 on Wednesday.
    expect(addReviewMinutes(DEFAULT_HOURS, at('2026-03-03T16:45:00Z'), 30)?.toISOString()).toBe(
      '2026-03-04T09:15:00.000Z',
    );
    expect(
      addReviewMinutes({ ...DEFAULT_HOURS, days: [] }, at('2026-03-03T10:00:00Z'), 5),
    ).toBeNull();
  });

  it('names days plainly', () => {
    expect(describeDays([1, 2, 3, 4, 5])).toBe('Monday to Friday');
    expect(describeDays([1, 3, 5])).toBe('Monday, Wednesday and Friday');
    expect(describeDays([1, 2, 3, 4, 5, 6, 7])).toBe('every day');
    expect(describeDays([1, 2, 4, 5, 6])).toBe('Monday, Tuesday and Thursday to Saturday');
  });

  it('the typical wait is the median of the samples', () => {
    expect(medianMinutes([])).toBeNull();
    expect(medianMinutes([10, 2, 30])).toBe(10);
    expect(medianMinutes([10, 20])).toBe(15);
    expect(medianMinutes([0.1])).toBe(1);
  });
});

describe('local times read quickly', () => {
  it('match the tz database every 37 minutes for two years, across DST changes, in several zones', () => {
    const zones = [
      'Europe/Dublin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'UTC',
    ];
    const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    for (const timeZone of zones) {
      const intl = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
      const start = Date.UTC(2025, 0, 1);
      let checked = 0;
      for (let t = start; t < start + 2 * 365 * 86_400_000; t += 37 * 60_000 + 13_000) {
        const want: Record<string, string> = {};
        for (const part of intl.formatToParts(new Date(t))) want[part.type] = part.value;
        const p = localParts(new Date(t), timeZone);
        const got = [p.year, p.month, p.day, p.hour, p.minute, p.second, days[p.weekday - 1]];
        const expected = [want.year, want.month, want.day, want.hour, want.minute, want.second]
          .map(Number)
          .concat(want.weekday as never);
        if (got.join() !== expected.join()) {
          throw new Error(
            `${timeZone} at ${new Date(t).toISOString()}: ${got} instead of ${expected}`,
          );
        }
        checked += 1;
      }
      expect(checked).toBeGreaterThan(28_000);
    }
  });
});
