import type { Socket as ClientSocket } from 'socket.io-client';
import { AuditEvent, Membership, Post, type GroupDoc, type UserDoc } from '../../../models';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createUser,
} from '../../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type SignedInAgent,
  type TestApp,
} from '../../helpers/test-app';

/** Topics through the real app: the composer and filter without JavaScript, sockets, moderators. */
let t: TestApp;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestApp({ name: 'http-topics' });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

async function agentFor(user: UserDoc, moderator = false): Promise<SignedInAgent> {
  const secret = moderator ? await enableTotp(user._id) : undefined;
  return signIn(
    t.baseUrl,
    user.email,
    TEST_PASSWORD,
    secret ? { secret, clock: t.deps.clock } : undefined,
  );
}

async function world() {
  const group: GroupDoc = await createGroup();
  const [author, other, mod] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember(author, group);
  await addMember(other, group);
  await addMember(mod, group, ['member', 'moderator']);
  return {
    group,
    slug: group.slug,
    authorUser: author,
    modUser: mod,
    otherUser: other,
    author: await agentFor(author),
    other: await agentFor(other),
    mod: await agentFor(mod, true),
  };
}
type World = Awaited<ReturnType<typeof world>>;

function composerFields(html: string): { _csrf: string; idempotencyKey: string } {
  const form = html.slice(html.indexOf('id="composer"'));
  const key = /name="idempotencyKey" value="([^"]+)"/.exec(form)?.[1];
  if (!key) throw new Error('no composer on the page');
  return { _csrf: csrfFrom(html), idempotencyKey: key };
}

/** Posts through the no-JS composer; returns the response. */
async function postForm(w: World, body: string, topic?: string) {
  const page = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
  return w.author
    .post(`/g/${w.slug}/conversation`)
    .type('form')
    .send({ ...composerFields(page.text), body, ...(topic !== undefined ? { topic } : {}) });
}

/** Posts and approves (moderator's plain form); returns the post id. */
async function publish(w: World, body: string, topic?: string): Promise<string> {
  const res = await postForm(w, body, topic);
  expect(res.status).toBe(303);
  const id = /#post-([0-9a-f]{24})$/.exec(String(res.headers.location))?.[1] as string;
  const queue = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
  await w.mod
    .post(`/g/${w.slug}/queue/${id}/approve`)
    .type('form')
    .send({ _csrf: csrfFrom(queue.text), version: '1' })
    .expect(303);
  return id;
}

/** Many posts at once go through the services (the composer's rate limit is for people). */
async function seed(w: World, body: string, topic: string): Promise<void> {
  const stored = await t.services.posts.submitPost(actorFor(w.authorUser), {
    group: w.slug,
    body,
    idempotencyKey: `seed-${body.replace(/\W/g, '-')}-${w.slug}`,
    acknowledgedFindings: false,
    topic,
  });
  if (stored.status !== 'stored') throw new Error('not stored');
  await t.services.reviews.approvePost(actorFor(w.modUser), { postId: stored.post.id, version: 1 });
}

/** The text of the options of one <select> on a page. */
function options(html: string, id: string): string[] {
  const start = html.indexOf(`id="${id}"`);
  const select = html.slice(start, html.indexOf('</select>', start));
  return [...select.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)</g)].map((m) => m[2] ?? '');
}

describe('choosing and showing a topic without JavaScript', () => {
  it('the composer offers the group’s topics; the published post carries a small label', async () => {
    const w = await world();
    const page = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(options(page.text, 'composer-topic')).toEqual([
      'No topic',
      'Treatment',
      'Everyday life',
      'Celebrations',
      'Off-topic',
    ]);
    await publish(w, 'We got the all-clear today!', 'celebrations');
    const seen = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(seen.text).toMatch(
      /<span class="badge badge-topic"><span class="sr-only">Topic: <\/span>Celebrations<\/span>/,
    );
  });

  it('a topic that is not the group’s is refused on the page, keeping the text', async () => {
    const w = await world();
    const res = await postForm(w, 'My words stay here', 'gardening');
    expect(res.status).toBe(422);
    expect(res.text).toContain(
      'That topic is not one of this group’s topics. Please choose one from the list.',
    );
    expect(res.text).toContain('My words stay here');
    expect(await Post.countDocuments({ group: w.group._id })).toBe(0);
  });

  it('a retired topic is not offered, stays on old posts, and is refused if sent anyway', async () => {
    const w = await world();
    await publish(w, 'An old aside', 'off-topic');
    const topicsPage = await w.mod.get(`/g/${w.slug}/topics`).expect(200);
    await w.mod
      .post(`/g/${w.slug}/topics/off-topic/retire`)
      .type('form')
      .send({ _csrf: csrfFrom(topicsPage.text) })
      .expect(303);
    const page = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(options(page.text, 'composer-topic')).not.toContain('Off-topic');
    expect(options(page.text, 'topic-filter-select')).toContain('Off-topic (no longer used)');
    expect(page.text).toContain('</span>Off-topic</span>'); // the old post keeps its label
    const res = await postForm(w, 'A new aside', 'off-topic');
    expect(res.status).toBe(422);
    expect(res.text).toContain('That topic is no longer used.');
  });
});

