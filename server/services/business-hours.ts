import { en } from '../i18n/en';

/**
 * A group's review hours, evaluated in its own time zone with Intl (so daylight saving time is
 * the platform's tz database, not our arithmetic). Pure: the current time is always passed in.
 */
export interface BusinessHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: readonly number[];
  /** "HH:MM", 24-hour, local to `timeZone`. */
  start: string;
  end: string;
  timeZone: string;
}

export const DEFAULT_HOURS: BusinessHours = {
  days: [1, 2, 3, 4, 5],
  start: '09:00',
  end: '17:00',
  timeZone: 'Europe/Dublin',
};

export const WEEKDAY_NAMES = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
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
    formatters.set(timeZone, f);
  }
  return f;
}

const SHORT_DAYS: Record<string, number> = {
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
  Sun: 7,
};

/** The wall clock in `timeZone` at `date`, read from Intl (the tz database). */
function intlParts(date: Date, timeZone: string): LocalParts & { second: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(date)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: SHORT_DAYS[parts.weekday ?? ''] ?? 1,
  };
}

/**
 * A zone's offset is the same for months at a time, and `formatToParts` is slow (a page reads
 * the local time of every post and of the review rota). The offset is asked of Intl once per zone
 * and quarter of an hour, at both ends of it; when both agree (always, but for the quarter of a
 * DST change) local times inside it are plain arithmetic. Bounded: cleared when it grows large.
 */
const QUARTER_MS = 15 * 60_000;
const offsetCache = new Map<string, number | null>();

