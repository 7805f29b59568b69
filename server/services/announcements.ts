// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import { Group, Post, type GroupDoc, type PostDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { canManageAnnouncements, isQuiet } from '../policies/announcements';
import { FORMER_MEMBER } from '../presenters/posts';
import type {
  AnnouncementEditInput,
  AnnouncementInput,
  AnnouncementRefInput,
  QuietSettingInput,
} from '../schemas/announcements';
import { recordAudit } from './audit';
import { DEFAULT_HOURS, formatLocal, localParts } from './business-hours';
import type { JobCounts } from './jobs';
import { requireGroupAccess, type GroupAccess } from './group-access';
import { instantFromLocal, localDayKey, localInputValue } from './local-time';
import { createNotifications } from './notifications';
import { displayNames, visibleToMembers } from './posts';

/**
 * Scheduled announcement posts and the quiet-group warning.
 *
 * Staff (the group's moderators, or administrators who belong to it) write an announcement and
 * choose when it appears. It is stored as a post with status `scheduled`: `visibleToMembers()`
 * admits only `approved`, so the conversation, catch-up and the broadcaster cannot show it early.
 * At its time the scheduler publishes it with ONE conditional update
 * (`status: 'scheduled', version` → `approved` with a sequence number): whichever instance's
 * update matches publishes it, every other attempt matches nothing, so it appears exactly once.
 * Publication then does what an approval does: audit, the author's notification, one broadcast.
 */
export const ANNOUNCEMENTS_JOB = 'announcements';

const c = () => en.announcements.calendar;
const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_AHEAD_MS = 366 * DAY_MS;
const RECENT_DAYS = 14;
const DUE_BATCH = 100;

const zoneOf = (group: GroupDoc) => group.businessHours?.timeZone ?? DEFAULT_HOURS.timeZone;

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(message, [{ path, message }]);
}

/** Publishes one due announcement, or does nothing if another instance (or a cancel) won. */
async function publishOne(deps: Deps, post: PostDoc): Promise<boolean> {
  const now = deps.clock.now();
  const seqDoc = await Group.findOneAndUpdate(
    { _id: post.group },
    { $inc: { lastSeq: 1 } },
    { returnDocument: 'after' },
  ).lean<GroupDoc>();
  if (!seqDoc) return false;
  const seq = seqDoc.lastSeq;
  // THE single point of truth: only one update can move this version out of `scheduled`. (A
  // losing instance used a sequence number for nothing; readers catch up by `seq >`, so a gap is
  // harmless, as with two moderators approving the same post.)
  const updated = await Post.findOneAndUpdate(
    {
      _id: post._id,
      status: 'scheduled',
      version: post.version,
      'announcement.publishAt': trusted({ $lte: now }),
    },
    {
      $set: {
        status: 'approved',
        seq,
        publishedAt: now,
        lastActivityAt: now,
        decision: { action: 'approved', by: post.author, at: now, previousStatus: 'scheduled' },
      },
      $inc: { version: 1 },
      $push: {
        history: {
          action: 'announcement_published',
          by: post.author,
          at: now,
          fromStatus: 'scheduled',
          toStatus: 'approved',
        },
      },
    },
    { returnDocument: 'after' },
  ).lean<PostDoc>();
  if (!updated) return false;
  const groupId = String(seqDoc._id);
  // Published and durable: members get it now, while its audit record and notice are written.
  deps.events.emit('post.published', { groupId, postId: String(updated._id), seq });
  await Promise.all([
    recordAudit(deps, {
      key: `post:${String(updated._id)}:announcement-published`,
      action: 'announcement.published',
      actor: null,
      group: seqDoc._id,
      targetType: 'post',
      targetId: updated._id,
      meta: { seq, version: updated.version },
    }),
    createNotifications(deps, [
      {
        userId: updated.author,
        kind: 'post_approved',
        groupId: seqDoc._id,
        postId: updated._id,
        data: { groupSlug: seqDoc.slug, groupName: seqDoc.name },
      },
    ]),
  ]);
  deps.log.info(
    { event: 'announcement.published', postId: String(updated._id), groupId, seq },
    'announcement published',
  );
  return true;
}

