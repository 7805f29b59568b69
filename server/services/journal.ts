// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted } from 'mongoose';
import {
  AuditEvent,
  JournalNote,
  Post,
  Report,
  type GroupDoc,
  type JournalNoteDoc,
  type PostDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { en } from '../i18n/en';
import { recordAudit } from './audit';
import { DEFAULT_HOURS, formatLocal } from './business-hours';
import { requireGroupAccess } from './group-access';
import { displayNames } from './posts';
import { addDays, csvRows, dayKey, dayRange } from './stats';

/**
 * The daily journal of a group, generated from the data for one local day (group time zone):
 * what was submitted and decided (by rule), reports, sanctions, crisis and threat items with
 * how fast they were handled, and moderators' notes. Counts and ids only, never a post body.
 */
export const SANCTION_ACTIONS = ['member.muted', 'member.suspended', 'membership.removed'];
const APPROVALS = new Set(['approved', 'edited_and_approved']);
const DECISIONS = new Set(['approved', 'edited_and_approved', 'rejected']);

export interface UrgentItem {
  postId: string;
  kind: 'crisis' | 'threat';
  submittedAt: string;
  submittedText: string;
  handledMinutes: number | null;
}

export interface JournalDay {
  group: { id: string; slug: string; name: string; timeZone: string };
  day: string;
  previous: string;
  next: string | null;
  submitted: number;
  approved: number;
  rejected: number;
  rejectedByRule: Array<{ ruleId: string; title: string; count: number }>;
  hidden: number;
  hiddenByRule: Array<{ ruleId: string; title: string; count: number }>;
  reportsReceived: number;
  reportsHandled: number;
  sanctions: Array<{ action: string; count: number }>;
  urgent: UrgentItem[];
  notes: Array<{ authorName: string; body: string; at: string }>;
}

function within(at: Date | null | undefined, start: Date, end: Date): boolean {
  return !!at && at >= start && at < end;
}

export function createJournalService(deps: Deps) {
  const { clock } = deps;

  function zoneOf(group: GroupDoc): string {
    return group.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;
  }

  async function build(group: GroupDoc, day: string): Promise<JournalDay> {
    const zone = zoneOf(group);
    const { start, end } = dayRange(day, zone);
    const at = trusted({ $gte: start, $lt: end });
    // privileged read: decision history of the day (no bodies are read or returned)
    const posts = await Post.find({ group: group._id, 'history.at': at })
      .select({ history: 1, findings: 1, submittedAt: 1 })
      .lean<PostDoc[]>();
    const rules = new Map((group.rules ?? []).map((r) => [r.ruleId, r.title]));
    let submitted = 0;
    let approved = 0;
    let rejected = 0;
    let hidden = 0;
    const rejectedBy = new Map<string, number>();
    const hiddenBy = new Map<string, number>();
    const urgent: UrgentItem[] = [];
    for (const post of posts) {
      const history = post.history ?? [];
      for (const h of history) {
        if (!within(h.at, start, end)) continue;
        if (h.action === 'submitted') submitted += 1;
        else if (APPROVALS.has(h.action ?? '')) approved += 1;
        else if (h.action === 'rejected') {
          rejected += 1;
          rejectedBy.set(h.ruleId ?? '', (rejectedBy.get(h.ruleId ?? '') ?? 0) + 1);
        } else if (h.action === 'hidden') {
          hidden += 1;
          hiddenBy.set(h.ruleId ?? '', (hiddenBy.get(h.ruleId ?? '') ?? 0) + 1);
        }
      }
      const kinds = new Set((post.findings ?? []).map((f) => f.kind));
      const kind = kinds.has('threat') ? 'threat' : kinds.has('crisis') ? 'crisis' : null;
      const first = history.find((h) => h.action === 'submitted');
      if (kind && first?.at && within(first.at, start, end)) {
        const decided = history.find(
          (h) => DECISIONS.has(h.action ?? '') && h.at && first.at && h.at >= first.at,
        );
        urgent.push({
          postId: String(post._id),
          kind,
          submittedAt: first.at.toISOString(),
          submittedText: formatLocal(first.at, zone),
          handledMinutes: decided?.at
            ? Math.round((decided.at.getTime() - first.at.getTime()) / 60_000)
            : null,
        });
      }
    }
    const [reportsReceived, reportsHandled, sanctionEvents, notes] = await Promise.all([
      Report.countDocuments({ group: group._id, createdAt: at }),
      Report.countDocuments({ group: group._id, handledAt: at }),
      AuditEvent.find({ group: group._id, at, action: trusted({ $in: SANCTION_ACTIONS }) })
        .select({ action: 1 })
        .lean(),
      JournalNote.find({ group: group._id, day }).sort({ createdAt: 1 }).lean<JournalNoteDoc[]>(),
    ]);
    const sanctionCounts = new Map<string, number>();
    for (const e of sanctionEvents)
      sanctionCounts.set(e.action, (sanctionCounts.get(e.action) ?? 0) + 1);
    const names = await displayNames(notes.map((n) => String(n.author)));
    const byRule = (m: Map<string, number>) =>
      [...m]
        .map(([ruleId, count]) => ({
          ruleId,
          title: rules.get(ruleId) ?? (ruleId || en.toolkit.journal.noRule),
          count,
        }))
        .sort((a, b) => b.count - a.count || a.title.localeCompare(b.title));
    const today = dayKey(clock.now(), zone);
    urgent.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
    return {
      group: { id: String(group._id), slug: group.slug, name: group.name, timeZone: zone },
      day,
      previous: addDays(day, -1),
      next: day < today ? addDays(day, 1) : null,
      submitted,
      approved,
      rejected,
      rejectedByRule: byRule(rejectedBy),
      hidden,
      hiddenByRule: byRule(hiddenBy),
      reportsReceived,
      reportsHandled,
      sanctions: SANCTION_ACTIONS.map((action) => ({
        action,
        count: sanctionCounts.get(action) ?? 0,
      })),
      urgent,
      notes: notes.map((n) => ({
        authorName: names.get(String(n.author)) ?? '—',
        body: n.body,
        at: formatLocal(n.createdAt, zone),
      })),
    };
  }

  return {
    async journalDay(actor: Actor, input: { group: string; day?: string }): Promise<JournalDay> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      return build(group, input.day ?? dayKey(clock.now(), zoneOf(group)));
    },

    async addJournalNote(
      actor: Actor,
      input: { group: string; day: string; body: string },
    ): Promise<void> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const note = await JournalNote.create({
        group: group._id,
        day: input.day,
        author: actor.userId,
        body: input.body,
        createdAt: clock.now(),
      });
      await recordAudit(deps, {
        key: `journal-note:${String(note._id)}`,
        action: 'journal.note_added',
        actor: actor.userId,
        group: group._id,
        targetType: 'journal_note',
        targetId: note._id,
        meta: { day: input.day },
      });
    },

    /** The day as CSV (section, item, value); the export itself is audited. */
    async journalCsv(
      actor: Actor,
      input: { group: string; day?: string },
    ): Promise<{ filename: string; csv: string }> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const j = await build(group, input.day ?? dayKey(clock.now(), zoneOf(group)));
      const rows: Array<Array<string | number | null>> = [
        ['section', 'item', 'value'],
        ['day', 'date', j.day],
        ['day', 'time_zone', j.group.timeZone],
        ['posts', 'submitted', j.submitted],
        ['posts', 'approved', j.approved],
        ['posts', 'rejected', j.rejected],
        ...j.rejectedByRule.map((r) => ['rejected_by_rule', r.title, r.count]),
        ['posts', 'hidden', j.hidden],
        ...j.hiddenByRule.map((r) => ['hidden_by_rule', r.title, r.count]),
        ['reports', 'received', j.reportsReceived],
        ['reports', 'handled', j.reportsHandled],
        ...j.sanctions.map((s) => ['sanctions', s.action, s.count]),
        ...j.urgent.map((u) => [
          `urgent_${u.kind}`,
          u.submittedAt,
          u.handledMinutes === null ? 'not_handled' : u.handledMinutes,
        ]),
        ...j.notes.map((n) => ['note', n.at, n.body]),
      ];
      await recordAudit(deps, {
        key: `journal-export:${String(group._id)}:${j.day}:${String(actor.userId)}:${clock.now().getTime()}`,
        action: 'journal.exported',
        actor: actor.userId,
        group: group._id,
        targetType: 'journal',
        targetId: group._id,
        meta: { day: j.day },
      });
      return { filename: `journal-${group.slug}-${j.day}.csv`, csv: csvRows(rows) };
    },
  };
}

export type JournalService = ReturnType<typeof createJournalService>;
