// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  EMAIL_MODES,
  Group,
  NOTIFICATION_KINDS,
  NotificationSettings,
  User,
  type EmailMention,
  type EmailMode,
  type NotificationKind,
  type NotificationSettingsDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { en } from '../i18n/en';

/**
 * Applies each member's notification settings: which kinds appear in the app, which go out by
 * e-mail straight away or in a daily summary, and what an e-mail may say. An e-mail never carries
 * what anyone wrote; by default it does not name the group either ("You have new activity").
 * Memorial and erased accounts get nothing.
 */

export interface NotificationPreferences {
  inApp: Record<NotificationKind, boolean>;
  email: Record<NotificationKind, EmailMode>;
  mention: EmailMention;
}

export function preferencesFrom(doc: NotificationSettingsDoc | null): NotificationPreferences {
  const off = new Set(doc?.inAppOff ?? []);
  const email = (doc?.email ?? {}) as Record<string, unknown>;
  const inApp = {} as Record<NotificationKind, boolean>;
  const modes = {} as Record<NotificationKind, EmailMode>;
  for (const kind of NOTIFICATION_KINDS) {
    inApp[kind] = !off.has(kind);
    const mode = email[kind];
    modes[kind] = (EMAIL_MODES as readonly unknown[]).includes(mode) ? (mode as EmailMode) : 'off';
  }
  return { inApp, email: modes, mention: doc?.mention === 'group' ? 'group' : 'nothing' };
}

interface Routable {
  userId: Types.ObjectId | string;
  kind: NotificationKind;
  groupId?: Types.ObjectId | string | null;
}

export interface DeliveryPlan<T extends Routable> {
  /** Stored and shown in the app (and pushed live). */
  inApp: T[];
  /** One e-mail per person now, naming at most the groups (if they chose so). */
  emailNow: Map<string, Set<string>>;
}

/** Decides, per notification, where it goes. Reads settings and account status in two queries. */
export async function planDelivery<T extends Routable>(items: T[]): Promise<DeliveryPlan<T>> {
  const plan: DeliveryPlan<T> = { inApp: [], emailNow: new Map() };
  if (items.length === 0) return plan;
  const ids = [...new Set(items.map((i) => String(i.userId)))].map((i) => new Types.ObjectId(i));
  const [active, settings] = await Promise.all([
    User.find({ _id: trusted({ $in: ids }), status: 'active' })
      .select({ _id: 1 })
      .lean(),
    NotificationSettings.find({ user: trusted({ $in: ids }) }).lean<NotificationSettingsDoc[]>(),
  ]);
  const activeIds = new Set(active.map((u) => String(u._id)));
  const prefs = new Map(settings.map((s) => [String(s.user), preferencesFrom(s)]));
  const digest: Array<{ userId: string; groupId: string | null }> = [];
  for (const item of items) {
    const userId = String(item.userId);
    if (!activeIds.has(userId)) continue;
    const p = prefs.get(userId) ?? preferencesFrom(null);
    if (p.inApp[item.kind]) plan.inApp.push(item);
    const mode = p.email[item.kind];
    const groupId = item.groupId ? String(item.groupId) : null;
    if (mode === 'immediately') {
      const groups = plan.emailNow.get(userId) ?? new Set<string>();
      if (groupId && p.mention === 'group') groups.add(groupId);
      plan.emailNow.set(userId, groups);
    } else if (mode === 'daily') {
      digest.push({ userId, groupId: p.mention === 'group' ? groupId : null });
    }
  }
  // The digest only counts; its e-mail is written from these counters, never from contents.
  await Promise.all(
    digest.map(({ userId, groupId }) =>
      NotificationSettings.updateOne(
        { user: new Types.ObjectId(userId) },
        {
          $inc: { digestPending: 1 },
          ...(groupId ? { $addToSet: { digestGroups: new Types.ObjectId(groupId) } } : {}),
        },
      ),
    ),
  );
  return plan;
}