describe('filtering by topic', () => {
  it('the query string filters threads, keeps the topic in “load earlier”, and marks nothing read', async () => {
    const w = await world();
    for (let i = 0; i < 22; i += 1) {
      t.deps.clock.advance(60_000);
      await seed(w, `Treatment thread ${i}`, 'treatment');
    }
    await seed(w, 'A thread about everyday life', 'everyday-life');
    const before = (await Membership.findOne({ user: w.otherUser._id }).lean())?.lastReadSeq ?? 0;

    const page = await w.other.get(`/g/${w.slug}/conversation?topic=treatment`).expect(200);
    expect(page.text).toContain('Showing posts about “Treatment”.');
    expect(page.text).toContain('Treatment thread 21');
    expect(page.text).not.toContain('A thread about everyday life');
    expect(page.text).toMatch(/<option value="treatment" selected>/);
    expect(page.text).toMatch(/data-topic="treatment"/);
    // The composer suggests the topic being shown.
    expect(page.text).toMatch(/id="composer-topic"[\s\S]*?<option value="treatment" selected>/);
    const earlier = /id="load-earlier" href="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(earlier).toMatch(/\?before=\d+_[0-9a-f]{24}&amp;topic=treatment$/);
    const older = await w.other.get(earlier.replace(/&amp;/g, '&')).expect(200);
    expect(older.text).toContain('Treatment thread 0');
    expect(older.text).toContain('Treatment thread 1');
    expect(older.text).not.toContain('Treatment thread 2<');
    expect(older.text).not.toContain('A thread about everyday life');
    // The unread marker did not move: the filtered page did not show everything.
    expect((await Membership.findOne({ user: w.otherUser._id }).lean())?.lastReadSeq ?? 0).toBe(
      before,
    );

    const api = await w.other
      .get(`/api/groups/${w.slug}/posts?topic=treatment&limit=5`)
      .expect(200);
    expect(api.body.topic).toEqual({ id: 'treatment', name: 'Treatment' });
    expect(api.body.threads).toHaveLength(5);
    expect(
      (api.body.threads as Array<{ post: { topic: { id: string } } }>).every(
        (th) => th.post.topic.id === 'treatment',
      ),
    ).toBe(true);

    const all = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(all.text).toContain('A thread about everyday life');
    expect(all.text).not.toContain('Showing posts about');
  });

  it('an unknown topic shows everything with a plain note; outsiders get 404', async () => {
    const w = await world();
    await publish(w, 'Visible to all members');
    const page = await w.other.get(`/g/${w.slug}/conversation?topic=nonsense`).expect(200);
    expect(page.text).toContain('That topic is not in this group’s list, so all posts are shown.');
    expect(page.text).toContain('Visible to all members');
    const outsider = await agentFor(await createUser());
    await outsider.get(`/g/${w.slug}/conversation?topic=treatment`).expect(404);
  });
});

