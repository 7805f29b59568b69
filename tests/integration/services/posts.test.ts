import mongoose from 'mongoose';
import { AuditEvent, Membership, Notification, Post } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createNotificationService } from '../../../server/services/notifications';
import { createPostService } from '../../../server/services/posts';
import { createReviewService } from '../../../server/services/reviews';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import {
  actorFor,
  addMember,
  createGroup,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';

const deps = testDeps();
const posts = createPostService(deps);
const reviews = createReviewService(deps);
const notifications = createNotificationService(deps);
let keyCounter = 0;
const key = () => `key-${Date.now()}-${(keyCounter += 1)}`;

beforeAll(async () => {
  hardenMongoose(); // as in production: sanitizeFilter and strictQuery 'throw'
  await mongoose.connect(testDatabaseUri('conversation-services'));
  await Promise.all([Post.init(), Membership.init(), AuditEvent.init()]);
});
afterAll(async () => {
  await mongoose.disconnect();
});
beforeEach(() => deps.clock.set(new Date('2026-03-02T10:00:00Z'))); // Monday 10:00 Dublin

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
  const secondModerator = await createUser();
  await addMember(secondModerator, people.group, ['member', 'moderator']);
  const other = await createUser();
  await addMember(other, people.group);
  return {
    ...people,
    group: people.group,
    slug: people.group.slug,
    author: actorFor(people.member),
    other: actorFor(other),
    mod: actorFor(people.moderator),
    mod2: actorFor(secondModerator),
  };
}

async function submit(
  actor: ReturnType<typeof actorFor>,
  group: string,
  body = 'Feeling a bit better today, thank you all.',
  extra: Partial<{ parentId: string; acknowledgedFindings: boolean; idempotencyKey: string }> = {},
) {
  const result = await posts.submitPost(actor, {
    group,
    body,
    idempotencyKey: extra.idempotencyKey ?? key(),
    acknowledgedFindings: extra.acknowledgedFindings ?? false,
    parentId: extra.parentId,
  });
  if (result.status !== 'stored') throw new Error(`not stored: ${JSON.stringify(result)}`);
  return result;
}

