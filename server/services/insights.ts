// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted } from 'mongoose';
import { AuditEvent, Group, Post, Report, type GroupDoc, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { isAdmin } from '../policies/group';
import { DEFAULT_HOURS, isOpen } from './business-hours';
import { findGroupBySlugOrId, requireGroupAccess } from './group-access';
import { discussionInsights, type Discussion } from './insights-discussion';
import { SANCTION_ACTIONS } from './journal';
import { addDays, dayKey, dayRange, median, percentile, suppressSmall } from './stats';

/**
 * Aggregates for a group's moderators (or, for administrators, any group or all groups) over
 * a period of local days: active members, posts, queue waiting times inside and outside
 * business hours, decisions by rule, response target met, reports and sanctions. Every figure
 * is a total for the group: no series is per member, and counts of active members below
 * SMALL_COUNT are withheld so a quiet day cannot point at one person.
 */
export interface Waiting {
  samples: number;
  median: number | null;
  p90: number | null;
}

export interface Insights {
  scope: { slug: string | null; name: string | null };
  days: number;
  from: string;
  to: string;
  timeZone: string;
  daily: Array<{
    day: string;
    activeMembers: number | null;
    submitted: number;
    published: number;
    reports: number;
    sanctions: number;
  }>;
  waiting: { inside: Waiting; outside: Waiting };
  decisionsByRule: Array<{ title: string; count: number }>;
  target: { met: number; total: number; share: number | null; minutes: number };
  groups: Array<{ slug: string; name: string }>;
  /** Replies per thread, returning members, time to first reply (insights-discussion.ts). */
  discussion: Discussion;
}

const APPROVALS = new Set(['approved', 'edited_and_approved']);
const DECISIONS = new Set(['approved', 'edited_and_approved', 'rejected']);

function waiting(samples: number[]): Waiting {
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    samples: samples.length,
    median: round(median(samples)),
    p90: round(percentile(samples, 90)),
  };
}

export function createInsightsService(deps: Deps) {
  const { clock } = deps;

  return {
    async groupInsights(actor: Actor, input: { group?: string; days?: number }): Promise<Insights> {
      let single: GroupDoc | null = null;
      if (isAdmin(actor)) {
        if (input.group) {
          single = await findGroupBySlugOrId(input.group);
          if (!single) throw new NotFoundError();
        }
      } else {
        if (!input.group) throw new NotFoundError();
        single = (await requireGroupAccess(clock, actor, input.group, 'moderate')).group;
      }
      const allGroups = isAdmin(actor)
        ? await Group.find({}).sort({ name: 1 }).lean<GroupDoc[]>()
        : [];
      const scopeGroups = single ? [single] : allGroups;
      const zone = single?.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;
      const days = input.days ?? 30;
      const to = dayKey(clock.now(), zone);
      const from = addDays(to, -(days - 1));
      const start = dayRange(from, zone).start;
      const end = dayRange(to, zone).end;
      const period = trusted({ $gte: start, $lt: end });
      const groupIds = scopeGroups.map((g) => g._id);
      const inGroups = trusted({ $in: groupIds });
      const byId = new Map(scopeGroups.map((g) => [String(g._id), g]));

      // privileged read: history, findings and authors only, never bodies; authors are
      // reduced to per-day distinct counts below and never leave this function.
      const posts = await Post.find({ group: inGroups, 'history.at': period })
        .select({ group: 1, author: 1, history: 1, lane: 1 })
        .lean<PostDoc[]>();
      const dayList: string[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) dayList.push(d);
      const authors = new Map(dayList.map((d) => [d, new Set<string>()]));
      const submitted = new Map(dayList.map((d) => [d, 0]));
      const published = new Map(dayList.map((d) => [d, 0]));
      const inside: number[] = [];
      const outside: number[] = [];
      const byRule = new Map<string, number>();
      let met = 0;
      let total = 0;
      const inPeriod = (at: Date | null | undefined): at is Date => !!at && at >= start && at < end;
      for (const post of posts) {
        const group = byId.get(String(post.group));
        const hours = group?.businessHours ?? DEFAULT_HOURS;
        const history = post.history ?? [];
        let openSubmit: Date | null = null;
        for (const h of history) {
          const action = h.action ?? '';
          if (action === 'submitted' || action === 'resubmitted' || action === 'undone') {
            openSubmit = h.at ?? null;
            if (action === 'submitted' && inPeriod(h.at)) {
              const k = dayKey(h.at, zone);
              submitted.set(k, (submitted.get(k) ?? 0) + 1);
              authors.get(k)?.add(String(post.author));
            }
            continue;
          }
          if (APPROVALS.has(action) && inPeriod(h.at)) {
            const k = dayKey(h.at, zone);
            published.set(k, (published.get(k) ?? 0) + 1);
          }
          if ((action === 'rejected' || action === 'hidden') && inPeriod(h.at)) {
            const title =
              (group?.rules ?? []).find((r) => r.ruleId === h.ruleId)?.title ?? h.ruleId ?? '—';
            byRule.set(title, (byRule.get(title) ?? 0) + 1);
          }
          if (DECISIONS.has(action) && openSubmit && h.at && inPeriod(h.at)) {
            const minutes = (h.at.getTime() - openSubmit.getTime()) / 60_000;
            const open = isOpen(hours, openSubmit);
            (open ? inside : outside).push(minutes);
            if (open) {
              const target =
                post.lane === 'priority'
                  ? (group?.settings?.crisisTargetMinutes ?? 5)
                  : (group?.settings?.responseTargetMinutes ?? 30);
              total += 1;
              if (minutes <= target) met += 1;
            }
            openSubmit = null;
          }
        }
      }
      const [reports, sanctions, discussion] = await Promise.all([
        Report.find({ group: inGroups, createdAt: period }).select({ createdAt: 1 }).lean(),
        AuditEvent.find({ group: inGroups, at: period, action: trusted({ $in: SANCTION_ACTIONS }) })
          .select({ at: 1 })
          .lean(),
        discussionInsights({ groupIds, start, end, from, to, timeZone: zone }),
      ]);
      const countBy = (dates: Date[]) => {
        const m = new Map<string, number>();
        for (const d of dates) m.set(dayKey(d, zone), (m.get(dayKey(d, zone)) ?? 0) + 1);
        return m;
      };
      const reportsBy = countBy(reports.map((r) => r.createdAt));
      const sanctionsBy = countBy(sanctions.map((s) => s.at));
      const targetMinutes = single?.settings?.responseTargetMinutes ?? 30;
      return {
        scope: { slug: single?.slug ?? null, name: single?.name ?? null },
        days,
        from,
        to,
        timeZone: zone,
        daily: dayList.map((day) => ({
          day,
          activeMembers: suppressSmall(authors.get(day)?.size ?? 0),
          submitted: submitted.get(day) ?? 0,
          published: published.get(day) ?? 0,
          reports: reportsBy.get(day) ?? 0,
          sanctions: sanctionsBy.get(day) ?? 0,
        })),
        waiting: { inside: waiting(inside), outside: waiting(outside) },
        decisionsByRule: [...byRule]
          .map(([title, count]) => ({ title, count }))
          .sort((a, b) => b.count - a.count || a.title.localeCompare(b.title)),
        target: {
          met,
          total,
          share: total ? Math.round((met / total) * 100) : null,
          minutes: targetMinutes,
        },
        groups: allGroups.map((g) => ({ slug: g.slug, name: g.name })),
        discussion,
      };
    },
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;