describe('the live client (sockets)', () => {
  it('post:submit takes a topic; an invalid one is a clear error; published posts carry it', async () => {
    const w = await world();
    const authorSocket = await socketFor(w.author);
    const otherSocket = await socketFor(w.other);
    sockets.push(authorSocket, otherSocket);
    const published: Array<{ topic: unknown; body: string }> = [];
    otherSocket.on('post:published', (p: { topic: unknown; body: string }) => published.push(p));
    const emit = (payload: Record<string, unknown>) =>
      new Promise<{
        ok: boolean;
        data?: { post: { id: string; topic: unknown } };
        error?: { code: string; message: string };
      }>((resolve) => authorSocket.emit('post:submit', payload, resolve));
    const bad = await emit({
      group: String(w.group._id),
      body: 'Socket post',
      idempotencyKey: 'socket-topic-bad-1',
      topic: 'gardening',
    });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatchObject({
      code: 'validation_failed',
      message: 'That topic is not one of this group’s topics. Please choose one from the list.',
    });
    const malformed = await emit({
      group: String(w.group._id),
      body: 'Socket post',
      idempotencyKey: 'socket-topic-bad-2',
      topic: { $ne: null },
    });
    expect(malformed.ok).toBe(false);
    const good = await emit({
      group: String(w.group._id),
      body: 'Socket post with a topic',
      idempotencyKey: 'socket-topic-good-1',
      topic: 'everyday-life',
    });
    expect(good.ok).toBe(true);
    expect(good.data?.post.topic).toEqual({ id: 'everyday-life', name: 'Everyday life' });
    const queue = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
    await w.mod
      .post(`/g/${w.slug}/queue/${good.data?.post.id}/approve`)
      .type('form')
      .send({ _csrf: csrfFrom(queue.text), version: '1' })
      .expect(303);
    for (let i = 0; i < 40 && published.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(published).toEqual([
      expect.objectContaining({
        body: 'Socket post with a topic',
        topic: { id: 'everyday-life', name: 'Everyday life' },
      }),
    ]);
  });
});

describe('moderators', () => {
  it('edit the list on the topics page; members cannot open it', async () => {
    const w = await world();
    const page = await w.mod.get(`/g/${w.slug}/topics`).expect(200);
    expect(page.text).toContain('Up to 12 topics in use and 30 in all');
    const csrf = csrfFrom(page.text);
    const add = await w.mod
      .post(`/g/${w.slug}/topics`)
      .type('form')
      .send({ _csrf: csrf, name: 'Family and friends' })
      .expect(303);
    expect(add.headers.location).toBe(`/g/${w.slug}/topics`);
    const dup = await w.mod
      .post(`/g/${w.slug}/topics`)
      .type('form')
      .send({ _csrf: csrf, name: 'family and FRIENDS' })
      .expect(303);
    expect(dup.headers.location).toBe(`/g/${w.slug}/topics`);
    const after = await w.mod.get(`/g/${w.slug}/topics`).expect(200);
    expect(after.text).toContain('Family and friends');
    expect(after.text).toContain('There is already a topic with that name');
    await w.mod
      .post(`/g/${w.slug}/topics/treatment/move`)
      .type('form')
      .send({ _csrf: csrf, direction: 'down' })
      .expect(303);
    await w.mod
      .post(`/g/${w.slug}/topics/treatment/rename`)
      .type('form')
      .send({ _csrf: csrf, name: 'Treatment and tests' })
      .expect(303);
    const conv = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(options(conv.text, 'composer-topic')).toEqual([
      'No topic',
      'Everyday life',
      'Treatment and tests',
      'Celebrations',
      'Off-topic',
      'Family and friends',
    ]);
    await w.author.get(`/g/${w.slug}/topics`).expect(404);
    const csrfMember = csrfFrom(conv.text);
    await w.author
      .post(`/g/${w.slug}/topics`)
      .type('form')
      .send({ _csrf: csrfMember, name: 'Sneaky' })
      .expect(404);
  });

  it('change a waiting post’s topic in the queue and a published one on its moderate page', async () => {
    const w = await world();
    const res = await postForm(w, 'Which topic am I?', 'treatment');
    const id = /#post-([0-9a-f]{24})$/.exec(String(res.headers.location))?.[1] as string;
    const queue = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
    expect(options(queue.text, `topic-${id}`)).toEqual([
      'No topic',
      'Treatment',
      'Everyday life',
      'Celebrations',
      'Off-topic',
    ]);
    const moved = await w.mod
      .post(`/g/${w.slug}/queue/${id}/topic`)
      .type('form')
      .send({ _csrf: csrfFrom(queue.text), topic: 'everyday-life' })
      .expect(303);
    expect(moved.headers.location).toBe(`/g/${w.slug}/queue`);
    expect((await Post.findById(id).lean())?.topic).toBe('everyday-life');
    await w.mod
      .post(`/g/${w.slug}/queue/${id}/approve`)
      .type('form')
      .send({ _csrf: csrfFrom(queue.text), version: '1' })
      .expect(303);
    const moderate = await w.mod.get(`/g/${w.slug}/posts/${id}/moderate`).expect(200);
    expect(moderate.text).toMatch(/<option value="everyday-life" selected>/);
    await w.mod
      .post(`/g/${w.slug}/posts/${id}/topic`)
      .type('form')
      .send({ _csrf: csrfFrom(moderate.text), topic: '' })
      .expect(303);
    expect((await Post.findById(id).lean())?.topic).toBeNull();
    expect(await AuditEvent.countDocuments({ targetId: id, action: 'post.topic_changed' })).toBe(2);
    // A member cannot: 404, and nothing changes.
    const page = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    await w.other
      .post(`/g/${w.slug}/posts/${id}/topic`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), topic: 'treatment' })
      .expect(404);
    expect((await Post.findById(id).lean())?.topic).toBeNull();
  });
});
