import {
  canDecide,
  canEditPost,
  canReact,
  canResubmitPost,
  canSeePost,
  canUndo,
  canWithdrawPost,
  reviewActions,
  type PostFacts,
  type ViewerFacts,
} from '../../../server/policies/post';
import type { PostStatus } from '../../../models/post';

const now = new Date('2026-03-02T10:00:00Z');
const later = new Date(now.getTime() + 60_000);
const earlier = new Date(now.getTime() - 60_000);
const author: ViewerFacts = { userId: 'author', isMember: true, isModerator: false };
const member: ViewerFacts = { userId: 'member', isMember: true, isModerator: false };
const moderator: ViewerFacts = { userId: 'mod', isMember: true, isModerator: true };
const otherModerator: ViewerFacts = { userId: 'mod2', isMember: true, isModerator: true };
const outsider: ViewerFacts = { userId: 'x', isMember: false, isModerator: false };
const post = (status: PostStatus, extra: Partial<PostFacts> = {}): PostFacts => ({
  authorId: 'author',
  status,
  ...extra,
});

describe('who sees a post', () => {
  const table: Array<[PostStatus, ViewerFacts, boolean]> = [
    ['approved', member, true],
    ['approved', outsider, false],
    ['pending', author, true],
    ['pending', moderator, true],
    ['pending', member, false],
    ['pending', outsider, false],
    ['rejected', author, true],
    ['rejected', member, false],
    ['withdrawn', member, false],
    ['hidden', author, false],
    ['hidden', moderator, true],
  ];
  it.each(table)('%s post, viewer %o → %s', (status, viewer, expected) => {
    expect(canSeePost(viewer, post(status))).toBe(expected);
  });
});

describe('what the author may do', () => {
  it('edits only while pending, withdraws pending or rejected, resubmits rejected', () => {
    expect(canEditPost(author, post('pending'))).toBe(true);
    expect(canEditPost(author, post('approved'))).toBe(false);
    expect(canEditPost(member, post('pending'))).toBe(false);
    expect(canWithdrawPost(author, post('rejected'))).toBe(true);
    expect(canWithdrawPost(author, post('approved'))).toBe(false);
    expect(canResubmitPost(author, post('rejected'))).toBe(true);
    expect(canResubmitPost(author, post('pending'))).toBe(false);
  });
  it('reacts only on approved posts', () => {
    expect(canReact(member, post('approved'))).toBe(true);
    expect(canReact(member, post('pending'))).toBe(false);
    expect(canReact(outsider, post('approved'))).toBe(false);
  });
});

describe('what a moderator may do', () => {
  it('decides pending posts nobody else has claimed, or whose claim lapsed', () => {
    expect(canDecide(moderator, post('pending'), now)).toBe(true);
    expect(canDecide(member, post('pending'), now)).toBe(false);
    expect(canDecide(moderator, post('approved'), now)).toBe(false);
    const claimed = post('pending', { claimBy: 'mod2', claimUntil: later });
    expect(canDecide(moderator, claimed, now)).toBe(false);
    expect(canDecide(otherModerator, claimed, now)).toBe(true);
    expect(
      canDecide(moderator, post('pending', { claimBy: 'mod2', claimUntil: earlier }), now),
    ).toBe(true);
  });
  it('undoes only their own decision, only for a short while', () => {
    const decided = post('approved', { decisionBy: 'mod', undoUntil: later });
    expect(canUndo(moderator, decided, now)).toBe(true);
    expect(canUndo(otherModerator, decided, now)).toBe(false);
    expect(canUndo(moderator, { ...decided, undoUntil: earlier }, now)).toBe(false);
  });
  it('offers actions computed from state', () => {
    expect(reviewActions(moderator, post('pending'), now)).toEqual([
      'approve',
      'reject',
      'edit_approve',
      'claim',
    ]);
    expect(
      reviewActions(moderator, post('pending', { claimBy: 'mod', claimUntil: later }), now),
    ).toContain('release');
    expect(
      reviewActions(moderator, post('pending', { claimBy: 'mod2', claimUntil: later }), now),
    ).toEqual([]);
    expect(reviewActions(moderator, post('approved'), now)).toEqual([]);
  });
});
