// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Appeal,
  AuditEvent,
  Group,
  Membership,
  Post,
  type AppealDoc,
  type AuditEventDoc,
  type GroupDoc,
  type MembershipDoc,
  type PostDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { canModerate } from '../policies/group';
import { canDecideAppeal, isAppealable, pickAppealReviewer } from '../policies/moderation';
import { FORMER_MEMBER } from '../presenters/posts';
import type { AppealDecisionInput, AppealInput } from '../schemas/moderation';
import { recordAudit } from './audit';
import { DEFAULT_HOURS, formatLocal } from './business-hours';
import {
  decisionsAbout,
  groupsById,
  noteOf,
  oid,
  overturnDecision,
  ruleTitle,
  t,
  type AppealView,
  type DecisionView,
} from './decisions';
import { requireGroupAccess } from './group-access';
import type { ModerationService } from './moderation';
import { createNotifications } from './notifications';
import { displayNames } from './posts';
import { auditReason } from './stats';

/**
 * A member's decisions page and appeals. A decision is the audit event that recorded it
 * (rejection, hide, mute, suspension, removal); the member sees each with its rule and may
 * appeal once. The appeal goes to a moderator other than the decider where the group has one;
 * the outcome is recorded, audited and told to the member. Overturning reverses the decision:
 * a hidden post is restored, a rejected post goes back to the queue, a sanction is lifted, a
 * removal is undone.
 */
