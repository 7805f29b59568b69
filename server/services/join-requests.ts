import { Types } from 'mongoose';
import { JoinRequest, Membership, User, type JoinRequestDoc } from '../../models';
import type { Actor, Caller } from '../context';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { queueMail } from '../mail';
import { presentJoinRequest, type JoinRequestView } from '../presenters/groups';
import {
  declineInputSchema,
  joinRequestInputSchema,
  objectIdSchema,
  parseInput,
} from '../schemas/groups';
import { recordAudit } from './audit';
import { findGroupBySlugOrId, requireGroupAccess } from './group-access';
import { issueInvitation } from './invitations';

/**
 * Requests to be invited, from a group's public page, decided by the group's advocates. The
 * visitor always gets the same answer and one e-mail, whether or not the address already belongs
 * to a member, so neither the page nor the timing tells who is in the group.
 */
export function createJoinRequestService(deps: Deps) {
  return {
    async submitJoinRequest(caller: Caller, groupRef: string, input: unknown): Promise<void> {
      const group = await findGroupBySlugOrId(groupRef);
      if (!group || group.hidden) throw new NotFoundError();
      const data = parseInput(joinRequestInputSchema, input);
      const known = new Set((group.questions ?? []).map((q) => q.questionId));
      const answers = data.answers.filter((a) => known.has(a.questionId));

      // The same reads and writes whoever asks, so neither the page nor its timing tells who is
      // in the group: an address that already belongs to a member gets its request stored as
      // answered (never shown to advocates), and the e-mail tells them so.
      const user = await User.findOne({ email: data.email }).select({ _id: 1 }).lean();
      const member = await Membership.exists({
        user: user?._id ?? new Types.ObjectId(),
        group: group._id,
        status: 'active',
      });
      const now = deps.clock.now();
      // One open request per address and group: asking again updates the answers.
      const request = await JoinRequest.findOneAndUpdate(
        { group: group._id, email: data.email, status: member ? 'already_member' : 'pending' },
        { $set: { answers, updatedAt: now }, $setOnInsert: { createdAt: now } },
        { upsert: true, returnDocument: 'after', timestamps: false },
      ).lean<JoinRequestDoc>();
      if (!request) throw new Error('join request upsert returned nothing');
      await recordAudit(deps, {
        key: `join_request:${request._id.toHexString()}:submitted:${now.getTime()}`,
        action: 'join_request.submitted',
        actor: null,
        group: group._id,
        targetType: 'join_request',
        targetId: request._id,
      });
      // Not waited for: delivery time must not show in the answer either.
      queueMail(
        deps,
        member
          ? {
              to: data.email,
              subject: en.joinRequests.memberSubject(group.name),
              text: en.joinRequests.memberText(
                group.name,
                `${deps.config.publicUrl}/g/${group.slug}`,
              ),
            }
          : {
              to: data.email,
              subject: en.joinRequests.receivedSubject(group.name),
              text: en.joinRequests.receivedText(group.name),
            },
        'join_request',
      );
    },

    async listJoinRequests(actor: Actor, groupRef: string): Promise<JoinRequestView[]> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'advocate');
      const list = await JoinRequest.find({ group: access.group._id, status: 'pending' })
        .sort({ createdAt: 1 })
        .limit(200)
        .lean<JoinRequestDoc[]>();
      return list.map((r) => presentJoinRequest(r, access.group));
    },

    /** Approving sends an e-mail-bound invitation to the address that asked. */
    async approveJoinRequest(actor: Actor, groupRef: string, requestId: string): Promise<void> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'advocate');
      const id = new Types.ObjectId(parseInput(objectIdSchema, requestId));
      const now = deps.clock.now();
      const decided = await JoinRequest.findOneAndUpdate(
        { _id: id, group: access.group._id, status: 'pending' },
        { $set: { status: 'approved', decidedBy: actor.userId, decidedAt: now } },
        { returnDocument: 'after' },
      ).lean<JoinRequestDoc>();
      if (!decided) return notPending(id, access.group._id);
      const { invitation } = await issueInvitation(
        deps,
        access.group,
        actor.userId,
        { kind: 'email', email: decided.email },
        id,
      );
      await JoinRequest.updateOne({ _id: id }, { $set: { invitation: invitation._id } });
      await recordAudit(deps, {
        key: `join_request:${id.toHexString()}:approved`,
        action: 'join_request.approved',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'join_request',
        targetId: id,
        meta: { invitation: invitation._id.toHexString() },
      });
    },

    /** Declining e-mails a kind message (the advocate's, or a gentle default). */
    async declineJoinRequest(
      actor: Actor,
      groupRef: string,
      requestId: string,
      input: unknown,
    ): Promise<void> {
      const access = await requireGroupAccess(deps.clock, actor, groupRef, 'advocate');
      const id = new Types.ObjectId(parseInput(objectIdSchema, requestId));
      const { message } = parseInput(declineInputSchema, input);
      const now = deps.clock.now();
      const decided = await JoinRequest.findOneAndUpdate(
        { _id: id, group: access.group._id, status: 'pending' },
        { $set: { status: 'declined', decidedBy: actor.userId, decidedAt: now, message } },
        { returnDocument: 'after' },
      ).lean<JoinRequestDoc>();
      if (!decided) return notPending(id, access.group._id);
      await recordAudit(deps, {
        key: `join_request:${id.toHexString()}:declined`,
        action: 'join_request.declined',
        actor: actor.userId,
        group: access.group._id,
        targetType: 'join_request',
        targetId: id,
        meta: { withMessage: message.length > 0 },
      });
      await deps.mailer.send({
        to: decided.email,
        subject: en.joinRequests.declineSubject(access.group.name),
        text: en.joinRequests.declineText(
          access.group.name,
          message || en.joinRequests.declineDefault,
        ),
      });
    },
  };

  async function notPending(id: Types.ObjectId, group: Types.ObjectId): Promise<never> {
    const exists = await JoinRequest.exists({ _id: id, group });
    if (!exists) throw new NotFoundError();
    throw new ConflictError(en.joinRequests.alreadyDecided);
  }
}