describe('submitting', () => {
  it('stores a pending post that only its author and the moderators can see', async () => {
    const s = await setup();
    const { post, wait } = await submit(s.author, s.slug);
    expect(post.status).toBe('pending');
    expect(wait.open).toBe(true);
    expect(wait.text).toMatch(/usually reads new posts within about 30 minutes/);

    const mine = await posts.listConversation(s.author, { group: s.slug });
    expect(mine.ownPosts.map((p) => p.id)).toEqual([post.id]);
    const theirs = await posts.listConversation(s.other, { group: s.slug });
    expect(theirs.ownPosts).toEqual([]);
    expect(JSON.stringify(theirs)).not.toContain(post.id);
    const caught = await posts.catchUp(s.other, { groupId: s.slug, afterSeq: 0 });
    expect(caught.posts).toEqual([]);
    const queue = await reviews.listQueue(s.mod, { group: s.slug });
    expect(queue.items.map((i) => i.id)).toEqual([post.id]);
    expect((await rejects(reviews.listQueue(s.author, { group: s.slug }))).code).toBe('not_found');
  });

  it('a retried submission with the same key returns the same post, never a second', async () => {
    const s = await setup();
    const k = key();
    const [a, b] = await Promise.all([
      submit(s.author, s.slug, 'Hello', { idempotencyKey: k }),
      submit(s.author, s.slug, 'Hello', { idempotencyKey: k }),
    ]);
    const c = await submit(s.author, s.slug, 'Hello', { idempotencyKey: k });
    expect(new Set([a.post.id, b.post.id, c.post.id]).size).toBe(1);
    expect(c.created).toBe(false);
    expect(await Post.countDocuments({ author: s.author.userId })).toBe(1);
  });

  it('nudges a personal medical question, and stores it with its findings when sent anyway', async () => {
    const s = await setup();
    const body = 'Should I stop taking my tablets before the scan?';
    const first = await posts.submitPost(s.author, {
      group: s.slug,
      body,
      idempotencyKey: key(),
      acknowledgedFindings: false,
    });
    expect(first.status).toBe('needs_confirmation');
    if (first.status !== 'needs_confirmation') return;
    expect(first.nudges[0]).toMatch(/question for your own care team/);
    expect(await Post.countDocuments({ author: s.author.userId })).toBe(0);

    const sent = await submit(s.author, s.slug, body, { acknowledgedFindings: true });
    const queue = await reviews.listQueue(s.mod, { group: s.slug });
    expect(queue.items[0]?.findings).toEqual([{ kind: 'medical_question', code: 'should_i' }]);
    expect(sent.post.findings[0]?.kind).toBe('medical_question');
  });

  it('crisis language goes first in the queue and shows the author support at once', async () => {
    const s = await setup();
    await submit(s.author, s.slug, 'An ordinary post');
    deps.clock.advance(60_000);
    const crisis = await submit(s.other, s.slug, 'I just want to end it all tonight');
    expect(crisis.support?.map((c) => c.detail)).toEqual(['Call 112 or 999', 'Call 116 123']);
    const queue = await reviews.listQueue(s.mod, { group: s.slug });
    expect(queue.items[0]).toMatchObject({
      id: crisis.post.id,
      lane: 'priority',
      targetMinutes: 5,
    });
    const page = await posts.listConversation(s.other, { group: s.slug });
    expect(page.support).not.toBeNull();
  });

  it('a threat alerts the group’s moderators and the administrators with guidance', async () => {
    const s = await setup();
    const admin = await createUser({ siteRole: 'admin' });
    const { post } = await submit(s.author, s.slug, "I'm going to hurt him when I see him");
    const alerts = await Notification.find({ kind: 'threat_alert', post: post.id }).lean();
    const users = alerts.map((a) => String(a.user)).sort();
    expect(users).toEqual(
      expect.arrayContaining([String(s.moderator._id), String(s.mod2.userId), String(admin._id)]),
    );
    expect(users).not.toContain(String(s.other.userId));
    expect(users).not.toContain(String(s.author.userId));
    const list = await notifications.listNotifications(s.mod);
    const alert = list.items.find((n) => n.kind === 'threat_alert');
    expect(alert?.guidance).toMatch(/112 or 999/);
    expect(JSON.stringify(list)).not.toContain('hurt him');
  });

  it('a muted member may read but not submit, and is told until when', async () => {
    const s = await setup();
    await Membership.updateOne(
      { user: s.author.userId, group: s.group._id },
      { $set: { mutedUntil: new Date('2026-03-03T10:00:00Z') } },
    );
    const error = await rejects(submit(s.author, s.slug));
    expect(error.code).toBe('muted');
    expect(error.details?.until).toBe('2026-03-03T10:00:00.000Z');
    await expect(posts.listConversation(s.author, { group: s.slug })).resolves.toBeTruthy();
  });

  it('someone outside the group gets not_found for everything', async () => {
    const s = await setup();
    const stranger = actorFor(await createUser());
    const { post } = await submit(s.author, s.slug);
    const calls = [
      () => submit(stranger, s.slug),
      () => posts.listConversation(stranger, { group: s.slug }),
      () => posts.catchUp(stranger, { groupId: s.slug, afterSeq: 0 }),
      () => posts.markRead(stranger, { groupId: s.slug, seq: 1 }),
      () => reviews.approvePost(stranger, { postId: post.id, version: 1 }),
      () => reviews.listQueue(stranger, { group: s.slug }),
      () => posts.withdrawPost(stranger, { postId: post.id }),
    ];
    for (const call of calls) expect((await rejects(call())).code).toBe('not_found');
  });
});

