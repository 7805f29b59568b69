import mongoose, { Types } from 'mongoose';
import { Membership, User, type MembershipDoc } from '../../models';
import { isActor, type Actor, type Caller } from '../context';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { canRemoveTarget } from '../policies/membership';
import { parseInput, removeMemberSchema } from '../schemas/groups';
import { recordAudit } from './audit';
import { findGroupBySlugOrId, requireGroupAccess } from './group-access';

export interface MemberListEntry {
  displayName: string;
  /** Present only when the viewer may remove this person (advocates, moderators). */
  userId?: string;
}

/**
 * Membership from the inside: the member list (display names only, members only), leaving, and
 * removal by an advocate or moderator. A removal takes effect at once: the write comes first,
 * then `membership.changed` makes the person's live sockets leave the group's rooms.
 */
export interface GroupViewerContext {
  group: { id: string; slug: string; name: string; disclaimer: string };
  consentPending: string[];
  isModerator: boolean;
  isAdvocate: boolean;
  canParticipate: boolean;
}

export function createMembershipService(deps: Deps) {
  return {
    /** What the member pages need about the viewer: the banner, and which links to offer. */
    async viewerContext(actor: Actor, groupRef: string): Promise<GroupViewerContext> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'enter');
      return {
        group: {
          id: access.group._id.toHexString(),
          slug: access.group.slug,
          name: access.group.name,
          disclaimer: access.group.disclaimer ?? '',
        },
        consentPending: access.consentPending,
        isModerator: access.isModerator,
        isAdvocate: access.isAdvocate,
        canParticipate: access.canParticipate,
      };
    },

    /** For the public page: the viewer's context when they are in the group, else null. */
    async optionalViewerContext(
      caller: Caller,
      groupRef: string,
    ): Promise<GroupViewerContext | null> {
      if (!isActor(caller)) return null;
      try {
        return await this.viewerContext(caller, groupRef);
      } catch (error) {
        if (error instanceof NotFoundError) return null;
        throw error;
      }
    },

    async listMembers(actor: Actor, groupRef: string): Promise<MemberListEntry[]> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'enter');
      const memberships = await Membership.find({ group: access.group._id, status: 'active' })
        .select({ user: 1, roles: 1, status: 1 })
        .limit(5000)
        .lean<MembershipDoc[]>();
      const users = await User.find({
        _id: mongoose.trusted({ $in: memberships.map((m) => m.user) }),
        status: 'active',
      })
        .select({ displayName: 1 })
        .lean();
      const byId = new Map(memberships.map((m) => [String(m.user), m]));
      return users
        .map((u) => {
          const target = byId.get(String(u._id)) ?? null;
          const removable = canRemoveTarget(
            access.membership,
            target,
            String(u._id) === actor.userId.toHexString(),
          );
          return removable
            ? { displayName: u.displayName, userId: String(u._id) }
            : { displayName: u.displayName };
        })
        .sort((a, b) => a.displayName.localeCompare(b.displayName, 'en'));
    },

    /** Leaving keeps approved posts in the group; coming back needs a working invitation. */
    async leaveGroup(actor: Actor, groupRef: string): Promise<{ name: string }> {
      const group = await findGroupBySlugOrId(groupRef);
      if (!group) throw new NotFoundError();
      const now = deps.clock.now();
      const left = await Membership.findOneAndUpdate(
        { user: actor.userId, group: group._id, status: 'active' },
        { $set: { status: 'left', endedAt: now } },
        { returnDocument: 'after' },
      ).lean<MembershipDoc>();
      if (!left) throw new NotFoundError();
      await recordAudit(deps, {
        key: `membership:${left._id.toHexString()}:left:${now.getTime()}`,
        action: 'membership.left',
        actor: actor.userId,
        group: group._id,
        targetType: 'membership',
        targetId: left._id,
      });
      deps.events.emit('membership.changed', {
        groupId: group._id.toHexString(),
        userId: actor.userId.toHexString(),
        status: 'left',
      });
      return { name: group.name };
    },

    async removeMember(actor: Actor, groupRef: string, input: unknown): Promise<void> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'enter');
      const data = parseInput(removeMemberSchema, input);
      const targetUser = new Types.ObjectId(data.userId);
      const target = await Membership.findOne({
        user: targetUser,
        group: access.group._id,
      }).lean<MembershipDoc>();
      if (!canRemoveTarget(access.membership, target, targetUser.equals(actor.userId))) {
        throw new NotFoundError();
      }
      const now = deps.clock.now();
      const removed = await Membership.findOneAndUpdate(
        { _id: target?._id, status: 'active' },
        { $set: { status: 'removed', endedAt: now } },
        { returnDocument: 'after' },
      ).lean<MembershipDoc>();
      if (!removed) throw new NotFoundError();
      await recordAudit(deps, {
        key: `membership:${removed._id.toHexString()}:removed:${now.getTime()}`,
        action: 'membership.removed',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'membership',
        targetId: removed._id,
        reason: data.reason,
        meta: { user: data.userId },
      });
      deps.events.emit('membership.changed', {
        groupId: access.group._id.toHexString(),
        userId: data.userId,
        status: 'removed',
      });
    },
  };
}
