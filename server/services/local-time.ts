import { parseLocalDateTime } from '../schemas/announcements';
import { localParts, zonedTime } from './business-hours';

/**
 * Date-time form fields are wall-clock times in a group's (or the site's) time zone; these turn
 * them into instants and back, through `zonedTime` (DST-safe).
 */
export function instantFromLocal(value: string, timeZone: string): Date | null {
  const p = parseLocalDateTime(value);
  if (!p) return null;
  return zonedTime(p.year, p.month, p.day, p.hour, p.minute, timeZone);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The value a `datetime-local` field shows for `date` in `timeZone` ("2026-03-05T14:30"). */
export function localInputValue(date: Date | null | undefined, timeZone: string): string {
  if (!date) return '';
  const p = localParts(date, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The local calendar day of `date` ("2026-03-05"), to group a calendar by day. */
export function localDayKey(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}
