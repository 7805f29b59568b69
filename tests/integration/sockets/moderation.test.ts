import { randomBytes } from 'node:crypto';
import type { Socket as ClientSocket } from 'socket.io-client';
import { AuditEvent, Notification, Report, type GroupDoc, type UserDoc } from '../../../models';
import { formatLocal } from '../../../server/services/business-hours';
import type { Ack } from '../../../server/sockets/define-handler';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createUser,
} from '../../helpers/factories';
import { enableTotp, signIn, socketFor, startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * The moderators' toolkit with real clients: reports arrive live in the moderators' tab, hiding
 * needs a rule and removes the post from open screens, sanctions take effect on open sockets
 * and end on time (ManualClock).
 */
let t: TestApp;
const open: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'sockets-moderation' });
});
afterEach(() => {
  open.splice(0).forEach((s) => s.close());
});
afterAll(async () => {
  await t.close();
});

interface Person {
  user: UserDoc;
  socket: ClientSocket;
  agent: Awaited<ReturnType<typeof signIn>>;
  received: Array<{ event: string; data: unknown }>;
}

const key = () => randomBytes(12).toString('hex');
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
const HOUR = 3600_000;

function emit<T = unknown>(socket: ClientSocket, event: string, payload: unknown) {
  return new Promise<Ack & { data?: T }>((resolve) => {
    socket.emit(event, payload, (ack: Ack) => resolve(ack as Ack & { data?: T }));
  });
}

async function connect(user: UserDoc, moderator = false): Promise<Person> {
  const secret = moderator ? await enableTotp(user._id) : undefined;
  const agent = await signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
  const socket = await socketFor(agent);
  open.push(socket);
  const received: Person['received'] = [];
  socket.onAny((event: string, data: unknown) => received.push({ event, data }));
  return { user, socket, agent, received };
}

