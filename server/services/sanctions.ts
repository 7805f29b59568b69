// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Membership, type GroupDoc, type MembershipDoc } from '../../models';
import { UNTIL_LIFTED } from '../../models/membership';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { isMuted, isSuspended } from '../policies/group';
import { canSanctionTarget, sanctionEnd } from '../policies/moderation';
import { FORMER_MEMBER } from '../presenters/posts';
import type { LiftInput, RemoveInput, SanctionInput } from '../schemas/moderation';
import { recordAudit } from './audit';
import { auditReason } from './stats';
import { DEFAULT_HOURS, formatLocal } from './business-hours';
import { requireGroupAccess } from './group-access';
import { createNotifications } from './notifications';
import { displayNames, ruleLabels } from './posts';

/**
 * Mute (reads, cannot post or react), suspend (cannot enter) and removal. A sanction is an end
 * date on the membership, checked against the injected clock on every request and socket event,
 * so it ends on its own; `sweepExpiredSanctions` only clears the dates and tells live clients.
 */
const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

export interface MemberSanctionView {
  userId: string;
  name: string;
  roles: string[];
  staff: boolean;
  mutedUntil: string | null;
  suspendedUntil: string | null;
  mutedText: string | null;
  suspendedText: string | null;
}

function untilText(date: Date | null | undefined, zone: string): string | null {
  if (!date) return null;
  if (date.getTime() >= UNTIL_LIFTED.getTime()) return en.membershipNotice.untilLifted;
  return formatLocal(date, zone);
}

