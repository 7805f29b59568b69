import { randomBytes } from 'node:crypto';
// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  BannerDismissal,
  ExportJob,
  Invitation,
  JoinRequest,
  Membership,
  Notification,
  NotificationSettings,
  OneTimeToken,
  Post,
  PrivateMessage,
  Reaction,
  Report,
  User,
  type UserDoc,
} from '../../models';
import { verifyPassword } from '../auth/passwords';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { FORMER_MEMBER } from '../presenters/posts';
import { recordAudit } from './audit';

/**
 * The right to erasure, and memorial accounts.
 *
 * Erasure: the e-mail address and name are replaced by non-identifying placeholders, the password
 * by an unusable one, status becomes 'erased' (no sign-in: only 'active' accounts can). Published
 * posts are removed or kept under "Former member", as the person chose; unpublished posts,
 * reactions, notifications, settings, exports and their private messages are deleted. Audit
 * events keep the account id only (a pseudonym once the name and address are gone).
 *
 * Memorial: at a family's request an administrator freezes the account (no sign-in, no
 * notifications); posts stay under the person's name.
 */

export type PostsChoice = 'remove' | 'keep';

/** The text left in place of a removed post, so replies keep their context without the words. */
export const REMOVED_POST_TEXT = '(removed by its author)';

async function eraseUser(
  deps: Deps,
  user: UserDoc,
  input: { posts: PostsChoice; by: Types.ObjectId; byAdmin: boolean; reason?: string },
): Promise<void> {
  const id = user._id;
  const now = deps.clock.now();
  const unusable = `!erased:${randomBytes(16).toString('hex')}`;
  // 1. The account itself: nothing left that names or reaches the person.
  await User.updateOne(
    { _id: id },
    {
      $set: {
        email: `erased-${id.toHexString()}@erased.invalid`,
        displayName: FORMER_MEMBER,
        passwordHash: unusable,
        status: 'erased',
        isStaff: false,
      },
      $unset: { totp: 1, lastLoginAt: 1 },
      $inc: { sessionEpoch: 1 },
    },
  );
  deps.events.emit('user.sessions_revoked', { userId: String(id) });

  // 2. Posts: unpublished ones go; published ones are removed or kept, as chosen.
  const unpublished = await Post.deleteMany({
    author: id,
    // Scheduled announcements too: they must not appear after their author is gone.
    status: trusted({ $in: ['pending', 'rejected', 'withdrawn', 'scheduled'] }),
  });
  let removed = 0;
  if (input.posts === 'remove') {
    // privileged read: ids of the erased person's own published posts
    const published = await Post.find({
      author: id,
      status: trusted({ $in: ['approved', 'hidden'] }),
    })
      .select({ _id: 1, group: 1, status: 1 })
      .lean();
    for (const p of published) {
      // privileged read: a write to the erased person's own post, by id
      await Post.updateOne(
        { _id: p._id },
        { $set: { body: REMOVED_POST_TEXT, status: 'hidden', revisions: [] } },
      );
      if (p.status === 'approved') {
        deps.events.emit('post.hidden', { groupId: String(p.group), postId: String(p._id) });
      }
      removed += 1;
    }
  }
  // Names copied into other people's posts (claims, decisions by a moderator) go too.
  await Post.updateMany({ 'claim.by': id }, { $set: { 'claim.byName': FORMER_MEMBER } });
  await Post.updateMany({ 'decision.by': id }, { $set: { 'decision.byName': FORMER_MEMBER } });

  // 3. Everything else that is only theirs.
  const memberships = await Membership.find({ user: id, status: 'active' })
    .select({ group: 1 })
    .lean();
  await Membership.updateMany(
    { user: id, status: 'active' },
    { $set: { status: 'left', endedAt: now } },
  );
  for (const m of memberships) {
    deps.events.emit('membership.changed', {
      groupId: String(m.group),
      userId: String(id),
      status: 'left',
    });
  }
  await Promise.all([
    Reaction.deleteMany({ user: id }),
    Notification.deleteMany({ user: id }),
    NotificationSettings.deleteMany({ user: id }),
    BannerDismissal.deleteMany({ user: id }),
    ExportJob.deleteMany({ user: id }),
    OneTimeToken.deleteMany({ user: id }),
    PrivateMessage.deleteMany({ sender: id }),
    // Their reports of posts carry their own words (the note); the moderators' decisions stay.
    Report.deleteMany({ reporter: id }),
    Invitation.updateMany({ email: user.email }, { $unset: { email: 1 } }),
    JoinRequest.updateMany(
      { email: user.email },
      { $set: { email: `erased-${id.toHexString()}@erased.invalid`, answers: [] } },
    ),
  ]);

  await recordAudit(deps, {
    key: `account:${id.toHexString()}:erased`,
    action: input.byAdmin ? 'account.erased_by_admin' : 'account.erased',
    actor: input.by,
    group: null,
    targetType: 'user',
    targetId: id,
    reason: input.reason,
    meta: {
      posts: input.posts,
      postsRemoved: removed,
      unpublishedDeleted: unpublished.deletedCount,
    },
  });
  deps.log.info({ userId: String(id), posts: input.posts }, 'account erased');
}

