// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  Group,
  Membership,
  PmThread,
  PrivateMessage,
  User,
  type MembershipDoc,
  type PmThreadDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ForbiddenError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import {
  canRespond,
  canUnblock,
  isParticipant,
  sharedPmGroups,
  writeRefusal,
  type ThreadFacts,
} from '../policies/private-messages';
import { FORMER_MEMBER } from '../presenters/posts';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import { createNotifications } from './notifications';

/**
 * Private messages between members: off unless a shared group's moderators turned them on,
 * only after the recipient accepts, blockable, reportable. Moderators read a conversation only
 * when it was reported to their group; each read is audited and shown to both participants.
 * A person with no right to message someone gets the same 404 as for an unknown person, so
 * nothing reveals who is a member of what.
 */

const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

function facts(t: PmThreadDoc): ThreadFacts {
  return {
    participants: t.participants.map(String),
    status: t.status,
    requestedBy: String(t.requestedBy),
    blockedBy: t.blockedBy ? String(t.blockedBy) : null,
  };
}

async function membershipsOf(userId: string) {
  const list = await Membership.find({ user: oid(userId), status: 'active' }).lean<
    MembershipDoc[]
  >();
  return list.map((m) => ({ ...m, group: String(m.group) }));
}

/** The groups through which two people may message each other now. */
async function sharedGroups(a: string, b: string, now: Date): Promise<string[]> {
  const [ma, mb] = await Promise.all([membershipsOf(a), membershipsOf(b)]);
  const ids = [...new Set([...ma, ...mb].map((m) => m.group))].map(oid);
  const enabled = await Group.find({
    _id: trusted({ $in: ids }),
    'settings.privateMessages': true,
  })
    .select({ _id: 1 })
    .lean();
  return sharedPmGroups(ma, mb, new Set(enabled.map((g) => String(g._id))), now);
}

async function names(ids: string[]): Promise<Map<string, string>> {
  const users = await User.find({ _id: trusted({ $in: ids.map(oid) }) })
    .select({ displayName: 1, status: 1 })
    .lean();
  return new Map(
    users.map((u) => [String(u._id), u.status === 'erased' ? FORMER_MEMBER : u.displayName]),
  );
}

export interface PmMessageView {
  id: string;
  threadId: string;
  from: string;
  mine: boolean;
  body: string;
  sentAt: string;
}

export interface PmThreadView {
  id: string;
  withName: string;
  status: 'requested' | 'accepted' | 'declined';
  incomingRequest: boolean;
  blocked: boolean;
  blockedByMe: boolean;
  canWrite: boolean;
  moderatorReads: string[];
  messages: PmMessageView[];
}

function presentMessages(
  list: Array<{
    _id: Types.ObjectId;
    sender: Types.ObjectId;
    body: string;
    sentAt: Date;
    thread: Types.ObjectId;
  }>,
  viewerId: string | null,
  nameOf: Map<string, string>,
): PmMessageView[] {
  return list.map((m) => ({
    id: String(m._id),
    threadId: String(m.thread),
    from: nameOf.get(String(m.sender)) ?? FORMER_MEMBER,
    mine: String(m.sender) === viewerId,
    body: m.body,
    sentAt: m.sentAt.toISOString(),
  }));
}

/** For the live push: one stored message, presented for its participants. */
export async function presentStoredMessage(
  messageId: string,
): Promise<{ view: PmMessageView; senderId: string } | null> {
  const m = await PrivateMessage.findById(oid(messageId)).lean();
  if (!m) return null;
  const [view] = presentMessages([m], null, await names([String(m.sender)]));
  return view ? { view, senderId: String(m.sender) } : null;
}

