import { createHash } from 'node:crypto';
// Filters with operators are wrapped in trusted(): sanitizeFilter is on (server/database).
import { trusted, Types } from 'mongoose';
import {
  ComplaintFlag,
  Post,
  ThreatCase,
  User,
  type ComplaintFlagDoc,
  type PostDoc,
  type ThreatCaseDoc,
} from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import type {
  ApproveWithReplyInput,
  ComplaintUpdateInput,
  EscalateThreatInput,
  FlagComplaintInput,
  PoliceContactInput,
} from '../schemas/triage';
import { canonicalJson, recordAudit } from './audit';
import { requireGroupAccess } from './group-access';
import { privacyStatementOf } from './handbook';
import { createNotifications } from './notifications';
import { createReviewService } from './reviews';

const oid = (v: string | Types.ObjectId) => new Types.ObjectId(String(v));

/**
 * Triage in the queue beyond approve/reject: approve with the organisation's generic reply,
 * escalate as a threat (immutable, hashed evidence for administrators), and flag as a potential
 * complaint or claim (notes and a status). Audit entries carry ids, hashes and staff reasons,
 * never the member's text.
 */
export function createTriageService(deps: Deps) {
  const { clock } = deps;
  const reviews = createReviewService(deps);

  async function moderated(actor: Actor, postId: string) {
    // privileged read: moderators only (access checked on the next line before anything is used)
    const post = await Post.findById(oid(postId)).lean<PostDoc>();
    if (!post) throw new NotFoundError(en.posts.errors.notFound);
    const access = await requireGroupAccess(clock, actor, String(post.group), 'moderate');
    return { post, group: access.group };
  }

  /** Approves and attaches the group's privacy statement under the post, signed by the organisation. */
  async function approveWithOrganisationReply(actor: Actor, input: ApproveWithReplyInput) {
    const { post, group } = await moderated(actor, input.postId);
    const reply = { body: privacyStatementOf(group), by: actor.userId, at: clock.now() };
    // Attached before approval so the published post (and its live broadcast) carries it.
    const set = await Post.updateOne(
      { _id: post._id, status: 'pending', version: input.version },
      { $set: { orgReply: reply } },
    );
    if (set.matchedCount === 0) throw new ConflictError(en.posts.errors.changed);
    try {
      const result = await reviews.approvePost(actor, input);
      await recordAudit(deps, {
        key: `post:${input.postId}:organisation-reply`,
        action: 'post.organisation_reply_attached',
        actor: actor.userId,
        group: group._id,
        targetType: 'post',
        targetId: post._id,
      });
      return result;
    } catch (error) {
      await Post.updateOne({ _id: post._id, status: 'pending' }, { $set: { orgReply: null } });
      throw error;
    }
  }

  /** Takes the evidence snapshot at once and alerts the administrators. Idempotent per post. */
  async function escalateThreat(actor: Actor, input: EscalateThreatInput) {
    const { post, group } = await moderated(actor, input.postId);
    const existing = await ThreatCase.findOne({ post: post._id }).lean<ThreatCaseDoc>();
    if (existing) return { caseId: String(existing._id), sha256: existing.sha256 };
    const now = clock.now();
    const revisions = (post.revisions ?? []).map((r) => ({
      body: r.body ?? '',
      at: r.at ?? null,
      reason: r.reason ?? null,
    }));
    const evidence = {
      kind: 'harbour.threat-evidence.v1',
      postId: String(post._id),
      groupId: String(group._id),
      groupSlug: group.slug,
      authorPseudonymousId: String(post.author),
      submittedAt: post.submittedAt,
      asSubmitted: revisions[0]?.body ?? post.body,
      revisions: [...revisions, { body: post.body, at: post.updatedAt ?? now, reason: 'current' }],
      statusAtEscalation: post.status,
      escalatedBy: String(actor.userId),
      escalatedAt: now,
    };
    const snapshot = canonicalJson(evidence);
    const sha256 = createHash('sha256').update(snapshot).digest('hex');
    let doc: ThreatCaseDoc;
    try {
      doc = (
        await ThreatCase.create({
          post: post._id,
          group: group._id,
          escalatedBy: actor.userId,
          escalatedAt: now,
          snapshot,
          sha256,
        })
      ).toObject() as ThreatCaseDoc;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      const first = await ThreatCase.findOne({ post: post._id }).lean<ThreatCaseDoc>();
      if (!first) throw error;
      return { caseId: String(first._id), sha256: first.sha256 };
    }
    await recordAudit(deps, {
      key: `threat:${String(post._id)}`,
      action: 'post.threat_escalated',
      actor: actor.userId,
      group: group._id,
      targetType: 'threat_case',
      targetId: doc._id,
      meta: { sha256, postId: String(post._id) },
    });
    const admins = await User.find({ siteRole: 'admin', status: 'active' })
      .select({ _id: 1 })
      .lean();
    await createNotifications(
      deps,
      admins.map((a) => ({
        userId: a._id,
        kind: 'threat_alert' as const,
        groupId: group._id,
        postId: post._id,
        data: { groupSlug: group.slug, groupName: group.name, guidance: en.posts.threatGuidance },
      })),
    );
    deps.log.warn(
      { event: 'threat.escalated', postId: String(post._id), groupId: String(group._id) },
      'threat escalated',
    );
    return { caseId: String(doc._id), sha256 };
  }

  function requireAdmin(actor: Actor): void {
    if (actor.siteRole !== 'admin') throw new NotFoundError();
  }

  async function listThreatCases(actor: Actor) {
    requireAdmin(actor);
    const cases = await ThreatCase.find()
      .sort({ escalatedAt: -1 })
      .limit(200)
      .lean<ThreatCaseDoc[]>();
    return cases.map((c) => ({
      id: String(c._id),
      escalatedAt: c.escalatedAt.toISOString(),
      sha256: c.sha256,
      contacts: c.contacts.length,
    }));
  }

  /** The printable evidence ("hard copy"), with a check that it still matches its hash. */
  async function getThreatCase(actor: Actor, input: { caseId: string }) {
    requireAdmin(actor);
    const c = await ThreatCase.findById(oid(input.caseId)).lean<ThreatCaseDoc>();
    if (!c) throw new NotFoundError();
    const evidence = JSON.parse(c.snapshot) as Record<string, unknown>;
    const intact = createHash('sha256').update(c.snapshot).digest('hex') === c.sha256;
    const names = await User.find({
      _id: trusted({ $in: [c.escalatedBy, ...c.contacts.map((x) => x.by)] }),
    })
      .select({ displayName: 1 })
      .lean();
    const name = (id: unknown) =>
      names.find((n) => String(n._id) === String(id))?.displayName ?? '';
    return {
      id: String(c._id),
      sha256: c.sha256,
      intact,
      evidence,
      escalatedByName: name(c.escalatedBy),
      contacts: c.contacts.map((x) => ({
        byName: name(x.by),
        at: x.at.toISOString(),
        agency: x.agency,
        reference: x.reference,
      })),
    };
  }

  async function recordPoliceContact(actor: Actor, input: PoliceContactInput): Promise<void> {
    requireAdmin(actor);
    const now = clock.now();
    const updated = await ThreatCase.findOneAndUpdate(
      { _id: oid(input.caseId) },
      {
        $push: {
          contacts: {
            by: actor.userId,
            at: input.at,
            agency: input.agency,
            reference: input.reference,
            recordedAt: now,
          },
        },
      },
    ).lean<ThreatCaseDoc>();
    if (!updated) throw new NotFoundError();
    await recordAudit(deps, {
      key: `threat:${input.caseId}:contact:${now.getTime()}`,
      action: 'threat.police_contact_recorded',
      actor: actor.userId,
      group: updated.group,
      targetType: 'threat_case',
      targetId: updated._id,
      meta: { agency: input.agency, reference: input.reference },
    });
  }

  /** Flags a post as a potential complaint or claim (again: adds the note to the same flag). */
  async function flagComplaint(actor: Actor, input: FlagComplaintInput) {
    const { post, group } = await moderated(actor, input.postId);
    const now = clock.now();
    const notes = input.note ? [{ by: actor.userId, at: now, text: input.note }] : [];
    const flag = await ComplaintFlag.findOneAndUpdate(
      { post: post._id },
      {
        $setOnInsert: { group: group._id, flaggedBy: actor.userId, flaggedAt: now, status: 'open' },
        $push: { notes: { $each: notes } },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean<ComplaintFlagDoc>();
    if (!flag) throw new NotFoundError();
    await recordAudit(deps, {
      key: `complaint:${String(post._id)}:${now.getTime()}:${String(actor.userId)}`,
      action: 'post.complaint_flagged',
      actor: actor.userId,
      group: group._id,
      targetType: 'post',
      targetId: post._id,
    });
    return { flagId: String(flag._id) };
  }

  async function listComplaints(actor: Actor, input: { group: string }) {
    const { group } = await requireGroupAccess(clock, actor, input.group, 'moderate');
    const flags = await ComplaintFlag.find({ group: group._id })
      .sort({ status: 1, flaggedAt: -1 })
      .limit(200)
      .lean<ComplaintFlagDoc[]>();
    // privileged read: moderators only, the flagged posts' texts for the list
    const posts = await Post.find({ _id: trusted({ $in: flags.map((f) => f.post) }) })
      .select({ body: 1, status: 1 })
      .lean<PostDoc[]>();
    return {
      group: { id: String(group._id), slug: group.slug, name: group.name },
      flags: flags.map((f) => ({
        id: String(f._id),
        postId: String(f.post),
        body: posts.find((p) => String(p._id) === String(f.post))?.body ?? '',
        status: f.status,
        flaggedAt: f.flaggedAt.toISOString(),
        notes: f.notes.map((n) => ({ at: n.at.toISOString(), text: n.text })),
      })),
    };
  }

  async function updateComplaint(actor: Actor, groupRef: string, input: ComplaintUpdateInput) {
    const { group } = await requireGroupAccess(clock, actor, groupRef, 'moderate');
    const now = clock.now();
    const notes = input.note ? [{ by: actor.userId, at: now, text: input.note }] : [];
    const updated = await ComplaintFlag.findOneAndUpdate(
      { _id: oid(input.flagId), group: group._id },
      { $set: { status: input.status }, $push: { notes: { $each: notes } } },
    );
    if (!updated) throw new NotFoundError();
    await recordAudit(deps, {
      key: `complaint-flag:${input.flagId}:${now.getTime()}:${input.status}`,
      action: 'post.complaint_status',
      actor: actor.userId,
      group: group._id,
      targetType: 'complaint_flag',
      targetId: input.flagId,
      meta: { status: input.status },
    });
  }

  return {
    approveWithOrganisationReply,
    escalateThreat,
    listThreatCases,
    getThreatCase,
    recordPoliceContact,
    flagComplaint,
    listComplaints,
    updateComplaint,
  };
}
