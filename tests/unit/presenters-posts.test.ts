import { Types } from 'mongoose';
import {
  presentMemberPost,
  presentOwnPost,
  presentQueueItem,
  type PostLike,
} from '../../server/presenters/posts';
import { DEFAULT_HOURS } from '../../server/services/business-hours';

const author = new Types.ObjectId();
const base: PostLike = {
  _id: new Types.ObjectId(),
  group: new Types.ObjectId(),
  author,
  parent: null,
  body: 'Hello all',
  status: 'approved',
  version: 3,
  submittedAt: new Date('2026-03-02T09:00:00Z'),
  publishedAt: new Date('2026-03-02T09:10:00Z'),
  seq: 7,
  lane: 'normal',
  findings: [{ kind: 'link', detail: 'url' }],
  decision: { action: 'rejected', ruleId: 'r-kind', note: 'Please rephrase', byName: 'Mod' },
  reactionCounts: { heart: 2 },
};
const names = new Map([[String(author), 'Sunny']]);

describe('post presenters', () => {
  it('the member view carries no status, findings, decision or history', () => {
    const view = presentMemberPost(base, names, String(author));
    expect(view).toMatchObject({ authorName: 'Sunny', mine: true, seq: 7 });
    expect(view.reactions).toEqual({ heart: 2, hug: 0, pray: 0, clap: 0 });
    const json = JSON.stringify(view);
    expect(json).not.toMatch(/findings|decision|status|Please rephrase|history|idempotency/);
  });

  it('the author’s own rejected post explains the rule and offers revise or withdraw', () => {
    const view = presentOwnPost({ ...base, status: 'rejected' }, [
      { ruleId: 'r-kind', title: 'Be kind' },
    ]);
    expect(view.rejection).toEqual({
      ruleId: 'r-kind',
      ruleTitle: 'Be kind',
      note: 'Please rephrase',
    });
    expect(view).toMatchObject({ canResubmit: true, canWithdraw: true, canEdit: false });
  });

  it('a queue item turns amber once its target has passed in review hours', () => {
    const pending = {
      ...base,
      status: 'pending' as const,
      submittedAt: new Date('2026-03-02T09:00:00Z'),
    };
    const ctx = {
      viewer: { userId: 'm', isMember: true, isModerator: true },
      names,
      track: new Map([[String(author), { approved: 4, rejected: 1 }]]),
      now: new Date('2026-03-02T09:45:00Z'),
      hours: DEFAULT_HOURS,
      responseTargetMinutes: 30,
      crisisTargetMinutes: 5,
    };
    const item = presentQueueItem(pending, ctx);
    expect(item).toMatchObject({ overdue: true, waitingMinutes: 45, authorName: 'Sunny' });
    expect(item.track).toEqual({ approved: 4, rejected: 1 });
    // Sent on Friday at 16:50: ten minutes count on Friday, the other twenty on Monday morning.
    const friday = { ...pending, submittedAt: new Date('2026-03-06T16:50:00Z') };
    const saturday = presentQueueItem(friday, { ...ctx, now: new Date('2026-03-07T12:00:00Z') });
    expect(saturday).toMatchObject({ overdue: false, overdueAt: '2026-03-09T09:20:00.000Z' });
    // Across the spring DST change (29 March), Monday 9:20 is 08:20 UTC.
    const beforeDst = { ...pending, submittedAt: new Date('2026-03-27T16:50:00Z') };
    expect(presentQueueItem(beforeDst, ctx).overdueAt).toBe('2026-03-30T08:20:00.000Z');
    const crisis = presentQueueItem(
      { ...pending, lane: 'priority' },
      {
        ...ctx,
        now: new Date('2026-03-02T09:06:00Z'),
      },
    );
    expect(crisis).toMatchObject({ overdue: true, targetMinutes: 5 });
  });
});