export function createPrivateMessageService(deps: Deps) {
  async function loadThread(actor: Actor, threadId: string): Promise<PmThreadDoc> {
    if (!Types.ObjectId.isValid(threadId)) throw new NotFoundError();
    const thread = await PmThread.findById(oid(threadId)).lean<PmThreadDoc>();
    if (!thread || !isParticipant(facts(thread), String(actor.userId))) throw new NotFoundError();
    return thread;
  }

  async function threadView(actor: Actor, thread: PmThreadDoc): Promise<PmThreadView> {
    const me = String(actor.userId);
    const f = facts(thread);
    const other = f.participants.find((p) => p !== me) ?? me;
    const [nameOf, messages, shared] = await Promise.all([
      names(f.participants),
      PrivateMessage.find({ thread: thread._id }).sort({ sentAt: 1 }).limit(500).lean(),
      sharedGroups(me, other, deps.clock.now()),
    ]);
    return {
      id: String(thread._id),
      withName: nameOf.get(other) ?? FORMER_MEMBER,
      status: thread.status,
      incomingRequest: canRespond(f, me),
      blocked: Boolean(f.blockedBy),
      blockedByMe: f.blockedBy === me,
      canWrite: writeRefusal(f, me, shared.length) === null,
      moderatorReads: thread.moderatorReads.map((r) => (r.at as Date).toISOString()),
      messages: presentMessages(messages, me, nameOf),
    };
  }

  return {
    /** People the actor could ask (shared groups with private messages on), by display name. */
    async listContacts(actor: Actor): Promise<Array<{ id: string; name: string }>> {
      const mine = await membershipsOf(String(actor.userId));
      const enabled = await Group.find({
        _id: trusted({ $in: mine.map((m) => oid(m.group)) }),
        'settings.privateMessages': true,
      })
        .select({ _id: 1 })
        .lean();
      if (enabled.length === 0) return [];
      const others = await Membership.find({
        group: trusted({ $in: enabled.map((g) => g._id) }),
        status: 'active',
        user: trusted({ $ne: actor.userId }),
      })
        .select({ user: 1 })
        .lean();
      const ids = [...new Set(others.map((m) => String(m.user)))];
      const nameOf = await names(ids);
      return ids
        .map((id) => ({ id, name: nameOf.get(id) ?? FORMER_MEMBER }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    async listThreads(actor: Actor) {
      const me = String(actor.userId);
      const threads = await PmThread.find({ participants: actor.userId })
        .sort({ lastMessageAt: -1, createdAt: -1 })
        .limit(200)
        .lean<PmThreadDoc[]>();
      const nameOf = await names([...new Set(threads.flatMap((t) => t.participants.map(String)))]);
      return threads
        .filter((t) => !(t.status === 'declined' && String(t.requestedBy) === me))
        .map((t) => {
          const other = t.participants.map(String).find((p) => p !== me) ?? me;
          return {
            id: String(t._id),
            withName: nameOf.get(other) ?? FORMER_MEMBER,
            status: t.status,
            incomingRequest: canRespond(facts(t), me),
            blocked: Boolean(t.blockedBy),
          };
        });
    },

    /** Asks to exchange private messages. 404 unless a shared group allows it. */
    async requestConversation(actor: Actor, input: { userId: string }): Promise<{ id: string }> {
      const me = String(actor.userId);
      if (!Types.ObjectId.isValid(input.userId) || input.userId === me) throw new NotFoundError();
      const shared = await sharedGroups(me, input.userId, deps.clock.now());
      if (shared.length === 0) throw new NotFoundError();
      const pair = [me, input.userId].sort();
      const pairKey = pair.join(':');
      const existing = await PmThread.findOne({ pairKey }).lean<PmThreadDoc>();
      if (existing) {
        // A declined request may be renewed only by the person who declined it.
        if (existing.status === 'declined' && String(existing.requestedBy) !== me) {
          await PmThread.updateOne(
            { _id: existing._id, status: 'declined' },
            { $set: { status: 'requested', requestedBy: actor.userId } },
          );
        }
        return { id: String(existing._id) };
      }
      try {
        const created = await PmThread.create({
          participants: pair.map(oid),
          pairKey,
          requestedBy: actor.userId,
          group: oid(shared[0] as string),
          createdAt: deps.clock.now(),
        });
        await createNotifications(deps, [
          {
            userId: input.userId,
            kind: 'private_message',
            data: { threadId: String(created._id) },
          },
        ]);
        return { id: String(created._id) };
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) throw error;
        const again = await PmThread.findOne({ pairKey }).lean<PmThreadDoc>();
        if (!again) throw error;
        return { id: String(again._id) };
      }
    },

    async respondToRequest(actor: Actor, input: { threadId: string; accept: boolean }) {
      const thread = await loadThread(actor, input.threadId);
      if (!canRespond(facts(thread), String(actor.userId))) {
        throw new ForbiddenError(en.messages.notAllowed, 'pm_not_allowed');
      }
      const now = deps.clock.now();
      await PmThread.updateOne(
        { _id: thread._id, status: 'requested' },
        input.accept
          ? { $set: { status: 'accepted', acceptedAt: now } }
          : { $set: { status: 'declined' } },
      );
    },

    async getThread(actor: Actor, input: { threadId: string }): Promise<PmThreadView> {
      return threadView(actor, await loadThread(actor, input.threadId));
    },

    /** Stored before it is delivered; refused unless accepted, unblocked and still allowed. */
    async sendMessage(
      actor: Actor,
      input: { threadId: string; body: string },
    ): Promise<PmMessageView> {
      const thread = await loadThread(actor, input.threadId);
      const me = String(actor.userId);
      const f = facts(thread);
      const other = f.participants.find((p) => p !== me) ?? me;
      const shared = await sharedGroups(me, other, deps.clock.now());
      if (writeRefusal(f, me, shared.length)) {
        throw new ForbiddenError(en.messages.notAllowed, 'pm_not_allowed');
      }
      const now = deps.clock.now();
      const message = await PrivateMessage.create({
        thread: thread._id,
        sender: actor.userId,
        body: input.body,
        sentAt: now,
      });
      await PmThread.updateOne({ _id: thread._id }, { $set: { lastMessageAt: now } });
      deps.events.emit('pm.message', {
        threadId: String(thread._id),
        messageId: String(message._id),
        participants: f.participants,
      });
      await createNotifications(deps, [
        { userId: other, kind: 'private_message', data: { threadId: String(thread._id) } },
      ]);
      const [view] = presentMessages([message.toObject()], me, await names([me]));
      return view as PmMessageView;
    },

    async setBlocked(actor: Actor, input: { threadId: string; block: boolean }): Promise<void> {
      const thread = await loadThread(actor, input.threadId);
      const f = facts(thread);
      if (input.block) {
        if (!f.blockedBy) {
          await PmThread.updateOne(
            { _id: thread._id, blockedBy: null },
            { $set: { blockedBy: actor.userId } },
          );
        }
        return;
      }
      if (!canUnblock(f, String(actor.userId))) {
        throw new ForbiddenError(en.messages.notAllowed, 'pm_not_allowed');
      }
      await PmThread.updateOne({ _id: thread._id }, { $set: { blockedBy: null } });
    },

    /**
     * Reports the conversation to a group both share (the one it started in if still shared).
     * Its moderators are told; the messages stay where they are, as context for the report.
     */
    async reportThread(actor: Actor, input: { threadId: string; reason: string }) {
      const thread = await loadThread(actor, input.threadId);
      const me = String(actor.userId);
      const other = facts(thread).participants.find((p) => p !== me) ?? me;
      const [mine, theirs] = await Promise.all([membershipsOf(me), membershipsOf(other)]);
      const theirGroups = new Set(theirs.map((m) => m.group));
      const shared = mine.map((m) => m.group).filter((g) => theirGroups.has(g));
      const groupId = shared.includes(String(thread.group)) ? String(thread.group) : shared[0];
      const target = groupId ?? String(thread.group);
      const now = deps.clock.now();
      await PmThread.updateOne(
        { _id: thread._id },
        {
          $push: {
            reports: { by: actor.userId, group: oid(target), at: now, reason: input.reason },
          },
        },
      );
      await recordAudit(deps, {
        key: `pm:${String(thread._id)}:report:${me}:${now.getTime()}`,
        action: 'pm.reported',
        actor: actor.userId,
        group: oid(target),
        targetType: 'pm_thread',
        targetId: thread._id,
      });
      const group = await Group.findById(oid(target)).select({ slug: 1, name: 1 }).lean();
      const moderators = await Membership.find({
        group: oid(target),
        status: 'active',
        roles: 'moderator',
      })
        .select({ user: 1 })
        .lean();
      await createNotifications(
        deps,
        moderators
          .filter((m) => !facts(thread).participants.includes(String(m.user)))
          .map((m) => ({
            userId: m.user,
            kind: 'pm_reported' as const,
            groupId: oid(target),
            data: group ? { groupSlug: group.slug, groupName: group.name } : {},
          })),
      );
    },

    /** Moderators: the conversations reported to this group (no content until opened). */
    async listReportedThreads(actor: Actor, input: { group: string }) {
      const access = await requireGroupAccess(deps.clock, actor, input.group, 'moderate');
      const threads = await PmThread.find({ 'reports.group': access.group._id })
        .sort({ createdAt: -1 })
        .limit(100)
        .lean<PmThreadDoc[]>();
      return {
        privateMessages: Boolean(access.group.settings?.privateMessages),
        threads: threads.map((t) => {
          const reports = t.reports.filter((r) => String(r.group) === String(access.group._id));
          return {
            id: String(t._id),
            reports: reports.length,
            lastReportAt: (reports[reports.length - 1]?.at as Date | undefined)?.toISOString(),
          };
        }),
      };
    },

    /** A moderator opens a reported conversation: logged (audit) and shown to both people. */
    async readReportedThread(actor: Actor, input: { group: string; threadId: string }) {
      const access = await requireGroupAccess(deps.clock, actor, input.group, 'moderate');
      if (!Types.ObjectId.isValid(input.threadId)) throw new NotFoundError();
      const thread = await PmThread.findOne({
        _id: oid(input.threadId),
        'reports.group': access.group._id,
      }).lean<PmThreadDoc>();
      if (!thread) throw new NotFoundError();
      const now = deps.clock.now();
      await PmThread.updateOne(
        { _id: thread._id },
        { $push: { moderatorReads: { by: actor.userId, group: access.group._id, at: now } } },
      );
      await recordAudit(deps, {
        key: `pm:${String(thread._id)}:read:${String(actor.userId)}:${now.getTime()}`,
        action: 'pm.read_by_moderator',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'pm_thread',
        targetId: thread._id,
      });
      const f = facts(thread);
      const [nameOf, messages] = await Promise.all([
        names(f.participants),
        PrivateMessage.find({ thread: thread._id }).sort({ sentAt: 1 }).limit(500).lean(),
      ]);
      return {
        id: String(thread._id),
        participants: f.participants.map((p) => nameOf.get(p) ?? FORMER_MEMBER),
        reports: thread.reports
          .filter((r) => String(r.group) === String(access.group._id))
          .map((r) => ({
            by: nameOf.get(String(r.by)) ?? FORMER_MEMBER,
            at: (r.at as Date).toISOString(),
            reason: r.reason ?? '',
          })),
        messages: presentMessages(messages, null, nameOf),
      };
    },

    /** Moderators turn private messages on or off for their group (audited). */
    async setGroupPrivateMessages(actor: Actor, input: { group: string; enabled: boolean }) {
      const access = await requireGroupAccess(deps.clock, actor, input.group, 'moderate');
      await Group.updateOne(
        { _id: access.group._id },
        { $set: { 'settings.privateMessages': input.enabled } },
      );
      await recordAudit(deps, {
        key: `group:${String(access.group._id)}:pm:${input.enabled ? 'on' : 'off'}:${deps.clock.now().getTime()}`,
        action: input.enabled ? 'group.private_messages_on' : 'group.private_messages_off',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'group',
        targetId: access.group._id,
      });
    },
  };
}