export function createSanctionService(deps: Deps) {
  const { clock } = deps;

  function zoneOf(group: GroupDoc): string {
    return group.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;
  }

  function ruleOf(group: GroupDoc, ruleId: string) {
    const rule = (group.rules ?? []).find((r) => r.ruleId === ruleId);
    if (!rule) {
      throw new ValidationError(en.toolkit.sanctions.rule, [
        { path: 'ruleId', message: en.toolkit.hide.ruleRequired },
      ]);
    }
    return rule;
  }

  async function target(actor: Actor, groupRef: string, userId: string) {
    const access = await requireGroupAccess(clock, actor, groupRef, 'moderate');
    const membership = await Membership.findOne({
      user: oid(userId),
      group: access.group._id,
    }).lean<MembershipDoc>();
    if (!canSanctionTarget(access.membership, membership, oid(userId).equals(actor.userId))) {
      throw new NotFoundError(en.toolkit.sanctions.notAllowed);
    }
    return { access, membership: membership as MembershipDoc };
  }

  function view(m: MembershipDoc, names: Map<string, string>, zone: string, now: Date) {
    const staff = m.roles.includes('moderator') || m.roles.includes('advocate');
    const muted = isMuted(m, now) ? (m.mutedUntil ?? null) : null;
    const suspended = isSuspended(m, now) ? (m.suspendedUntil ?? null) : null;
    return {
      userId: String(m.user),
      name: names.get(String(m.user)) ?? FORMER_MEMBER,
      roles: [...m.roles],
      staff,
      mutedUntil: muted?.toISOString() ?? null,
      suspendedUntil: suspended?.toISOString() ?? null,
      mutedText: untilText(muted, zone),
      suspendedText: untilText(suspended, zone),
    };
  }

  return {
    /** Active members with their current sanctions (moderators only). */
    async listMemberSanctions(
      actor: Actor,
      input: { group: string },
    ): Promise<{
      group: {
        id: string;
        slug: string;
        name: string;
        rules: Array<{ ruleId: string; title: string }>;
      };
      members: MemberSanctionView[];
    }> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      const memberships = await Membership.find({ group: group._id, status: 'active' })
        .limit(2000)
        .lean<MembershipDoc[]>();
      const names = await displayNames(memberships.map((m) => String(m.user)));
      const now = clock.now();
      const members = memberships
        .map((m) => view(m, names, zoneOf(group), now))
        .sort((a, b) => a.name.localeCompare(b.name));
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          rules: ruleLabels(group),
        },
        members,
      };
    },

    async getMemberSanction(actor: Actor, input: { group: string; userId: string }) {
      const { access, membership } = await target(actor, input.group, input.userId);
      const names = await displayNames([input.userId]);
      return {
        group: {
          id: String(access.group._id),
          slug: access.group.slug,
          name: access.group.name,
          rules: ruleLabels(access.group),
        },
        member: view(membership, names, zoneOf(access.group), clock.now()),
      };
    },

    /** Mutes or suspends until the chosen end (or until lifted). Takes effect on live sockets. */
    async sanctionMember(
      actor: Actor,
      groupRef: string,
      input: SanctionInput,
    ): Promise<{ until: string }> {
      const { access, membership } = await target(actor, groupRef, input.userId);
      const { group } = access;
      const rule = ruleOf(group, input.ruleId);
      const now = clock.now();
      const until = sanctionEnd(now, input.duration);
      const field = input.kind === 'mute' ? 'mutedUntil' : 'suspendedUntil';
      const status = input.kind === 'mute' ? 'muted' : 'suspended';
      const updated = await Membership.findOneAndUpdate(
        { _id: membership._id, status: 'active' },
        { $set: { [field]: until } },
        { returnDocument: 'after' },
      ).lean<MembershipDoc>();
      if (!updated) throw new NotFoundError(en.toolkit.sanctions.notAllowed);
      await recordAudit(deps, {
        key: `membership:${String(updated._id)}:${status}:${now.getTime()}`,
        action: `member.${status}`,
        actor: actor.userId,
        group: group._id,
        targetType: 'membership',
        targetId: updated._id,
        ruleId: rule.ruleId,
        ...auditReason(input.note),
        meta: { user: input.userId, until: until.toISOString(), duration: input.duration },
      });
      await createNotifications(deps, [
        {
          userId: input.userId,
          kind: 'membership_changed',
          groupId: group._id,
          data: {
            groupSlug: group.slug,
            groupName: group.name,
            status,
            until: untilText(until, zoneOf(group)) ?? '',
            ruleId: rule.ruleId,
            ruleTitle: rule.title,
            ...(input.note ? { note: input.note } : {}),
          },
        },
      ]);
      deps.events.emit('membership.changed', {
        groupId: String(group._id),
        userId: input.userId,
        status,
      });
      return { until: until.toISOString() };
    },

    /** Ends a mute and a suspension now. */
    async liftSanction(actor: Actor, groupRef: string, input: LiftInput): Promise<void> {
      const { access, membership } = await target(actor, groupRef, input.userId);
      const now = clock.now();
      await Membership.updateOne(
        { _id: membership._id },
        { $set: { mutedUntil: null, suspendedUntil: null } },
      );
      await recordAudit(deps, {
        key: `membership:${String(membership._id)}:lifted:${now.getTime()}`,
        action: 'member.sanction_lifted',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'membership',
        targetId: membership._id,
        ...auditReason(input.note),
        meta: { user: input.userId },
      });
      deps.events.emit('membership.changed', {
        groupId: String(access.group._id),
        userId: input.userId,
        status: 'active',
      });
    },

    /** Removal from the group, citing a rule. */
    async removeMember(actor: Actor, groupRef: string, input: RemoveInput): Promise<void> {
      const { access, membership } = await target(actor, groupRef, input.userId);
      const { group } = access;
      const rule = ruleOf(group, input.ruleId);
      const now = clock.now();
      const removed = await Membership.findOneAndUpdate(
        { _id: membership._id, status: 'active' },
        { $set: { status: 'removed', endedAt: now } },
        { returnDocument: 'after' },
      ).lean<MembershipDoc>();
      if (!removed) throw new NotFoundError(en.toolkit.sanctions.notAllowed);
      await recordAudit(deps, {
        key: `membership:${String(removed._id)}:removed:${now.getTime()}`,
        action: 'membership.removed',
        actor: actor.userId,
        group: group._id,
        targetType: 'membership',
        targetId: removed._id,
        ruleId: rule.ruleId,
        ...auditReason(input.note),
        meta: { user: input.userId },
      });
      await createNotifications(deps, [
        {
          userId: input.userId,
          kind: 'membership_changed',
          groupId: group._id,
          data: {
            groupName: group.name,
            status: 'removed',
            ruleId: rule.ruleId,
            ruleTitle: rule.title,
            ...(input.note ? { note: input.note } : {}),
          },
        },
      ]);
      deps.events.emit('membership.changed', {
        groupId: String(group._id),
        userId: input.userId,
        status: 'removed',
      });
    },

    /**
     * Clears sanctions whose end has passed and tells live clients (enforcement never waits
     * for this: the end date is checked on every request). Each clear is conditional on the
     * same end date, so two instances sweeping at once do the work once.
     */
    async sweepExpiredSanctions(): Promise<number> {
      const now = clock.now();
      const expired = await Membership.find({
        status: 'active',
        $or: [
          { mutedUntil: trusted({ $ne: null, $lte: now }) },
          { suspendedUntil: trusted({ $ne: null, $lte: now }) },
        ],
      })
        .limit(1000)
        .lean<MembershipDoc[]>();
      let cleared = 0;
      for (const m of expired) {
        const set: Record<string, null> = {};
        const cond: Record<string, unknown> = { _id: m._id };
        if (m.mutedUntil && m.mutedUntil <= now) {
          set.mutedUntil = null;
          cond.mutedUntil = m.mutedUntil;
        }
        if (m.suspendedUntil && m.suspendedUntil <= now) {
          set.suspendedUntil = null;
          cond.suspendedUntil = m.suspendedUntil;
        }
        const res = await Membership.updateOne(cond, { $set: set });
        if (res.modifiedCount === 0) continue;
        cleared += 1;
        await recordAudit(deps, {
          key: `membership:${String(m._id)}:expired:${Object.keys(set).join('+')}:${String(
            (m.suspendedUntil ?? m.mutedUntil)?.getTime(),
          )}`,
          action: 'member.sanction_expired',
          actor: null,
          group: m.group,
          targetType: 'membership',
          targetId: m._id,
          meta: { user: String(m.user) },
        });
        deps.events.emit('membership.changed', {
          groupId: String(m.group),
          userId: String(m.user),
          status: 'active',
        });
      }
      return cleared;
    },
  };
}

export type SanctionService = ReturnType<typeof createSanctionService>;
