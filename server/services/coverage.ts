import { en } from '../i18n/en';
import {
  describeHours,
  formatHm,
  localParts,
  WEEKDAY_NAMES,
  zonedTime,
  type BusinessHours,
} from './business-hours';

/**
 * Covered hours: the group's business hours (the stated promise) plus the moderators' rota slots
 * on top. Pure and DST-safe: every local time becomes an instant through `zonedTime` (the
 * platform's tz database), the current time is always passed in, and nothing reads the clock.
 */
export interface RotaSlot {
  /** ISO weekday, 1 = Monday … 7 = Sunday, in the group's time zone. */
  weekday: number;
  /** "HH:MM" local; `end` may be "24:00" (to midnight). A slot never crosses midnight. */
  start: string;
  end: string;
  /** The moderator on duty; null while the slot is free (a free slot covers nothing). */
  moderatorId: string | null;
}

export interface Interval {
  from: Date;
  to: Date;
  /** Moderators on duty by the rota during this interval (empty: business hours alone). */
  moderatorIds: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

function hm(value: string): { hour: number; minute: number } {
  const [h, m] = value.split(':');
  return { hour: Number(h ?? 0), minute: Number(m ?? 0) };
}

/** "HH:MM" is a valid slot bound ("24:00" only as an end). */
export function isValidHm(value: string, asEnd = false): boolean {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return false;
  const h = Number(match[1]);
  const m = Number(match[2]);
  if (asEnd && h === 24 && m === 0) return true;
  return h < 24 && m < 60;
}

export function slotMinutes(slot: Pick<RotaSlot, 'start' | 'end'>): { from: number; to: number } {
  const s = hm(slot.start);
  const e = hm(slot.end);
  return { from: s.hour * 60 + s.minute, to: e.hour * 60 + e.minute };
}

/** Whether two slots on the same weekday overlap in time. */
export function slotsOverlap(a: RotaSlot, b: RotaSlot): boolean {
  if (a.weekday !== b.weekday) return false;
  const x = slotMinutes(a);
  const y = slotMinutes(b);
  return x.from < y.to && y.from < x.to;
}

/** The instant of a local "HH:MM" on a local calendar day (hour 24 is the next midnight). */
function at(cal: Date, value: string, timeZone: string): Date {
  const { hour, minute } = hm(value);
  if (hour === 24) {
    const next = new Date(cal.getTime() + DAY_MS);
    return zonedTime(
      next.getUTCFullYear(),
      next.getUTCMonth() + 1,
      next.getUTCDate(),
      0,
      0,
      timeZone,
    );
  }
  return zonedTime(
    cal.getUTCFullYear(),
    cal.getUTCMonth() + 1,
    cal.getUTCDate(),
    hour,
    minute,
    timeZone,
  );
}

/** Raw (unmerged) covered pieces of one local calendar day. */
function piecesOfDay(hours: BusinessHours, slots: readonly RotaSlot[], cal: Date): Interval[] {
  const weekday = ((cal.getUTCDay() + 6) % 7) + 1;
  const out: Interval[] = [];
  if (hours.days.includes(weekday)) {
    const from = at(cal, hours.start, hours.timeZone);
    const to = at(cal, hours.end, hours.timeZone);
    if (to > from) out.push({ from, to, moderatorIds: [] });
  }
  for (const slot of slots) {
    if (slot.weekday !== weekday || !slot.moderatorId) continue;
    const from = at(cal, slot.start, hours.timeZone);
    const to = at(cal, slot.end, hours.timeZone);
    if (to > from) out.push({ from, to, moderatorIds: [slot.moderatorId] });
  }
  return out;
}

/**
 * Covered intervals overlapping [from, to), cut at every change of who is on duty, sorted and
 * without gaps between touching pieces (so "covered until" is the real end of cover).
 */
export function coveredIntervals(
  hours: BusinessHours,
  slots: readonly RotaSlot[],
  from: Date,
  to: Date,
): Interval[] {
  const start = localParts(new Date(from.getTime() - DAY_MS), hours.timeZone);
  const days = Math.ceil((to.getTime() - from.getTime()) / DAY_MS) + 3;
  const pieces: Interval[] = [];
  for (let i = 0; i < days; i += 1) {
    const cal = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    pieces.push(...piecesOfDay(hours, slots, cal));
  }
  // Cut at every boundary, then list who is on duty in each elementary piece.
  const cuts = [...new Set(pieces.flatMap((p) => [p.from.getTime(), p.to.getTime()]))].sort(
    (a, b) => a - b,
  );
  const out: Interval[] = [];
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const a = cuts[i] as number;
    const b = cuts[i + 1] as number;
    if (b <= from.getTime() || a >= to.getTime()) continue;
    const covering = pieces.filter((p) => p.from.getTime() <= a && p.to.getTime() >= b);
    if (covering.length === 0) continue;
    const ids = [...new Set(covering.flatMap((p) => p.moderatorIds))].sort();
    const last = out[out.length - 1];
    if (last && last.to.getTime() === a && last.moderatorIds.join() === ids.join()) {
      last.to = new Date(b);
    } else {
      out.push({ from: new Date(a), to: new Date(b), moderatorIds: ids });
    }
  }
  return out;
}

