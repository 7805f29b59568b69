import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { Post, type GroupDoc, type UserDoc } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import { createInsightsService } from '../../../server/services/insights';
import { mondayOf } from '../../../server/services/insights-discussion';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/**
 * The discussion figures of insights on a seeded group whose expected values were worked out by
 * hand (below, next to each figure). Times are UTC, which is Dublin time in early March.
 */
const deps = testDeps();
const insights = createInsightsService(deps);

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('insights-discussion'));
  await Post.init();
});
afterAll(async () => {
  await mongoose.disconnect();
});

const at = (iso: string) => new Date(`${iso}:00Z`);
let seq = 0;

/** Stores a post as the review flow leaves it (history, publication), without the services. */
async function seedPost(
  group: GroupDoc,
  author: UserDoc,
  o: {
    submitted: string;
    published?: string;
    parent?: Types.ObjectId;
    status?: 'approved' | 'pending' | 'rejected' | 'hidden';
  },
): Promise<Types.ObjectId> {
  const status = o.status ?? (o.published ? 'approved' : 'pending');
  const submittedAt = at(o.submitted);
  const publishedAt = o.published ? at(o.published) : null;
  const history: Array<Record<string, unknown>> = [
    { action: 'submitted', by: author._id, at: submittedAt, toStatus: 'pending' },
  ];
  if (publishedAt) {
    history.push({
      action: 'approved',
      at: publishedAt,
      fromStatus: 'pending',
      toStatus: 'approved',
    });
  }
  if (status === 'rejected') {
    history.push({
      action: 'rejected',
      at: new Date(submittedAt.getTime() + 600_000),
      ruleId: 'r-kind',
    });
  }
  const doc = await Post.create({
    group: group._id,
    author: author._id,
    parent: o.parent ?? null,
    body: 'Seeded post',
    status,
    idempotencyKey: `seed-${randomBytes(6).toString('hex')}`,
    submittedAt,
    publishedAt,
    seq: publishedAt ? (seq += 1) : null,
    lastActivityAt: publishedAt,
    history,
  });
  return doc._id;
}

async function seededWorld() {
  const group = await createGroup();
  const other = await createGroup();
  const names = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
  const people = {} as Record<(typeof names)[number], UserDoc>;
  for (const n of names) {
    people[n] = await createUser({ displayName: `Seeded ${n} ${randomBytes(2).toString('hex')}` });
    await addMember(people[n], group);
  }
  const mod = await createUser();
  await addMember(mod, group, ['member', 'moderator']);
  const { A, B, C, D, E, F } = people;

  // Week of 23 Feb (before the period; counts only as "the week before"): A, B, C, D posted.
  const t6 = await seedPost(group, D, {
    submitted: '2026-02-25T09:00',
    published: '2026-02-25T10:00',
  });
  await seedPost(group, A, { submitted: '2026-02-24T09:00', published: '2026-02-24T10:00' });
  await seedPost(group, B, { submitted: '2026-02-26T09:00', published: '2026-02-26T10:00' });
  await seedPost(group, C, { submitted: '2026-02-27T09:00', published: '2026-02-27T10:00' });

  // Week of 2 March: A, B, C, E posted.
  const t1 = await seedPost(group, A, {
    submitted: '2026-03-02T09:00',
    published: '2026-03-02T10:00',
  });
  await seedPost(group, B, {
    parent: t1,
    submitted: '2026-03-02T10:20',
    published: '2026-03-02T10:30',
  });
  await seedPost(group, C, {
    parent: t1,
    submitted: '2026-03-02T11:00',
    published: '2026-03-02T12:00',
  });
  await seedPost(group, D, { parent: t1, submitted: '2026-03-09T09:00' }); // waiting: not a reply yet
  await seedPost(group, E, { parent: t1, submitted: '2026-03-03T09:00', status: 'rejected' });
  const t2 = await seedPost(group, B, {
    submitted: '2026-03-03T09:00',
    published: '2026-03-03T09:10',
  });
  await seedPost(group, A, {
    parent: t2,
    submitted: '2026-03-03T13:00',
    published: '2026-03-03T13:10',
  });
  await seedPost(group, C, { submitted: '2026-03-04T09:00', published: '2026-03-04T10:00' }); // T3
  await seedPost(group, A, {
    parent: t6,
    submitted: '2026-03-02T10:40',
    published: '2026-03-02T11:00',
  });
  await seedPost(group, C, {
    submitted: '2026-03-05T09:00',
    published: '2026-03-05T10:00',
    status: 'hidden',
  });

  // Week of 9 March: E, A, F posted (F's post still waits), and D (the waiting reply above).
  const t4 = await seedPost(group, E, {
    submitted: '2026-03-09T09:00',
    published: '2026-03-09T10:00',
  });
  for (const time of ['10:05', '11:00', '12:00', '13:00']) {
    await seedPost(group, A, {
      parent: t4,
      submitted: '2026-03-09T10:01',
      published: `2026-03-09T${time}`,
    });
  }
  const t5 = await seedPost(group, A, {
    submitted: '2026-03-10T07:00',
    published: '2026-03-10T08:00',
  });
  await seedPost(group, E, {
    parent: t5,
    submitted: '2026-03-11T07:00',
    published: '2026-03-11T08:00',
  });
  await seedPost(group, F, { submitted: '2026-03-12T09:00' });

  // Another group's busy thread must not count here.
  const stranger = await createUser();
  await addMember(stranger, other);
  const elsewhere = await seedPost(other, stranger, {
    submitted: '2026-03-03T09:00',
    published: '2026-03-03T09:05',
  });
  await seedPost(other, stranger, {
    parent: elsewhere,
    submitted: '2026-03-03T09:06',
    published: '2026-03-03T09:07',
  });

  return { group, mod };
}

