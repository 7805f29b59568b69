import mongoose from 'mongoose';
import { Notification, NotificationSettings, User, type UserDoc } from '../../../models';
import { hardenMongoose } from '../../../server/database';
import { createServices } from '../../../server/services';
import { publishGroupDocumentVersion } from '../../../server/services/consent';
import { sendDigests } from '../../../server/services/notification-delivery';
import { sendWaitingAlerts } from '../../../server/services/queue-alerts';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroupWithPeople, createUser } from '../../helpers/factories';

/** Each notification kind reaches exactly the right people; e-mails never carry post text. */
const deps = testDeps();
const services = createServices(deps);
let n = 0;
const key = () => `k-${Date.now()}-${(n += 1)}`;
const SECRET_TEXT = 'My very private words about my treatment';

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('privacy-notifications'));
});
afterAll(async () => {
  await mongoose.disconnect();
});
beforeEach(() => {
  deps.clock.set(new Date('2026-03-02T10:00:00Z'));
  deps.mailer.sent.length = 0;
});

async function world() {
  const p = await createGroupWithPeople();
  const other = await createUser();
  await addMember(other, p.group);
  const outsider = await createUser();
  return { ...p, other, outsider, slug: p.group.slug };
}

async function submit(user: UserDoc, slug: string, body = SECRET_TEXT, parentId?: string) {
  const r = await services.posts.submitPost(actorFor(user), {
    group: slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: true,
    parentId,
  });
  if (r.status !== 'stored') throw new Error('not stored');
  return r.post;
}

async function kindsFor(user: UserDoc): Promise<string[]> {
  const list = await Notification.find({ user: user._id }).sort({ createdAt: 1 }).lean();
  return list.map((x) => x.kind).sort();
}

describe('who is told what', () => {
  it('queue items go to moderators only; approval, replies and reactions to the author only', async () => {
    const w = await world();
    const post = await submit(w.member, w.slug);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item']);
    for (const u of [w.member, w.other, w.advocate, w.outsider]) {
      expect(await kindsFor(u)).toEqual([]);
    }
    await services.reviews.approvePost(actorFor(w.moderator), {
      postId: post.id,
      version: post.version,
    });
    expect(await kindsFor(w.member)).toEqual(['post_approved']);

    const reply = await submit(w.other, w.slug, 'Sending you strength', post.id);
    await services.reviews.approvePost(actorFor(w.moderator), {
      postId: reply.id,
      version: reply.version,
    });
    expect(await kindsFor(w.member)).toEqual(['post_approved', 'reply']);
    expect(await kindsFor(w.other)).toEqual(['post_approved']);

    await services.posts.reactToPost(actorFor(w.other), { postId: post.id, kind: 'heart' });
    await services.posts.reactToPost(actorFor(w.advocate), { postId: post.id, kind: 'hug' });
    const reactions = await Notification.find({ user: w.member._id, kind: 'reactions' }).lean();
    expect(reactions).toHaveLength(1); // grouped
    expect((reactions[0]?.data as { count: number }).count).toBe(2);
    expect(await kindsFor(w.outsider)).toEqual([]);
  });

  it('a rejection tells the author the rule, and no one else', async () => {
    const w = await world();
    const post = await submit(w.member, w.slug);
    await services.reviews.rejectPost(actorFor(w.moderator), {
      postId: post.id,
      version: post.version,
      ruleId: 'r-health',
      note: 'Please ask your care team.',
    });
    const list = await services.notifications.listNotifications(actorFor(w.member));
    expect(list.items.map((i) => i.kind)).toContain('post_rejected');
    expect(await kindsFor(w.other)).toEqual([]);
  });

  it('a new document version tells every active member except the publisher', async () => {
    const w = await world();
    await publishGroupDocumentVersion(deps, w.group, w.moderator._id, {
      kind: 'disclaimer',
      disclaimer: 'Updated disclaimer.',
    });
    for (const u of [w.member, w.other, w.advocate]) {
      expect(await kindsFor(u)).toContain('document_version');
    }
    expect(await kindsFor(w.moderator)).not.toContain('document_version');
    expect(await kindsFor(w.outsider)).toEqual([]);
  });
});

