// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Group, Notification, type NotificationDoc, type NotificationKind } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { en } from '../i18n/en';
import { toolkitNotificationHref, toolkitNotificationText } from './toolkit-notifications';
import { batched, uniqueBy } from './batched';
import { planDelivery, sendImmediateEmails } from './notification-delivery';

/**
 * In-app notifications. Created by the services that cause them (after their write), pushed live
 * through the `notification.created` domain event (the broadcaster emits to `user:<id>`).
 * `data` holds ids, codes, the group's name and slug, counts and a moderator's note to the author:
 * never the text of anyone else's post.
 */
export interface NotificationData {
  groupSlug?: string;
  groupName?: string;
  ruleId?: string;
  ruleTitle?: string;
  note?: string;
  count?: number;
  priority?: boolean;
  guidance?: string;
  /** Toolkit notices: 'muted' | 'suspended' | 'active' | 'removed', an end time, an outcome. */
  status?: string;
  until?: string;
  outcome?: string;
  /** Private message conversation (no text of the message). */
  threadId?: string;
}

export interface NewNotification {
  userId: Types.ObjectId | string;
  kind: NotificationKind;
  groupId?: Types.ObjectId | string | null;
  postId?: Types.ObjectId | string | null;
  data?: NotificationData;
}

const oid = (v: Types.ObjectId | string) => new Types.ObjectId(String(v));

export async function createNotifications(deps: Deps, items: NewNotification[]): Promise<void> {
  if (items.length === 0) return;
  const emailNow = await storeFor(deps)(items);
  // Outside the batch: a slow mail server must not hold up anyone else's notifications.
  await sendImmediateEmails(deps, emailNow);
}

/** Unread notifications of one person (the header's badge on every page); asks share a query. */
export const unreadCountOf = batched(async (userIds: Types.ObjectId[]) => {
  const counts = await Notification.aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: { user: trusted({ $in: uniqueBy(userIds) }), readAt: null } },
    { $group: { _id: '$user', n: { $sum: 1 } } },
  ]);
  const byUser = new Map(counts.map((c) => [String(c._id), c.n]));
  return userIds.map((id) => byUser.get(String(id)) ?? 0);
});

const stores = new WeakMap<Deps, (items: NewNotification[]) => Promise<EmailNow>>();
type EmailNow = Map<string, Set<string>>;

/**
 * Concurrent callers' notifications are planned and stored together (batched.ts): two queries
 * and one insert, so one journal flush, for all of them. Each caller gets back the e-mails its
 * own notifications call for.
 */
function storeFor(deps: Deps) {
  let store = stores.get(deps);
  if (!store) {
    store = batched(async (lists: NewNotification[][]) => {
      // Each person's settings decide app and e-mail delivery (notification-delivery.ts).
      const plan = await planDelivery(lists.flat());
      await storeNotifications(deps, plan.inApp);
      return lists.map((items) => {
        const mine: EmailNow = new Map();
        for (const item of items) {
          const userId = String(item.userId);
          const groups = plan.emailNow.get(userId);
          if (!groups) continue;
          const own = mine.get(userId) ?? new Set<string>();
          if (item.groupId && groups.has(String(item.groupId))) own.add(String(item.groupId));
          mine.set(userId, own);
        }
        return mine;
      });
    });
    stores.set(deps, store);
  }
  return store;
}

async function storeNotifications(deps: Deps, items: NewNotification[]): Promise<void> {
  if (items.length === 0) return;
  const now = deps.clock.now();
  const docs = await Notification.insertMany(
    items.map((n) => ({
      user: oid(n.userId),
      kind: n.kind,
      group: n.groupId ? oid(n.groupId) : null,
      post: n.postId ? oid(n.postId) : null,
      data: n.data ?? {},
      createdAt: now,
    })),
  );
  for (const doc of docs) {
    const stored = doc.toObject() as NotificationDoc;
    const data = (stored.data ?? {}) as NotificationData;
    // Presented here when the group's name and address came with it (most do), so the live
    // notice needs no second read of what was just written.
    const complete =
      !stored.group || (data.groupName !== undefined && data.groupSlug !== undefined);
    deps.events.emit('notification.created', {
      userId: String(doc.user),
      notificationId: String(doc._id),
      ...(complete ? { view: presentNotification(stored) } : {}),
    });
  }
}

/**
 * Reactions are grouped: one unread notification per post collects the count, so a popular post
 * makes one line, not fifty. A new one starts once the author has read the last.
 */
export async function notifyReaction(
  deps: Deps,
  input: {
    authorId: string;
    postId: string;
    groupId: string;
    groupSlug: string;
    groupName: string;
  },
): Promise<void> {
  const filter = {
    user: oid(input.authorId),
    kind: 'reactions' as const,
    post: oid(input.postId),
    readAt: null,
  };
  const updated = await Notification.findOneAndUpdate(
    filter,
    { $inc: { 'data.count': 1 }, $set: { createdAt: deps.clock.now() } },
    { returnDocument: 'after' },
  ).lean<NotificationDoc>();
  if (updated) {
    deps.events.emit('notification.created', {
      userId: input.authorId,
      notificationId: String(updated._id),
    });
    return;
  }
  await createNotifications(deps, [
    {
      userId: input.authorId,
      kind: 'reactions',
      groupId: input.groupId,
      postId: input.postId,
      data: { groupSlug: input.groupSlug, groupName: input.groupName, count: 1 },
    },
  ]);
}

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  text: string;
  href: string | null;
  createdAt: string;
  read: boolean;
  note: string | null;
  guidance: string | null;
}