describe('insights: a living discussion', () => {
  it('mondayOf finds the week’s Monday (also across a month and a year end)', () => {
    expect(mondayOf('2026-03-02')).toBe('2026-03-02');
    expect(mondayOf('2026-03-01')).toBe('2026-02-23');
    expect(mondayOf('2027-01-01')).toBe('2026-12-28');
  });

  it('replies per thread, returning members and time to first reply match the hand count', async () => {
    const w = await seededWorld();
    deps.clock.set(new Date('2026-03-15T20:00:00Z')); // Sunday evening
    const result = await insights.groupInsights(actorFor(w.mod), { group: w.group.slug, days: 14 });
    expect(result.from).toBe('2026-03-02');
    expect(result.to).toBe('2026-03-15');

    // Threads published 2–15 March and still approved: T1 (2 replies: the waiting and the
    // rejected one do not count), T2 (1), T3 (0), T4 (4), T5 (1). T6 was published before the
    // period and the hidden thread is not approved. Sorted counts 0,1,1,2,4 → median 1.
    expect(result.discussion.replies).toEqual({
      threads: 5,
      median: 1,
      buckets: [
        { label: '0', threads: 1 },
        { label: '1', threads: 2 },
        { label: '2–3', threads: 1 },
        { label: '4–7', threads: 1 },
        { label: '8+', threads: 0 },
      ],
    });

    // Week of 2 March: A, B, C, E posted (4); A, B, C had posted the week before → 3, 75%.
    // Week of 9 March: E, A, F and D (a reply that still waits) posted (4); A and E also the
    // week before → 2: withheld, and so no share.
    expect(result.discussion.returning).toEqual([
      { weekStart: '2026-03-02', posted: 4, returning: 3, share: 75 },
      { weekStart: '2026-03-09', posted: 4, returning: null, share: null },
    ]);

    // First replies: T1 30 min, T2 240 min, T4 5 min, T5 1440 min; T3 none.
    // Sorted 5, 30, 240, 1440: median (30 + 240) / 2 = 135; p90 nearest rank ⌈3.6⌉ = 4th = 1440.
    expect(result.discussion.firstReply).toEqual({
      samples: 4,
      median: 135,
      p90: 1440,
      withoutReply: 1,
    });
  });

  it('a quiet period gives empty figures, not errors', async () => {
    const group = await createGroup();
    const mod = await createUser();
    await addMember(mod, group, ['member', 'moderator']);
    deps.clock.set(new Date('2026-03-15T20:00:00Z'));
    const result = await insights.groupInsights(actorFor(mod), { group: group.slug, days: 7 });
    expect(result.discussion.replies.threads).toBe(0);
    expect(result.discussion.replies.median).toBeNull();
    expect(result.discussion.firstReply).toEqual({
      samples: 0,
      median: null,
      p90: null,
      withoutReply: 0,
    });
    // 9–15 March: the weeks of 9 March only (from is Monday 9 March).
    expect(result.discussion.returning).toEqual([
      { weekStart: '2026-03-09', posted: 0, returning: 0, share: null },
    ]);
  });
});
