import { UNTIL_LIFTED } from '../../../models/membership';
import {
  canDecideAppeal,
  canReport,
  canSanctionTarget,
  isAppealable,
  pickAppealReviewer,
  sanctionEnd,
} from '../../../server/policies/moderation';

const member = { status: 'active' as const, roles: ['member'] };
const moderator = { status: 'active' as const, roles: ['member', 'moderator'] };
const advocate = { status: 'active' as const, roles: ['member', 'advocate'] };

describe('moderation policies', () => {
  it('only published posts by someone else can be reported', () => {
    expect(canReport({ status: 'approved', authorId: 'a' }, 'b')).toBe(true);
    expect(canReport({ status: 'approved', authorId: 'a' }, 'a')).toBe(false);
    for (const status of ['pending', 'rejected', 'hidden', 'withdrawn']) {
      expect(canReport({ status, authorId: 'a' }, 'b')).toBe(false);
    }
  });

  it('moderators sanction members, never staff, themselves or people who left', () => {
    expect(canSanctionTarget(moderator, member, false)).toBe(true);
    expect(canSanctionTarget(moderator, moderator, false)).toBe(false);
    expect(canSanctionTarget(moderator, advocate, false)).toBe(false);
    expect(canSanctionTarget(moderator, member, true)).toBe(false);
    expect(canSanctionTarget(member, member, false)).toBe(false);
    expect(canSanctionTarget(advocate, member, false)).toBe(false);
    expect(canSanctionTarget(moderator, { ...member, status: 'removed' }, false)).toBe(false);
    expect(canSanctionTarget(moderator, null, false)).toBe(false);
  });

  it('sanction ends: chosen durations from now, or until lifted', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    expect(sanctionEnd(now, '1h').toISOString()).toBe('2026-03-02T11:00:00.000Z');
    expect(sanctionEnd(now, '7d').toISOString()).toBe('2026-03-09T10:00:00.000Z');
    expect(sanctionEnd(now, 'lifted').getTime()).toBe(UNTIL_LIFTED.getTime());
    expect(() => sanctionEnd(now, '2y')).toThrow(RangeError);
  });

  it('appeals go to another moderator (fewest open first), or to the decider when alone', () => {
    const none = new Map<string, number>();
    expect(pickAppealReviewer(['m1', 'm2', 'm3'], 'm1', none)).toBe('m2');
    expect(pickAppealReviewer(['m1', 'm2', 'm3'], 'm1', new Map([['m2', 2]]))).toBe('m3');
    expect(pickAppealReviewer(['m1'], 'm1', none)).toBe('m1');
    expect(pickAppealReviewer([], 'm1', none)).toBeNull();
  });

  it('the assignee decides; if they no longer moderate, anyone but the decider', () => {
    const appeal = { assignedTo: 'm2', decidedBy: 'm1' };
    expect(canDecideAppeal('m2', true, appeal, true)).toBe(true);
    expect(canDecideAppeal('m3', true, appeal, true)).toBe(false);
    expect(canDecideAppeal('m3', true, appeal, false)).toBe(true);
    expect(canDecideAppeal('m1', true, appeal, false)).toBe(false);
    expect(canDecideAppeal('m2', false, appeal, true)).toBe(false);
  });

  it('appealable decisions are a closed list', () => {
    expect(isAppealable('post.hidden')).toBe(true);
    expect(isAppealable('member.suspended')).toBe(true);
    expect(isAppealable('post.approved')).toBe(false);
    expect(isAppealable('appeal.upheld')).toBe(false);
  });
});
