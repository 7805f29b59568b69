import { Types } from 'mongoose';
import { Group, Handbook, type GroupDoc, type HandbookDoc } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { en } from '../i18n/en';
import { recordAudit } from './audit';
import { requireGroupAccess } from './group-access';

/**
 * A group's moderator handbook: rules explained with examples, the response plan (the default
 * plan encodes the guidance), saved replies, and the generic privacy statement used for any
 * question about someone's care. Moderators of the group only.
 */
export interface NoteTools {
  savedReplies: Array<{ id: string; title: string; body: string }>;
  privacyStatement: string;
}

export interface HandbookView {
  group: { id: string; slug: string; name: string };
  rules: Array<{
    ruleId: string;
    title: string;
    body: string;
    explanation: string;
    examples: string;
  }>;
  responsePlan: string;
  defaultPlan: readonly string[];
  savedReplies: Array<{ id: string; title: string; body: string }>;
  privacyStatement: string;
}

/** The group's privacy statement, or the default text when it has none yet. */
export function privacyStatementOf(group: Pick<GroupDoc, 'privacyStatement'>): string {
  const own = (group.privacyStatement ?? '').trim();
  return own.length > 0 ? own : en.toolkit.defaultPrivacyStatement;
}

export function createHandbookService(deps: Deps) {
  const { clock } = deps;

  async function load(actor: Actor, groupRef: string) {
    const access = await requireGroupAccess(clock, actor, groupRef, 'moderate');
    const handbook = await Handbook.findOne({ group: access.group._id }).lean<HandbookDoc>();
    return { group: access.group, handbook };
  }

  async function touch(
    actor: Actor,
    group: GroupDoc,
    what: string,
    update: Record<string, unknown>,
  ) {
    const now = clock.now();
    const set = (update.$set as Record<string, unknown> | undefined) ?? {};
    await Handbook.updateOne(
      { group: group._id },
      { ...update, $set: { ...set, updatedBy: actor.userId, updatedAt: now } },
      { upsert: true },
    );
    await recordAudit(deps, {
      key: `handbook:${String(group._id)}:${what}:${now.getTime()}:${String(actor.userId)}`,
      action: 'handbook.updated',
      actor: actor.userId,
      group: group._id,
      targetType: 'handbook',
      targetId: group._id,
      meta: { part: what },
    });
  }

  return {
    async getHandbook(actor: Actor, input: { group: string }): Promise<HandbookView> {
      const { group, handbook } = await load(actor, input.group);
      const notes = new Map((handbook?.ruleNotes ?? []).map((n) => [n.ruleId, n]));
      return {
        group: { id: String(group._id), slug: group.slug, name: group.name },
        rules: (group.rules ?? []).map((r) => ({
          ruleId: r.ruleId,
          title: r.title,
          body: r.body ?? '',
          explanation: notes.get(r.ruleId)?.explanation ?? '',
          examples: notes.get(r.ruleId)?.examples ?? '',
        })),
        responsePlan: handbook?.responsePlan ?? '',
        defaultPlan: en.toolkit.defaultPlan,
        savedReplies: (handbook?.savedReplies ?? []).map((r) => ({
          id: String(r._id),
          title: r.title,
          body: r.body,
        })),
        privacyStatement: privacyStatementOf(group),
      };
    },

    /** What a moderator can insert into a note (queue and hide forms). */
    async noteTools(actor: Actor, input: { group: string }): Promise<NoteTools> {
      const { group, handbook } = await load(actor, input.group);
      return {
        savedReplies: (handbook?.savedReplies ?? []).map((r) => ({
          id: String(r._id),
          title: r.title,
          body: r.body,
        })),
        privacyStatement: privacyStatementOf(group),
      };
    },

    async updateResponsePlan(actor: Actor, groupRef: string, responsePlan: string): Promise<void> {
      const { group } = await load(actor, groupRef);
      await touch(actor, group, 'plan', { $set: { responsePlan: responsePlan.trim() } });
    },

    async updateRuleNote(
      actor: Actor,
      groupRef: string,
      input: { ruleId: string; explanation: string; examples: string },
    ): Promise<void> {
      const { group, handbook } = await load(actor, groupRef);
      if (!(group.rules ?? []).some((r) => r.ruleId === input.ruleId)) {
        throw new ValidationError(en.errors.validation, [
          { path: 'ruleId', message: 'unknown rule' },
        ]);
      }
      const others = (handbook?.ruleNotes ?? []).filter((n) => n.ruleId !== input.ruleId);
      const note = {
        ruleId: input.ruleId,
        explanation: input.explanation.trim(),
        examples: input.examples.trim(),
      };
      await touch(actor, group, 'rule', { $set: { ruleNotes: [...others, note] } });
    },

    async addSavedReply(
      actor: Actor,
      groupRef: string,
      input: { title: string; body: string },
    ): Promise<void> {
      const { group } = await load(actor, groupRef);
      await touch(actor, group, 'reply_added', {
        $push: { savedReplies: { title: input.title, body: input.body } },
      });
    },

    async deleteSavedReply(actor: Actor, groupRef: string, replyId: string): Promise<void> {
      const { group } = await load(actor, groupRef);
      const res = await Handbook.updateOne(
        { group: group._id },
        { $pull: { savedReplies: { _id: new Types.ObjectId(replyId) } } },
      );
      if (res.modifiedCount === 0) throw new NotFoundError();
      await touch(actor, group, 'reply_deleted', {});
    },

    async updatePrivacyStatement(actor: Actor, groupRef: string, text: string): Promise<void> {
      const { group } = await load(actor, groupRef);
      await Group.updateOne({ _id: group._id }, { $set: { privacyStatement: text.trim() } });
      await touch(actor, group, 'privacy_statement', {});
    },
  };
}

export type HandbookService = ReturnType<typeof createHandbookService>;
