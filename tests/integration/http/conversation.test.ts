import { Membership, Post, type GroupDoc, type UserDoc } from '../../../models';
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
  startTestApp,
  type SignedInAgent,
  type TestApp,
} from '../../helpers/test-app';

/** The conversation without JavaScript: plain forms, redirects, server-rendered pages. */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-conversation' });
});
afterAll(async () => {
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
  const [author, other, mod, outsider] = await Promise.all([
    createUser(),
    createUser(),
    createUser(),
    createUser(),
  ]);
  await addMember(author, group);
  await addMember(other, group);
  await addMember(mod, group, ['member', 'moderator']);
  return {
    group,
    slug: group.slug,
    authorUser: author,
    modUser: mod,
    author: await agentFor(author),
    other: await agentFor(other),
    mod: await agentFor(mod, true),
    outsider: await agentFor(outsider),
  };
}

/** The composer's hidden fields, read from the page as a browser would. */
function composerFields(html: string): { _csrf: string; idempotencyKey: string } {
  const form = html.slice(html.indexOf('id="composer"'));
  const key = /name="idempotencyKey" value="([^"]+)"/.exec(form)?.[1];
  if (!key) throw new Error('no composer on the page');
  return { _csrf: csrfFrom(html), idempotencyKey: key };
}

async function postForm(agent: SignedInAgent, slug: string, body: string, extra = {}) {
  const page = await agent.get(`/g/${slug}/conversation`).expect(200);
  return agent
    .post(`/g/${slug}/conversation`)
    .type('form')
    .send({ ...composerFields(page.text), body, ...extra });
}

/** Expects the redirect after a stored post. */
async function sent(response: ReturnType<typeof postForm>) {
  const res = await response;
  expect(res.status).toBe(303);
  return res;
}

/** A post by the world's author, approved by its moderator through the queue's form. */
async function approvedPost(w: Awaited<ReturnType<typeof world>>, body: string) {
  await sent(postForm(w.author, w.slug, body));
  const post = await Post.findOne({ group: w.group._id, body }).lean();
  const queue = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
  await w.mod
    .post(`/g/${w.slug}/queue/${String(post!._id)}/approve`)
    .type('form')
    .send({ _csrf: csrfFrom(queue.text), version: '1' })
    .expect(303);
  return post!;
}