function requireAdmin(actor: Actor): void {
  if (actor.siteRole !== 'admin') throw new NotFoundError();
}

async function activeUser(userId: string): Promise<UserDoc> {
  if (!Types.ObjectId.isValid(userId)) throw new NotFoundError(en.adminAccounts.notFound);
  const user = await User.findOne({
    _id: new Types.ObjectId(userId),
    status: 'active',
  }).lean<UserDoc>();
  if (!user) throw new NotFoundError(en.adminAccounts.notFound);
  return user;
}

export function createErasureService(deps: Deps) {
  return {
    /** The member deletes their own account, after re-entering their password. */
    async deleteOwnAccount(
      actor: Actor,
      input: { password: string; posts: PostsChoice },
    ): Promise<void> {
      const user = await User.findOne({ _id: actor.userId, status: 'active' }).lean<UserDoc>();
      if (!user) throw new NotFoundError();
      const ok = await verifyPassword(input.password, user.passwordHash, {
        pepper: deps.config.passwordPepper,
      });
      if (!ok) {
        throw new ValidationError(en.errors.validation, [
          { path: 'password', message: en.dataRights.passwordWrong },
        ]);
      }
      await eraseUser(deps, user, { posts: input.posts, by: actor.userId, byAdmin: false });
    },

    /** An administrator erases an account on its owner's request (logged with the reason). */
    async adminEraseAccount(
      actor: Actor,
      input: { userId: string; posts: PostsChoice; reason: string },
    ): Promise<void> {
      requireAdmin(actor);
      const user = await activeUser(input.userId);
      await eraseUser(deps, user, {
        posts: input.posts,
        by: actor.userId,
        byAdmin: true,
        reason: input.reason,
      });
    },

    /** At a family's request: no sign-in, no notifications; posts stay under the name. */
    async memorialiseAccount(actor: Actor, input: { userId: string; reason: string }) {
      requireAdmin(actor);
      const user = await activeUser(input.userId);
      await User.updateOne(
        { _id: user._id },
        { $set: { status: 'memorial' }, $inc: { sessionEpoch: 1 } },
      );
      deps.events.emit('user.sessions_revoked', { userId: String(user._id) });
      await Promise.all([
        Notification.deleteMany({ user: user._id }),
        NotificationSettings.deleteMany({ user: user._id }),
      ]);
      await recordAudit(deps, {
        key: `account:${user._id.toHexString()}:memorial`,
        action: 'account.memorialised',
        actor: actor.userId,
        group: null,
        targetType: 'user',
        targetId: user._id,
        reason: input.reason,
      });
    },
  };
}