describe('waiting-time alerts', () => {
  it('tell the group’s moderators once, when the target has passed in review time', async () => {
    const w = await world();
    await submit(w.member, w.slug);
    deps.clock.advance(20 * 60_000);
    await sendWaitingAlerts(deps);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item']);
    deps.clock.advance(11 * 60_000);
    await sendWaitingAlerts(deps);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item', 'queue_waiting']);
    for (const u of [w.member, w.other, w.advocate, w.outsider]) {
      expect(await kindsFor(u)).toEqual([]);
    }
    deps.clock.advance(60 * 60_000);
    await sendWaitingAlerts(deps);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item', 'queue_waiting']);
  });

  it('do not count the weekend: a Friday-evening post is not late on Saturday', async () => {
    const w = await world();
    deps.clock.set(new Date('2026-03-06T18:00:00Z')); // Friday, after hours in Dublin
    await submit(w.member, w.slug);
    deps.clock.set(new Date('2026-03-07T12:00:00Z'));
    await sendWaitingAlerts(deps);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item']);
    deps.clock.set(new Date('2026-03-09T09:31:00Z')); // Monday 09:31
    await sendWaitingAlerts(deps);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item', 'queue_waiting']);
  });
});

describe('settings', () => {
  it('a kind turned off in the app is not stored; e-mail straight away never has the text or group name', async () => {
    const w = await world();
    await services.notificationSettings.updateNotificationSettings(actorFor(w.moderator), {
      inApp: {},
      email: { queue_item: 'immediately' },
      mention: 'nothing',
    });
    await submit(w.member, w.slug);
    expect(await kindsFor(w.moderator)).toEqual([]);
    expect(deps.mailer.sent).toHaveLength(1);
    const mail = deps.mailer.sent[0]!;
    expect(mail.to).toBe(w.moderator.email);
    expect(mail.subject).toBe('You have new activity in Harbour');
    expect(mail.text).not.toContain(SECRET_TEXT);
    expect(mail.text).not.toContain(w.group.name);
    expect(mail.text).toContain('/notifications');
  });

  it('names the group only when the member chose so', async () => {
    const w = await world();
    await services.notificationSettings.updateNotificationSettings(actorFor(w.moderator), {
      inApp: { queue_item: true },
      email: { queue_item: 'immediately' },
      mention: 'group',
    });
    await submit(w.member, w.slug);
    expect(deps.mailer.sent[0]?.text).toContain(w.group.name);
    expect(deps.mailer.sent[0]?.text).not.toContain(SECRET_TEXT);
    expect(await kindsFor(w.moderator)).toEqual(['queue_item']);
  });

  it('the daily summary counts what happened, once a day, without text', async () => {
    const w = await world();
    await services.notificationSettings.updateNotificationSettings(actorFor(w.moderator), {
      inApp: { queue_item: true },
      email: { queue_item: 'daily' },
      mention: 'nothing',
    });
    await submit(w.member, w.slug);
    await submit(w.other, w.slug, 'Another private thought');
    expect(deps.mailer.sent).toHaveLength(0);
    await sendDigests(deps);
    const mine = deps.mailer.sent.filter((m) => m.to === w.moderator.email);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.text).toContain('2 new notifications');
    expect(mine[0]?.text).not.toContain(SECRET_TEXT);
    expect(mine[0]?.text).not.toContain(w.group.name);
    // Nothing new, or less than a day later: no second summary.
    await submit(w.member, w.slug, 'Third');
    deps.clock.advance(3_600_000);
    await sendDigests(deps);
    expect(deps.mailer.sent.filter((m) => m.to === w.moderator.email)).toHaveLength(1);
    deps.clock.advance(24 * 3_600_000);
    await sendDigests(deps);
    expect(deps.mailer.sent.filter((m) => m.to === w.moderator.email)).toHaveLength(2);
    const s = await NotificationSettings.findOne({ user: w.moderator._id }).lean();
    expect(s?.digestPending).toBe(0);
  });

  it('memorial accounts get no notifications', async () => {
    const w = await world();
    await User.updateOne({ _id: w.moderator._id }, { $set: { status: 'memorial' } });
    await submit(w.member, w.slug);
    expect(await kindsFor(w.moderator)).toEqual([]);
  });
});

// Last: new site terms make everyone accept again, which would stop the posting above.
describe('site documents', () => {
  it('new site terms tell every active account except the publisher; memorial accounts get nothing', async () => {
    const w = await world();
    const admin = await createUser({ siteRole: 'admin' });
    await User.updateOne({ _id: w.advocate._id }, { $set: { status: 'memorial' } });
    await services.consent.publishSiteDocument(actorFor(admin), {
      kind: 'privacy',
      title: 'Privacy notice',
      body: 'Updated.',
    });
    for (const u of [w.member, w.other, w.moderator, w.outsider]) {
      expect(await kindsFor(u)).toContain('document_version');
    }
    expect(await kindsFor(admin)).toEqual([]);
    expect(await kindsFor(w.advocate)).toEqual([]);
  });
});