describe('reviewing', () => {
  it('approval publishes once with a sequence number, notifies and audits without the body', async () => {
    const s = await setup();
    const published: unknown[] = [];
    const off = deps.events.on('post.published', (e) => published.push(e));
    const { post } = await submit(s.author, s.slug, 'Secret words until approved');
    const decided = await reviews.approvePost(s.mod, { postId: post.id, version: post.version });
    off();
    expect(decided.status).toBe('approved');
    expect(published).toHaveLength(1);
    const page = await posts.listConversation(s.other, { group: s.slug });
    expect(page.threads.map((t) => t.post.body)).toEqual(['Secret words until approved']);
    const notes = await notifications.listNotifications(s.author);
    expect(notes.items[0]?.kind).toBe('post_approved');
    const audit = await AuditEvent.findOne({ targetId: post.id }).lean();
    expect(audit).toMatchObject({ action: 'post.approved', key: `post:${post.id}:v2` });
    expect(JSON.stringify(audit)).not.toContain('Secret words');
  });

  it('two moderators approving at once: exactly one wins, the other is told who decided', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    const results = await Promise.allSettled([
      reviews.approvePost(s.mod, { postId: post.id, version: 1 }),
      reviews.approvePost(s.mod2, { postId: post.id, version: 1 }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed[0]?.reason.code).toBe('post_already_decided');
    expect(failed[0]?.reason.message).toMatch(/already decided by/);
    expect(failed[0]?.reason.status).toBe(409);
    const stored = await Post.findById(post.id).lean();
    expect(stored?.history.filter((h) => h.action === 'approved')).toHaveLength(1);
  });

  it('a missing version is refused with version_required', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    const error = await rejects(reviews.approvePost(s.mod, { postId: post.id }));
    expect(error.code).toBe('version_required');
    expect(error.status).toBe(422);
  });

  it('a claim holds others off until it lapses after five minutes', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    await reviews.claimPost(s.mod, { postId: post.id });
    const queue = await reviews.listQueue(s.mod2, { group: s.slug });
    expect(queue.items[0]?.claim?.byName).toBe(s.mod.displayName);
    expect(queue.items[0]?.actions).toEqual([]);
    const error = await rejects(reviews.approvePost(s.mod2, { postId: post.id, version: 1 }));
    expect(error.code).toBe('post_claimed');
    expect((await rejects(reviews.claimPost(s.mod2, { postId: post.id }))).code).toBe(
      'post_claimed',
    );
    deps.clock.advance(5 * 60_000 + 1000);
    await expect(
      reviews.rejectPost(s.mod2, { postId: post.id, version: 1, ruleId: 'r-kind' }),
    ).resolves.toMatchObject({ status: 'rejected' });
  });

  it('rejection tells the author the rule and note; a revision goes back to the queue', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug, 'first try');
    await reviews.rejectPost(s.mod, {
      postId: post.id,
      version: 1,
      ruleId: 'r-health',
      note: 'Please ask your nurse',
    });
    const notes = await notifications.listNotifications(s.author);
    expect(notes.items[0]).toMatchObject({ kind: 'post_rejected', note: 'Please ask your nurse' });
    const page = await posts.listConversation(s.author, { group: s.slug });
    expect(page.ownPosts[0]?.rejection).toMatchObject({
      ruleTitle: 'No personal health questions',
    });
    expect(
      (await rejects(reviews.rejectPost(s.mod, { postId: post.id, version: 2, ruleId: 'r-kind' })))
        .code,
    ).toBe('post_already_decided');

    const again = await posts.resubmitPost(s.author, {
      postId: post.id,
      body: 'second try',
      version: 2,
      acknowledgedFindings: false,
    });
    expect(again.status === 'stored' && again.post.status).toBe('pending');
    const stored = await Post.findById(post.id).lean();
    expect(stored?.revisions.map((r) => r.body)).toEqual(['first try']);
    expect(stored?.history.map((h) => h.action)).toEqual(['submitted', 'rejected', 'resubmitted']);
    const queue = await reviews.listQueue(s.mod, { group: s.slug });
    expect(queue.items[0]).toMatchObject({ body: 'second try', resubmitted: true });
  });

  it('a reject must cite one of the group’s rules', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    const error = await rejects(
      reviews.rejectPost(s.mod, { postId: post.id, version: 1, ruleId: 'made-up' }),
    );
    expect(error.code).toBe('validation_failed');
  });

  it('edit then approve keeps the original and tells the author', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug, 'call me on 087 123 4567', {
      acknowledgedFindings: true,
    });
    await reviews.editAndApprovePost(s.mod, {
      postId: post.id,
      version: 1,
      body: 'call me (number removed)',
    });
    const page = await posts.listConversation(s.other, { group: s.slug });
    expect(page.threads[0]?.post).toMatchObject({
      body: 'call me (number removed)',
      editedByModerator: true,
    });
    const stored = await Post.findById(post.id).lean();
    expect(stored?.revisions[0]).toMatchObject({ reason: 'moderator_edit' });
    const notes = await notifications.listNotifications(s.author);
    expect(notes.items[0]?.kind).toBe('post_edited_by_moderator');
  });

  it('the decider can undo within a minute; then it is final', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    const hidden: unknown[] = [];
    const off = deps.events.on('post.hidden', (e) => hidden.push(e));
    const approved = await reviews.approvePost(s.mod, { postId: post.id, version: 1 });
    expect(
      (await rejects(reviews.undoDecision(s.mod2, { postId: post.id, version: 2 }))).code,
    ).toBe('conflict');
    const undone = await reviews.undoDecision(s.mod, {
      postId: post.id,
      version: approved.version,
    });
    off();
    expect(undone.status).toBe('pending');
    expect(hidden).toHaveLength(1);
    expect((await posts.listConversation(s.other, { group: s.slug })).threads).toEqual([]);

    const again = await reviews.approvePost(s.mod, { postId: post.id, version: undone.version });
    deps.clock.advance(61_000);
    const late = await rejects(
      reviews.undoDecision(s.mod, { postId: post.id, version: again.version }),
    );
    expect(late.code).toBe('conflict');
  });

  it('approves several at once and reports each', async () => {
    const s = await setup();
    const a = await submit(s.author, s.slug, 'one');
    const b = await submit(s.other, s.slug, 'two');
    await reviews.approvePost(s.mod2, { postId: b.post.id, version: 1 });
    const out = await reviews.approveMany(s.mod, {
      group: s.slug,
      items: [
        { postId: a.post.id, version: 1 },
        { postId: b.post.id, version: 1 },
      ],
    });
    expect(out.map((o) => [o.ok, o.code])).toEqual([
      [true, undefined],
      [false, 'post_already_decided'],
    ]);
  });
});