export function presentNotification(
  n: NotificationDoc,
  groups: ReadonlyMap<string, { name: string; slug: string }> = new Map(),
): NotificationView {
  const data = (n.data ?? {}) as NotificationData;
  const known = n.group ? groups.get(String(n.group)) : undefined;
  const group = data.groupName ?? known?.name ?? '';
  const t = en.notifications;
  let text: string;
  switch (n.kind) {
    case 'post_approved':
    case 'post_rejected':
    case 'post_edited_by_moderator':
    case 'reply':
    case 'threat_alert':
      text = t[n.kind](group);
      break;
    case 'invitation_accepted':
      text = t.invitation_accepted(group);
      break;
    case 'reactions':
      text = t.reactions(group, data.count ?? 1);
      break;
    case 'queue_item':
      text = data.priority ? t.queue_priority(group) : t.queue_item(group);
      break;
    case 'document_version':
    case 'queue_waiting':
      text = en.notificationsExtra[n.kind](group);
      break;
    case 'private_message':
      text = en.notificationsExtra.private_message;
      break;
    case 'pm_reported':
      text = en.notificationsExtra.pm_reported(group);
      break;
    default:
      text = toolkitNotificationText(n.kind, data) ?? t.other;
  }
  const slug = data.groupSlug ?? known?.slug;
  const href = toolkitNotificationHref(n.kind, slug) ?? notificationHref(n, data, slug);
  return {
    id: String(n._id),
    kind: n.kind,
    text,
    href,
    createdAt: n.createdAt.toISOString(),
    read: !!n.readAt,
    note:
      n.kind === 'post_rejected' ||
      n.kind === 'post_hidden' ||
      n.kind === 'appeal_decided' ||
      n.kind === 'membership_changed'
        ? (data.note ?? null)
        : null,
    guidance: n.kind === 'threat_alert' ? (data.guidance ?? null) : null,
  };
}

export function createNotificationService(deps: Deps) {
  return {
    async listNotifications(
      actor: Actor,
      input: { limit?: number } = {},
    ): Promise<{ items: NotificationView[]; unread: number }> {
      const [docs, unread] = await Promise.all([
        Notification.find({ user: actor.userId })
          .sort({ createdAt: -1 })
          .limit(Math.min(input.limit ?? 50, 200))
          .lean<NotificationDoc[]>(),
        Notification.countDocuments({ user: actor.userId, readAt: null }),
      ]);
      // Names and addresses of the groups mentioned (older notifications carry ids only).
      const groupIds = [...new Set(docs.filter((d) => d.group).map((d) => String(d.group)))];
      const groups = groupIds.length
        ? await Group.find({ _id: trusted({ $in: groupIds.map(oid) }) })
            .select({ name: 1, slug: 1 })
            .lean()
        : [];
      const groupsMap = new Map(groups.map((g) => [String(g._id), { name: g.name, slug: g.slug }]));
      return { items: docs.map((d) => presentNotification(d, groupsMap)), unread };
    },

    async getNotification(actor: Actor, notificationId: string): Promise<NotificationView | null> {
      if (!Types.ObjectId.isValid(notificationId)) return null;
      const doc = await Notification.findOne({
        _id: oid(notificationId),
        user: actor.userId,
      }).lean<NotificationDoc>();
      return doc ? presentNotification(doc) : null;
    },

    /** Marks the given notifications (or all) as read; only the actor's own. */
    async markNotificationsRead(actor: Actor, input: { ids?: string[] } = {}): Promise<number> {
      const filter: Record<string, unknown> = { user: actor.userId, readAt: null };
      if (input.ids)
        filter._id = trusted({ $in: input.ids.filter((i) => Types.ObjectId.isValid(i)).map(oid) });
      const result = await Notification.updateMany(filter, { $set: { readAt: deps.clock.now() } });
      return result.modifiedCount;
    },
  };
}

/** Where a notification leads (conversation, queue, private messages, documents). */
function notificationHref(
  n: Pick<NotificationDoc, 'kind' | 'post'>,
  data: NotificationData,
  slug: string | undefined,
): string | null {
  if (n.kind === 'private_message') {
    return data.threadId ? `/me/messages/${data.threadId}` : '/me/messages';
  }
  if (!slug) return null;
  if (n.kind === 'pm_reported') return `/g/${slug}/messages/reported`;
  if (n.kind === 'document_version') return `/g/${slug}/documents`;
  if (n.kind === 'queue_item' || n.kind === 'threat_alert' || n.kind === 'queue_waiting') {
    return `/g/${slug}/queue`;
  }
  if (n.kind === 'invitation_accepted') return `/g/${slug}/members`;
  return `/g/${slug}/conversation${n.post ? `#post-${String(n.post)}` : ''}`;
}
