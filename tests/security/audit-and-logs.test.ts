import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import request from 'supertest';
import { AuditEvent } from '../../models';
import { createLogger } from '../../server/logger';
import { recordAudit } from '../../server/services/audit';
import { testDatabaseUri } from '../helpers/db';
import { testDeps } from '../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { confirmationToken } from '../helpers/invitations';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type TestApp,
} from '../helpers/test-app';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run audit:verify`'s script against one database. */
function auditVerify(uri: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        MONGODB_URI: uri,
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'harbour-audit-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run audit:verify', () => {
  const uri = testDatabaseUri('security-audit-verify');
  beforeAll(async () => {
    await mongoose.connect(uri);
    const deps = testDeps();
    for (let i = 0; i < 5; i++) {
      await recordAudit(deps, {
        key: `verify-test-${i}`,
        action: 'membership.removed',
        actor: new mongoose.Types.ObjectId(),
        group: new mongoose.Types.ObjectId(),
        targetType: 'membership',
        targetId: new mongoose.Types.ObjectId(),
        reason: `Reason ${i}`,
      });
    }
  });
  afterAll(async () => {
    await mongoose.disconnect();
  });

  it('passes an intact trail, then names the first edited or removed event', async () => {
    const intact = await auditVerify(uri);
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.out).toMatch(/intact: 5 events/);

    // Someone with database access rewrites a reason: the chain no longer matches.
    await AuditEvent.updateOne({ seq: 3 }, { $set: { reason: 'Nothing happened' } });
    const edited = await auditVerify(uri);
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/BROKEN at sequence 3/);

    // Deleting an event (and restoring nothing) is caught too.
    await AuditEvent.deleteOne({ seq: 2 });
    const removed = await auditVerify(uri);
    expect(removed.code).toBe(1);
    expect(removed.out).toMatch(/BROKEN at sequence 2/);
  }, 60_000);
});

describe('logs', () => {
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      name: 'security-log-canaries',
      log: createLogger({ logLevel: 'debug', instanceId: 'test' }, capture),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('hold none of the passwords, tokens, post texts, names or e-mails of a full flow', async () => {
    const tag = randomBytes(4).toString('hex');
    const canary = {
      email: `canary.mail.${tag}@example.test`,
      password: `Canary-Password-${tag}-long`,
      wrongPassword: `Canary-Wrong-${tag}-long`,
      name: `CanaryName${tag}`,
      body: `CanaryBody${tag} how is everyone doing today`,
      socketBody: `CanarySocket${tag} feeling better`,
      note: `CanaryNote${tag}`,
      joinEmail: `canary.join.${tag}@example.test`,
      answer: `CanaryAnswer${tag}`,
      newEmail: `canary.new.${tag}@example.test`,
      newPassword: `Canary-New-Password-${tag}`,
      newName: `CanaryNewcomer${tag}`,
      resetPassword: `Canary-Reset-Password-${tag}`,
    };
    const group = await createGroup({ questions: [{ questionId: 'q1', text: 'Why?' }] } as never);
    const member = await createUser({
      email: canary.email,
      password: canary.password,
      displayName: canary.name,
    });
    const moderator = await createUser();
    await addMember(member, group, ['member']);
    await addMember(moderator, group, ['member', 'moderator', 'advocate']);

    // A failed and a successful sign-in.
    const visitor = request.agent(t.baseUrl);
    const csrf = csrfFrom((await visitor.get('/login')).text);
    await visitor
      .post('/login')
      .type('form')
      .send({ _csrf: csrf, email: canary.email, password: canary.wrongPassword });
    const agent = await signIn(t.baseUrl, canary.email, canary.password);

    // A post over HTTP and one over the socket; the moderator rejects one with a note.
    await agent
      .post(`/g/${group.slug}/conversation`)
      .type('form')
      .send({ _csrf: agent.csrf(), body: canary.body, idempotencyKey: `log-${tag}-1` });
    const socket = await socketFor(agent);
    const ack = await new Promise<{ ok: boolean; data?: { post?: { id: string } } }>((resolve) =>
      socket.emit(
        'post:submit',
        { group: String(group._id), body: canary.socketBody, idempotencyKey: `log-${tag}-2` },
        resolve,
      ),
    );
    socket.close();
    expect(ack.ok).toBe(true);
    const secret = await enableTotp(moderator._id);
    const staff = await signIn(t.baseUrl, moderator.email, 'correct horse battery staple', {
      secret,
      clock: t.deps.clock,
    });
    await staff
      .post(`/g/${group.slug}/queue/${ack.data?.post?.id}/reject`)
      .type('form')
      .send({ _csrf: staff.csrf(), version: '1', ruleId: 'r-kind', note: canary.note });

    // An invitation redeemed by a newcomer (the token travels in the URL), a join request.
    const { token } = await t.services.invitations.createInvitation(
      actorFor(moderator),
      group.slug,
      { kind: 'link', maxUses: '2', days: '7', email: '' },
    );
    const newcomer = request.agent(t.baseUrl);
    const page = await newcomer.get(`/invitations/${token}`);
    await newcomer
      .post(`/invitations/${token}`)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        email: canary.newEmail,
        displayName: canary.newName,
        password: canary.newPassword,
        confirmAge: 'on',
        accept: ['terms', 'privacy', 'rules', 'disclaimer'],
      });
    // The newcomer's confirmation link, and a password reset link, travel in URLs too.
    const confirm = confirmationToken(t.deps.mailer, canary.newEmail);
    const confirmPage = await newcomer.get(`/invitations/confirm/${confirm}`);
    const joined = await newcomer
      .post(`/invitations/confirm/${confirm}`)
      .type('form')
      .send({ _csrf: csrfFrom(confirmPage.text) });
    expect(joined.headers.location).toBe('/login');
    const forgetful = request.agent(t.baseUrl);
    const forgot = await forgetful.get('/login/forgot');
    await forgetful
      .post('/login/forgot')
      .type('form')
      .send({ _csrf: csrfFrom(forgot.text), email: canary.email });
    const resetMail = t.deps.mailer.sent.filter((m) => m.to === canary.email).at(-1);
    const reset = /\/reset\/([A-Za-z0-9_-]{43})/.exec(resetMail?.text ?? '')?.[1] ?? 'missing';
    const resetPage = await forgetful.get(`/reset/${reset}`);
    const changed = await forgetful
      .post(`/reset/${reset}`)
      .type('form')
      .send({ _csrf: csrfFrom(resetPage.text), password: canary.resetPassword });
    expect(changed.headers.location).toBe('/login');
    await newcomer.get(`/no-such-page/${token}`);
    const outsider = request.agent(t.baseUrl);
    const publicPage = await outsider.get(`/g/${group.slug}`);
    await outsider
      .post(`/g/${group.slug}`)
      .type('form')
      .send({
        _csrf: csrfFrom(publicPage.text),
        email: canary.joinEmail,
        confirmAge: 'on',
        questionId: 'q1',
        answer: canary.answer,
      });
    await agent.post('/logout').type('form').send({ _csrf: agent.csrf() });

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    expect(reset).not.toBe('missing');
    const found = [...Object.values(canary), token, secret, confirm, reset].filter((c) =>
      log.toLowerCase().includes(c.toLowerCase()),
    );
    expect(found).toEqual([]);
  }, 60_000);
});
