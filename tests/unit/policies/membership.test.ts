import { Types } from 'mongoose';
import type { Actor } from '../../../server/context';
import type { MembershipFacts } from '../../../server/policies/group';
import {
  GROUP_ACTIONS,
  canInGroup,
  canRemoveTarget,
  groupAbilities,
  type GroupAction,
  type GroupPolicyFacts,
} from '../../../server/policies/membership';

const now = new Date('2026-03-02T10:00:00Z');
const later = new Date('2026-03-09T10:00:00Z');
const earlier = new Date('2026-02-01T10:00:00Z');

function actor(siteRole: 'member' | 'admin' = 'member'): Actor {
  return {
    kind: 'user',
    userId: new Types.ObjectId(),
    siteRole,
    displayName: 'Someone',
    secondFactorDone: true,
    requestId: 'r',
  };
}
const m = (fields: Partial<MembershipFacts> = {}): MembershipFacts => ({
  status: 'active',
  roles: ['member'],
  mutedUntil: null,
  suspendedUntil: null,
  ...fields,
});

type Who =
  | 'visitor'
  | 'non-member'
  | 'member'
  | 'member (documents pending)'
  | 'muted'
  | 'mute expired'
  | 'suspended'
  | 'removed'
  | 'left'
  | 'advocate'
  | 'moderator'
  | 'admin (no membership)';

const people: Record<Who, Omit<GroupPolicyFacts, 'group' | 'now'>> = {
  visitor: { actor: null, membership: null, consentPending: false },
  'non-member': { actor: actor(), membership: null, consentPending: false },
  member: { actor: actor(), membership: m(), consentPending: false },
  'member (documents pending)': { actor: actor(), membership: m(), consentPending: true },
  muted: { actor: actor(), membership: m({ mutedUntil: later }), consentPending: false },
  'mute expired': { actor: actor(), membership: m({ mutedUntil: earlier }), consentPending: false },
  suspended: { actor: actor(), membership: m({ suspendedUntil: later }), consentPending: false },
  removed: { actor: actor(), membership: m({ status: 'removed' }), consentPending: false },
  left: { actor: actor(), membership: m({ status: 'left' }), consentPending: false },
  advocate: {
    actor: actor(),
    membership: m({ roles: ['member', 'advocate'] }),
    consentPending: false,
  },
  moderator: {
    actor: actor(),
    membership: m({ roles: ['member', 'moderator'] }),
    consentPending: false,
  },
  'admin (no membership)': { actor: actor('admin'), membership: null, consentPending: false },
};

// Y = allowed. Columns follow GROUP_ACTIONS order.
const table: Record<Who, Partial<Record<GroupAction, true>>> = {
  visitor: { view_public_page: true, request_invitation: true },
  'non-member': { view_public_page: true, request_invitation: true },
  member: {
    view_public_page: true,
    request_invitation: true,
    enter: true,
    participate: true,
    view_members: true,
    leave: true,
  },
  'member (documents pending)': {
    view_public_page: true,
    request_invitation: true,
    enter: true,
    view_members: true,
    leave: true,
  },
  muted: {
    view_public_page: true,
    request_invitation: true,
    enter: true,
    view_members: true,
    leave: true,
  },
  'mute expired': {
    view_public_page: true,
    request_invitation: true,
    enter: true,
    participate: true,
    view_members: true,
    leave: true,
  },
  suspended: { view_public_page: true, request_invitation: true, leave: true },
  removed: { view_public_page: true, request_invitation: true },
  left: { view_public_page: true, request_invitation: true },
  advocate: {
    view_public_page: true,
    request_invitation: true,
    enter: true,
    participate: true,
    view_members: true,
    leave: true,
    invite: true,
    decide_join_requests: true,
    remove_member: true,
  },
  moderator: {
    view_public_page: true,
    request_invitation: true,
    enter: true,
    participate: true,
    view_members: true,
    leave: true,
    remove_member: true,
    publish_group_documents: true,
  },
  'admin (no membership)': {
    view_public_page: true,
    request_invitation: true,
    manage_group: true,
    assign_roles: true,
    publish_site_documents: true,
  },
};

describe('group policy: who may do what', () => {
  const rows = (Object.keys(people) as Who[]).flatMap((who) =>
    GROUP_ACTIONS.map((action) => [who, action, table[who][action] === true] as const),
  );
  it.each(rows)('%s → %s: %s', (who, action, expected) => {
    const facts: GroupPolicyFacts = { ...people[who], group: { hidden: false }, now };
    expect(canInGroup(action, facts)).toBe(expected);
  });

  it('a hidden group has no public page and takes no requests, for anyone', () => {
    for (const who of Object.keys(people) as Who[]) {
      const facts: GroupPolicyFacts = { ...people[who], group: { hidden: true }, now };
      expect(canInGroup('view_public_page', facts)).toBe(false);
      expect(canInGroup('request_invitation', facts)).toBe(false);
    }
  });

  it('abilities list every action once', () => {
    const facts: GroupPolicyFacts = { ...people.member, group: { hidden: false }, now };
    expect(Object.keys(groupAbilities(facts)).sort()).toEqual([...GROUP_ACTIONS].sort());
  });
});

describe('removing a member', () => {
  const advocate = m({ roles: ['member', 'advocate'] });
  const moderator = m({ roles: ['member', 'moderator'] });
  it('advocates and moderators remove ordinary members', () => {
    expect(canRemoveTarget(advocate, m(), false)).toBe(true);
    expect(canRemoveTarget(moderator, m({ mutedUntil: later }), false)).toBe(true);
  });
  it('members cannot remove anyone; nobody removes themselves or staff', () => {
    expect(canRemoveTarget(m(), m(), false)).toBe(false);
    expect(canRemoveTarget(advocate, advocate, true)).toBe(false);
    expect(canRemoveTarget(advocate, moderator, false)).toBe(false);
    expect(canRemoveTarget(moderator, m({ status: 'removed' }), false)).toBe(false);
    expect(canRemoveTarget(null, m(), false)).toBe(false);
  });
});
