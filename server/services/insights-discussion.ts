// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, type Types } from 'mongoose';
import { Post, type PostDoc } from '../../models';
import { addDays, dayKey, median, percentile, suppressSmall } from './stats';

/**
 * The measures of a living discussion rather than of reach (issue 14): replies per thread,
 * members who come back week after week, and how soon a new post gets its first reply. Only
 * totals leave this module; counts of people below SMALL_COUNT are withheld as elsewhere in
 * insights, and a share is given only when both of its counts are shown.
 */
export interface ReplyBucket {
  /** "0", "1", "2–3", "4–7", "8+" */
  label: string;
  threads: number;
}

export interface ReturningWeek {
  /** Monday of the local week (YYYY-MM-DD). */
  weekStart: string;
  /** Members who posted (submitted anything) that week; null when fewer than 3. */
  posted: number | null;
  /** Of them, members who also posted the week before; null when fewer than 3. */
  returning: number | null;
  /** returning / posted in per cent, or null when either count is withheld or none posted. */
  share: number | null;
}

export interface Discussion {
  replies: { threads: number; median: number | null; buckets: ReplyBucket[] };
  returning: ReturningWeek[];
  firstReply: { samples: number; median: number | null; p90: number | null; withoutReply: number };
}

const BUCKETS: Array<{ label: string; min: number; max: number }> = [
  { label: '0', min: 0, max: 0 },
  { label: '1', min: 1, max: 1 },
  { label: '2–3', min: 2, max: 3 },
  { label: '4–7', min: 4, max: 7 },
  { label: '8+', min: 8, max: Number.POSITIVE_INFINITY },
];

/** ISO weekday (1 = Monday) of a calendar day. */
function isoWeekday(day: string): number {
  return ((new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of the week a calendar day is in. */
export function mondayOf(day: string): string {
  return addDays(day, -(isoWeekday(day) - 1));
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

export interface DiscussionFacts {
  /** Approved top-level posts published in the period. */
  threads: Array<{ id: string; publishedAt: Date }>;
  /** Approved replies to those threads (any time). */
  replies: Array<{ parent: string; publishedAt: Date }>;
  /** Every submission (author, when) from the Monday before the first week to the period end. */
  submissions: Array<{ author: string; at: Date }>;
}

/** The figures from plain facts (pure: the seeded test checks it by hand-computed values). */
export function discussionFigures(
  facts: DiscussionFacts,
  period: { from: string; to: string; timeZone: string },
): Discussion {
  const repliesBy = new Map<string, Date[]>();
  for (const r of facts.replies) {
    const list = repliesBy.get(r.parent) ?? [];
    list.push(r.publishedAt);
    repliesBy.set(r.parent, list);
  }
  const counts: number[] = [];
  const firstReply: number[] = [];
  let withoutReply = 0;
  for (const thread of facts.threads) {
    const list = repliesBy.get(thread.id) ?? [];
    counts.push(list.length);
    if (list.length === 0) {
      withoutReply += 1;
      continue;
    }
    const first = Math.min(...list.map((d) => d.getTime()));
    firstReply.push(Math.max(0, (first - thread.publishedAt.getTime()) / 60_000));
  }

  const byWeek = new Map<string, Set<string>>();
  for (const s of facts.submissions) {
    const week = mondayOf(dayKey(s.at, period.timeZone));
    const set = byWeek.get(week) ?? new Set<string>();
    set.add(s.author);
    byWeek.set(week, set);
  }
  const returning: ReturningWeek[] = [];
  for (let week = mondayOf(period.from); week <= period.to; week = addDays(week, 7)) {
    const now = byWeek.get(week) ?? new Set<string>();
    const before = byWeek.get(addDays(week, -7)) ?? new Set<string>();
    const back = [...now].filter((a) => before.has(a)).length;
    const posted = suppressSmall(now.size);
    const returned = suppressSmall(back);
    returning.push({
      weekStart: week,
      posted,
      returning: returned,
      share:
        posted === null || returned === null || now.size === 0
          ? null
          : Math.round((back / now.size) * 100),
    });
  }

  return {
    replies: {
      threads: counts.length,
      median: round1(median(counts)),
      buckets: BUCKETS.map((b) => ({
        label: b.label,
        threads: counts.filter((c) => c >= b.min && c <= b.max).length,
      })),
    },
    returning,
    firstReply: {
      samples: firstReply.length,
      median: round1(median(firstReply)),
      p90: round1(percentile(firstReply, 90)),
      withoutReply,
    },
  };
}

/** Reads the facts for some groups and a period, then computes the figures. */
export async function discussionInsights(input: {
  groupIds: Types.ObjectId[];
  start: Date;
  end: Date;
  from: string;
  to: string;
  timeZone: string;
}): Promise<Discussion> {
  const inGroups = trusted({ $in: input.groupIds });
  // privileged read: ids and publication times of approved threads only (aggregates, no bodies)
  const threads = await Post.find({
    group: inGroups,
    parent: null,
    status: 'approved',
    publishedAt: trusted({ $gte: input.start, $lt: input.end }),
  })
    .select({ _id: 1, publishedAt: 1 })
    .lean<PostDoc[]>();
  const ids = threads.map((t) => t._id);
  // privileged read: parent ids and publication times of approved replies (aggregates only)
  const replies = ids.length
    ? await Post.find({ parent: trusted({ $in: ids }), status: 'approved' })
        .select({ parent: 1, publishedAt: 1 })
        .lean<PostDoc[]>()
    : [];
  // Returning members need the week before the first week too.
  const windowStart = new Date(input.start.getTime() - 14 * 86_400_000);
  // privileged read: authors and submission times only; reduced to weekly counts below
  const submitted = await Post.find({
    group: inGroups,
    'history.at': trusted({ $gte: windowStart, $lt: input.end }),
  })
    .select({ author: 1, history: 1 })
    .lean<PostDoc[]>();
  const submissions: DiscussionFacts['submissions'] = [];
  for (const p of submitted) {
    for (const h of p.history ?? []) {
      if (h.action === 'submitted' && h.at && h.at >= windowStart && h.at < input.end) {
        submissions.push({ author: String(p.author), at: h.at });
      }
    }
  }
  return discussionFigures(
    {
      threads: threads
        .filter((t) => t.publishedAt)
        .map((t) => ({ id: String(t._id), publishedAt: t.publishedAt as Date })),
      replies: replies
        .filter((r) => r.publishedAt && r.parent)
        .map((r) => ({ parent: String(r.parent), publishedAt: r.publishedAt as Date })),
      submissions,
    },
    { from: input.from, to: input.to, timeZone: input.timeZone },
  );
}