function coverAt(hours: BusinessHours, slots: readonly RotaSlot[], now: Date): Interval | null {
  const list = coveredIntervals(hours, slots, now, new Date(now.getTime() + 1));
  return list.find((i) => i.from <= now && i.to > now) ?? null;
}

export function isCovered(hours: BusinessHours, slots: readonly RotaSlot[], now: Date): boolean {
  return coverAt(hours, slots, now) !== null;
}

/** Moderators on duty by the rota right now (business hours alone name nobody). */
export function onDutyNow(hours: BusinessHours, slots: readonly RotaSlot[], now: Date): string[] {
  return coverAt(hours, slots, now)?.moderatorIds ?? [];
}

/** `now` when covered; otherwise the start of the next covered time within two weeks, or null. */
export function nextCovered(
  hours: BusinessHours,
  slots: readonly RotaSlot[],
  now: Date,
): Date | null {
  const list = coveredIntervals(hours, slots, now, new Date(now.getTime() + 15 * DAY_MS));
  const first = list.find((i) => i.to > now);
  if (!first) return null;
  return first.from > now ? first.from : now;
}

/**
 * The instant at which `minutes` of covered time have passed since `from` (uncovered time does
 * not count): when a waiting post becomes late. Null when nothing is ever covered.
 */
export function addCoveredMinutes(
  hours: BusinessHours,
  slots: readonly RotaSlot[],
  from: Date,
  minutes: number,
): Date | null {
  let remaining = minutes * 60_000;
  let cursor = from;
  // Four two-week windows: a target longer than that in covered time is not a real setting.
  for (let turn = 0; turn < 4; turn += 1) {
    const end = new Date(cursor.getTime() + 14 * DAY_MS);
    for (const i of coveredIntervals(hours, slots, cursor, end)) {
      const a = Math.max(i.from.getTime(), cursor.getTime());
      const available = i.to.getTime() - a;
      if (available <= 0) continue;
      if (remaining <= available) return new Date(a + remaining);
      remaining -= available;
    }
    cursor = end;
  }
  return null;
}

/** The next moderators on the rota after `now` (the first later interval naming someone). */
export function nextOnRota(
  hours: BusinessHours,
  slots: readonly RotaSlot[],
  now: Date,
  exclude: readonly string[] = [],
): string[] {
  const list = coveredIntervals(hours, slots, now, new Date(now.getTime() + 8 * DAY_MS));
  for (const i of list) {
    const ids = i.moderatorIds.filter((id) => !exclude.includes(id));
    if (ids.length > 0) return ids;
  }
  return [];
}

function localTime(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return `${p.hour}:${String(p.minute).padStart(2, '0')}`;
}

