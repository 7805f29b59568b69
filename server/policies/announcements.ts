/**
 * Pure rules of banners, pins, moderators' notes, scheduled announcements and the quiet-group
 * warning. No I/O: callers pass the facts; services turn a "no" into 404 (outside the group or
 * without the role) or 409 (the state changed).
 */

const DAY_MS = 86_400_000;

export type BannerState = 'upcoming' | 'active' | 'ended';

export interface BannerTimes {
  startsAt: Date;
  endsAt?: Date | null;
}

/** Where a banner stands at `now`: shown between its start (inclusive) and end (exclusive). */
export function bannerState(banner: BannerTimes, now: Date): BannerState {
  if (banner.endsAt && banner.endsAt.getTime() <= now.getTime()) return 'ended';
  if (banner.startsAt.getTime() > now.getTime()) return 'upcoming';
  return 'active';
}

/** Shown to someone unless they dismissed this very revision (a change brings it back). */
export function isBannerShown(
  banner: BannerTimes & { revision: number },
  dismissedRevision: number | null | undefined,
  now: Date,
): boolean {
  if (bannerState(banner, now) !== 'active') return false;
  return dismissedRevision == null || dismissedRevision < banner.revision;
}

/** The facts of a banner that make a dismissal stale when they change. */
export interface BannerContent {
  kind: string;
  text: string;
  startsAt: Date;
  endsAt?: Date | null;
}

export function bannerContentChanged(before: BannerContent, after: BannerContent): boolean {
  const time = (d: Date | null | undefined) => (d ? d.getTime() : null);
  return (
    before.kind !== after.kind ||
    before.text !== after.text ||
    time(before.startsAt) !== time(after.startsAt) ||
    time(before.endsAt) !== time(after.endsAt)
  );
}

/** Announcements are written by the group's moderators, or administrators who belong to it. */
export function canManageAnnouncements(facts: { isModerator: boolean; isAdmin: boolean }): boolean {
  return facts.isModerator || facts.isAdmin;
}

/** Only top-level posts that are published can be pinned. */
export function canPin(post: {
  status: string;
  parent?: unknown;
}): 'ok' | 'not_published' | 'reply' {
  if (post.status !== 'approved') return 'not_published';
  if (post.parent) return 'reply';
  return 'ok';
}

/**
 * A source link for a moderator's note: an absolute http(s) address with a host and without
 * user name or password (which could disguise where it leads). Returns the normalised address.
 */
export function safeSourceUrl(input: string): string | null {
  const text = input.trim();
  if (!text || text.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.href;
}

/**
 * Whether moderators should be warned that the group is quiet: `quietDays` (0 = never) have
 * passed since the last approved post, or since the group was made if it has none.
 */
export function isQuiet(
  lastPublishedAt: Date | null,
  groupCreatedAt: Date,
  quietDays: number,
  now: Date,
): boolean {
  if (quietDays <= 0) return false;
  const since = lastPublishedAt ?? groupCreatedAt;
  return now.getTime() - since.getTime() >= quietDays * DAY_MS;
}