function quarterOffset(quarter: number, timeZone: string): number | null {
  const key = `${timeZone} ${quarter}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const start = quarter * QUARTER_MS;
    const a = intlOffset(new Date(start), timeZone);
    const b = intlOffset(new Date(start + QUARTER_MS - 1000), timeZone);
    offset = a === b ? a : null;
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

function intlOffset(date: Date, timeZone: string): number {
  const p = intlParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

export function localParts(date: Date, timeZone: string): LocalParts & { second: number } {
  const t = date.getTime();
  const offset = Number.isFinite(t) ? quarterOffset(Math.floor(t / QUARTER_MS), timeZone) : null;
  if (offset === null) return intlParts(date, timeZone);
  const local = new Date(t + offset);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay() === 0 ? 7 : local.getUTCDay(),
  };
}

/** Offset of the zone from UTC at `date`, in milliseconds (e.g. +1 h for Dublin in summer). */
function offsetAt(date: Date, timeZone: string): number {
  const p = localParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local time. Two passes settle
 * the offset across a DST change; a time that does not exist (spring-forward gap) lands just after.
 */
export function zonedTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = wall - offsetAt(new Date(wall), timeZone);
  const second = wall - offsetAt(new Date(first), timeZone);
  return new Date(second);
}

function parseHm(hm: string): { hour: number; minute: number } {
  const [h, m] = hm.split(':');
  return { hour: Number(h ?? 0), minute: Number(m ?? 0) };
}

function minutesOfDay(hm: string): number {
  const { hour, minute } = parseHm(hm);
  return hour * 60 + minute;
}

export function isOpen(hours: BusinessHours, now: Date): boolean {
  const p = localParts(now, hours.timeZone);
  if (!hours.days.includes(p.weekday)) return false;
  const m = p.hour * 60 + p.minute;
  return m >= minutesOfDay(hours.start) && m < minutesOfDay(hours.end);
}

/** `now` itself when open; otherwise the next local opening time (null if no days are set). */
export function nextOpening(hours: BusinessHours, now: Date): Date | null {
  if (isOpen(hours, now)) return now;
  if (hours.days.length === 0) return null;
  const start = parseHm(hours.start);
  const today = localParts(now, hours.timeZone);
  // Walk forward over local calendar days (Date.UTC only as a calendar: it handles month ends).
  for (let i = 0; i <= 7; i += 1) {
    const cal = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    const weekday = ((cal.getUTCDay() + 6) % 7) + 1;
    if (!hours.days.includes(weekday)) continue;
    const opening = zonedTime(
      cal.getUTCFullYear(),
      cal.getUTCMonth() + 1,
      cal.getUTCDate(),
      start.hour,
      start.minute,
      hours.timeZone,
    );
    if (opening.getTime() > now.getTime()) return opening;
  }
  return null;
}

/** "Monday to Friday", "Monday, Wednesday and Friday", "every day". */
export function describeDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (sorted.length === 7) return en.posts.everyDay;
  const runs: number[][] = [];
  for (const d of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === d - 1) last.push(d);
    else runs.push([d]);
  }
  const name = (d: number) => WEEKDAY_NAMES[d - 1] ?? '';
  const pieces: string[] = [];
  for (const run of runs) {
    const first = run[0] as number;
    const last = run[run.length - 1] as number;
    if (run.length >= 3) pieces.push(`${name(first)} to ${name(last)}`);
    else for (const d of run) pieces.push(name(d));
  }
  if (pieces.length <= 1) return pieces[0] ?? '';
  return `${pieces.slice(0, -1).join(', ')} and ${pieces[pieces.length - 1]}`;
}

/** "9:00", "17:30" (no leading zero on the hour: easier to read). */
export function formatHm(hm: string): string {
  const { hour, minute } = parseHm(hm);
  return `${hour}:${String(minute).padStart(2, '0')}`;
}

export function describeHours(hours: BusinessHours): string {
  return en.posts.reviewHours(describeDays(hours.days), formatHm(hours.start), formatHm(hours.end));
}

/**
 * When the author's post will be read, when review is closed:
 * "Moderators review posts Monday to Friday, 9:00–17:00; yours will be read from Monday 9:00".
 */
export function reviewResumesSentence(hours: BusinessHours, now: Date): string {
  const opening = nextOpening(hours, now);
  if (!opening) return `${describeHours(hours)}.`;
  const at = localParts(opening, hours.timeZone);
  const today = localParts(now, hours.timeZone);
  const sameDay = at.year === today.year && at.month === today.month && at.day === today.day;
  const time = `${at.hour}:${String(at.minute).padStart(2, '0')}`;
  const when = sameDay
    ? en.posts.todayFrom(time)
    : en.posts.dayFrom(WEEKDAY_NAMES[at.weekday - 1] ?? '', time);
  return en.posts.reviewResumes(describeHours(hours), when);
}

/** "Tuesday 3 March, 10:00" in the group's zone, for "until when" messages. */
// Building an Intl.DateTimeFormat costs far more than using one: a page formats every post's time.
const monthFormatters = new Map<string, Intl.DateTimeFormat>();
function monthFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = monthFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone });
    monthFormatters.set(timeZone, f);
  }
  return f;
}

export function formatLocal(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  const month = monthFormatter(timeZone).format(date);
  const time = `${p.hour}:${String(p.minute).padStart(2, '0')}`;
  return `${WEEKDAY_NAMES[p.weekday - 1]} ${p.day} ${month}, ${time}`;
}

/** The instant review closes on the local day of `date`. */
function closingOn(hours: BusinessHours, date: Date): Date {
  const p = localParts(date, hours.timeZone);
  const end = parseHm(hours.end);
  return zonedTime(p.year, p.month, p.day, end.hour, end.minute, hours.timeZone);
}

/**
 * The instant at which `minutes` of review time have passed since `from` (time outside review
 * hours does not count): when a waiting post becomes late. Null when no review days are set.
 */
export function addReviewMinutes(hours: BusinessHours, from: Date, minutes: number): Date | null {
  let cursor = from;
  let remaining = minutes * 60_000;
  // Each turn either finishes or moves to the next opening; a few weeks' worth is plenty.
  for (let i = 0; i < 60; i += 1) {
    const opening = nextOpening(hours, cursor);
    if (!opening) return null;
    cursor = opening;
    const available = closingOn(hours, cursor).getTime() - cursor.getTime();
    if (remaining <= available) return new Date(cursor.getTime() + remaining);
    remaining -= Math.max(0, available);
    cursor = new Date(cursor.getTime() + Math.max(available, 60_000));
  }
  return null;
}
