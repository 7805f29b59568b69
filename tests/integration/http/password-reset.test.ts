import mongoose from 'mongoose';
import { generateSync } from 'otplib';
import request from 'supertest';
import { AuditEvent, OneTimeToken, User } from '../../../models';
import { hashRecoveryCode } from '../../../server/auth/totp';
import { en } from '../../../server/i18n/en';
import { sha256 } from '../../../server/services/accounts';
import { addMember, createGroup, createUser, TEST_PASSWORD } from '../../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type TestApp,
} from '../../helpers/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'http-password-reset' });
});
afterAll(async () => {
  await t.close();
});
// Each test starts with fresh limits; the throttling test counts from zero.
beforeEach(async () => {
  await mongoose.connection.collection('rate_limits').deleteMany({});
});

const NEW_PASSWORD = 'lanterns along the quiet pier';

function normalise(html: string, email: string): string {
  return html
    .replace(/nonce="[^"]*"/g, 'nonce=""')
    .replace(/<meta name="csrf-token" content="[^"]*">/, '')
    .replace(/name="_csrf" value="[^"]*"/g, '')
    .split(email)
    .join('ADDRESS');
}

/** Asks for a link through the real pages (sign-in page → "Forgot your password?" → form). */
async function askForLink(email: string) {
  const agent = request.agent(t.baseUrl);
  const login = await agent.get('/login').expect(200);
  expect(login.text).toContain('href="/login/forgot"');
  const form = await agent.get('/login/forgot').expect(200);
  return agent
    .post('/login/forgot')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), email });
}

/** The reset link's path from the last e-mail sent to this address. */
function lastLink(email: string): string {
  const mail = t.deps.mailer.sent.filter((m) => m.to === email).at(-1);
  const m = mail && /\/reset\/[A-Za-z0-9_-]{43}/.exec(mail.text);
  if (!m) throw new Error('no reset link was sent');
  return m[0];
}

async function resetWith(path: string, fields: Record<string, string>) {
  const agent = request.agent(t.baseUrl);
  const form = await agent.get(path);
  if (form.status !== 200) return { agent, res: form };
  const res = await agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), ...fields });
  return { agent, res };
}

describe('asking for a reset link', () => {
  it('answers the same page for a known and an unknown address; only the known one gets a link', async () => {
    const group = await createGroup({ name: 'Heart failure circle' });
    const user = await createUser();
    await addMember(user, group);
    const unknown = `nobody-${Date.now()}@example.test`;
    const before = t.deps.mailer.sent.length;

    const known = await askForLink(user.email);
    const stranger = await askForLink(unknown);
    expect(known.status).toBe(200);
    expect(stranger.status).toBe(200);
    expect(known.text).toContain(en.reset.sent(user.email));
    expect(normalise(known.text, user.email)).toBe(normalise(stranger.text, unknown));

    const mails = t.deps.mailer.sent.slice(before);
    expect(mails.map((m) => m.to)).toEqual([user.email]);
    expect(mails[0]?.subject).toBe(en.reset.mailSubject);
    // No group name, nothing anyone wrote: only the link and what to do.
    expect(mails[0]?.text).not.toContain(group.name);
    // Only the token's SHA-256 is stored.
    const token = lastLink(user.email).split('/')[2] ?? '';
    expect(await OneTimeToken.exists({ tokenHash: token })).toBeNull();
    expect(await OneTimeToken.exists({ tokenHash: sha256(token), user: user._id })).not.toBeNull();
  });

  it('refuses text that is not an e-mail address, and sends nothing', async () => {
    const res = await askForLink('not an address');
    expect(res.status).toBe(422);
    expect(res.text).toContain(en.reset.emailInvalid);
  });

  it('throttles per address (known or not, the same 429) and per IP address', async () => {
    const user = await createUser();
    const unknown = `nobody-throttle-${Date.now()}@example.test`;
    const answers: Array<{ status: number; retry: unknown; body: string }> = [];
    for (const email of [user.email, unknown]) {
      for (let i = 0; i < 5; i++) expect((await askForLink(email)).status).toBe(200);
      const sixth = await askForLink(email);
      answers.push({
        status: sixth.status,
        retry: sixth.headers['retry-after'],
        body: normalise(sixth.text, email),
      });
    }
    expect(answers[0]?.status).toBe(429);
    expect(Number(answers[0]?.retry)).toBeGreaterThan(0);
    expect(answers[1]).toEqual(answers[0]);

    // 20 requests from one IP address in an hour, whatever the addresses (12 made above).
    for (let i = 0; i < 8; i++) {
      expect((await askForLink(`ip-${i}@example.test`)).status).toBe(200);
    }
    expect((await askForLink('ip-last@example.test')).status).toBe(429);
  });
});

