import mongoose, { trusted } from 'mongoose';
import {
  AuditEvent,
  Lease,
  Membership,
  Notification,
  Post,
  QueueAlert,
  RotaSlot,
  User,
  NotificationSettings,
  type NotificationKind,
} from '../../../models';
import { hardenMongoose } from '../../../server/database';
import { createServices } from '../../../server/services';
import { checkWaitingTargets, runCoverageJob } from '../../../server/services/coverage-alerts';
import { testDatabaseUri } from '../../helpers/db';
import { testDeps } from '../../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../../helpers/factories';

/**
 * Who hears about a waiting post: the moderators on duty when it arrives; the next person on the
 * rota and the advocates once its target has passed in covered time; everyone at once for a
 * crisis or threat outside covered hours. No alert or e-mail carries the post's words.
 */
const deps = testDeps();
const services = createServices(deps);
let counter = 0;
const key = () => `alert-${Date.now()}-${(counter += 1)}`;
const SATURDAY_11 = new Date('2026-03-07T11:00:00Z'); // Dublin is UTC+0 in early March

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('coverage-alerts'));
  await Promise.all([
    Post.init(),
    Membership.init(),
    AuditEvent.init(),
    RotaSlot.init(),
    QueueAlert.init(),
    Lease.init(),
  ]);
});
afterAll(async () => {
  await mongoose.disconnect();
});
beforeEach(() => {
  deps.clock.set(SATURDAY_11);
  deps.mailer.sent.length = 0;
});

/** Three moderators (A on Saturday 10–14, B on Sunday 10–14, C on no slot), an advocate. */
async function world() {
  const group = await createGroup({ name: 'Kidney support circle' });
  const [a, b, c, adv, author] = await Promise.all([
    createUser(),
    createUser(),
    createUser(),
    createUser(),
    createUser(),
  ]);
  for (const m of [a, b, c]) await addMember(m, group, ['member', 'moderator']);
  await addMember(adv, group, ['member', 'advocate']);
  await addMember(author, group);
  for (const [who, weekday] of [
    [a, 6],
    [b, 7],
  ] as const) {
    await services.rota.addSlot(actorFor(who), {
      group: group.slug,
      weekday,
      start: '10:00',
      end: '14:00',
      takeIt: true,
    });
  }
  return { group, a, b, c, adv, author };
}

async function submit(w: Awaited<ReturnType<typeof world>>, body: string) {
  const result = await services.posts.submitPost(actorFor(w.author), {
    group: w.group.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: true,
  });
  if (result.status !== 'stored') throw new Error('not stored');
  return result.post.id;
}

async function recipients(postId: string, kind: NotificationKind): Promise<string[]> {
  const rows = await Notification.find({ post: postId, kind }).lean();
  return rows.map((n) => String(n.user)).sort();
}
const ids = (...users: Array<{ _id: unknown }>) => users.map((u) => String(u._id)).sort();
async function emailOf(user: { _id: unknown }) {
  return (await User.findById(user._id).lean())?.email;
}