describe('the conversation page without JavaScript', () => {
  it('form post → redirect → the pending post is shown to its author only', async () => {
    const w = await world();
    const res = await postForm(w.author, w.slug, 'Hello from a plain form');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(
      new RegExp(`^/g/${w.slug}/conversation#post-[0-9a-f]{24}$`),
    );
    const mine = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(mine.text).toContain('Hello from a plain form');
    expect(mine.text).toContain('Waiting for a moderator');
    expect(mine.text).toMatch(/A moderator usually reads new posts within about \d+ minutes/);
    const theirs = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(theirs.text).not.toContain('Hello from a plain form');
    await w.outsider.get(`/g/${w.slug}/conversation`).expect(404);
    await w.other.get(`/g/${w.slug}/queue`).expect(404);
    // Strict CSP: every script on the page is a file, none inline.
    expect(mine.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });

  it('a form sent twice (same key) stores one post', async () => {
    const w = await world();
    const page = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    const fields = composerFields(page.text);
    for (let i = 0; i < 2; i += 1) {
      await w.author
        .post(`/g/${w.slug}/conversation`)
        .type('form')
        .send({ ...fields, body: 'double tap' })
        .expect(303);
    }
    expect(await Post.countDocuments({ author: w.authorUser._id })).toBe(1);
  });

  it('nudges gently, keeps the text, and sends when the author chooses to', async () => {
    const w = await world();
    const res = await postForm(w.author, w.slug, 'Should I stop my tablets?');
    expect(res.status).toBe(200);
    expect(res.text).toContain('This looks like a question for your own care team');
    expect(res.text).toContain('Should I stop my tablets?');
    expect(res.text).toContain('Send anyway');
    const fields = composerFields(res.text);
    const sent = await w.author
      .post(`/g/${w.slug}/conversation`)
      .type('form')
      .send({ ...fields, body: 'Should I stop my tablets?', acknowledgedFindings: 'true' });
    expect(sent.status).toBe(303);
  });

  it('an empty post is refused on the page with a message', async () => {
    const w = await world();
    const res = await postForm(w.author, w.slug, '   ');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Please write something before sending.');
  });

  it('crisis language shows support contacts on the page at once', async () => {
    const w = await world();
    await sent(postForm(w.author, w.slug, 'I want to kill myself'));
    const page = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(page.text).toContain('Samaritans');
    expect(page.text).toContain('116 123');
  });

  it('moderators approve and reject with plain forms; the author can revise and resubmit', async () => {
    const w = await world();
    await sent(postForm(w.author, w.slug, 'Please approve me'));
    await sent(postForm(w.author, w.slug, 'Please reject me'));
    const queue = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
    expect(queue.text).toContain('Please approve me');
    expect(queue.text).toContain('j next, k previous, a approve');
    const posts = await Post.find({ group: w.group._id }).sort({ submittedAt: 1 }).lean();
    const [toApprove, toReject] = posts;
    const csrf = csrfFrom(queue.text);

    await w.mod
      .post(`/g/${w.slug}/queue/${String(toApprove!._id)}/approve`)
      .type('form')
      .send({ _csrf: csrf, version: '1' })
      .expect(303);
    const stale = await w.mod
      .post(`/g/${w.slug}/queue/${String(toApprove!._id)}/approve`)
      .type('form')
      .send({ _csrf: csrf, version: '1' })
      .expect(303);
    expect(stale.headers.location).toBe(`/g/${w.slug}/queue`);
    const after = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
    expect(after.text).toContain('already decided by');

    await w.mod
      .post(`/g/${w.slug}/queue/${String(toReject!._id)}/reject`)
      .type('form')
      .send({ _csrf: csrf, version: '1', ruleId: 'r-kind', note: 'Gentler, please' })
      .expect(303);

    const other = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(other.text).toContain('Please approve me');
    expect(other.text).not.toContain('Please reject me');

    const notes = await w.author.get('/notifications').expect(200);
    expect(notes.text).toContain('was not published');
    expect(notes.text).toContain('Gentler, please');
    expect(notes.text).not.toContain('Please reject me');
    const mine = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(mine.text).toContain('The rule: Be kind');
    expect(mine.text).toContain('Gentler, please');
    const edit = await w.author.get(`/g/${w.slug}/posts/${String(toReject!._id)}/edit`).expect(200);
    expect(edit.text).toContain('Revise and resubmit');
    await w.author
      .post(`/g/${w.slug}/posts/${String(toReject!._id)}/edit`)
      .type('form')
      .send({ _csrf: csrfFrom(edit.text), version: '2', mode: 'resubmit', body: 'Gentler now' })
      .expect(303);
    const back = await w.mod.get(`/g/${w.slug}/queue`).expect(200);
    expect(back.text).toContain('Gentler now');
  });

  it('unread counts and marker; reactions work as a plain form on approved posts', async () => {
    const w = await world();
    const post = await approvedPost(w, 'React to me');
    const home = await w.other.get('/').expect(200);
    expect(home.text).toContain('1 new');
    const page = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(page.text).toContain('New since your last visit');
    expect((await w.other.get('/').expect(200)).text).not.toContain('1 new');
    await w.other
      .post(`/g/${w.slug}/posts/${String(post._id)}/react`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), kind: 'hug' })
      .expect(303);
    const again = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(again.text).toMatch(/value="hug" class="reaction" aria-pressed="true"/);
  });

  it("every form on a page carries the session's one 256-bit CSRF token, and another session's is refused", async () => {
    const w = await world();
    const post = await approvedPost(w, 'Tokens, please');
    const page = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    const tokens = [...page.text.matchAll(/name="_csrf" value="([^"]*)"/g)].map((m) => m[1]);
    expect(tokens.length).toBeGreaterThanOrEqual(3); // composer, reactions, reply
    expect(new Set(tokens)).toEqual(new Set([csrfFrom(page.text)]));
    expect(csrfFrom(page.text)).toMatch(/^[0-9a-f]{64}$/);
    const authorPage = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(csrfFrom(authorPage.text)).not.toBe(csrfFrom(page.text));
    await w.other
      .post(`/g/${w.slug}/posts/${String(post._id)}/react`)
      .type('form')
      .send({ _csrf: csrfFrom(authorPage.text), kind: 'hug' })
      .expect(403);
  });

  it('a muted member can read, sees why, and their form post is refused with the reason', async () => {
    const w = await world();
    await Membership.updateOne(
      { user: w.authorUser._id, group: w.group._id },
      { $set: { mutedUntil: new Date(t.deps.clock.now().getTime() + 3600_000) } },
    );
    const page = await w.author.get(`/g/${w.slug}/conversation`).expect(200);
    expect(page.text).toContain('paused your posting');
    expect(page.text).not.toContain('id="composer"');
    const res = await w.author
      .post(`/g/${w.slug}/conversation`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), idempotencyKey: 'abcdefgh1234', body: 'hi' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('You cannot post or react in this group for now.');
  });

  it('serves the screening rules for the composer hint', async () => {
    const w = await world();
    const res = await w.author.get('/api/screening-rules').expect(200);
    const rules = res.body.rules as Array<{ kind: string; source: string; flags: string }>;
    expect(rules.some((r) => r.kind === 'crisis')).toBe(true);
    const phone = rules.find((r) => r.kind === 'personal_information');
    expect(phone && new RegExp(phone.source, phone.flags).source).toBeTruthy();
  });

  it('shows twenty threads and a working "load earlier" link', async () => {
    const w = await world();
    // Through the services: the form's rate limit (20 a minute) is not what this test is about.
    const author = actorFor(w.authorUser);
    const mod = actorFor(w.modUser);
    for (let i = 1; i <= 22; i += 1) {
      const result = await t.services.posts.submitPost(author, {
        group: w.slug,
        body: `thread number ${i}`,
        idempotencyKey: `load-earlier-${i}-${w.slug}`,
        acknowledgedFindings: false,
      });
      if (result.status !== 'stored') throw new Error('not stored');
      t.deps.clock.advance(1000);
      await t.services.reviews.approvePost(mod, { postId: result.post.id, version: 1 });
    }
    const page = await w.other.get(`/g/${w.slug}/conversation`).expect(200);
    expect(page.text).toContain('thread number 22');
    expect(page.text).not.toContain('thread number 2<');
    const link = /href="(\/g\/[^"]+\?before=[^"]+)"/.exec(page.text)?.[1];
    expect(link).toBeTruthy();
    const earlier = await w.other.get(link!.replace(/&amp;/g, '&')).expect(200);
    expect(earlier.text).toContain('thread number 1<');
    expect(earlier.text).toContain('thread number 2<');
  });
});
