import mongoose from 'mongoose';
import { AuditEvent, Membership, Notification, Post } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { verifyAuditChain } from '../../../server/services/audit';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/**
 * A busy evening: moderators of several groups decide at the same moment, so their reads and
 * writes travel together (server/services/batched.ts). Each decision must still be judged on its
 * own: every post published once with its own number, each moderator allowed only in their own
 * group, each author told once, and names never crossing from one answer to another.
 */
const deps = testDeps();
const services = createServices(deps);
let counter = 0;
const key = () => `key-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('concurrent-decisions'));
  await Promise.all([Post.init(), Membership.init(), AuditEvent.init(), Notification.init()]);
});
afterAll(async () => {
  await mongoose.disconnect();
});

async function groupWithQueue(posts: number) {
  const group = await createGroup();
  const moderator = await createUser();
  const author = await createUser();
  await addMember(moderator, group, ['member', 'moderator']);
  await addMember(author, group);
  const queue = [];
  for (let i = 0; i < posts; i += 1) {
    const stored = await services.posts.submitPost(actorFor(author), {
      group: group.slug,
      body: `Evening update number ${i} from the garden`,
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (stored.status !== 'stored') throw new Error('not stored');
    queue.push({ postId: stored.post.id, version: stored.post.version });
  }
  return { group, moderator, author, queue };
}

describe('decisions and pages at the same moment', () => {
  it('every post is published once with its own number, and each author is told once', async () => {
    const groups = await Promise.all([1, 2, 3].map(() => groupWithQueue(4)));
    const decisions = groups.flatMap((g) =>
      g.queue.flatMap((post) => [
        // A double click: the same approval twice, at once.
        services.reviews.approvePost(actorFor(g.moderator), post),
        services.reviews.approvePost(actorFor(g.moderator), post),
      ]),
    );
    const settled = await Promise.allSettled(decisions);
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as AppError] : []));
    expect(ok).toHaveLength(12);
    expect(refused.map((e) => e.code)).toEqual(Array(12).fill('post_already_decided'));

    for (const g of groups) {
      const published = await Post.find({ group: g.group._id, status: 'approved' }).lean();
      const seqs = published.map((p) => p.seq).sort((a, b) => (a ?? 0) - (b ?? 0));
      expect(seqs).toHaveLength(4);
      expect(new Set(seqs).size).toBe(4);
      const told = await Notification.countDocuments({ user: g.author._id, kind: 'post_approved' });
      expect(told).toBe(4);
      const page = await services.posts.listConversation(actorFor(g.author), {
        group: g.group.slug,
      });
      expect(page.threads.map((t) => t.post.id).sort()).toEqual(
        g.queue.map((p) => p.postId).sort(),
      );
    }
    expect(await verifyAuditChain()).toBeNull();
  });

  it('a moderator deciding at the same moment as others is still refused outside their group', async () => {
    const [a, b] = await Promise.all([groupWithQueue(2), groupWithQueue(2)]);
    const results = await Promise.allSettled([
      services.reviews.approvePost(actorFor(a.moderator), a.queue[0]!),
      // b's moderator on a's post, and a's moderator on b's, in the same batch as the rightful one
      services.reviews.approvePost(actorFor(b.moderator), a.queue[1]!),
      services.reviews.approvePost(actorFor(a.moderator), b.queue[0]!),
      services.reviews.approvePost(actorFor(b.moderator), b.queue[1]!),
    ]);
    expect(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as AppError).code)),
    ).toEqual(['ok', 'not_found', 'not_found', 'ok']);
    expect(await Post.countDocuments({ _id: a.queue[1]!.postId, status: 'pending' })).toBe(1);
    expect(await Post.countDocuments({ _id: b.queue[0]!.postId, status: 'pending' })).toBe(1);
  });

  it("a member's page read at the same moment as another group's shows only their own group's names", async () => {
    const [a, b] = await Promise.all([groupWithQueue(1), groupWithQueue(1)]);
    await Promise.all([
      services.reviews.approvePost(actorFor(a.moderator), a.queue[0]!),
      services.reviews.approvePost(actorFor(b.moderator), b.queue[0]!),
    ]);
    const [pageA, pageB] = await Promise.all([
      services.posts.listConversation(actorFor(a.author), { group: a.group.slug }),
      services.posts.listConversation(actorFor(b.author), { group: b.group.slug }),
    ]);
    const textA = JSON.stringify(pageA);
    const textB = JSON.stringify(pageB);
    expect(textA).toContain(a.author.displayName);
    expect(textA).not.toContain(b.author.displayName);
    expect(textB).toContain(b.author.displayName);
    expect(textB).not.toContain(a.author.displayName);
  });

  it('members opening the same group at the same moment each see only their own waiting posts and reactions', async () => {
    const g = await groupWithQueue(1);
    await services.reviews.approvePost(actorFor(g.moderator), g.queue[0]!);
    const others = [await createUser(), await createUser(), await createUser()];
    for (const u of others) await addMember(u, g.group);
    // Each writes a post that waits, and two of them react differently to the published one.
    for (const [i, u] of others.entries()) {
      await services.posts.submitPost(actorFor(u), {
        group: g.group.slug,
        body: `Only mine to see, number ${i}`,
        idempotencyKey: key(),
        acknowledgedFindings: true,
      });
    }
    await services.posts.reactToPost(actorFor(others[0]!), {
      postId: g.queue[0]!.postId,
      kind: 'hug',
    });
    await services.posts.reactToPost(actorFor(others[1]!), {
      postId: g.queue[0]!.postId,
      kind: 'clap',
    });
    const pages = await Promise.all(
      others.map((u) => services.posts.listConversation(actorFor(u), { group: g.group.slug })),
    );
    pages.forEach((page, i) => {
      expect(page.ownPosts.map((p) => p.body)).toEqual([`Only mine to see, number ${i}`]);
      expect(page.threads).toHaveLength(1);
    });
    expect(pages.map((p) => p.myReactions[g.queue[0]!.postId] ?? [])).toEqual([
      ['hug'],
      ['clap'],
      [],
    ]);
  });

  it('members opening the same group at the same moment each see only their own post marked as theirs', async () => {
    const g = await groupWithQueue(1);
    await services.reviews.approvePost(actorFor(g.moderator), g.queue[0]!);
    const other = await createUser();
    await addMember(other, g.group);
    // The page is read and presented once for everyone asking together; `mine` is per viewer.
    const [authorsPage, othersPage] = await Promise.all([
      services.posts.listConversation(actorFor(g.author), { group: g.group.slug }),
      services.posts.listConversation(actorFor(other), { group: g.group.slug }),
    ]);
    expect(authorsPage.threads.map((t) => t.post.mine)).toEqual([true]);
    expect(othersPage.threads.map((t) => t.post.mine)).toEqual([false]);
    expect(othersPage.threads[0]!.post.authorName).toBe(g.author.displayName);
    const later = await services.posts.listConversation(actorFor(other), { group: g.group.slug });
    expect(later.threads.map((t) => t.post.mine)).toEqual([false]);
  });
});