async function groupNames(ids: Iterable<string>): Promise<string> {
  const list = [...ids].map((id) => new Types.ObjectId(id));
  if (list.length === 0) return '';
  const groups = await Group.find({ _id: trusted({ $in: list }) })
    .select({ name: 1 })
    .lean();
  return groups
    .map((g) => g.name)
    .sort()
    .join(', ');
}

function links(deps: Deps) {
  const base = deps.config.publicUrl;
  return { url: `${base}/notifications`, settingsUrl: `${base}/me/notifications/settings` };
}

/** Sends the immediate e-mails of a plan. A failed send is logged (ids only), never thrown. */
export async function sendImmediateEmails(
  deps: Deps,
  emailNow: Map<string, Set<string>>,
): Promise<void> {
  if (emailNow.size === 0) return;
  const users = await User.find({
    _id: trusted({ $in: [...emailNow.keys()].map((id) => new Types.ObjectId(id)) }),
    status: 'active',
  })
    .select({ email: 1 })
    .lean();
  const { url, settingsUrl } = links(deps);
  for (const user of users) {
    const groups = await groupNames(emailNow.get(String(user._id)) ?? []);
    const text = groups
      ? en.email.bodyWithGroups(groups, url, settingsUrl)
      : en.email.body(url, settingsUrl);
    try {
      await deps.mailer.send({ to: user.email, subject: en.email.subject, text });
    } catch (error) {
      deps.log.error(
        { userId: String(user._id), err: error instanceof Error ? error.message : 'unknown' },
        'notification e-mail failed',
      );
    }
  }
}

const DAY_MS = 24 * 3_600_000;

/**
 * The daily summaries due now: people with something pending whose last summary is a day old.
 * Returns how many e-mails went out.
 */
export async function sendDigests(deps: Deps): Promise<{ digests: number }> {
  const now = deps.clock.now();
  const due = await NotificationSettings.find({
    digestPending: trusted({ $gt: 0 }),
    $or: [
      { lastDigestAt: null },
      { lastDigestAt: trusted({ $lte: new Date(now.getTime() - DAY_MS) }) },
    ],
  }).lean<NotificationSettingsDoc[]>();
  let sent = 0;
  const { url, settingsUrl } = links(deps);
  for (const s of due) {
    const user = await User.findOne({ _id: s.user, status: 'active' }).select({ email: 1 }).lean();
    const n = s.digestPending ?? 0;
    const groups = s.mention === 'group' ? await groupNames(s.digestGroups.map(String)) : '';
    // Counters go down by what this summary covers; anything arriving meanwhile stays pending.
    await NotificationSettings.updateOne(
      { _id: s._id },
      {
        $inc: { digestPending: -n },
        $set: { digestGroups: [], lastDigestAt: now },
      },
    );
    if (!user) continue;
    const text = groups
      ? en.email.digestBodyWithGroups(n, groups, url, settingsUrl)
      : en.email.digestBody(n, url, settingsUrl);
    await deps.mailer.send({ to: user.email, subject: en.email.digestSubject, text });
    sent += 1;
  }
  return { digests: sent };
}

export interface SettingsInput {
  inApp: Partial<Record<string, boolean>>;
  email: Partial<Record<string, EmailMode>>;
  mention: EmailMention;
}

export function createNotificationSettingsService(deps: Deps) {
  return {
    async getNotificationSettings(actor: Actor): Promise<NotificationPreferences> {
      const doc = await NotificationSettings.findOne({
        user: actor.userId,
      }).lean<NotificationSettingsDoc>();
      return preferencesFrom(doc);
    },

    async updateNotificationSettings(actor: Actor, input: SettingsInput): Promise<void> {
      const inAppOff = NOTIFICATION_KINDS.filter((k) => input.inApp[k] !== true);
      const email: Record<string, EmailMode> = {};
      for (const k of NOTIFICATION_KINDS) email[k] = input.email[k] ?? 'off';
      await NotificationSettings.updateOne(
        { user: actor.userId },
        { $set: { inAppOff, email, mention: input.mention, updatedAt: deps.clock.now() } },
        { upsert: true },
      );
    },
  };
}