/** Waits (up to 5 s, on a busy machine) until `p` has received a matching event. */
async function received(p: Person, name: string, match: (e: Record<string, unknown>) => boolean) {
  for (let waited = 0; waited < 5000; waited += 25) {
    if (events(p, name).some(match)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${name} never arrived`);
}

function events(p: Person, name: string) {
  return p.received.filter((r) => r.event === name).map((r) => r.data as Record<string, unknown>);
}

async function world() {
  const group: GroupDoc = await createGroup();
  const make = async (roles: Array<'member' | 'moderator'>) => {
    const user = await createUser();
    await addMember(user, group, roles);
    return user;
  };
  const [author, reader, mod, mod2] = await Promise.all([
    make(['member']),
    make(['member']),
    make(['member', 'moderator']),
    make(['member', 'moderator']),
  ]);
  return {
    group,
    slug: group.slug,
    author: await connect(author),
    reader: await connect(reader),
    mod: await connect(mod, true),
    mod2Actor: actorFor(mod2),
  };
}

type World = Awaited<ReturnType<typeof world>>;

/** A post by `who`, approved by the moderator: published to the group. */
async function published(w: World, who: UserDoc, body: string) {
  const stored = await t.services.posts.submitPost(actorFor(who), {
    group: w.slug,
    body,
    idempotencyKey: key(),
    acknowledgedFindings: false,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  const decided = await t.services.reviews.approvePost(actorFor(w.mod.user), {
    postId: stored.post.id,
    version: stored.post.version,
  });
  return { id: stored.post.id, version: decided.version };
}

describe('reports', () => {
  it('a report reaches the moderators live; reporting twice is harmless; the reporter stays unnamed', async () => {
    const w = await world();
    const post = await published(w, w.author.user, 'The night shift never answers the phone');
    await settle();
    w.mod.received.length = 0;

    const first = await emit<{ created: boolean }>(w.reader.socket, 'post:report', {
      postId: post.id,
      ruleId: 'r-kind',
      note: 'Feels unkind to the nurses',
    });
    expect(first).toMatchObject({ ok: true, data: { created: true } });
    await received(w.mod, 'reports:changed', () => true);
    await settle();
    expect(events(w.mod, 'reports:changed')).toEqual([
      { groupId: String(w.group._id), postId: post.id },
    ]);
    expect(events(w.reader, 'reports:changed')).toEqual([]);
    expect(events(w.author, 'reports:changed')).toEqual([]);

    const again = await emit<{ created: boolean }>(w.reader.socket, 'post:report', {
      postId: post.id,
      ruleId: 'r-health',
    });
    expect(again).toMatchObject({ ok: true, data: { created: false } });
    expect(await Report.countDocuments({ post: post.id })).toBe(1);
    const modNotes = await Notification.find({
      user: w.mod.user._id,
      kind: 'report_received',
    }).lean();
    expect(modNotes).toHaveLength(1);
    expect(JSON.stringify(modNotes)).not.toContain(String(w.reader.user._id));

    // The moderators' tab: the reported text, the rule, the note, no reporter name.
    const tab = await w.mod.agent.get(`/g/${w.slug}/reports`).expect(200);
    expect(tab.text).toContain('The night shift never answers the phone');
    expect(tab.text).toContain('No personal health questions');
    expect(tab.text).not.toContain(w.reader.user.displayName);
    // Members (including the author) cannot see the tab at all.
    await w.author.agent.get(`/g/${w.slug}/reports`).expect(404);
    await w.reader.agent.get(`/api/groups/${w.slug}/reports`).expect(404);
    const authorNotes = await Notification.find({ user: w.author.user._id }).lean();
    expect(JSON.stringify(authorNotes)).not.toContain(String(w.reader.user._id));

    // One's own post, and a post still waiting, cannot be reported.
    const own = await emit(w.author.socket, 'post:report', { postId: post.id, ruleId: 'r-kind' });
    expect(own).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('hiding published content', () => {
  it('needs a rule (422), removes the post from open screens, tells the author, and can be restored', async () => {
    const w = await world();
    const post = await published(w, w.author.user, 'This hospital is the worst, avoid it');
    await settle();
    const csrf = { 'x-csrf-token': w.mod.agent.csrf() };

    const noRule = await w.mod.agent
      .post(`/api/posts/${post.id}/hide`)
      .set(csrf)
      .send({ version: post.version })
      .expect(422);
    expect(noRule.body.error.code).toBe('validation_failed');
    expect(noRule.body.error.message).toMatch(/negative or critical/);
    await w.mod.agent
      .post(`/api/posts/${post.id}/hide`)
      .set(csrf)
      .send({ version: post.version, ruleId: 'not-a-rule' })
      .expect(422);
    // A member may not hide anything (404: not a moderator of the group).
    await w.reader.agent
      .post(`/api/posts/${post.id}/hide`)
      .set({ 'x-csrf-token': w.reader.agent.csrf() })
      .send({ version: post.version, ruleId: 'r-kind' })
      .expect(404);

    await emit(w.reader.socket, 'post:report', { postId: post.id, ruleId: 'r-kind' });
    const hidden = await w.mod.agent
      .post(`/api/posts/${post.id}/hide`)
      .set(csrf)
      .send({ version: post.version, ruleId: 'r-kind', note: 'Please keep it kind.' })
      .expect(200);
    expect(hidden.body).toMatchObject({ status: 'hidden' });
    await received(w.reader, 'post:hidden', (e) => e.postId === post.id);
    expect(events(w.reader, 'post:hidden')).toContainEqual({
      groupId: String(w.group._id),
      postId: post.id,
    });
    const page = await w.reader.agent.get(`/g/${w.slug}/conversation`).expect(200);
    expect(page.text).not.toContain('This hospital is the worst');
    expect(await Report.countDocuments({ post: post.id, status: 'actioned' })).toBe(1);

    // A stale version is a conflict, not a second hide.
    const stale = await emit(w.mod.socket, 'post:hide', {
      postId: post.id,
      version: post.version,
      ruleId: 'r-kind',
    });
    expect(stale).toMatchObject({ ok: false, error: { code: 'post_already_decided' } });

    const note = await Notification.findOne({
      user: w.author.user._id,
      kind: 'post_hidden',
    }).lean();
    expect(note?.data).toMatchObject({ ruleTitle: 'Be kind', note: 'Please keep it kind.' });
    const audit = await AuditEvent.findOne({ action: 'post.hidden', targetId: post.id }).lean();
    expect(audit).toMatchObject({ ruleId: 'r-kind', actor: w.mod.user._id });

    const restored = await emit<{ version: number }>(w.mod.socket, 'post:restore', {
      postId: post.id,
      version: hidden.body.version,
    });
    expect(restored).toMatchObject({ ok: true, data: { status: 'approved' } });
    await received(w.reader, 'post:published', (e) => e.id === post.id);
    const again = await w.reader.agent.get(`/g/${w.slug}/conversation`).expect(200);
    expect(again.text).toContain('This hospital is the worst');
  });
});

describe('sanctions on live connections', () => {
  it('mute: told live with the end time, submit refused with code muted, then allowed after it ends', async () => {
    const w = await world();
    const start = t.deps.clock.now();
    const res = await t.services.sanctions.sanctionMember(actorFor(w.mod.user), w.slug, {
      userId: String(w.reader.user._id),
      kind: 'mute',
      duration: '24h',
      ruleId: 'r-kind',
      note: 'A day to cool off.',
    });
    const until = new Date(start.getTime() + 24 * HOUR).toISOString();
    expect(res.until).toBe(until);
    await received(w.reader, 'membership:changed', (e) => e.status === 'muted');
    expect(events(w.reader, 'membership:changed')[0]).toMatchObject({ status: 'muted' });
    expect(events(w.reader, 'membership:changed')[0]?.until).toBe(
      formatLocal(new Date(until), 'Europe/Dublin'),
    );

    const refused = await emit(w.reader.socket, 'post:submit', {
      group: w.slug,
      body: 'may I?',
      idempotencyKey: key(),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'muted', details: { until } } });
    // Still reads live.
    const post = await published(w, w.author.user, 'Readable while muted');
    await received(w.reader, 'post:published', (e) => e.id === post.id);
    const react = await emit(w.reader.socket, 'post:react', { postId: post.id, kind: 'heart' });
    expect(react).toMatchObject({ ok: false, error: { code: 'muted' } });

    t.deps.clock.advance(24 * HOUR + 1000);
    const allowed = await emit(w.reader.socket, 'post:submit', {
      group: w.slug,
      body: 'back again',
      idempotencyKey: key(),
    });
    expect(allowed).toMatchObject({ ok: true, data: { status: 'stored' } });
    w.reader.received.length = 0;
    expect(await t.services.sanctions.sweepExpiredSanctions()).toBeGreaterThanOrEqual(1);
    await received(w.reader, 'membership:changed', (e) => e.status === 'active');
  });

  it('suspend: the socket leaves the group rooms at once, pages answer 404, and it ends on time', async () => {
    const w = await world();
    await t.services.sanctions.sanctionMember(actorFor(w.mod.user), w.slug, {
      userId: String(w.reader.user._id),
      kind: 'suspend',
      duration: '3d',
      ruleId: 'r-kind',
    });
    await received(w.reader, 'membership:changed', (e) => e.status === 'suspended');
    const post = await published(w, w.author.user, 'Not for the suspended member');
    await received(w.mod, 'post:published', (e) => e.id === post.id);
    await settle();
    expect(events(w.reader, 'post:published').map((e) => e.id)).not.toContain(post.id);
    expect(JSON.stringify(w.reader.received)).not.toContain('Not for the suspended member');
    await w.reader.agent.get(`/g/${w.slug}/conversation`).expect(404);
    const caught = await emit(w.reader.socket, 'posts:catch_up', {
      groupId: String(w.group._id),
      afterSeq: 0,
    });
    expect(caught).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // A moderator cannot sanction another moderator (404, as if no such member).
    await expect(
      t.services.sanctions.sanctionMember(actorFor(w.mod.user), w.slug, {
        userId: String(w.mod2Actor.userId),
        kind: 'suspend',
        duration: '1h',
        ruleId: 'r-kind',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });

    t.deps.clock.advance(3 * 24 * HOUR + 1000);
    await w.reader.agent.get(`/g/${w.slug}/conversation`).expect(200);
    await t.services.sanctions.sweepExpiredSanctions();
    await received(w.reader, 'membership:changed', (e) => e.status === 'active');
    await settle();
    const later = await published(w, w.author.user, 'Welcome back');
    await received(w.reader, 'post:published', (e) => e.id === later.id);
  });

  it('until lifted: stays until a moderator lifts it; the sanction is audited with its rule', async () => {
    const w = await world();
    await t.services.sanctions.sanctionMember(actorFor(w.mod.user), w.slug, {
      userId: String(w.reader.user._id),
      kind: 'mute',
      duration: 'lifted',
      ruleId: 'r-profanity',
    });
    t.deps.clock.advance(365 * 24 * HOUR);
    const still = await emit(w.reader.socket, 'post:submit', {
      group: w.slug,
      body: 'a year later',
      idempotencyKey: key(),
    });
    expect(still).toMatchObject({ ok: false, error: { code: 'muted' } });
    await t.services.sanctions.liftSanction(actorFor(w.mod.user), w.slug, {
      userId: String(w.reader.user._id),
    });
    const ok = await emit(w.reader.socket, 'post:submit', {
      group: w.slug,
      body: 'thank you',
      idempotencyKey: key(),
    });
    expect(ok.ok).toBe(true);
    const actions = (
      await AuditEvent.find({ group: w.group._id, targetType: 'membership' })
        .sort({ seq: 1 })
        .lean()
    ).map((e) => [e.action, e.ruleId ?? null]);
    expect(actions).toEqual([
      ['member.muted', 'r-profanity'],
      ['member.sanction_lifted', null],
    ]);
  });
});
