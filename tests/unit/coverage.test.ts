import { ManualClock } from '../../server/clock';
import { DEFAULT_HOURS, type BusinessHours } from '../../server/services/business-hours';
import {
  addCoveredMinutes,
  coverageStatus,
  coveredIntervals,
  isCovered,
  nextCovered,
  nextOnRota,
  onDutyNow,
  type RotaSlot,
} from '../../server/services/coverage';

/**
 * Covered hours = business hours (the promise) + rota slots, always in the group's time zone.
 * Times below are UTC instants; Dublin is UTC+0 until 29 March 2026 and UTC+1 after.
 */
const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const saturdayMorning: RotaSlot = { weekday: 6, start: '10:00', end: '14:00', moderatorId: A };
const sundayLate: RotaSlot = { weekday: 7, start: '22:00', end: '24:00', moderatorId: B };
const mondayEarly: RotaSlot = { weekday: 1, start: '07:00', end: '09:00', moderatorId: A };
const rota = [saturdayMorning, sundayLate, mondayEarly];

describe('covered hours: business hours plus the rota', () => {
  const clock = new ManualClock(new Date('2026-03-06T18:00:00Z')); // Friday 18:00 Dublin

  it('after business hours, review resumes at the next rota slot, not on Monday', () => {
    expect(isCovered(DEFAULT_HOURS, rota, clock.now())).toBe(false);
    const status = coverageStatus(DEFAULT_HOURS, rota, clock.now());
    expect(status.onDuty).toBe(false);
    expect(status.resumesAt?.toISOString()).toBe('2026-03-07T10:00:00.000Z');
    expect(status.text).toBe(
      'No moderator is on duty right now. Moderators review posts Monday to Friday, 9:00–17:00; yours will be read from Saturday 10:00.',
    );
    // Without a rota the promise alone applies.
    expect(nextCovered(DEFAULT_HOURS, [], clock.now())?.toISOString()).toBe(
      '2026-03-09T09:00:00.000Z',
    );
  });

  it('names exactly the moderators on duty; business hours alone name nobody', () => {
    clock.set(new Date('2026-03-07T11:00:00Z')); // Saturday 11:00
    expect(onDutyNow(DEFAULT_HOURS, rota, clock.now())).toEqual([A]);
    expect(coverageStatus(DEFAULT_HOURS, rota, clock.now())).toMatchObject({
      onDuty: true,
      text: 'A moderator is on duty now.',
    });
    clock.set(new Date('2026-03-09T10:00:00Z')); // Monday 10:00, business hours
    expect(isCovered(DEFAULT_HOURS, rota, clock.now())).toBe(true);
    expect(onDutyNow(DEFAULT_HOURS, rota, clock.now())).toEqual([]);
    const both = [...rota, { weekday: 6, start: '12:00', end: '16:00', moderatorId: B }];
    clock.set(new Date('2026-03-07T13:00:00Z'));
    expect(onDutyNow(DEFAULT_HOURS, both, clock.now()).sort()).toEqual([A, B]);
  });

  it('a free slot covers nothing', () => {
    clock.set(new Date('2026-03-07T11:00:00Z'));
    const free = [{ ...saturdayMorning, moderatorId: null }];
    expect(isCovered(DEFAULT_HOURS, free, clock.now())).toBe(false);
  });

  it('the expected wait counts covered time across the week boundary', () => {
    clock.set(new Date('2026-03-08T23:30:00Z')); // Sunday 23:30, inside the late slot
    // 30 minutes to midnight, then Monday 07:00 (the early slot runs into business hours).
    expect(addCoveredMinutes(DEFAULT_HOURS, rota, clock.now(), 60)?.toISOString()).toBe(
      '2026-03-09T07:30:00.000Z',
    );
    // Touching pieces merge: Monday is covered without a gap from 07:00 to 17:00.
    const monday = coveredIntervals(
      DEFAULT_HOURS,
      rota,
      new Date('2026-03-09T00:00:00Z'),
      new Date('2026-03-10T00:00:00Z'),
    );
    expect(monday.map((i) => [i.from.toISOString(), i.to.toISOString(), i.moderatorIds])).toEqual([
      ['2026-03-09T07:00:00.000Z', '2026-03-09T09:00:00.000Z', [A]],
      ['2026-03-09T09:00:00.000Z', '2026-03-09T17:00:00.000Z', []],
    ]);
    // Saturday 13:30 with a 30-minute target: 30 minutes left on Saturday, none needed after.
    clock.set(new Date('2026-03-07T13:45:00Z'));
    expect(addCoveredMinutes(DEFAULT_HOURS, rota, clock.now(), 30)?.toISOString()).toBe(
      '2026-03-08T22:15:00.000Z',
    );
  });

  it('follows the group when its time zone changes', () => {
    const newYork: BusinessHours = { ...DEFAULT_HOURS, timeZone: 'America/New_York' };
    clock.set(new Date('2026-03-06T23:00:00Z')); // Friday 18:00 in New York (EST, UTC-5)
    expect(nextCovered(newYork, rota, clock.now())?.toISOString()).toBe(
      '2026-03-07T15:00:00.000Z', // Saturday 10:00 New York
    );
    expect(coverageStatus(newYork, rota, clock.now()).text).toMatch(
      /yours will be read from Saturday 10:00\.$/,
    );
    // The same instant in Dublin is Friday 23:00: still the Saturday slot, at 10:00 Dublin.
    expect(nextCovered(DEFAULT_HOURS, rota, clock.now())?.toISOString()).toBe(
      '2026-03-07T10:00:00.000Z',
    );
  });

  it('is correct across the spring and autumn clock changes', () => {
    const nightly: RotaSlot[] = [{ weekday: 7, start: '00:00', end: '04:00', moderatorId: B }];
    // Sunday 29 March 2026: 01:00 GMT becomes 02:00 IST, so the slot lasts three real hours.
    const spring = coveredIntervals(
      DEFAULT_HOURS,
      nightly,
      new Date('2026-03-28T12:00:00Z'),
      new Date('2026-03-29T12:00:00Z'),
    );
    expect(spring.map((i) => [i.from.toISOString(), i.to.toISOString()])).toEqual([
      ['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z'],
    ]);
    // 200 covered minutes from the slot's start: 180 in it, 20 more from Monday 9:00 IST.
    expect(
      addCoveredMinutes(
        DEFAULT_HOURS,
        nightly,
        new Date('2026-03-29T00:00:00Z'),
        200,
      )?.toISOString(),
    ).toBe('2026-03-30T08:20:00.000Z');
    // Sunday 25 October 2026: 02:00 IST becomes 01:00 GMT, so the slot lasts five real hours.
    const autumn = coveredIntervals(
      DEFAULT_HOURS,
      nightly,
      new Date('2026-10-24T12:00:00Z'),
      new Date('2026-10-25T12:00:00Z'),
    );
    expect(autumn.map((i) => [i.from.toISOString(), i.to.toISOString()])).toEqual([
      ['2026-10-24T23:00:00.000Z', '2026-10-25T04:00:00.000Z'],
    ]);
  });

  it('finds the next person on the rota after the current one', () => {
    clock.set(new Date('2026-03-07T11:00:00Z'));
    expect(nextOnRota(DEFAULT_HOURS, rota, clock.now(), [A])).toEqual([B]);
    expect(nextOnRota(DEFAULT_HOURS, [], clock.now())).toEqual([]);
  });

  it('with nothing ever covered there is no resume time and no deadline', () => {
    const closed: BusinessHours = { ...DEFAULT_HOURS, days: [] };
    expect(nextCovered(closed, [], clock.now())).toBeNull();
    expect(addCoveredMinutes(closed, [], clock.now(), 30)).toBeNull();
  });
});
