import { Types } from 'mongoose';
import type { Server } from 'socket.io';
import {
  Group,
  Membership,
  Notification,
  Post,
  type GroupDoc,
  type MembershipDoc,
  type NotificationDoc,
  type PostDoc,
} from '../../models';
import { UNTIL_LIFTED } from '../../models/membership';
import type { Deps } from '../deps';
import type { DomainEventMap, DomainEventName } from '../events';
import { en } from '../i18n/en';
import { presentMemberPost, presentModNote, presentOwnPost } from '../presenters/posts';
import { DEFAULT_HOURS, formatLocal } from '../services/business-hours';
import { presentNotification } from '../services/notifications';
import { pinnedPostsOf } from '../services/pins';
import { displayNames, ruleLabels, visibleToMembers } from '../services/posts';
import { topicNames } from '../services/topic-list';

/**
 * Delivery of committed domain events to Socket.IO rooms (Outline's WebsocketsProcessor idea).
 * Services never touch sockets; this listens and emits presenter output:
 *
 * - `post.published` → ONE emit of the member view to `group:<id>` (no per-member work).
 * - pending changes → the author (`user:<id>`) only; queue changes → `group:<id>:moderators`.
 * - `membership.changed` → the user's sockets leave the group's rooms at once, with a notice.
 *
 * With the Redis adapter the same emits reach every instance's sockets.
 */
export const SOCKET_EVENTS = {
  published: 'post:published',
  hidden: 'post:hidden',
  reactions: 'post:reactions',
  own: 'post:own',
  decided: 'post:decided',
  queueChanged: 'queue:changed',
  membership: 'membership:changed',
  notification: 'notification:created',
  annotated: 'post:annotated',
  pins: 'pins:changed',
  topic: 'post:topic',
} as const;

const oid = (v: string) => new Types.ObjectId(v);

export function groupRoom(groupId: string): string {
  return `group:${groupId}`;
}
export function moderatorsRoom(groupId: string): string {
  return `group:${groupId}:moderators`;
}
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

function untilText(date: Date | null | undefined, timeZone: string): string | null {
  if (!date) return null;
  if (date.getTime() >= UNTIL_LIFTED.getTime()) return en.membershipNotice.untilLifted;
  return formatLocal(date, timeZone);
}

