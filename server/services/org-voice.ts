// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { Types } from 'mongoose';
import { Post, User } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ForbiddenError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import type { OrganisationPostInput, SetStaffInput } from '../schemas/org-voice';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import { privacyStatementOf } from './handbook';
import { findPatientPhrases } from './patient-phrases';
import { createPostService, type StoreResult } from './posts';

export type OrganisationPostResult =
  { status: 'blocked'; phrases: string[] } | (StoreResult & { organisation: true });

/**
 * Speaking for the organisation: administrators mark staff accounts; staff posts and replies
 * carry an "Organisation" badge. Before sending, a staff text is screened for phrases that
 * confirm or imply someone is or was a patient; a finding blocks sending until the writer edits
 * it or overrides with a reason, which is audited (the reason and the phrases, never the text).
 */
export function createOrgVoiceService(deps: Deps) {
  const posts = createPostService(deps);

  async function isStaff(actor: Actor): Promise<boolean> {
    // Loaded with the session's (active) user on this very request: no second read.
    if (actor.isStaff !== undefined) return actor.isStaff;
    const user = await User.findById(actor.userId).select({ isStaff: 1, status: 1 }).lean();
    return !!user && user.status === 'active' && user.isStaff === true;
  }

  async function submitAsOrganisation(
    actor: Actor,
    input: OrganisationPostInput,
  ): Promise<OrganisationPostResult> {
    if (!(await isStaff(actor))) throw new ForbiddenError(en.orgVoice.notStaff);
    const phrases = findPatientPhrases(input.body).map((f) => f.phrase);
    if (phrases.length > 0 && !input.overrideReason) return { status: 'blocked', phrases };
    const result = await posts.submitPost(actor, {
      group: input.group,
      parentId: input.parentId,
      body: input.body,
      idempotencyKey: input.idempotencyKey,
      acknowledgedFindings: input.acknowledgedFindings,
    });
    if (result.status !== 'stored') return { ...result, organisation: true };
    // The author's own post, just stored; the badge is part of the post from now on.
    await Post.updateOne(
      { _id: new Types.ObjectId(result.post.id), author: actor.userId },
      { $set: { asOrganisation: true } },
    );
    if (phrases.length > 0 && input.overrideReason) {
      await recordAudit(deps, {
        key: `post:${result.post.id}:organisation-override`,
        action: 'post.organisation_phrases_overridden',
        actor: actor.userId,
        group: result.post.groupId,
        targetType: 'post',
        targetId: result.post.id,
        reason: input.overrideReason,
        meta: { phrases },
      });
    }
    return { ...result, organisation: true };
  }

  /** The group's generic privacy statement, for staff to insert with one action. */
  async function privacyStatement(actor: Actor, input: { group: string }): Promise<string> {
    const { group } = await requireGroupAccess(deps.clock, actor, input.group, 'enter');
    if (!(await isStaff(actor))) throw new ForbiddenError(en.orgVoice.notStaff);
    return privacyStatementOf(group);
  }

  function requireAdmin(actor: Actor): void {
    if (actor.siteRole !== 'admin') throw new NotFoundError();
  }

  /** Accounts an administrator may mark as staff (display names only, never e-mails). */
  async function listAccounts(actor: Actor) {
    requireAdmin(actor);
    const users = await User.find({ status: 'active' })
      .select({ displayName: 1, isStaff: 1, siteRole: 1 })
      .sort({ isStaff: -1, displayName: 1 })
      .limit(500)
      .lean();
    return users.map((u) => ({
      id: String(u._id),
      displayName: u.displayName,
      isStaff: u.isStaff === true,
      admin: u.siteRole === 'admin',
    }));
  }

  async function setStaff(actor: Actor, input: SetStaffInput): Promise<void> {
    requireAdmin(actor);
    const updated = await User.findOneAndUpdate(
      { _id: new Types.ObjectId(input.userId), status: 'active' },
      { $set: { isStaff: input.isStaff } },
    );
    if (!updated) throw new NotFoundError();
    await recordAudit(deps, {
      key: `user:${input.userId}:staff:${input.isStaff}:${deps.clock.now().getTime()}`,
      action: input.isStaff ? 'user.staff_granted' : 'user.staff_revoked',
      actor: actor.userId,
      group: null,
      targetType: 'user',
      targetId: input.userId,
    });
  }

  return { isStaff, submitAsOrganisation, privacyStatement, listAccounts, setStaff };
}
