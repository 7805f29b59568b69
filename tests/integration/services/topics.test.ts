import mongoose from 'mongoose';
import { AuditEvent, Group, Membership, Post } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError, ValidationError } from '../../../server/errors';
import { createPostService } from '../../../server/services/posts';
import { createReviewService } from '../../../server/services/reviews';
import { createTopicService } from '../../../server/services/topics';
import { MAX_ACTIVE_TOPICS } from '../../../server/services/topic-list';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroupWithPeople, createUser } from '../../helpers/factories';

/** Conversation topics: the moderators' list, a post's topic, and the member's filter. */
const deps = testDeps();
const posts = createPostService(deps);
const reviews = createReviewService(deps);
const topics = createTopicService(deps);
let keyCounter = 0;
const key = () => `topic-key-${Date.now()}-${(keyCounter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('topics-services'));
  await Promise.all([Post.init(), Membership.init(), AuditEvent.init()]);
});
afterAll(async () => {
  await mongoose.disconnect();
});
beforeEach(() => deps.clock.set(new Date('2026-03-02T10:00:00Z')));

async function rejects(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

async function setup() {
  const people = await createGroupWithPeople();
  const outsider = await createUser();
  const other = await createUser();
  await addMember(other, people.group);
  return {
    ...people,
    slug: people.group.slug,
    author: actorFor(people.member),
    other: actorFor(other),
    mod: actorFor(people.moderator),
    advocate: actorFor(people.advocate),
    outsider: actorFor(outsider),
  };
}

/** Submits and approves a top-level post (or reply) with a topic; returns its id. */
async function published(
  w: Awaited<ReturnType<typeof setup>>,
  body: string,
  extra: { topic?: string; parentId?: string } = {},
): Promise<string> {
  const stored = await posts.submitPost(w.author, {
    group: w.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: false,
    ...extra,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await reviews.approvePost(w.mod, { postId: stored.post.id, version: stored.post.version });
  return stored.post.id;
}

describe('the list of topics', () => {
  it('a group that never edited its topics has the four defaults, in order', async () => {
    const w = await setup();
    const page = await topics.listTopics(w.mod, { group: w.slug });
    expect(page.topics.map((t) => t.name)).toEqual([
      'Treatment',
      'Everyday life',
      'Celebrations',
      'Off-topic',
    ]);
    expect(page.topics.every((t) => !t.retired)).toBe(true);
    // Nothing is stored until a moderator edits the list.
    expect((await Group.findById(w.group._id).lean())?.topics).toBeUndefined();
  });

  it('moderators add, rename, reorder, retire and restore; each change is audited', async () => {
    const w = await setup();
    await topics.addTopic(w.mod, { group: w.slug, name: '  Side   effects ' });
    let list = (await topics.listTopics(w.mod, { group: w.slug })).topics;
    expect(list.map((t) => t.name)).toEqual([
      'Treatment',
      'Everyday life',
      'Celebrations',
      'Off-topic',
      'Side effects',
    ]);
    const added = list[4]?.topicId as string;
    expect(added).toMatch(/^t-[0-9a-f]{8}$/);

    await topics.renameTopic(w.mod, {
      group: w.slug,
      topicId: added,
      name: 'Side effects and tips',
    });
    await topics.moveTopic(w.mod, { group: w.slug, topicId: added, direction: 'up' });
    await topics.moveTopic(w.mod, { group: w.slug, topicId: 'treatment', direction: 'up' }); // already first
    await topics.retireTopic(w.mod, { group: w.slug, topicId: 'celebrations' });
    list = (await topics.listTopics(w.mod, { group: w.slug })).topics;
    expect(list.map((t) => `${t.name}${t.retired ? ' (retired)' : ''}`)).toEqual([
      'Treatment',
      'Everyday life',
      'Celebrations (retired)',
      'Side effects and tips',
      'Off-topic',
    ]);
    await topics.restoreTopic(w.mod, { group: w.slug, topicId: 'celebrations' });
    list = (await topics.listTopics(w.mod, { group: w.slug })).topics;
    expect(list.find((t) => t.topicId === 'celebrations')?.retired).toBe(false);

    const audit = await AuditEvent.find({ group: w.group._id, action: /^topics\./ })
      .sort({ seq: 1 })
      .lean();
    expect(audit.map((a) => a.action)).toEqual([
      'topics.added',
      'topics.renamed',
      'topics.moved',
      'topics.moved',
      'topics.retired',
      'topics.restored',
    ]);
    expect(audit[1]?.meta).toMatchObject({
      topicId: added,
      topicName: 'Side effects and tips',
      previousTopicName: 'Side effects',
    });
    expect(audit.every((a) => String(a.actor) === String(w.moderator._id))).toBe(true);
  });

  it('refuses empty, too long and duplicate names, and more topics than the limit', async () => {
    const w = await setup();
    const empty = await rejects(topics.addTopic(w.mod, { group: w.slug, name: '' }));
    expect(empty.code).toBe('validation_failed');
    const long = await rejects(topics.addTopic(w.mod, { group: w.slug, name: 'x'.repeat(41) }));
    expect(long.message).toBe('Please keep a topic name to 40 characters or fewer.');
    const dup = (await rejects(
      topics.addTopic(w.mod, { group: w.slug, name: 'everyday LIFE' }),
    )) as ValidationError;
    expect(dup.issues[0]?.message).toMatch(/already a topic with that name/);
    const clash = await rejects(
      topics.renameTopic(w.mod, { group: w.slug, topicId: 'off-topic', name: 'Treatment' }),
    );
    expect(clash.message).toMatch(/already a topic/);
    // Up to the limit of topics in use, then a plain refusal.
    for (let i = 4; i < MAX_ACTIVE_TOPICS; i += 1) {
      await topics.addTopic(w.mod, { group: w.slug, name: `Topic ${i}` });
    }
    const tooMany = await rejects(topics.addTopic(w.mod, { group: w.slug, name: 'One more' }));
    expect(tooMany.message).toBe(
      `A group can have at most ${MAX_ACTIVE_TOPICS} topics in use. Retire one first.`,
    );
    expect((await topics.listTopics(w.mod, { group: w.slug })).canAdd).toBe(false);
    // Retiring one makes room.
    await topics.retireTopic(w.mod, { group: w.slug, topicId: 'off-topic' });
    await topics.addTopic(w.mod, { group: w.slug, name: 'One more' });
    const missing = await rejects(
      topics.retireTopic(w.mod, { group: w.slug, topicId: 'no-such-topic' }),
    );
    expect(missing.code).toBe('not_found');
  });

  it('two moderators editing at once both keep their change', async () => {
    const w = await setup();
    const mod2 = await createUser();
    await addMember(mod2, w.group, ['member', 'moderator']);
    await Promise.all([
      topics.addTopic(w.mod, { group: w.slug, name: 'Family' }),
      topics.addTopic(actorFor(mod2), { group: w.slug, name: 'Work' }),
      topics.retireTopic(w.mod, { group: w.slug, topicId: 'off-topic' }),
    ]);
    const list = (await topics.listTopics(w.mod, { group: w.slug })).topics;
    expect(list.map((t) => t.name)).toEqual(expect.arrayContaining(['Family', 'Work']));
    expect(list.find((t) => t.topicId === 'off-topic')?.retired).toBe(true);
    expect((await Group.findById(w.group._id).lean())?.topicsVersion).toBe(3);
  });

  it('only the group’s moderators may see or edit the list (404 for everyone else)', async () => {
    const w = await setup();
    for (const who of [w.author, w.advocate, w.outsider]) {
      expect((await rejects(topics.listTopics(who, { group: w.slug }))).code).toBe('not_found');
      expect((await rejects(topics.addTopic(who, { group: w.slug, name: 'X' }))).code).toBe(
        'not_found',
      );
    }
  });
});

describe('a post’s topic', () => {
  it('a member picks one topic; it shows on the post for everyone, renamed with the list', async () => {
    const w = await setup();
    const id = await published(w, 'We had a lovely day out', { topic: 'celebrations' });
    let page = await posts.listConversation(w.other, { group: w.slug });
    expect(page.threads.find((t) => t.post.id === id)?.post.topic).toEqual({
      id: 'celebrations',
      name: 'Celebrations',
    });
    await topics.renameTopic(w.mod, { group: w.slug, topicId: 'celebrations', name: 'Good news' });
    page = await posts.listConversation(w.other, { group: w.slug });
    expect(page.threads.find((t) => t.post.id === id)?.post.topic?.name).toBe('Good news');
  });

  it('an unknown topic, a retired topic and a topic on a reply are refused, each saying why', async () => {
    const w = await setup();
    const send = (extra: { topic?: string; parentId?: string }) =>
      posts.submitPost(w.author, {
        group: w.slug,
        body: 'Hello',
        idempotencyKey: key(),
        acknowledgedFindings: false,
        ...extra,
      });
    const unknown = (await rejects(send({ topic: 'gardening' }))) as ValidationError;
    expect(unknown.code).toBe('validation_failed');
    expect(unknown.issues).toEqual([
      {
        path: 'topic',
        message: 'That topic is not one of this group’s topics. Please choose one from the list.',
      },
    ]);
    await topics.retireTopic(w.mod, { group: w.slug, topicId: 'off-topic' });
    const retired = await rejects(send({ topic: 'off-topic' }));
    expect(retired.message).toBe(
      'That topic is no longer used. Please choose another one, or no topic.',
    );
    const parent = await published(w, 'A thread', { topic: 'treatment' });
    const reply = await rejects(send({ topic: 'treatment', parentId: parent }));
    expect(reply.message).toMatch(/reply belongs to the topic of the post it answers/);
    // Nothing was stored by the refusals; no topic at all is fine.
    expect(await Post.countDocuments({ author: w.member._id, status: 'pending' })).toBe(0);
    const fine = await send({});
    expect(fine.status === 'stored' && fine.post.topic).toBeNull();
  });

  it('a retired topic stays on old posts and can still be filtered by', async () => {
    const w = await setup();
    const id = await published(w, 'Old news', { topic: 'off-topic' });
    await topics.retireTopic(w.mod, { group: w.slug, topicId: 'off-topic' });
    const page = await posts.listConversation(w.other, { group: w.slug, topic: 'off-topic' });
    expect(page.topics.filter).toEqual({ id: 'off-topic', name: 'Off-topic' });
    expect(page.threads.map((t) => t.post.id)).toEqual([id]);
    expect(page.threads[0]?.post.topic?.name).toBe('Off-topic');
  });

  it('moderators change the topic in the queue and after approval; both are audited', async () => {
    const w = await setup();
    const stored = await posts.submitPost(w.author, {
      group: w.slug,
      body: 'Waiting post',
      idempotencyKey: key(),
      acknowledgedFindings: false,
      topic: 'treatment',
    });
    if (stored.status !== 'stored') throw new Error('not stored');
    const queue = await reviews.listQueue(w.mod, { group: w.slug });
    expect(queue.items.find((i) => i.id === stored.post.id)?.topic).toBe('treatment');
    const changed = await topics.setPostTopic(w.mod, {
      postId: stored.post.id,
      topic: 'everyday-life',
    });
    expect(changed).toEqual({ postId: stored.post.id, topic: 'everyday-life', changed: true });
    // The version is unchanged: a moderator about to approve is not sent a conflict.
    await reviews.approvePost(w.mod, { postId: stored.post.id, version: stored.post.version });
    await topics.setPostTopic(w.mod, { postId: stored.post.id, topic: undefined });
    const after = await Post.findById(stored.post.id).lean();
    expect(after?.topic).toBeNull();
    expect(after?.status).toBe('approved');
    const audit = await AuditEvent.find({ targetId: stored.post.id, action: 'post.topic_changed' })
      .sort({ seq: 1 })
      .lean();
    expect(audit.map((a) => a.meta)).toEqual([
      { from: 'treatment', to: 'everyday-life', status: 'pending' },
      { from: 'everyday-life', to: 'none', status: 'approved' },
    ]);
    // The same topic again changes nothing and records nothing.
    expect(
      (await topics.setPostTopic(w.mod, { postId: stored.post.id, topic: undefined })).changed,
    ).toBe(false);
  });

  it('only moderators may change a topic; replies have none; retired topics are not offered', async () => {
    const w = await setup();
    const id = await published(w, 'A thread');
    for (const who of [w.author, w.other, w.advocate, w.outsider]) {
      const refused = await rejects(topics.setPostTopic(who, { postId: id, topic: 'treatment' }));
      expect(refused.code).toBe('not_found');
    }
    const reply = await published(w, 'A reply', { parentId: id });
    const onReply = await rejects(
      topics.setPostTopic(w.mod, { postId: reply, topic: 'treatment' }),
    );
    expect(onReply.message).toMatch(/reply belongs to the topic/);
    await topics.retireTopic(w.mod, { group: w.slug, topicId: 'treatment' });
    const retired = await rejects(topics.setPostTopic(w.mod, { postId: id, topic: 'treatment' }));
    expect(retired.message).toMatch(/no longer used/);
  });
});

describe('filtering the conversation by topic', () => {
  it('shows only threads of that topic, with their replies, paging within the topic', async () => {
    const w = await setup();
    const treatment: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      deps.clock.advance(60_000);
      treatment.push(await published(w, `Treatment ${i}`, { topic: 'treatment' }));
      deps.clock.advance(60_000);
      await published(w, `Life ${i}`, { topic: 'everyday-life' });
    }
    deps.clock.advance(60_000);
    const reply = await published(w, 'A reply without its own topic', {
      parentId: treatment[0] as string,
    });
    await published(w, 'No topic at all');
    const first = await posts.listConversation(w.other, {
      group: w.slug,
      topic: 'treatment',
      limit: 3,
    });
    // Newest activity last; the thread with the new reply moved to the end.
    expect(first.threads.map((t) => t.post.body)).toEqual([
      'Treatment 3',
      'Treatment 4',
      'Treatment 0',
    ]);
    expect(first.threads[2]?.replies.map((r) => r.id)).toEqual([reply]);
    expect(first.earlierCursor).not.toBeNull();
    const second = await posts.listConversation(w.other, {
      group: w.slug,
      topic: 'treatment',
      limit: 3,
      before: first.earlierCursor as string,
    });
    expect(second.threads.map((t) => t.post.body)).toEqual(['Treatment 1', 'Treatment 2']);
    expect(second.earlierCursor).toBeNull();
    // No filter: all 11 threads.
    const all = await posts.listConversation(w.other, { group: w.slug, limit: 50 });
    expect(all.threads).toHaveLength(11);
    expect(all.topics.filter).toBeNull();
  });

  it('never shows waiting posts of others, and an unknown topic shows everything with a note', async () => {
    const w = await setup();
    await posts.submitPost(w.author, {
      group: w.slug,
      body: 'Still waiting',
      idempotencyKey: key(),
      acknowledgedFindings: false,
      topic: 'treatment',
    });
    const filtered = await posts.listConversation(w.other, { group: w.slug, topic: 'treatment' });
    expect(filtered.threads).toEqual([]);
    expect(filtered.ownPosts).toEqual([]);
    const unknown = await posts.listConversation(w.other, { group: w.slug, topic: 'gardening' });
    expect(unknown.topics).toMatchObject({ filter: null, unknownFilter: true });
    const outsider = await rejects(
      posts.listConversation(w.outsider, { group: w.slug, topic: 'treatment' }),
    );
    expect(outsider.code).toBe('not_found');
  });
});