/** "Saturday 10:00–14:00" for a rota slot. */
export function describeSlot(slot: Pick<RotaSlot, 'weekday' | 'start' | 'end'>): string {
  return `${WEEKDAY_NAMES[slot.weekday - 1] ?? ''} ${formatHm(slot.start)}–${formatHm(slot.end)}`;
}

export interface CoverageStatus {
  onDuty: boolean;
  /** When review resumes (null while covered, or when nothing is ever covered). */
  resumesAt: Date | null;
  text: string;
}

/**
 * What members read beside the composer: whether someone is on duty now and, if not, when
 * review resumes ("today from 18:00", "from Monday 9:00"), with the promised hours.
 */
export function coverageStatus(
  hours: BusinessHours,
  slots: readonly RotaSlot[],
  now: Date,
): CoverageStatus {
  if (isCovered(hours, slots, now))
    return { onDuty: true, resumesAt: null, text: en.coverage.onDutyNow };
  const next = nextCovered(hours, slots, now);
  if (!next) return { onDuty: false, resumesAt: null, text: `${describeHours(hours)}.` };
  const a = localParts(next, hours.timeZone);
  const b = localParts(now, hours.timeZone);
  const sameDay = a.year === b.year && a.month === b.month && a.day === b.day;
  const time = localTime(next, hours.timeZone);
  const when = sameDay
    ? en.posts.todayFrom(time)
    : en.posts.dayFrom(WEEKDAY_NAMES[a.weekday - 1] ?? '', time);
  return { onDuty: false, resumesAt: next, text: en.coverage.offDuty(describeHours(hours), when) };
}

export interface GridCell {
  hour: number;
  /** Minutes of this local hour that are covered (0–60; a DST hour may be shorter). */
  coveredMinutes: number;
  /** Posts submitted in this local weekday and hour over the period looked at. */
  arrivals: number;
}

export interface GridRow {
  weekday: number;
  name: string;
  cells: GridCell[];
}

/**
 * The coverage week view: for the local week that contains `now`, how much of each local hour is
 * covered, and how many posts arrived at that weekday and hour (`arrivals`, e.g. four weeks').
 */
export function weekGrid(
  hours: BusinessHours,
  slots: readonly RotaSlot[],
  now: Date,
  arrivals: readonly Date[],
): GridRow[] {
  const zone = hours.timeZone;
  const today = localParts(now, zone);
  const monday = new Date(Date.UTC(today.year, today.month - 1, today.day - (today.weekday - 1)));
  const counts = new Map<string, number>();
  for (const a of arrivals) {
    const p = localParts(a, zone);
    const k = `${p.weekday}:${p.hour}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const weekStart = zonedTime(
    monday.getUTCFullYear(),
    monday.getUTCMonth() + 1,
    monday.getUTCDate(),
    0,
    0,
    zone,
  );
  const intervals = coveredIntervals(
    hours,
    slots,
    weekStart,
    new Date(weekStart.getTime() + 8 * DAY_MS),
  );
  const rows: GridRow[] = [];
  for (let d = 0; d < 7; d += 1) {
    const cal = new Date(monday.getTime() + d * DAY_MS);
    const cells: GridCell[] = [];
    for (let h = 0; h < 24; h += 1) {
      const from = at(cal, `${String(h).padStart(2, '0')}:00`, zone);
      const to = at(cal, h === 23 ? '24:00' : `${String(h + 1).padStart(2, '0')}:00`, zone);
      let covered = 0;
      for (const i of intervals) {
        const a = Math.max(i.from.getTime(), from.getTime());
        const b = Math.min(i.to.getTime(), to.getTime());
        if (b > a) covered += b - a;
      }
      cells.push({
        hour: h,
        coveredMinutes: Math.min(60, Math.round(covered / 60_000)),
        arrivals: counts.get(`${d + 1}:${h}`) ?? 0,
      });
    }
    rows.push({ weekday: d + 1, name: WEEKDAY_NAMES[d] ?? '', cells });
  }
  return rows;
}
