import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import {
  DocumentVersion,
  Group,
  Membership,
  User,
  type GroupDoc,
  type MembershipDoc,
} from '../../models';
import type { GroupRole } from '../../models/membership';
import type { Actor, Caller } from '../context';
import type { Deps } from '../deps';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { en } from '../i18n/en';
import { isAdmin } from '../policies/group';
import { presentPublicGroup, type PublicGroupView } from '../presenters/groups';
import {
  createAccountSchema,
  emailSchema,
  groupInputSchema,
  objectIdSchema,
  parseInput,
  rolesInputSchema,
} from '../schemas/groups';
import { createAccount, EmailTakenError } from './account-creation';
import { recordAudit } from './audit';
import { normaliseRules, publishGroupDocumentVersion, rulesText } from './consent';
import { findGroupBySlugOrId } from './group-access';

/**
 * Groups from the administrators' side (create, edit, roles, accounts) and the public page.
 * Administrators manage groups but see inside only where they hold a membership themselves.
 */
function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new ForbiddenError(en.documents.adminOnly);
}

function isDuplicateKey(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
}

function sameRules(
  a: Array<{ ruleId: string; title: string; body?: string | null }>,
  b: Array<{ ruleId: string; title: string; body?: string | null }>,
): boolean {
  return (
    a.length === b.length &&
    a.every(
      (r, i) =>
        r.ruleId === b[i]?.ruleId &&
        r.title === b[i]?.title &&
        (r.body ?? '') === (b[i]?.body ?? ''),
    )
  );
}

/** Keeps question ids (answers refer to them) and gives new questions a fresh one. */
function normaliseQuestions(questions: Array<{ questionId?: string; text: string }>) {
  const seen = new Set<string>();
  return questions.map((q) => {
    let questionId = q.questionId && !seen.has(q.questionId) ? q.questionId : '';
    while (!questionId || seen.has(questionId)) questionId = `q-${randomBytes(4).toString('hex')}`;
    seen.add(questionId);
    return { questionId, text: q.text };
  });
}

export interface GroupPerson {
  userId: string;
  displayName: string;
  roles: GroupRole[];
  status: string;
}