describe('alerts for new posts', () => {
  it('reach exactly the moderators on duty, live and by e-mail, without the post', async () => {
    const w = await world();
    // E-mail follows each person's choice (privacy settings): all three want it at once.
    for (const m of [w.a, w.b, w.c]) {
      await NotificationSettings.create({ user: m._id, email: { queue_item: 'immediately' } });
    }
    const body = 'Saturday question about my dialysis schedule';
    const postId = await submit(w, body);
    expect(await recipients(postId, 'queue_item')).toEqual(ids(w.a));
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([await emailOf(w.a)]);
    const mail = deps.mailer.sent[0];
    expect(mail?.text).not.toContain('dialysis');
    expect(mail?.text).not.toContain(w.group.name);
    expect(mail?.subject).not.toContain(w.group.name);
  });

  it('during business hours the whole team is on duty; outside covered hours nobody is woken', async () => {
    const w = await world();
    deps.clock.set(new Date('2026-03-09T10:00:00Z')); // Monday 10:00
    const weekday = await submit(w, 'A Monday post');
    expect(await recipients(weekday, 'queue_item')).toEqual(ids(w.a, w.b, w.c));
    deps.clock.set(new Date('2026-03-07T16:00:00Z')); // Saturday 16:00: nobody on duty
    deps.mailer.sent.length = 0;
    const evening = await submit(w, 'A Saturday evening post');
    expect(await recipients(evening, 'queue_item')).toEqual([]);
    expect(deps.mailer.sent).toEqual([]);
  });

  it('a crisis or threat post outside covered hours reaches every moderator and administrator', async () => {
    const w = await world();
    await createUser({ siteRole: 'admin' });
    const admins = await User.find({ siteRole: 'admin', status: 'active' }).lean();
    const everyone = [...ids(w.a, w.b, w.c), ...ids(...admins)].sort();
    deps.clock.set(new Date('2026-03-07T22:00:00Z')); // Saturday 22:00
    const crisis = await submit(w, 'I just want to end it all tonight');
    expect(await recipients(crisis, 'queue_item')).toEqual(everyone);
    const threat = await submit(w, "I'm going to hurt him when I see him");
    expect(await recipients(threat, 'threat_alert')).toEqual(everyone);
    const mails = deps.mailer.sent.map((m) => `${m.subject}\n${m.text}`).join('\n');
    expect(mails).not.toMatch(/end it all|hurt him/);
    const data = JSON.stringify(
      await Notification.find({ post: trusted({ $in: [crisis, threat] }) }).lean(),
    );
    expect(data).not.toMatch(/end it all|hurt him/);
  });
});

describe('the waiting target', () => {
  it('once passed in covered time, alerts the next person on the rota and the advocates, once', async () => {
    const w = await world();
    for (const m of [w.a, w.b, w.c, w.adv]) {
      await NotificationSettings.create({ user: m._id, email: { queue_waiting: 'immediately' } });
    }
    deps.clock.set(new Date('2026-03-07T13:50:00Z')); // 10 covered minutes left on Saturday
    const postId = await submit(w, 'Late on Saturday');
    // The target (30 min) passes on Sunday at 10:20, not Saturday 14:20: uncovered time is free.
    deps.clock.set(new Date('2026-03-07T14:30:00Z'));
    await checkWaitingTargets(deps);
    expect(await recipients(postId, 'queue_waiting')).toEqual([]);
    deps.clock.set(new Date('2026-03-08T10:21:00Z'));
    deps.mailer.sent.length = 0;
    const run = await runCoverageJob(deps);
    expect(run?.escalated).toBeGreaterThanOrEqual(1);
    // B is on duty on Sunday now; the next after B is A (next Saturday) — plus the advocate.
    expect(await recipients(postId, 'queue_waiting')).toEqual(ids(w.a, w.adv));
    // (Other tests' waiting posts escalate in the same run: look at this group's people only.)
    const ours = await Promise.all([w.a, w.b, w.c, w.adv, w.author].map(emailOf));
    expect(
      deps.mailer.sent
        .map((m) => m.to)
        .filter((to) => ours.includes(to))
        .sort(),
    ).toEqual([await emailOf(w.a), await emailOf(w.adv)].sort());
    expect(deps.mailer.sent.map((m) => m.text).join()).not.toContain('Late on Saturday');
    // Exactly once, however often the job runs.
    deps.clock.advance(60_000);
    await runCoverageJob(deps);
    expect(await recipients(postId, 'queue_waiting')).toHaveLength(2);
  });

  it('escalates to the next slot’s moderator when the on-duty one lets it wait', async () => {
    const w = await world();
    const postId = await submit(w, 'Saturday morning');
    deps.clock.set(new Date('2026-03-07T11:31:00Z'));
    await runCoverageJob(deps);
    expect(await recipients(postId, 'queue_waiting')).toEqual(ids(w.b, w.adv));
  });

  it('a post decided before its target raises nothing', async () => {
    const w = await world();
    const postId = await submit(w, 'Quick one');
    const post = await Post.findById(postId).lean();
    await services.reviews.approvePost(actorFor(w.a), { postId, version: post?.version ?? 1 });
    deps.clock.set(new Date('2026-03-07T12:00:00Z'));
    await checkWaitingTargets(deps);
    expect(await recipients(postId, 'queue_waiting')).toEqual([]);
  });
});