describe('choosing a new password through the link', () => {
  it('changes the password once, ends every session and socket, audits and tells by e-mail', async () => {
    const group = await createGroup({ name: 'Young carers group' });
    const user = await createUser();
    await addMember(user, group);
    const other = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const socket = await socketFor(other);
    const dropped = new Promise((resolve) => socket.once('disconnect', resolve));

    await askForLink(user.email);
    const path = lastLink(user.email);
    // A password that breaks the rules spends nothing.
    const weak = await resetWith(path, { password: 'short one' });
    expect(weak.res.status).toBe(422);
    expect(weak.res.text).toContain('at least 15 characters');
    expect(weak.res.headers['cache-control']).toContain('no-store');

    const before = t.deps.mailer.sent.length;
    const { agent, res } = await resetWith(path, { password: NEW_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect((await agent.get('/login')).text).toContain(en.reset.done);

    // Every other session and live socket ended.
    await dropped;
    const after = await other.get('/account');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login');
    // Old password gone, new one works.
    await expect(signIn(t.baseUrl, user.email, TEST_PASSWORD)).rejects.toThrow(/401/);
    await signIn(t.baseUrl, user.email, NEW_PASSWORD);

    // Spent: the same link now reads as unusable.
    const again = await request(t.baseUrl).get(path);
    expect(again.status).toBe(404);
    expect(again.text).toContain(en.reset.invalid);

    const audit = await AuditEvent.findOne({
      action: 'account.password_reset',
      targetId: String(user._id),
    }).lean();
    expect(audit).not.toBeNull();
    const told = t.deps.mailer.sent.slice(before).filter((m) => m.to === user.email);
    expect(told.map((m) => m.subject)).toEqual([en.reset.changedSubject]);
    expect(told[0]?.text).not.toContain(group.name);
    socket.close();
  });

  it('a link stops working after 30 minutes, and when a newer one is asked for', async () => {
    const user = await createUser();
    await askForLink(user.email);
    const first = lastLink(user.email);
    await askForLink(user.email);
    const second = lastLink(user.email);
    expect(second).not.toBe(first);
    expect((await request(t.baseUrl).get(first)).status).toBe(404);
    expect((await request(t.baseUrl).get(second)).status).toBe(200);

    t.deps.clock.advance(31 * 60_000);
    try {
      const late = await resetWith(second, { password: NEW_PASSWORD });
      expect(late.res.status).toBe(404);
      expect(late.res.text).toContain(en.reset.invalid);
    } finally {
      t.deps.clock.advance(-31 * 60_000);
    }
    // Made-up links read exactly like spent ones.
    const made = await request(t.baseUrl).get(`/reset/${'A'.repeat(43)}`);
    const spent = await request(t.baseUrl).get(first);
    expect(made.status).toBe(404);
    expect(made.text.replace(/nonce="[^"]*"|content="[^"]*"/g, '')).toBe(
      spent.text.replace(/nonce="[^"]*"|content="[^"]*"/g, ''),
    );
  });

  it('with two-step sign-in on, a code from the app or a recovery code is needed too', async () => {
    const user = await createUser();
    const secret = await enableTotp(user._id);
    await User.updateOne(
      { _id: user._id },
      { $set: { 'totp.recoveryCodeHashes': [hashRecoveryCode('ABCD-EFGH-JKLM')] } },
    );
    await askForLink(user.email);
    const path = lastLink(user.email);
    const page = await request(t.baseUrl).get(path);
    expect(page.text).toContain('name="code"');
    // With a second factor, 8 characters are enough (NIST 800-63B-4).
    const shorter = 'eight ch';
    const none = await resetWith(path, { password: shorter });
    expect(none.res.status).toBe(422);
    expect(none.res.text).toContain(en.auth.codeInvalid);
    const wrong = await resetWith(path, { password: shorter, code: '000000' });
    expect(wrong.res.status).toBe(422);

    const code = generateSync({
      secret,
      epoch: Math.floor(t.deps.clock.now().getTime() / 1000),
    });
    const done = await resetWith(path, { password: shorter, code });
    expect(done.res.status).toBe(303);
    const stored = await User.findById(user._id).lean();
    expect(stored?.sessionEpoch).toBe(1);

    // Once more with a recovery code (a new link: the first one is spent).
    await askForLink(user.email);
    const byRecovery = await resetWith(lastLink(user.email), {
      password: NEW_PASSWORD,
      code: 'ABCD-EFGH-JKLM',
    });
    expect(byRecovery.res.status).toBe(303);
  });
});
