import { Types } from 'mongoose';
import {
  presentMemberPost,
  presentOwnPost,
  presentQueueItem,
  type PostLike,
} from '../../server/presenters/posts';

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

  it('a queue item turns amber only past the target while review is open', () => {
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
      open: true,
      responseTargetMinutes: 30,
      crisisTargetMinutes: 5,
    };
    const item = presentQueueItem(pending, ctx);
    expect(item).toMatchObject({ overdue: true, waitingMinutes: 45, authorName: 'Sunny' });
    expect(item.track).toEqual({ approved: 4, rejected: 1 });
    expect(presentQueueItem(pending, { ...ctx, open: false }).overdue).toBe(false);
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