export function attachBroadcaster(io: Server, deps: Deps): () => void {
  const offs: Array<() => void> = [];

  /** Async listeners: a failure is logged (ids only) and never crashes the process. */
  function on<K extends DomainEventName>(
    name: K,
    fn: (payload: DomainEventMap[K]) => Promise<void>,
  ): void {
    offs.push(
      deps.events.on(name, (payload) => {
        deps.events.track(
          fn(payload).catch((error: unknown) => {
            deps.log.error(
              { event: name, err: error instanceof Error ? error.message : String(error) },
              'broadcast failed',
            );
          }),
        );
      }),
    );
  }

  on('post.published', async ({ groupId, postId, view: presented }) => {
    // An approval hands over the view it stored: emitted at once, in the decision's own tick.
    if (presented) {
      io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.published, presented);
      return;
    }
    const post = await Post.findOne(
      visibleToMembers(oid(groupId), { _id: oid(postId) }),
    ).lean<PostDoc>();
    if (!post) return; // undone in the meantime: nothing to publish
    const names = await displayNames([String(post.author)]);
    const group = await Group.findById(post.group).select({ topics: 1 }).lean<GroupDoc>();
    const view = presentMemberPost(post, names, null, group ? topicNames(group) : undefined);
    io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.published, view);
  });

  on('post.hidden', async ({ groupId, postId }) => {
    io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.hidden, { groupId, postId });
  });

  on('post.reactions_changed', async ({ groupId, postId }) => {
    const post = await Post.findOne(
      visibleToMembers(oid(groupId), { _id: oid(postId) }),
    ).lean<PostDoc>();
    if (!post) return;
    const { reactions } = presentMemberPost(post, new Map(), null);
    io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.reactions, { groupId, postId, reactions });
  });

  /** A moderator's note under a published post changed: everyone in the group sees it at once. */
  on('post.annotated', async ({ groupId, postId }) => {
    const post = await Post.findOne(
      visibleToMembers(oid(groupId), { _id: oid(postId) }),
    ).lean<PostDoc>();
    if (!post) return;
    io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.annotated, {
      groupId,
      postId,
      modNote: presentModNote(post.modNote),
    });
  });

  on('post.topic_changed', async ({ groupId, postId, topic }) => {
    io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.topic, { groupId, postId, topic });
  });

  /** The pinned region, whole (at most a few posts), so clients simply replace theirs. */
  on('pins.changed', async ({ groupId }) => {
    const { posts } = await pinnedPostsOf(oid(groupId), null);
    io.to(groupRoom(groupId)).emit(SOCKET_EVENTS.pins, { groupId, posts });
  });

  /** The author's own view of their post (waiting, edited, not published, withdrawn). */
  async function ownView(postId: string, authorId: string) {
    // privileged read: sent to the author's own room only
    const post = await Post.findOne({ _id: oid(postId), author: oid(authorId) }).lean<PostDoc>();
    if (!post) return null;
    const group = await Group.findById(post.group).select({ rules: 1, topics: 1 }).lean<GroupDoc>();
    const rules = group ? ruleLabels(group) : [];
    return presentOwnPost(post, rules, group ? topicNames(group) : undefined);
  }

  on('post.pending_changed', async ({ postId, authorId, view: presented }) => {
    const view = presented ?? (await ownView(postId, authorId));
    if (view) io.to(userRoom(authorId)).emit(SOCKET_EVENTS.own, view);
  });

  on('review.decided', async ({ groupId, postId, authorId, action, post: presented }) => {
    const view = presented ?? (await ownView(postId, authorId));
    io.to(userRoom(authorId)).emit(SOCKET_EVENTS.decided, { groupId, postId, action, post: view });
  });

  on('queue.changed', async ({ groupId, postId }) => {
    io.to(moderatorsRoom(groupId)).emit(SOCKET_EVENTS.queueChanged, {
      groupId,
      postId: postId ?? null,
    });
  });

  on('notification.created', async ({ userId, notificationId, view }) => {
    if (view) {
      io.to(userRoom(userId)).emit(SOCKET_EVENTS.notification, view);
      return;
    }
    const doc = await Notification.findOne({
      _id: oid(notificationId),
      user: oid(userId),
    }).lean<NotificationDoc>();
    if (!doc) return;
    const group = doc.group
      ? await Group.findById(doc.group).select({ name: 1, slug: 1 }).lean<GroupDoc>()
      : null;
    const groups = new Map(
      group ? [[String(group._id), { name: group.name, slug: group.slug }]] : [],
    );
    io.to(userRoom(userId)).emit(SOCKET_EVENTS.notification, presentNotification(doc, groups));
  });

  on('membership.changed', async ({ groupId, userId, status }) => {
    const membership = await Membership.findOne({
      user: oid(userId),
      group: oid(groupId),
    }).lean<MembershipDoc>();
    const group = await Group.findById(oid(groupId)).select({ businessHours: 1 }).lean<GroupDoc>();
    const zone = group?.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;
    const room = userRoom(userId);
    const notice = { groupId, status, until: null as string | null, message: '' };
    switch (status) {
      case 'removed':
      case 'left':
        io.in(room).socketsLeave([groupRoom(groupId), moderatorsRoom(groupId)]);
        notice.message = en.membershipNotice[status];
        break;
      case 'suspended': {
        io.in(room).socketsLeave([groupRoom(groupId), moderatorsRoom(groupId)]);
        notice.until = untilText(membership?.suspendedUntil, zone);
        notice.message = en.membershipNotice.suspended(notice.until ?? '');
        break;
      }
      case 'muted':
        // Still reads live; submitting is refused by the service with code `muted`.
        notice.until = untilText(membership?.mutedUntil, zone);
        notice.message = en.membershipNotice.muted(notice.until ?? '');
        break;
      case 'active':
        if (membership?.status === 'active') {
          io.in(room).socketsJoin(groupRoom(groupId));
          if (membership.roles.includes('moderator'))
            io.in(room).socketsJoin(moderatorsRoom(groupId));
          else io.in(room).socketsLeave(moderatorsRoom(groupId));
        }
        notice.message = en.membershipNotice.active;
        break;
    }
    io.to(room).emit(SOCKET_EVENTS.membership, notice);
  });

  return () => offs.forEach((off) => off());
}
