import { trusted } from 'mongoose';
import { Group, Membership } from '../../models';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { canEnterGroup } from '../policies/group';

export interface MyGroup {
  name: string;
  slug: string;
  isModerator: boolean;
  isAdvocate: boolean;
}

/** The groups a person may enter, for the start page and the socket rooms. */
export function createMyGroupsService(deps: Deps) {
  return {
    async listMyGroups(actor: Actor): Promise<MyGroup[]> {
      const now = deps.clock.now();
      const memberships = await Membership.find({ user: actor.userId, status: 'active' }).lean();
      const enterable = memberships.filter((m) => canEnterGroup(m, now));
      if (enterable.length === 0) return [];
      const groups = await Group.find({ _id: trusted({ $in: enterable.map((m) => m.group) }) })
        .select({ name: 1, slug: 1 })
        .lean();
      const byId = new Map(groups.map((g) => [String(g._id), g]));
      return enterable
        .flatMap((m) => {
          const g = byId.get(String(m.group));
          return g
            ? [
                {
                  name: g.name,
                  slug: g.slug,
                  isModerator: m.roles.includes('moderator'),
                  isAdvocate: m.roles.includes('advocate'),
                },
              ]
            : [];
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    /** Group ids whose rooms this person's sockets join, and which of them they moderate. */
    async roomsFor(actor: Actor): Promise<{ groupId: string; moderator: boolean }[]> {
      const now = deps.clock.now();
      const memberships = await Membership.find({ user: actor.userId, status: 'active' })
        .select({ group: 1, roles: 1, status: 1, suspendedUntil: 1, mutedUntil: 1 })
        .lean();
      return memberships
        .filter((m) => canEnterGroup(m, now))
        .map((m) => ({ groupId: String(m.group), moderator: m.roles.includes('moderator') }));
    },
  };
}