export function createGroupService(deps: Deps) {
  async function loadGroup(groupId: string): Promise<GroupDoc> {
    const id = parseInput(objectIdSchema, groupId);
    const group = await Group.findById(id).lean<GroupDoc>();
    if (!group) throw new NotFoundError();
    return group;
  }

  return {
    /** The public page: only what the group published. Hidden or missing groups: 404. */
    async getPublicGroup(_caller: Caller, slug: string): Promise<PublicGroupView> {
      const group = await findGroupBySlugOrId(slug);
      if (!group || group.hidden) throw new NotFoundError();
      return presentPublicGroup(group);
    },

    async listGroups(actor: Actor) {
      requireAdmin(actor);
      const groups = await Group.find({})
        .sort({ name: 1 })
        .select({ slug: 1, name: 1, hidden: 1 })
        .lean();
      return groups.map((g) => ({
        id: String(g._id),
        slug: g.slug,
        name: g.name,
        hidden: g.hidden,
      }));
    },

    async getGroupForEdit(actor: Actor, groupId: string): Promise<GroupDoc> {
      requireAdmin(actor);
      return loadGroup(groupId);
    },

    async createGroup(actor: Actor, input: unknown): Promise<GroupDoc> {
      requireAdmin(actor);
      const data = parseInput(groupInputSchema, input);
      const rules = normaliseRules(data.rules);
      const questions = normaliseQuestions(data.questions);
      let group: GroupDoc;
      try {
        const created = await Group.create({
          slug: data.slug,
          name: data.name,
          description: data.description,
          howToJoin: data.howToJoin,
          disclaimer: data.disclaimer,
          hidden: data.hidden,
          rules,
          questions,
          businessHours: data.businessHours,
          settings: { minimumAge: data.minimumAge },
          complaintsProcess: data.complaintsProcess,
          complaintsContact: data.complaintsContact,
          rulesVersion: 1,
          disclaimerVersion: 1,
          createdBy: actor.userId,
        });
        group = created.toObject() as GroupDoc;
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictError(en.adminGroups.slugTaken);
        throw error;
      }
      const now = deps.clock.now();
      await DocumentVersion.create([
        {
          kind: 'rules',
          group: group._id,
          version: 1,
          title: en.documents.rulesTitle(group.name),
          body: rulesText(rules),
          publishedBy: actor.userId,
          publishedAt: now,
        },
        {
          kind: 'disclaimer',
          group: group._id,
          version: 1,
          title: en.documents.disclaimerTitle(group.name),
          body: data.disclaimer || '-',
          publishedBy: actor.userId,
          publishedAt: now,
        },
      ]);
      await recordAudit(deps, {
        key: `group:${group._id.toHexString()}:created`,
        action: 'group.created',
        actor: actor.userId,
        group: group._id,
        targetType: 'group',
        targetId: group._id,
      });
      return group;
    },

    /** Saves the group; changed rules or disclaimer become a new version members must accept. */
    async updateGroup(actor: Actor, groupId: string, input: unknown): Promise<GroupDoc> {
      requireAdmin(actor);
      const group = await loadGroup(groupId);
      const data = parseInput(groupInputSchema, input);
      const rules = normaliseRules(data.rules);
      const questions = normaliseQuestions(data.questions);
      try {
        await Group.updateOne(
          { _id: group._id },
          {
            $set: {
              slug: data.slug,
              name: data.name,
              description: data.description,
              howToJoin: data.howToJoin,
              hidden: data.hidden,
              questions,
              businessHours: data.businessHours,
              'settings.minimumAge': data.minimumAge,
              complaintsProcess: data.complaintsProcess,
              complaintsContact: data.complaintsContact,
            },
          },
        );
      } catch (error) {
        if (isDuplicateKey(error)) throw new ConflictError(en.adminGroups.slugTaken);
        throw error;
      }
      let fresh = await loadGroup(groupId);
      const changed: string[] = [];
      if (!sameRules(fresh.rules, rules)) {
        await publishGroupDocumentVersion(deps, fresh, actor.userId, { kind: 'rules', rules });
        changed.push('rules');
        fresh = await loadGroup(groupId);
      }
      if ((fresh.disclaimer ?? '') !== data.disclaimer && data.disclaimer) {
        await publishGroupDocumentVersion(deps, fresh, actor.userId, {
          kind: 'disclaimer',
          disclaimer: data.disclaimer,
        });
        changed.push('disclaimer');
        fresh = await loadGroup(groupId);
      }
      await recordAudit(deps, {
        key: `group:${group._id.toHexString()}:updated:${deps.clock.now().getTime()}:${actor.userId.toHexString()}`,
        action: 'group.updated',
        actor: actor.userId,
        group: group._id,
        targetType: 'group',
        targetId: group._id,
        meta: { newVersions: changed, hidden: data.hidden },
      });
      return fresh;
    },

    /** Administrators find a person by e-mail (admin-only page); null when nobody has it. */
    async findPersonByEmail(actor: Actor, email: string) {
      requireAdmin(actor);
      const address = parseInput(emailSchema, email);
      const user = await User.findOne({ email: address }).select({ displayName: 1 }).lean();
      return user ? { userId: String(user._id), displayName: user.displayName } : null;
    },

    /** The roles page right after an administrator created an account. */
    async findPersonById(actor: Actor, userId: string) {
      requireAdmin(actor);
      const id = parseInput(objectIdSchema, userId);
      const user = await User.findById(id).select({ displayName: 1 }).lean();
      return user ? { userId: String(user._id), displayName: user.displayName } : null;
    },

    async createAccountFor(actor: Actor, input: unknown) {
      requireAdmin(actor);
      const data = parseInput(createAccountSchema, input);
      try {
        const user = await createAccount(deps, data);
        await recordAudit(deps, {
          key: `user:${String(user._id)}:created`,
          action: 'account.created_by_admin',
          actor: actor.userId,
          group: null,
          targetType: 'user',
          targetId: user._id,
        });
        return { userId: String(user._id), displayName: user.displayName };
      } catch (error) {
        if (error instanceof EmailTakenError) throw new ConflictError(en.adminGroups.accountExists);
        throw error;
      }
    },

    async listGroupPeople(
      actor: Actor,
      groupId: string,
    ): Promise<{ group: GroupDoc; people: GroupPerson[] }> {
      requireAdmin(actor);
      const group = await loadGroup(groupId);
      const memberships = await Membership.find({ group: group._id, status: 'active' }).lean<
        MembershipDoc[]
      >();
      const users = await User.find({
        _id: mongoose.trusted({ $in: memberships.map((m) => m.user) }),
      })
        .select({ displayName: 1 })
        .lean();
      const names = new Map(users.map((u) => [String(u._id), u.displayName]));
      const people = memberships
        .map((m) => ({
          userId: String(m.user),
          displayName: names.get(String(m.user)) ?? '',
          roles: m.roles as GroupRole[],
          status: m.status,
        }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName, 'en'));
      return { group, people };
    },

    /**
     * Sets a person's roles in a group. Roles for someone outside the group add them (they accept
     * the documents on their first visit); no roles at all removes them from the group.
     */
    async setRoles(actor: Actor, groupId: string, input: unknown): Promise<void> {
      requireAdmin(actor);
      const group = await loadGroup(groupId);
      const data = parseInput(rolesInputSchema, input);
      const userId = new Types.ObjectId(data.userId);
      if (!(await User.exists({ _id: userId }))) throw new NotFoundError();
      const roles = Array.from(new Set(data.roles));
      const now = deps.clock.now();
      const previous = await Membership.findOne({
        user: userId,
        group: group._id,
      }).lean<MembershipDoc>();
      let status: 'active' | 'removed';
      if (roles.length === 0) {
        if (!previous || previous.status !== 'active') return;
        await Membership.updateOne(
          { _id: previous._id },
          { $set: { status: 'removed', endedAt: now, roles: ['member'] } },
        );
        status = 'removed';
      } else if (previous) {
        await Membership.updateOne(
          { _id: previous._id },
          previous.status === 'active'
            ? { $set: { roles } }
            : { $set: { roles, status: 'active', endedAt: null, joinedAt: now } },
        );
        status = 'active';
      } else {
        await Membership.create({
          user: userId,
          group: group._id,
          roles,
          status: 'active',
          joinedAt: now,
        });
        status = 'active';
      }
      await recordAudit(deps, {
        key: `roles:${group._id.toHexString()}:${userId.toHexString()}:${now.getTime()}:${roles.join(',')}`,
        action: roles.length === 0 ? 'membership.removed' : 'membership.roles_changed',
        actor: actor.userId,
        group: group._id,
        targetType: 'user',
        targetId: userId,
        meta: {
          roles,
          previousRoles: (previous?.roles as string[] | undefined) ?? [],
          previousStatus: previous?.status ?? null,
        },
      });
      deps.events.emit('membership.changed', {
        groupId: group._id.toHexString(),
        userId: userId.toHexString(),
        status,
      });
      // Staff powers granted or taken away: every session of that person ends (their epoch moves
      // on), so they sign in again with a new session id, and with a second factor where the new
      // role needs one. Another person's session id cannot be regenerated from here.
      const staff = (list: readonly string[]) =>
        list
          .filter((r) => r === 'moderator' || r === 'advocate')
          .sort()
          .join(',');
      const wasStaff = previous?.status === 'active' ? staff(previous.roles as string[]) : '';
      const isStaff = status === 'active' ? staff(roles) : '';
      if (wasStaff !== isStaff) {
        await User.updateOne({ _id: userId }, { $inc: { sessionEpoch: 1 } });
        deps.events.emit('user.sessions_revoked', { userId: userId.toHexString() });
      }
    },
  };
}
