import mongoose, { trusted, Types } from 'mongoose';
import {
  AuditEvent,
  Banner,
  BannerDismissal,
  Group,
  Lease,
  Membership,
  Notification,
  PinnedPost,
  Post,
  type GroupDoc,
  type UserDoc,
} from '../../../models';
import { hardenMongoose } from '../../../server/database';
import type { AppError } from '../../../server/errors';
import { createServices } from '../../../server/services';
import { publishDueAnnouncements } from '../../../server/services/announcements';
import { schedulerTick } from '../../../server/services/scheduler';
import { postNoteSchema } from '../../../server/schemas/announcements';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import {
  actorFor,
  addMember,
  createGroup,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';

/**
 * Banners, pins, moderators' notes, scheduled announcements and the quiet-group warning, through
 * the services with a movable clock. Two "instances" (their own deps and services, one database,
 * one time) race to publish the same announcements.
 */
const deps = testDeps({ INSTANCE_ID: 'one' });
const services = createServices(deps);
const other = { ...testDeps({ INSTANCE_ID: 'two' }), clock: deps.clock };
const otherServices = createServices(other);
const HOUR = 3_600_000;
let counter = 0;
const key = () => `k-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('announcements'));
  await Promise.all([
    Post.init(),
    Membership.init(),
    AuditEvent.init(),
    Banner.init(),
    BannerDismissal.init(),
    PinnedPost.init(),
    Lease.init(),
  ]);
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

/** A published post by `author` in `group`. */
async function published(group: GroupDoc, author: UserDoc, moderator: UserDoc, body: string) {
  const stored = await services.posts.submitPost(actorFor(author), {
    group: group.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: true,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await services.reviews.approvePost(actorFor(moderator), { postId: stored.post.id, version: 1 });
  return stored.post.id;
}

const shownTexts = async (user: UserDoc, group?: string) =>
  (await services.banners.shownBanners(actorFor(user), { group })).map((b) => b.text);

describe('banners', () => {
  it('a site banner shows between its start and end (site time zone), to every signed-in person', async () => {
    const [admin, member] = await Promise.all([createUser({ siteRole: 'admin' }), createUser()]);
    // Dublin is on GMT in March: 12:00 local is 12:00 UTC.
    await services.banners.createSiteBanner(actorFor(admin), {
      kind: 'status',
      text: 'Planned maintenance at noon.',
      startsAt: '2026-03-02T12:00',
      endsAt: '2026-03-02T13:00',
    });
    expect(await shownTexts(member)).not.toContain('Planned maintenance at noon.');
    deps.clock.set(new Date('2026-03-02T12:00:00Z'));
    expect(await shownTexts(member)).toContain('Planned maintenance at noon.');
    expect(await shownTexts(admin)).toContain('Planned maintenance at noon.');
    deps.clock.set(new Date('2026-03-02T13:00:00Z'));
    expect(await shownTexts(member)).not.toContain('Planned maintenance at noon.');
  });

  it('only administrators manage site banners; the audit names the kind, never the text', async () => {
    const [admin, member] = await Promise.all([createUser({ siteRole: 'admin' }), createUser()]);
    const refused = await rejects(
      services.banners.createSiteBanner(actorFor(member), { kind: 'info', text: 'Hello' }),
    );
    expect(refused.status).toBe(404);
    const banner = await services.banners.createSiteBanner(actorFor(admin), {
      kind: 'crisis',
      text: 'A private crisis detail',
    });
    const events = await AuditEvent.find({ targetId: banner.id }).lean();
    expect(events.map((e) => e.action)).toEqual(['banner.created']);
    expect(events[0]?.meta).toMatchObject({ scope: 'site', kind: 'crisis', revision: 1 });
    expect(JSON.stringify(events)).not.toContain('private crisis');
  });

  it('a dismissed banner stays away until its text, kind or period changes', async () => {
    const [admin, member] = await Promise.all([createUser({ siteRole: 'admin' }), createUser()]);
    const text = `Chat hours change ${key()}`;
    const banner = await services.banners.createSiteBanner(actorFor(admin), { kind: 'info', text });
    await services.banners.dismissBanner(actorFor(member), { bannerId: banner.id, revision: 1 });
    // A double click: the second dismissal changes nothing.
    await services.banners.dismissBanner(actorFor(member), { bannerId: banner.id, revision: 1 });
    expect(await shownTexts(member)).not.toContain(text);
    expect(await shownTexts(admin)).toContain(text);

    // Saving without a change keeps the revision: still dismissed.
    const same = await services.banners.updateSiteBanner(actorFor(admin), {
      bannerId: banner.id,
      revision: 1,
      kind: 'info',
      text,
      startsAt: banner.startsLocal,
    });
    expect(same.changed).toBe(false);
    expect(await shownTexts(member)).not.toContain(text);

    const changed = `${text} (now until 9pm)`;
    const edited = await services.banners.updateSiteBanner(actorFor(admin), {
      bannerId: banner.id,
      revision: 1,
      kind: 'info',
      text: changed,
      startsAt: banner.startsLocal,
    });
    expect(edited.banner.revision).toBe(2);
    expect(await shownTexts(member)).toContain(changed);

    // A late dismissal of the old revision (another tab) does not hide the new one.
    await services.banners.dismissBanner(actorFor(member), { bannerId: banner.id, revision: 1 });
    expect(await shownTexts(member)).toContain(changed);
    await services.banners.dismissBanner(actorFor(member), { bannerId: banner.id, revision: 2 });
    expect(await shownTexts(member)).not.toContain(changed);

    // A new period brings it back too.
    await services.banners.updateSiteBanner(actorFor(admin), {
      bannerId: banner.id,
      revision: 2,
      kind: 'info',
      text: changed,
      startsAt: banner.startsLocal,
      endsAt: '2026-03-09T21:00',
    });
    expect(await shownTexts(member)).toContain(changed);

    // An edit based on an old revision is refused, not silently overwriting.
    const stale = await rejects(
      services.banners.updateSiteBanner(actorFor(admin), {
        bannerId: banner.id,
        revision: 1,
        kind: 'status',
        text: 'Overwrite',
      }),
    );
    expect(stale.status).toBe(409);
  });

  it('ending early takes it down at once and is audited', async () => {
    const [admin, member] = await Promise.all([createUser({ siteRole: 'admin' }), createUser()]);
    const text = `Ends early ${key()}`;
    const banner = await services.banners.createSiteBanner(actorFor(admin), {
      kind: 'status',
      text,
      endsAt: '2026-03-05T10:00',
    });
    deps.clock.advance(HOUR);
    const ended = await services.banners.endSiteBanner(actorFor(admin), { bannerId: banner.id });
    expect(ended.state).toBe('ended');
    expect(await shownTexts(member)).not.toContain(text);
    const again = await rejects(
      services.banners.endSiteBanner(actorFor(admin), { bannerId: banner.id }),
    );
    expect(again.status).toBe(409);
    const actions = (await AuditEvent.find({ targetId: banner.id }).lean()).map((e) => e.action);
    expect(actions).toEqual(['banner.created', 'banner.ended']);
  });

  it('refuses a period that ends before it starts or has already ended', async () => {
    const admin = await createUser({ siteRole: 'admin' });
    const backwards = await rejects(
      services.banners.createSiteBanner(actorFor(admin), {
        kind: 'info',
        text: 'x',
        startsAt: '2026-03-03T10:00',
        endsAt: '2026-03-03T09:00',
      }),
    );
    expect(backwards.status).toBe(422);
    const past = await rejects(
      services.banners.createSiteBanner(actorFor(admin), {
        kind: 'info',
        text: 'x',
        startsAt: '2026-03-01T10:00',
        endsAt: '2026-03-01T11:00',
      }),
    );
    expect(past.status).toBe(422);
  });

  it("a group banner is entered in the group's time zone and shown to its members only", async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    await Group.updateOne(
      { _id: group._id },
      { $set: { 'businessHours.timeZone': 'America/New_York' } },
    );
    const outsider = await createUser();
    const otherGroup = await createGroup();
    await addMember(outsider, otherGroup);
    const text = `Group meeting moved ${key()}`;
    // 9:00 in New York (EST, UTC-5) is 14:00 UTC.
    const banner = await services.banners.createGroupBanner(actorFor(moderator), {
      group: group.slug,
      kind: 'info',
      text,
      startsAt: '2026-03-02T09:00',
    });
    expect(banner.periodText).toContain('9:00');
    expect(await shownTexts(member, group.slug)).not.toContain(text);
    deps.clock.set(new Date('2026-03-02T14:00:00Z'));
    expect(await shownTexts(member, group.slug)).toContain(text);
    // Elsewhere on the site (no group in the path) and for outsiders on the group's path: absent.
    expect(await shownTexts(member)).not.toContain(text);
    expect(await shownTexts(outsider, group.slug)).not.toContain(text);
    expect(await shownTexts(outsider, otherGroup.slug)).not.toContain(text);

    // Outsiders and plain members cannot manage or even find it: 404 like a missing group.
    for (const who of [outsider, member]) {
      expect(
        (await rejects(services.banners.listGroupBanners(actorFor(who), { group: group.slug })))
          .status,
      ).toBe(404);
      expect(
        (
          await rejects(
            services.banners.createGroupBanner(actorFor(who), {
              group: group.slug,
              kind: 'info',
              text: 'x',
            }),
          )
        ).status,
      ).toBe(404);
    }
    const dismissByOutsider = await rejects(
      services.banners.dismissBanner(actorFor(outsider), { bannerId: banner.id, revision: 1 }),
    );
    expect(dismissByOutsider.status).toBe(404);
    // A moderator of another group cannot reach it through their own group either.
    const otherMod = await createUser();
    await addMember(otherMod, otherGroup, ['member', 'moderator']);
    const cross = await rejects(
      services.banners.endGroupBanner(actorFor(otherMod), {
        group: otherGroup.slug,
        bannerId: banner.id,
      }),
    );
    expect(cross.status).toBe(404);

    await services.banners.dismissBanner(actorFor(member), { bannerId: banner.id, revision: 1 });
    expect(await shownTexts(member, group.slug)).not.toContain(text);
    const audit = await AuditEvent.findOne({ targetId: banner.id }).lean();
    expect(String(audit?.group)).toBe(String(group._id));
  });
});

describe('pins', () => {
  it('pins up to three posts, refuses a fourth clearly, and unpinning frees a place', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const ids = [];
    for (let i = 1; i <= 4; i++)
      ids.push(await published(group, member, moderator, `Post number ${i}`));
    const mod = actorFor(moderator);
    for (const id of ids.slice(0, 3)) await services.pins.pinPost(mod, { postId: id as string });
    // Pinning the same post again is harmless.
    await services.pins.pinPost(mod, { postId: ids[0] as string });
    const full = await rejects(services.pins.pinPost(mod, { postId: ids[3] as string }));
    expect(full.status).toBe(409);
    expect(full.message).toBe(
      'At most 3 posts can be pinned at once. Unpin one first, then pin this one.',
    );

    const seen = await services.pins.listPinned(actorFor(member), { group: group.slug });
    expect(seen.posts.map((p) => p.body)).toEqual([
      'Post number 1',
      'Post number 2',
      'Post number 3',
    ]);

    await services.pins.unpinPost(mod, { postId: ids[1] as string });
    await services.pins.pinPost(mod, { postId: ids[3] as string });
    const after = await services.pins.listPinned(actorFor(member), { group: group.slug });
    expect(after.posts.map((p) => p.body)).toEqual([
      'Post number 1',
      'Post number 3',
      'Post number 4',
    ]);
    const actions = (
      await AuditEvent.find({
        group: group._id,
        action: trusted({ $in: ['post.pinned', 'post.unpinned'] }),
      }).lean()
    ).map((e) => e.action);
    expect(actions.filter((a) => a === 'post.pinned')).toHaveLength(4);
    expect(actions.filter((a) => a === 'post.unpinned')).toHaveLength(1);
  });

  it('two moderators pinning at once never exceed the cap', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const second = await createUser();
    await addMember(second, group, ['member', 'moderator']);
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) ids.push(await published(group, member, moderator, `Race ${i}`));
    const results = await Promise.allSettled(
      ids.map((id, i) =>
        services.pins.pinPost(actorFor(i % 2 ? second : moderator), { postId: id }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await PinnedPost.countDocuments({ group: group._id })).toBe(3);
  });

  it('only published top-level posts can be pinned, and only by moderators', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const pending = await services.posts.submitPost(actorFor(member), {
      group: group.slug,
      body: 'Still waiting',
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (pending.status !== 'stored') throw new Error('not stored');
    expect(
      (await rejects(services.pins.pinPost(actorFor(moderator), { postId: pending.post.id })))
        .status,
    ).toBe(409);
    const top = await published(group, member, moderator, 'A post');
    const reply = await services.posts.submitPost(actorFor(moderator), {
      group: group.slug,
      body: 'A reply',
      parentId: top,
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (reply.status !== 'stored') throw new Error('not stored');
    await services.reviews.approvePost(actorFor(moderator), { postId: reply.post.id, version: 1 });
    const replyPin = await rejects(
      services.pins.pinPost(actorFor(moderator), { postId: reply.post.id }),
    );
    expect(replyPin.status).toBe(409);
    expect((await rejects(services.pins.pinPost(actorFor(member), { postId: top }))).status).toBe(
      404,
    );
  });

  it('a hidden pinned post leaves the pinned region at once and is not pinned again on restore', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const id = await published(group, member, moderator, 'Soon hidden');
    await services.pins.pinPost(actorFor(moderator), { postId: id });
    const post = await Post.findById(id).lean();
    await services.moderation.hidePost(actorFor(moderator), {
      postId: id,
      version: post?.version,
      ruleId: 'r-kind',
    });
    expect((await services.pins.listPinned(actorFor(member), { group: group.slug })).posts).toEqual(
      [],
    );
    // The pin itself goes (the post.hidden listener), so its place is free.
    const until = Date.now() + 2000;
    while ((await PinnedPost.countDocuments({ group: group._id })) > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await PinnedPost.countDocuments({ group: group._id })).toBe(0);
    const hidden = await Post.findById(id).lean();
    await services.moderation.restorePost(actorFor(moderator), {
      postId: id,
      version: hidden?.version,
    });
    expect((await services.pins.listPinned(actorFor(member), { group: group.slug })).posts).toEqual(
      [],
    );
  });

  it('a pin whose post stopped being published does not block the cap', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push(await published(group, member, moderator, `Stale ${i}`));
    for (const id of ids.slice(0, 3))
      await services.pins.pinPost(actorFor(moderator), { postId: id });
    // Taken out of view without the event (as a direct database change would).
    await Post.updateOne({ _id: new Types.ObjectId(ids[0]) }, { $set: { status: 'hidden' } });
    await services.pins.pinPost(actorFor(moderator), { postId: ids[3] as string });
    const seen = await services.pins.listPinned(actorFor(member), { group: group.slug });
    expect(seen.posts.map((p) => p.body)).toEqual(['Stale 2', 'Stale 3', 'Stale 4']);
  });
});

describe("moderators' notes", () => {
  it('a note with reliable sources shows under the post for everyone who can see it', async () => {
    const { group, moderator, member, advocate } = await createGroupWithPeople();
    const id = await published(group, member, moderator, 'Apricot kernels cured my friend!');
    const input = postNoteSchema.parse({
      postId: id,
      body: 'There is no evidence that apricot kernels treat cancer; they can cause cyanide poisoning.',
      links: [
        { url: 'https://www.cancer.ie/cancer-information', label: 'Irish Cancer Society' },
        { url: 'http://example.org/a b' },
      ],
    });
    await services.postNotes.setNote(actorFor(moderator), input);
    const page = await services.posts.listConversation(actorFor(advocate), { group: group.slug });
    const shown = page.threads.find((t) => t.post.id === id)?.post;
    expect(shown?.modNote).toEqual({
      body: input.body,
      links: [
        { url: 'https://www.cancer.ie/cancer-information', label: 'Irish Cancer Society' },
        { url: 'http://example.org/a%20b', label: 'example.org' },
      ],
    });
    // The audit: who and how many links, not the words.
    const audit = await AuditEvent.findOne({ targetId: id, action: 'post.note_added' }).lean();
    expect(audit?.meta).toMatchObject({ links: 2 });
    expect(JSON.stringify(audit)).not.toContain('cyanide');

    await services.postNotes.removeNote(actorFor(moderator), { postId: id });
    const again = await services.posts.listConversation(actorFor(member), { group: group.slug });
    expect(again.threads.find((t) => t.post.id === id)?.post.modNote).toBeNull();
    expect(await AuditEvent.countDocuments({ targetId: id, action: 'post.note_removed' })).toBe(1);
  });

  it('accepts only http(s) links and needs at least one', () => {
    const base = { postId: new Types.ObjectId().toHexString(), body: 'See the evidence.' };
    for (const url of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      '//evil.example/',
      'https://user:pass@evil.example/',
      'ftp://example.org/file',
      'not a link',
    ]) {
      expect(postNoteSchema.safeParse({ ...base, links: [{ url }] }).success).toBe(false);
    }
    expect(postNoteSchema.safeParse({ ...base, links: [] }).success).toBe(false);
    expect(
      postNoteSchema.safeParse({ ...base, links: [{ url: ' https://www.hse.ie/ ' }] }).success,
    ).toBe(true);
  });

  it('only moderators add notes, and only to published posts', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const id = await published(group, member, moderator, 'A post');
    const input = postNoteSchema.parse({
      postId: id,
      body: 'Note',
      links: [{ url: 'https://www.hse.ie/' }],
    });
    expect((await rejects(services.postNotes.setNote(actorFor(member), input))).status).toBe(404);
    const pending = await services.posts.submitPost(actorFor(member), {
      group: group.slug,
      body: 'Waiting',
      idempotencyKey: key(),
      acknowledgedFindings: true,
    });
    if (pending.status !== 'stored') throw new Error('not stored');
    const onPending = await rejects(
      services.postNotes.setNote(actorFor(moderator), { ...input, postId: pending.post.id }),
    );
    expect(onPending.status).toBe(409);
    expect((await Post.findById(pending.post.id).lean())?.modNote ?? null).toBeNull();
  });
});

describe('scheduled announcements', () => {
  async function schedule(group: GroupDoc, who: UserDoc, body: string, publishAt: string) {
    return services.announcements.scheduleAnnouncement(actorFor(who), {
      group: group.slug,
      body,
      publishAt,
      idempotencyKey: key(),
    });
  }

  it('is invisible to members before its time and published once at it, like an approval', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const published: string[] = [];
    deps.events.on('post.published', ({ postId }) => published.push(postId));
    const body = `Our summer picnic is on 20 June ${key()}`;
    // 12:00 in Dublin (GMT in March) is 12:00 UTC.
    const done = await schedule(group, moderator, body, '2026-03-02T12:00');
    expect(done.whenText).toBe('Monday 2 March, 12:00');

    const memberSees = async () => {
      const page = await services.posts.listConversation(actorFor(member), { group: group.slug });
      const caught = await services.posts.catchUp(actorFor(member), {
        groupId: String(group._id),
        afterSeq: 0,
      });
      const unread = await services.posts.unreadCounts(actorFor(member));
      return {
        page: page.threads.some((t) => t.post.body === body),
        caught: caught.posts.some((p) => p.body === body),
        unread: unread.find((u) => u.slug === group.slug)?.unread ?? 0,
      };
    };
    expect(await memberSees()).toEqual({ page: false, caught: false, unread: 0 });
    // The author's own conversation page does not show it either (it is not a waiting post).
    const own = await services.posts.listConversation(actorFor(moderator), { group: group.slug });
    expect(own.ownPosts.some((p) => p.body === body)).toBe(false);

    deps.clock.set(new Date('2026-03-02T11:59:00Z'));
    expect(await publishDueAnnouncements(deps)).toEqual({ announcementsPublished: 0 });
    expect(await memberSees()).toEqual({ page: false, caught: false, unread: 0 });

    deps.clock.set(new Date('2026-03-02T12:00:30Z'));
    expect(await publishDueAnnouncements(deps)).toEqual({ announcementsPublished: 1 });
    expect(await publishDueAnnouncements(deps)).toEqual({ announcementsPublished: 0 });
    expect(await memberSees()).toEqual({ page: true, caught: true, unread: 1 });
    const page = await services.posts.listConversation(actorFor(member), { group: group.slug });
    const post = page.threads.find((t) => t.post.body === body)?.post;
    expect(post?.announcement).toBe(true);
    expect(post?.publishedAt).toBe('2026-03-02T12:00:30.000Z');
    expect(published).toEqual([done.postId]);
    const stored = await Post.findById(done.postId).lean();
    expect(stored?.seq).toBe((await Group.findById(group._id).lean())?.lastSeq);
    expect(
      await Notification.countDocuments({
        user: moderator._id,
        post: stored?._id,
        kind: 'post_approved',
      }),
    ).toBe(1);
    expect(
      await AuditEvent.countDocuments({ targetId: done.postId, action: 'announcement.published' }),
    ).toBe(1);
    expect(
      await AuditEvent.countDocuments({ targetId: done.postId, action: 'announcement.scheduled' }),
    ).toBe(1);
  });

  it('two instances racing publish each due announcement exactly once', async () => {
    const { group, moderator } = await createGroupWithPeople();
    const events: string[] = [];
    deps.events.on('post.published', ({ postId }) => events.push(`one:${postId}`));
    other.events.on('post.published', ({ postId }) => events.push(`two:${postId}`));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await schedule(group, moderator, `Announcement ${i} ${key()}`, '2026-03-02T15:00')).postId,
      );
    }
    deps.clock.set(new Date('2026-03-02T15:00:00Z'));
    // Scheduler ticks (under the lease) and the bare job (no lease at all) on both instances.
    await Promise.all([
      schedulerTick(deps, services),
      schedulerTick(other, otherServices),
      publishDueAnnouncements(deps),
      publishDueAnnouncements(other),
      publishDueAnnouncements(deps),
      publishDueAnnouncements(other),
    ]);
    const mine = events.filter((e) => ids.includes(e.split(':')[1] as string));
    expect(mine).toHaveLength(5);
    expect(new Set(mine.map((e) => e.split(':')[1])).size).toBe(5);
    const posts = await Post.find({
      _id: trusted({ $in: ids.map((i) => new Types.ObjectId(i)) }),
    }).lean();
    expect(posts.every((p) => p.status === 'approved')).toBe(true);
    for (const p of posts) {
      expect(p.history.filter((h) => h.action === 'announcement_published')).toHaveLength(1);
    }
    expect(new Set(posts.map((p) => p.seq)).size).toBe(5);
    expect(
      await AuditEvent.countDocuments({
        targetId: trusted({ $in: ids }),
        action: 'announcement.published',
      }),
    ).toBe(5);
    expect(
      await Notification.countDocuments({
        user: moderator._id,
        post: trusted({ $in: posts.map((p) => p._id) }),
      }),
    ).toBe(5);
  });

  it('can be changed or cancelled before its time, not after', async () => {
    const { group, moderator, member } = await createGroupWithPeople();
    const first = await schedule(group, moderator, 'Draft text', '2026-03-03T10:00');
    const edited = await services.announcements.editAnnouncement(actorFor(moderator), {
      group: group.slug,
      postId: first.postId,
      body: 'Final text',
      publishAt: '2026-03-04T10:00',
      version: 1,
    });
    expect(edited.whenText).toBe('Wednesday 4 March, 10:00');
    // An edit on a stale version is refused.
    const stale = await rejects(
      services.announcements.editAnnouncement(actorFor(moderator), {
        group: group.slug,
        postId: first.postId,
        body: 'Lost update',
        publishAt: '2026-03-04T10:00',
        version: 1,
      }),
    );
    expect(stale.status).toBe(409);
    deps.clock.set(new Date('2026-03-03T10:30:00Z'));
    expect(await publishDueAnnouncements(deps)).toEqual({ announcementsPublished: 0 });

    const second = await schedule(group, moderator, 'Never shown', '2026-03-03T11:00');
    await services.announcements.cancelAnnouncement(actorFor(moderator), {
      group: group.slug,
      postId: second.postId,
    });
    deps.clock.set(new Date('2026-03-04T10:00:00Z'));
    expect(await publishDueAnnouncements(deps)).toEqual({ announcementsPublished: 1 });
    const page = await services.posts.listConversation(actorFor(member), { group: group.slug });
    expect(page.threads.map((t) => t.post.body)).toEqual(['Final text']);
    const late = await rejects(
      services.announcements.cancelAnnouncement(actorFor(moderator), {
        group: group.slug,
        postId: first.postId,
      }),
    );
    expect(late.status).toBe(409);

    const calendar = await services.announcements.calendar(actorFor(moderator), {
      group: group.slug,
    });
    expect(calendar.upcoming).toEqual([]);
    expect(calendar.recent.flatMap((d) => d.items.map((i) => i.body))).toEqual(['Final text']);
    const actions = (
      await AuditEvent.find({ targetId: trusted({ $in: [first.postId, second.postId] }) }).lean()
    ).map((e) => e.action);
    expect(actions.sort()).toEqual(
      [
        'announcement.cancelled',
        'announcement.edited',
        'announcement.published',
        'announcement.scheduled',
        'announcement.scheduled',
      ].sort(),
    );
  });

  it('lists scheduled announcements by day in the calendar; a time in the past is refused', async () => {
    const { group, moderator } = await createGroupWithPeople();
    await schedule(group, moderator, 'Tuesday morning', '2026-03-03T09:00');
    await schedule(group, moderator, 'Tuesday evening', '2026-03-03T19:30');
    await schedule(group, moderator, 'Friday', '2026-03-06T12:00');
    const view = await services.announcements.calendar(actorFor(moderator), { group: group.slug });
    expect(
      view.upcoming.map((d) => [d.label, d.items.map((i) => `${i.timeText} ${i.body}`)]),
    ).toEqual([
      ['Tuesday 3 March', ['9:00 Tuesday morning', '19:30 Tuesday evening']],
      ['Friday 6 March', ['12:00 Friday']],
    ]);
    const past = await rejects(schedule(group, moderator, 'Too late', '2026-03-02T09:00'));
    expect(past.status).toBe(422);
    const far = await rejects(schedule(group, moderator, 'Too far', '2027-06-01T09:00'));
    expect(far.status).toBe(422);
  });

  it('staff only: moderators, and administrators who belong to the group', async () => {
    const { group, moderator, member, advocate } = await createGroupWithPeople();
    const [adminInside, adminOutside] = await Promise.all([
      createUser({ siteRole: 'admin' }),
      createUser({ siteRole: 'admin' }),
    ]);
    await addMember(adminInside, group);
    for (const who of [member, advocate, adminOutside]) {
      const refused = await rejects(schedule(group, who, 'Not mine to send', '2026-03-03T10:00'));
      expect(refused.status).toBe(404);
      expect(
        (await rejects(services.announcements.calendar(actorFor(who), { group: group.slug })))
          .status,
      ).toBe(404);
    }
    await schedule(group, adminInside, 'From the organisation', '2026-03-03T10:00');
    await schedule(group, moderator, 'From the moderators', '2026-03-03T11:00');
    const view = await services.announcements.calendar(actorFor(adminInside), {
      group: group.slug,
    });
    expect(view.upcoming[0]?.items).toHaveLength(2);
  });

  it('is removed with its author’s erased account, never published afterwards', async () => {
    const { group, member } = await createGroupWithPeople();
    const [moderator, admin] = await Promise.all([createUser(), createUser({ siteRole: 'admin' })]);
    await addMember(moderator, group, ['member', 'moderator']);
    const done = await schedule(
      group,
      moderator,
      'From a moderator who leaves',
      '2026-03-03T10:00',
    );
    await services.erasure.adminEraseAccount(actorFor(admin), {
      userId: String(moderator._id),
      posts: 'keep',
      reason: 'Asked us to delete the account',
    });
    expect(await Post.countDocuments({ _id: new Types.ObjectId(done.postId) })).toBe(0);
    deps.clock.set(new Date('2026-03-03T11:00:00Z'));
    await publishDueAnnouncements(deps);
    const page = await services.posts.listConversation(actorFor(member), { group: group.slug });
    expect(page.threads.some((t) => t.post.body === 'From a moderator who leaves')).toBe(false);
  });
});

describe('quiet-group warning', () => {
  async function quietGroup() {
    const world = await createGroupWithPeople();
    // The group was made a while ago; its last approved post is at 10:00 today.
    // createdAt is immutable through Mongoose: set it with the driver.
    await Group.collection.updateOne(
      { _id: world.group._id },
      { $set: { createdAt: new Date('2026-01-01T00:00:00Z') } },
    );
    await published(world.group, world.member, world.moderator, 'The last post for a while');
    return world;
  }

  it('warns moderators after the set number of days without a new approved post, not before', async () => {
    const { group, moderator } = await quietGroup();
    const mod = actorFor(moderator);
    deps.clock.set(new Date('2026-03-09T09:59:00Z')); // 6 days 23:59 later
    expect(await services.announcements.quietWarning(mod, { group: group.slug })).toBeNull();
    deps.clock.set(new Date('2026-03-09T10:00:00Z')); // 7 days later (the default)
    const warning = await services.announcements.quietWarning(mod, { group: group.slug });
    expect(warning?.days).toBe(7);
    expect(warning?.text).toContain('no new approved post for 7 days');
    expect(warning?.text).toContain('Monday 2 March, 10:00');

    await services.announcements.setQuietDays(mod, { group: group.slug, days: 10 });
    expect(await services.announcements.quietWarning(mod, { group: group.slug })).toBeNull();
    deps.clock.set(new Date('2026-03-12T10:00:00Z'));
    expect((await services.announcements.quietWarning(mod, { group: group.slug }))?.days).toBe(10);
    await services.announcements.setQuietDays(mod, { group: group.slug, days: 0 });
    expect(await services.announcements.quietWarning(mod, { group: group.slug })).toBeNull();
    expect(
      await AuditEvent.countDocuments({ group: group._id, action: 'group.quiet_warning_set' }),
    ).toBe(2);
  });

  it('a new approved post resets it; members never see it', async () => {
    const { group, moderator, member } = await quietGroup();
    deps.clock.set(new Date('2026-03-10T10:00:00Z'));
    expect(
      await services.announcements.quietWarning(actorFor(moderator), { group: group.slug }),
    ).not.toBeNull();
    await published(group, member, moderator, 'Back again');
    expect(
      await services.announcements.quietWarning(actorFor(moderator), { group: group.slug }),
    ).toBeNull();
    const refused = await rejects(
      services.announcements.quietWarning(actorFor(member), { group: group.slug }),
    );
    expect(refused.status).toBe(404);
  });

  it('counts from the group’s start when it never had a post', async () => {
    const group = await createGroup();
    await Group.collection.updateOne(
      { _id: group._id },
      { $set: { createdAt: new Date('2026-02-20T10:00:00Z') } },
    );
    const moderator = await createUser();
    await addMember(moderator, group, ['member', 'moderator']);
    const warning = await services.announcements.quietWarning(actorFor(moderator), {
      group: group.slug,
    });
    expect(warning?.text).toContain('no approved post in its first 10 days');
  });
});