/** The scheduler's job: every announcement whose time has come, oldest first. */
export async function publishDueAnnouncements(deps: Deps): Promise<JobCounts> {
  const now = deps.clock.now();
  // privileged read: staff-written announcements that are due, published (or skipped) below
  const due = await Post.find({
    status: 'scheduled',
    'announcement.publishAt': trusted({ $lte: now }),
  })
    .sort({ 'announcement.publishAt': 1 })
    .limit(DUE_BATCH)
    .lean<PostDoc[]>();
  let published = 0;
  for (const post of due) {
    if (await publishOne(deps, post)) published += 1;
  }
  return { announcementsPublished: published };
}

export interface CalendarItem {
  id: string;
  version: number;
  body: string;
  timeText: string;
  whenText: string;
  publishLocal: string;
  authorName: string;
  state: 'scheduled' | 'published' | 'hidden';
}

export interface CalendarDay {
  key: string;
  label: string;
  items: CalendarItem[];
}

export interface QuietWarning {
  days: number;
  text: string;
}

export function createAnnouncementService(deps: Deps) {
  const { clock } = deps;

  async function staffAccess(actor: Actor, groupRef: string): Promise<GroupAccess> {
    const access = await requireGroupAccess(clock, actor, groupRef, 'enter');
    const allowed = canManageAnnouncements({
      isModerator: access.isModerator,
      isAdmin: actor.siteRole === 'admin',
    });
    if (!allowed) throw new NotFoundError();
    return access;
  }

  /** The publication time from the form, in the group's zone: later than now, within a year. */
  function publishTime(value: string, zone: string, now: Date): Date {
    const at = instantFromLocal(value, zone);
    if (!at) throw invalid('publishAt', c().errors.badTime);
    if (at.getTime() <= now.getTime()) throw invalid('publishAt', c().errors.notFuture);
    if (at.getTime() > now.getTime() + MAX_AHEAD_MS) throw invalid('publishAt', c().errors.tooFar);
    return at;
  }

  /** A scheduled or published announcement of this group, for its staff (404 otherwise). */
  async function ownAnnouncement(group: GroupDoc, postId: string): Promise<PostDoc> {
    // privileged read: staff of the group (checked by the caller); announcements are theirs
    const post = await Post.findOne({ _id: oid(postId), group: group._id }).lean<PostDoc>();
    if (!post?.announcement) throw new NotFoundError();
    return post;
  }

  async function quietFor(group: GroupDoc): Promise<QuietWarning | null> {
    const days = group.settings?.quietDays ?? 7;
    if (days <= 0) return null;
    const last = await Post.findOne(visibleToMembers(group._id))
      .sort({ seq: -1 })
      .select({ publishedAt: 1 })
      .lean<PostDoc>();
    const now = clock.now();
    const lastAt = last?.publishedAt ?? null;
    const created = (group as { createdAt?: Date }).createdAt ?? new Date(0);
    if (!isQuiet(lastAt, created, days, now)) return null;
    const quietDays = Math.floor((now.getTime() - (lastAt ?? created).getTime()) / DAY_MS);
    return {
      days: quietDays,
      text: lastAt
        ? en.announcements.quiet.warning(quietDays, formatLocal(lastAt, zoneOf(group)))
        : en.announcements.quiet.warningNever(quietDays),
    };
  }

  function item(post: PostDoc, zone: string, names: Map<string, string>): CalendarItem {
    const at =
      post.status === 'scheduled'
        ? (post.announcement?.publishAt as Date)
        : (post.publishedAt ?? (post.announcement?.publishAt as Date));
    const p = localParts(at, zone);
    return {
      id: String(post._id),
      version: post.version,
      body: post.body,
      timeText: `${p.hour}:${String(p.minute).padStart(2, '0')}`,
      whenText: formatLocal(at, zone),
      publishLocal: localInputValue(post.announcement?.publishAt, zone),
      authorName: names.get(String(post.author)) ?? FORMER_MEMBER,
      state:
        post.status === 'scheduled'
          ? 'scheduled'
          : post.status === 'hidden'
            ? 'hidden'
            : 'published',
    };
  }

  function byDay(posts: PostDoc[], zone: string, names: Map<string, string>): CalendarDay[] {
    const days = new Map<string, CalendarDay>();
    for (const post of posts) {
      const view = item(post, zone, names);
      const at =
        post.status === 'scheduled'
          ? (post.announcement?.publishAt as Date)
          : (post.publishedAt ?? (post.announcement?.publishAt as Date));
      const key = localDayKey(at, zone);
      let day = days.get(key);
      if (!day) {
        day = { key, label: formatLocal(at, zone).split(',')[0] ?? key, items: [] };
        days.set(key, day);
      }
      day.items.push(view);
    }
    return [...days.values()];
  }

  return {
    quietFor,

    /** Stores an announcement to be published at `publishAt`; a retried form stores it once. */
    async scheduleAnnouncement(
      actor: Actor,
      input: AnnouncementInput,
    ): Promise<{ postId: string; whenText: string }> {
      const { group } = await staffAccess(actor, input.group);
      const zone = zoneOf(group);
      const now = clock.now();
      const publishAt = publishTime(input.publishAt, zone, now);
      // privileged read: the author's own earlier submission with this key
      const existing = await Post.findOne({
        author: actor.userId,
        idempotencyKey: input.idempotencyKey,
      }).lean<PostDoc>();
      if (existing) {
        if (String(existing.group) !== String(group._id) || !existing.announcement) {
          throw new ConflictError(en.posts.errors.changed);
        }
        return {
          postId: String(existing._id),
          whenText: formatLocal(existing.announcement.publishAt, zone),
        };
      }
      let post: PostDoc;
      try {
        const created = await Post.create({
          group: group._id,
          author: actor.userId,
          parent: null,
          body: input.body,
          status: 'scheduled',
          version: 1,
          idempotencyKey: input.idempotencyKey,
          submittedAt: now,
          lane: 'normal',
          findings: [],
          announcement: { publishAt, scheduledBy: actor.userId },
          history: [
            {
              action: 'announcement_scheduled',
              by: actor.userId,
              at: now,
              toStatus: 'scheduled',
            },
          ],
        });
        post = created.toObject() as PostDoc;
      } catch (error) {
        // A double click racing the first: the unique (author, key) index kept one.
        if ((error as { code?: number }).code !== 11000) throw error;
        // privileged read: the author's own submission
        const again = await Post.findOne({
          author: actor.userId,
          idempotencyKey: input.idempotencyKey,
        }).lean<PostDoc>();
        if (!again?.announcement) throw error;
        return {
          postId: String(again._id),
          whenText: formatLocal(again.announcement.publishAt, zone),
        };
      }
      await recordAudit(deps, {
        key: `post:${String(post._id)}:announcement-scheduled`,
        action: 'announcement.scheduled',
        actor: actor.userId,
        group: group._id,
        targetType: 'post',
        targetId: post._id,
        meta: { publishAt: publishAt.toISOString() },
      });
      return { postId: String(post._id), whenText: formatLocal(publishAt, zone) };
    },

    /** Changes text or time while it is still waiting (409 once published, cancelled or edited). */
    async editAnnouncement(
      actor: Actor,
      input: AnnouncementEditInput,
    ): Promise<{ postId: string; whenText: string }> {
      const { group } = await staffAccess(actor, input.group);
      const zone = zoneOf(group);
      const now = clock.now();
      const post = await ownAnnouncement(group, input.postId);
      if (post.status !== 'scheduled') throw new ConflictError(c().errors.gone);
      const publishAt = publishTime(input.publishAt, zone, now);
      const push: Record<string, unknown> = {
        history: {
          action: 'announcement_edited',
          by: actor.userId,
          at: now,
          fromStatus: 'scheduled',
          toStatus: 'scheduled',
        },
      };
      if (input.body !== post.body) {
        push.revisions = { body: post.body, at: now, by: actor.userId, reason: 'moderator_edit' };
      }
      const updated = await Post.findOneAndUpdate(
        { _id: post._id, group: group._id, status: 'scheduled', version: input.version },
        {
          $set: { body: input.body, 'announcement.publishAt': publishAt },
          $inc: { version: 1 },
          $push: push,
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) {
        // privileged read: staff of the group, why the conditional update missed
        const now2 = await Post.findById(post._id).select({ status: 1 }).lean();
        throw new ConflictError(
          now2?.status === 'scheduled' ? c().errors.changed : c().errors.gone,
        );
      }
      await recordAudit(deps, {
        key: `post:${String(post._id)}:v${updated.version}`,
        action: 'announcement.edited',
        actor: actor.userId,
        group: group._id,
        targetType: 'post',
        targetId: post._id,
        meta: { publishAt: publishAt.toISOString(), version: updated.version },
      });
      return { postId: String(post._id), whenText: formatLocal(publishAt, zone) };
    },

    /** Cancels before publication: members never see it (409 if it was already published). */
    async cancelAnnouncement(
      actor: Actor,
      input: AnnouncementRefInput,
    ): Promise<{ postId: string }> {
      const { group } = await staffAccess(actor, input.group);
      const post = await ownAnnouncement(group, input.postId);
      const now = clock.now();
      const updated = await Post.findOneAndUpdate(
        { _id: post._id, group: group._id, status: 'scheduled' },
        {
          $set: { status: 'withdrawn', 'announcement.cancelledAt': now },
          $inc: { version: 1 },
          $push: {
            history: {
              action: 'announcement_cancelled',
              by: actor.userId,
              at: now,
              fromStatus: 'scheduled',
              toStatus: 'withdrawn',
            },
          },
        },
        { returnDocument: 'after' },
      ).lean<PostDoc>();
      if (!updated) throw new ConflictError(c().errors.gone);
      await recordAudit(deps, {
        key: `post:${String(post._id)}:announcement-cancelled`,
        action: 'announcement.cancelled',
        actor: actor.userId,
        group: group._id,
        targetType: 'post',
        targetId: post._id,
      });
      return { postId: String(post._id) };
    },

    /** One scheduled announcement for its edit form. */
    async getAnnouncement(actor: Actor, input: AnnouncementRefInput) {
      const { group } = await staffAccess(actor, input.group);
      const post = await ownAnnouncement(group, input.postId);
      if (post.status !== 'scheduled') throw new ConflictError(c().errors.gone);
      const names = await displayNames([String(post.author)]);
      return {
        group: {
          id: String(group._id),
          slug: group.slug,
          name: group.name,
          timeZone: zoneOf(group),
        },
        item: item(post, zoneOf(group), names),
      };
    },

    /** The group's content calendar: what is scheduled, and what went out lately, by day. */
    async calendar(actor: Actor, input: { group: string }) {
      const access = await staffAccess(actor, input.group);
      const { group } = access;
      const zone = zoneOf(group);
      const now = clock.now();
      // privileged read: staff of the group (checked above); scheduled announcements
      const upcoming = await Post.find({ group: group._id, status: 'scheduled' })
        .sort({ 'announcement.publishAt': 1 })
        .limit(200)
        .lean<PostDoc[]>();
      // privileged read: staff of the group; its announcements of the last two weeks
      const recent = await Post.find({
        group: group._id,
        'announcement.publishAt': trusted({ $gte: new Date(now.getTime() - RECENT_DAYS * DAY_MS) }),
        status: trusted({ $in: ['approved', 'hidden'] }),
      })
        .sort({ 'announcement.publishAt': -1 })
        .limit(100)
        .lean<PostDoc[]>();
      const names = await displayNames([...upcoming, ...recent].map((x) => String(x.author)));
      const nextHour = Math.ceil(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
      return {
        group: { id: String(group._id), slug: group.slug, name: group.name, timeZone: zone },
        isModerator: access.isModerator,
        isAdvocate: access.isAdvocate,
        consentPending: access.consentPending,
        upcoming: byDay(upcoming, zone, names),
        recent: byDay(recent, zone, names),
        defaultPublishAt: localInputValue(new Date(nextHour), zone),
        quietDays: group.settings?.quietDays ?? 7,
        quiet: access.isModerator ? await quietFor(group) : null,
      };
    },

    /** The quiet-group warning for a group's moderators (null when not quiet or switched off). */
    async quietWarning(actor: Actor, input: { group: string }): Promise<QuietWarning | null> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      return quietFor(group);
    },

    async setQuietDays(actor: Actor, input: QuietSettingInput): Promise<{ days: number }> {
      const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
      await Group.updateOne({ _id: group._id }, { $set: { 'settings.quietDays': input.days } });
      await recordAudit(deps, {
        key: `group:${String(group._id)}:quiet-days:${clock.now().getTime()}`,
        action: 'group.quiet_warning_set',
        actor: actor.userId,
        group: group._id,
        targetType: 'group',
        targetId: group._id,
        meta: { days: input.days },
      });
      return { days: input.days };
    },
  };
}

export type AnnouncementService = ReturnType<typeof createAnnouncementService>;
