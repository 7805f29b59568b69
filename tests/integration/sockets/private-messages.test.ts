import type { Socket as ClientSocket } from 'socket.io-client';
import { Group } from '../../../models';
import {
  TEST_PASSWORD,
  addMember,
  createGroupWithPeople,
  createUser,
} from '../../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type TestApp,
} from '../../helpers/test-app';

/** Private messages through the pages (no JavaScript) and live over sockets. */
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'sockets-pm' });
});
afterAll(async () => {
  await t.close();
});

function next(socket: ClientSocket, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => socket.once(event, resolve));
}

it('request, accept and write with plain forms; the other side gets it live; strangers see nothing', async () => {
  const { group, member, moderator } = await createGroupWithPeople();
  await Group.updateOne({ _id: group._id }, { $set: { 'settings.privateMessages': true } });
  const friend = await createUser();
  await addMember(friend, group);
  const a = await signIn(t.baseUrl, member.email, TEST_PASSWORD);
  const b = await signIn(t.baseUrl, friend.email, TEST_PASSWORD);

  const list = await a.get('/me/messages').expect(200);
  expect(list.text).toContain(friend.displayName);
  expect(list.text).not.toContain(friend.email);
  const asked = await a
    .post('/me/messages')
    .type('form')
    .send({ _csrf: csrfFrom(list.text), userId: String(friend._id) })
    .expect(303);
  const threadPath = String(asked.headers.location);
  expect(threadPath).toMatch(/^\/me\/messages\/[0-9a-f]{24}$/);

  // Before acceptance, writing is refused.
  const page = await a.get(threadPath).expect(200);
  expect(page.text).not.toContain('id="compose"');
  await a
    .post(`${threadPath}/send`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), body: 'too early' })
    .expect(403);

  const bPage = await b.get(threadPath).expect(200);
  expect(bPage.text).toContain('would like to send you private messages');
  await b
    .post(`${threadPath}/respond`)
    .type('form')
    .send({ _csrf: csrfFrom(bPage.text), answer: 'accept' })
    .expect(303);

  const bSocket = await socketFor(b);
  const arrived = next(bSocket, 'pm:message');
  const ready = await a.get(threadPath).expect(200);
  expect(ready.text).toContain('id="compose"');
  await a
    .post(`${threadPath}/send`)
    .type('form')
    .send({ _csrf: csrfFrom(ready.text), body: 'Hello from a form' })
    .expect(303);
  const live = await arrived;
  expect(live).toMatchObject({ body: 'Hello from a form', mine: false, from: member.displayName });

  // Over the socket too, acknowledged once stored.
  const aSocket = await socketFor(a);
  const echoed = next(aSocket, 'pm:message');
  const ack = await new Promise<{ ok: boolean }>((resolve) =>
    bSocket.emit('pm:send', { threadId: threadPath.split('/').pop(), body: 'Reply live' }, resolve),
  );
  expect(ack.ok).toBe(true);
  expect(await echoed).toMatchObject({ body: 'Reply live', mine: false });
  aSocket.close();
  bSocket.close();

  // A moderator of the group cannot open it (not reported); a non-member gets 404 for the page.
  const secret = await enableTotp(moderator._id);
  const mod = await signIn(t.baseUrl, moderator.email, TEST_PASSWORD, {
    secret,
    clock: t.deps.clock,
  });
  await mod.get(threadPath).expect(404);
  await mod
    .get(`/g/${group.slug}/messages/reported${threadPath.replace('/me/messages', '')}`)
    .expect(404);
  const reported = await mod.get(`/g/${group.slug}/messages/reported`).expect(200);
  expect(reported.text).not.toContain('Hello from a form');
  const outsider = await createUser();
  const o = await signIn(t.baseUrl, outsider.email, TEST_PASSWORD);
  await o.get(`/g/${group.slug}/messages/reported`).expect(404);
  await o.get(threadPath).expect(404);
  await b.get(`/g/${group.slug}/messages/reported`).expect(404); // members: not moderators
});
