import { type UserDoc } from '../../../models';
import {
  TEST_PASSWORD,
  actorFor,
  addMember,
  createGroup,
  createUser,
} from '../../helpers/factories';
import { enableTotp, signIn, startTestApp, type TestApp } from '../../helpers/test-app';

/** The insights page shows the discussion figures as tables (charts draw the same numbers). */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-insights-discussion' });
});
afterAll(async () => {
  await t.close();
});

async function moderatorAgent(user: UserDoc) {
  const secret = await enableTotp(user._id);
  return signIn(t.baseUrl, user.email, TEST_PASSWORD, { secret, clock: t.deps.clock });
}

it('moderators see replies per thread, returning members and first replies; members get 404', async () => {
  const group = await createGroup();
  const [author, replier, mod] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember(author, group);
  await addMember(replier, group);
  await addMember(mod, group, ['member', 'moderator']);
  const publish = async (who: UserDoc, body: string, parentId?: string) => {
    const stored = await t.services.posts.submitPost(actorFor(who), {
      group: group.slug,
      body,
      idempotencyKey: `insights-${body.replace(/\W/g, '-')}-${group.slug}`,
      acknowledgedFindings: false,
      parentId,
    });
    if (stored.status !== 'stored') throw new Error('not stored');
    await t.services.reviews.approvePost(actorFor(mod), { postId: stored.post.id, version: 1 });
    return stored.post.id;
  };
  const thread = await publish(author, 'How was everyone’s week?');
  t.deps.clock.advance(45 * 60_000);
  await publish(replier, 'Better than the last one', thread);

  const agent = await moderatorAgent(mod);
  const page = await agent.get(`/g/${group.slug}/insights?days=7`).expect(200);
  expect(page.text).toContain('A living discussion');
  expect(page.text).toContain('1 thread published; median 1 reply each.');
  expect(page.text).toMatch(/<th scope="row">1<\/th><td class="num">1<\/td>/);
  // Two people posted this week: withheld; nobody posted the week before (0 is shown).
  expect(page.text).toMatch(
    /<th scope="row">2026-03-02<\/th><td class="num">fewer than 3<\/td><td class="num">0<\/td><td class="num">—<\/td>/,
  );
  expect(page.text).toMatch(/<td class="num">45 min<\/td><td class="num">45 min<\/td>/);
  expect(page.text).toContain('id="discussion" data-chart="');
  expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);

  const api = await agent.get(`/api/groups/${group.slug}/insights?days=7`).expect(200);
  expect(api.body.discussion.firstReply).toEqual({
    samples: 1,
    median: 45,
    p90: 45,
    withoutReply: 0,
  });

  const member = await signIn(t.baseUrl, author.email, TEST_PASSWORD);
  await member.get(`/g/${group.slug}/insights`).expect(404);
});