export function createAppealService(deps: Deps, moderation: ModerationService) {
  const { clock } = deps;
  const zone = (g: GroupDoc | undefined) => g?.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;

  return {
    /** Every decision about the actor's content and account, newest first. */
    async listMyDecisions(actor: Actor): Promise<DecisionView[]> {
      const { events, posts } = await decisionsAbout(actor.userId);
      const groups = await groupsById(events.map((e) => e.group as Types.ObjectId | null));
      const appeals = events.length
        ? await Appeal.find({ decision: trusted({ $in: events.map((e) => e._id) }) }).lean<
            AppealDoc[]
          >()
        : [];
      const byDecision = new Map(appeals.map((a) => [String(a.decision), a]));
      return events.map((e) => {
        const group = groups.get(String(e.group));
        const post = e.targetType === 'post' ? posts.get(e.targetId) : undefined;
        const appeal = byDecision.get(String(e._id));
        const until = typeof e.meta?.until === 'string' ? new Date(e.meta.until) : null;
        return {
          id: String(e._id),
          action: e.action,
          actionText: t().decisions.actions[e.action] ?? e.action,
          group: { name: group?.name ?? '', slug: group?.slug ?? '' },
          at: e.at.toISOString(),
          atText: formatLocal(e.at, zone(group)),
          ruleTitle: ruleTitle(group, e.ruleId),
          note: noteOf(e, post),
          untilText:
            until && until.getFullYear() < 9999
              ? formatLocal(until, zone(group))
              : until
                ? en.membershipNotice.untilLifted
                : null,
          postBody: post?.body ?? null,
          appeal: appeal
            ? {
                status: appeal.status,
                outcome: appeal.outcome ?? null,
                outcomeNote: appeal.outcomeNote || null,
              }
            : null,
          canAppeal: !appeal,
        };
      });
    },

    /** One appeal per decision, by the person it was about; routed to another moderator. */
    async appealDecision(actor: Actor, input: AppealInput): Promise<{ appealId: string }> {
      const event = await AuditEvent.findById(oid(input.decisionId)).lean<AuditEventDoc>();
      if (!event || !isAppealable(event.action) || !event.group) {
        throw new NotFoundError(t().decisions.notYours);
      }
      // The decision must be about the actor: their post, or their membership.
      let mine = false;
      if (event.targetType === 'post') {
        // privileged read: ownership check only
        mine = !!(await Post.exists({ _id: oid(event.targetId), author: actor.userId }));
      } else if (event.targetType === 'membership') {
        mine = !!(await Membership.exists({ _id: oid(event.targetId), user: actor.userId }));
      }
      if (!mine) throw new NotFoundError(t().decisions.notYours);

      const groupId = event.group as Types.ObjectId;
      const mods = await moderation.moderatorIds(groupId);
      const open = await Appeal.find({ group: groupId, status: 'open' })
        .select({ assignedTo: 1 })
        .lean();
      const counts = new Map<string, number>();
      for (const a of open) {
        const id = a.assignedTo ? String(a.assignedTo) : '';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const decider = event.actor ? String(event.actor) : null;
      const reviewer = pickAppealReviewer(
        mods.filter((m) => m !== String(actor.userId)),
        decider,
        counts,
      );
      const now = clock.now();
      let appeal: AppealDoc;
      try {
        const created = await Appeal.create({
          decision: event._id,
          group: groupId,
          appellant: actor.userId,
          action: event.action,
          targetType: event.targetType,
          targetId: event.targetId,
          ruleId: event.ruleId ?? null,
          decidedBy: event.actor ?? null,
          assignedTo: reviewer ? oid(reviewer) : null,
          statement: input.statement ?? '',
          createdAt: now,
        });
        appeal = created.toObject() as AppealDoc;
      } catch (error) {
        if ((error as { code?: number }).code === 11000) {
          throw new ConflictError(t().decisions.appealExists, 'conflict');
        }
        throw error;
      }
      await recordAudit(deps, {
        key: `appeal:${String(appeal._id)}:created`,
        action: 'appeal.created',
        actor: actor.userId,
        group: groupId,
        targetType: 'appeal',
        targetId: appeal._id,
        meta: { decision: String(event._id), assignedTo: reviewer ?? '' },
      });
      const group = await Group.findById(groupId).select({ slug: 1, name: 1 }).lean();
      if (reviewer) {
        await createNotifications(deps, [
          {
            userId: reviewer,
            kind: 'appeal_assigned',
            groupId,
            data: { groupSlug: group?.slug, groupName: group?.name },
          },
        ]);
      }
      return { appealId: String(appeal._id) };
    },

    /** Appeals of one group for its moderators: open first, then the last decided. */
    async listAppeals(
      actor: Actor,
      input: { group: string },
    ): Promise<{
      group: { id: string; slug: string; name: string };
      open: AppealView[];
      closed: AppealView[];
    }> {
      const access = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const { group } = access;
      const [open, closed] = await Promise.all([
        Appeal.find({ group: group._id, status: 'open' })
          .sort({ createdAt: 1 })
          .limit(200)
          .lean<AppealDoc[]>(),
        Appeal.find({ group: group._id, status: 'closed' })
          .sort({ closedAt: -1 })
          .limit(20)
          .lean<AppealDoc[]>(),
      ]);
      const all = [...open, ...closed];
      const people = all.flatMap((a) =>
        [a.appellant, a.assignedTo, a.decidedBy].filter(Boolean).map(String),
      );
      const names = await displayNames(people);
      const mods = new Set(await moderation.moderatorIds(group._id));
      const postIds = all.filter((a) => a.targetType === 'post').map((a) => oid(a.targetId));
      // privileged read: moderators see the content under appeal
      const posts = postIds.length
        ? await Post.find({ _id: trusted({ $in: postIds }), group: group._id })
            .select({ body: 1, decision: 1 })
            .lean<PostDoc[]>()
        : [];
      const postMap = new Map(posts.map((p) => [String(p._id), p]));
      const events = await AuditEvent.find({
        _id: trusted({ $in: all.map((a) => a.decision) }),
      }).lean<AuditEventDoc[]>();
      const eventMap = new Map(events.map((e) => [String(e._id), e]));
      const me = String(actor.userId);
      const view = (a: AppealDoc): AppealView => {
        const assigned = a.assignedTo ? String(a.assignedTo) : null;
        const decidedBy = a.decidedBy ? String(a.decidedBy) : null;
        const post = postMap.get(a.targetId);
        const event = eventMap.get(String(a.decision));
        return {
          id: String(a._id),
          actionText: t().decisions.actions[a.action] ?? a.action,
          at: formatLocal(a.createdAt, zone(group)),
          ruleTitle: ruleTitle(group, a.ruleId),
          decisionNote: event ? noteOf(event, post) : null,
          statement: a.statement ?? '',
          content: post?.body ?? null,
          appellantName: names.get(String(a.appellant)) ?? FORMER_MEMBER,
          assignedToMe: assigned === me,
          assignedName: assigned ? (names.get(assigned) ?? FORMER_MEMBER) : null,
          decidedByName: decidedBy ? (names.get(decidedBy) ?? FORMER_MEMBER) : null,
          canDecide:
            a.status === 'open' &&
            canDecideAppeal(
              me,
              true,
              { assignedTo: assigned, decidedBy },
              !!assigned && mods.has(assigned),
            ),
          status: a.status,
          outcome: a.outcome ?? null,
          outcomeNote: a.outcomeNote || null,
        };
      };
      return {
        group: { id: String(group._id), slug: group.slug, name: group.name },
        open: open.map(view),
        closed: closed.map(view),
      };
    },

    /** Records the outcome (one conditional update: open → closed), then applies it. */
    async decideAppeal(
      actor: Actor,
      input: AppealDecisionInput,
    ): Promise<{ appealId: string; outcome: string }> {
      const appeal = await Appeal.findById(oid(input.appealId)).lean<AppealDoc>();
      if (!appeal) throw new NotFoundError();
      const access = await requireGroupAccess(clock, actor, String(appeal.group), 'moderate');
      const assigned = appeal.assignedTo ? String(appeal.assignedTo) : null;
      const assigneeStill = assigned
        ? canModerate(
            await Membership.findOne({
              user: oid(assigned),
              group: access.group._id,
            }).lean<MembershipDoc>(),
          )
        : false;
      const decidedBy = appeal.decidedBy ? String(appeal.decidedBy) : null;
      if (
        !canDecideAppeal(
          String(actor.userId),
          access.isModerator,
          { assignedTo: assigned, decidedBy },
          assigneeStill,
        )
      ) {
        throw new ConflictError(t().appeals.notYours, 'forbidden');
      }
      const now = clock.now();
      const closed = await Appeal.findOneAndUpdate(
        { _id: appeal._id, status: 'open' },
        {
          $set: {
            status: 'closed',
            outcome: input.outcome,
            outcomeNote: input.note ?? '',
            outcomeBy: actor.userId,
            closedAt: now,
          },
        },
        { returnDocument: 'after' },
      ).lean<AppealDoc>();
      if (!closed) throw new ConflictError(t().appeals.closed, 'conflict');
      if (input.outcome === 'overturned')
        await overturnDecision(deps, moderation, actor, closed, access.group);
      await recordAudit(deps, {
        key: `appeal:${String(closed._id)}:${input.outcome}`,
        action: `appeal.${input.outcome}`,
        actor: actor.userId,
        group: access.group._id,
        targetType: 'appeal',
        targetId: closed._id,
        ...(closed.ruleId ? { ruleId: closed.ruleId } : {}),
        ...auditReason(input.note),
        meta: { decision: String(closed.decision), decidedAction: closed.action },
      });
      await createNotifications(deps, [
        {
          userId: closed.appellant,
          kind: 'appeal_decided',
          groupId: access.group._id,
          data: {
            groupSlug: access.group.slug,
            groupName: access.group.name,
            outcome: input.outcome,
            ...(input.note ? { note: input.note } : {}),
          },
        },
      ]);
      return { appealId: String(closed._id), outcome: input.outcome };
    },
  };
}

export type AppealService = ReturnType<typeof createAppealService>;