describe('conversation, catch-up and reactions', () => {
  it('replies thread under their post; catch-up returns what was missed in order', async () => {
    const s = await setup();
    const first = await submit(s.author, s.slug, 'first');
    await reviews.approvePost(s.mod, { postId: first.post.id, version: 1 });
    const reply = await submit(s.other, s.slug, 'a reply', { parentId: first.post.id });
    await reviews.approvePost(s.mod, { postId: reply.post.id, version: 1 });
    const second = await submit(s.author, s.slug, 'second');
    await reviews.approvePost(s.mod, { postId: second.post.id, version: 1 });

    const page = await posts.listConversation(s.other, { group: s.slug });
    expect(page.threads.map((t) => [t.post.body, t.replies.map((r) => r.body)])).toEqual([
      ['first', ['a reply']],
      ['second', []],
    ]);
    const all = await posts.catchUp(s.other, { groupId: String(s.group._id), afterSeq: 0 });
    expect(all.posts.map((p) => p.body)).toEqual(['first', 'a reply', 'second']);
    const seqs = all.posts.map((p) => p.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    const rest = await posts.catchUp(s.other, {
      groupId: String(s.group._id),
      afterSeq: seqs[0] as number,
      limit: 1,
    });
    expect(rest.posts.map((p) => p.body)).toEqual(['a reply']);
    expect(rest.more).toBe(true);
  });

  it('parallel publications get distinct sequence numbers; catch-up returns each once', async () => {
    const s = await setup();
    const submitted = [];
    for (let i = 0; i < 12; i += 1) submitted.push(await submit(s.author, s.slug, `parallel ${i}`));
    await Promise.all(
      submitted.map((r, i) =>
        reviews.approvePost(i % 2 ? s.mod : s.mod2, { postId: r.post.id, version: 1 }),
      ),
    );
    const seen = new Map<string, number>();
    let after = 0;
    for (;;) {
      const page = await posts.catchUp(s.other, { groupId: s.slug, afterSeq: after, limit: 5 });
      for (const p of page.posts) {
        expect(seen.has(p.id)).toBe(false);
        seen.set(p.id, p.seq);
      }
      if (!page.more) break;
      after = page.posts[page.posts.length - 1]!.seq;
    }
    expect([...seen.keys()].sort()).toEqual(submitted.map((r) => r.post.id).sort());
    expect(new Set(seen.values()).size).toBe(12);
  });

  it('counts unread posts and moves the marker forward', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    const approved = await reviews.approvePost(s.mod, { postId: post.id, version: 1 });
    expect(approved.status).toBe('approved');
    const counts = await posts.unreadCounts(s.other);
    expect(counts.find((c) => c.slug === s.slug)?.unread).toBe(1);
    const page = await posts.listConversation(s.other, { group: s.slug });
    await posts.markRead(s.other, { groupId: s.slug, seq: page.lastSeq });
    expect((await posts.unreadCounts(s.other)).find((c) => c.slug === s.slug)?.unread).toBe(0);
  });

  it('reactions toggle on approved posts only and notify the author grouped', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug);
    expect(
      (await rejects(posts.reactToPost(s.other, { postId: post.id, kind: 'heart' }))).code,
    ).toBe('not_found');
    await reviews.approvePost(s.mod, { postId: post.id, version: 1 });
    const on = await posts.reactToPost(s.other, { postId: post.id, kind: 'heart' });
    expect(on).toMatchObject({ mine: true, reactions: { heart: 1 } });
    await posts.reactToPost(s.mod, { postId: post.id, kind: 'hug' });
    const off = await posts.reactToPost(s.other, { postId: post.id, kind: 'heart' });
    expect(off).toMatchObject({ mine: false, reactions: { heart: 0, hug: 1 } });
    const grouped = await Notification.find({ user: s.author.userId, kind: 'reactions' }).lean();
    expect(grouped).toHaveLength(1);
    expect((grouped[0]?.data as { count: number }).count).toBe(2);
  });

  it('the expected wait is the median of the last week’s decisions, or when review resumes', async () => {
    const group = await createGroup();
    const [author, mod] = await Promise.all([createUser(), createUser()]);
    await addMember(author, group);
    await addMember(mod, group, ['member', 'moderator']);
    const a = actorFor(author);
    const m = actorFor(mod);
    for (const minutes of [4, 10, 40]) {
      const { post } = await submit(a, group.slug, `post ${minutes}`);
      deps.clock.advance(minutes * 60_000);
      await reviews.approvePost(m, { postId: post.id, version: 1 });
    }
    const during = await submit(a, group.slug, 'and now?');
    expect(during.wait).toMatchObject({ open: true, typicalMinutes: 10 });
    deps.clock.set(new Date('2026-03-06T18:00:00Z')); // Friday evening
    const weekend = await submit(a, group.slug, 'over the weekend');
    expect(weekend.wait.open).toBe(false);
    expect(weekend.wait.text).toBe(
      'Moderators review posts Monday to Friday, 9:00–17:00; yours will be read from Monday 9:00.',
    );
    expect(weekend.wait.resumesAt).toBe('2026-03-09T09:00:00.000Z');
  });

  it('the author can edit or withdraw while it waits; nobody else can', async () => {
    const s = await setup();
    const { post } = await submit(s.author, s.slug, 'draft one');
    expect(
      (
        await rejects(
          posts.editPost(s.other, {
            postId: post.id,
            body: 'hijack',
            version: 1,
            acknowledgedFindings: false,
          }),
        )
      ).code,
    ).toBe('not_found');
    const edited = await posts.editPost(s.author, {
      postId: post.id,
      body: 'draft two',
      version: 1,
      acknowledgedFindings: false,
    });
    expect(edited.status === 'stored' && edited.post.body).toBe('draft two');
    // The moderator who opened version 1 is told it changed.
    expect((await rejects(reviews.approvePost(s.mod, { postId: post.id, version: 1 }))).code).toBe(
      'conflict',
    );
    const withdrawn = await posts.withdrawPost(s.author, { postId: post.id });
    expect(withdrawn.status).toBe('withdrawn');
    expect((await reviews.listQueue(s.mod, { group: s.slug })).items).toEqual([]);
  });
});
