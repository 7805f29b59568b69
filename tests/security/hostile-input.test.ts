import { readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import ts from 'typescript';
import { Membership, Post, User } from '../../models';
import { allHandlers } from '../../server/sockets/handlers';
import { applyServerLimits, SERVER_LIMITS } from '../../server/http/server-limits';
import { MAX_BODY } from '../../server/schemas/posts';
import { screen } from '../../server/services/screening';
import { actorFor, addMember, createGroup, createUser, TEST_PASSWORD } from '../helpers/factories';
import {
  csrfFrom,
  enableTotp,
  signIn,
  socketFor,
  startTestApp,
  type TestApp,
} from '../helpers/test-app';

/**
 * Hostile input: NoSQL operators, dotted keys and prototype keys never authenticate, redeem or
 * widen a result; oversized and deeply nested bodies are refused; no regular expression that sees
 * user input can be made to backtrack; the server has header and request timeouts; the embedded
 * engine refuses server-side JavaScript.
 */
const ROOT = path.resolve(__dirname, '..', '..');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ name: 'security-hostile-input' });
});
afterAll(async () => {
  await t.close();
});

const OPERATORS: unknown[] = [
  { $ne: null },
  { $ne: '' },
  { $gt: '' },
  { $regex: '.*' },
  { $where: 'return true' },
  { $expr: { $eq: [1, 1] } },
  { $in: [null, ''] },
  { 'a.b': 1 },
  { __proto__: { polluted: 'yes' } },
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  { constructor: { prototype: { polluted: 'yes' } } },
  ['x', { $ne: null }],
];

function prototypeSnapshot(): string {
  return JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort());
}

async function anonymous() {
  const agent = request.agent(t.baseUrl);
  const csrf = csrfFrom((await agent.get('/login')).text);
  return { agent, csrf };
}

describe('NoSQL operators and prototype keys', () => {
  const before = prototypeSnapshot();
  afterAll(() => {
    expect(prototypeSnapshot()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never sign anyone in (JSON, form brackets and query strings)', async () => {
    const victim = await createUser();
    for (const payload of OPERATORS) {
      for (const fields of [
        { email: payload, password: payload },
        { email: victim.email, password: payload },
        { email: payload, password: TEST_PASSWORD },
      ]) {
        await mongoose.connection.collection('rate_limits').deleteMany({});
        const { agent, csrf } = await anonymous();
        const res = await agent
          .post('/login')
          .set('x-csrf-token', csrf)
          .set('Accept', 'application/json')
          .type('json')
          .send(JSON.stringify({ ...fields }));
        expect(res.status).not.toBe(303);
        expect(res.status).toBeLessThan(500);
        const home = await agent.get('/account').redirects(0);
        expect(home.status).toBe(303);
      }
    }
    // Bracket syntax in forms and query strings is not turned into operators.
    const { agent, csrf } = await anonymous();
    const form = await agent
      .post('/login?email[$ne]=x')
      .type('form')
      .send(`_csrf=${csrf}&email[$ne]=x&password[$ne]=x&email.$ne=1`);
    expect(form.status).not.toBe(303);
    expect((await agent.get('/account').redirects(0)).status).toBe(303);
  });

  it('never send a reset link for someone else, nor reset a password by a forged link', async () => {
    const victim = await createUser();
    const mails = () => t.deps.mailer.sent.filter((m) => m.to === victim.email).length;
    const before = mails();
    const stored = (await User.findById(victim._id).lean())?.passwordHash;
    for (const payload of OPERATORS) {
      await mongoose.connection.collection('rate_limits').deleteMany({});
      const { agent, csrf } = await anonymous();
      const ask = await agent
        .post('/login/forgot')
        .set('x-csrf-token', csrf)
        .type('json')
        .send(JSON.stringify({ email: payload }));
      expect(ask.status).toBeLessThan(500);
      const token = encodeURIComponent(JSON.stringify(payload));
      const reset = await agent
        .post(`/reset/${token}`)
        .set('x-csrf-token', csrf)
        .type('json')
        .send(JSON.stringify({ password: 'a brand new long passphrase', code: payload }));
      expect(reset.status).toBeLessThan(500);
      expect(reset.status).not.toBe(303);
    }
    expect(mails()).toBe(before);
    expect((await User.findById(victim._id).lean())?.passwordHash).toBe(stored);
  });

  it('never redeem an invitation or submit a widened join request', async () => {
    const group = await createGroup();
    const advocate = await createUser();
    await addMember(advocate, group, ['member', 'advocate']);
    await t.services.invitations.createInvitation(actorFor(advocate), group.slug, {
      kind: 'link',
      maxUses: '5',
      days: '7',
      email: '',
    });
    const members = await Membership.countDocuments({ group: group._id });
    const users = await User.countDocuments({});
    for (const payload of OPERATORS) {
      await mongoose.connection.collection('rate_limits').deleteMany({});
      const { agent, csrf } = await anonymous();
      const token = encodeURIComponent(JSON.stringify(payload));
      const res = await agent
        .post(`/invitations/${token}`)
        .set('x-csrf-token', csrf)
        .type('json')
        .send(
          JSON.stringify({
            email: payload,
            displayName: payload,
            password: payload,
            accept: payload,
            confirmAge: payload,
          }),
        );
      expect(res.status).toBeLessThan(500);
      expect(res.status).not.toBe(303);
      const join = await agent
        .post(`/g/${group.slug}`)
        .set('x-csrf-token', csrf)
        .type('json')
        .send(JSON.stringify({ email: payload, answer: payload, questionId: payload }));
      expect(join.status).toBeLessThan(500);
    }
    expect(await Membership.countDocuments({ group: group._id })).toBe(members);
    expect(await User.countDocuments({})).toBe(users);
  });

  it('are refused by moderation routes and every socket event, never widening a result', async () => {
    const group = await createGroup();
    const moderator = await createUser();
    const author = await createUser();
    await addMember(moderator, group, ['member', 'moderator']);
    await addMember(author, group, ['member']);
    const res = await t.services.posts.submitPost(actorFor(author), {
      group: group.slug,
      body: 'Hostile-input test post',
      idempotencyKey: 'hostile-input-0001',
      acknowledgedFindings: true,
    });
    if (res.status !== 'stored') throw new Error('not stored');
    const secretKey = await enableTotp(moderator._id);
    const agent = await signIn(t.baseUrl, moderator.email, TEST_PASSWORD, {
      secret: secretKey,
      clock: t.deps.clock,
    });
    for (const payload of OPERATORS) {
      const approve = await agent
        .post(`/g/${group.slug}/queue/${res.post.id}/approve`)
        .set('x-csrf-token', agent.csrf())
        .type('json')
        .send(JSON.stringify({ version: payload }));
      expect(approve.status).toBeGreaterThanOrEqual(400);
      expect(approve.status).toBeLessThan(500);
    }
    const socket = await socketFor(agent);
    try {
      for (const handler of allHandlers) {
        for (const payload of OPERATORS) {
          for (const shape of [
            payload,
            { group: payload, groupId: payload, postId: payload, body: payload, version: payload },
            { group: group.slug, groupId: String(group._id), postId: payload, afterSeq: payload },
          ]) {
            await mongoose.connection.collection('rate_limits').deleteMany({});
            const ack = await new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
              socket.emit(handler.event, shape, resolve),
            );
            // Only the well-formed fields of the last shape may pass (the moderator's own group);
            // notifications:mark_read without usable ids marks the caller's own as read.
            if (ack.ok) {
              expect([
                'notifications:mark_read',
                'review:queue',
                'posts:catch_up',
                'posts:mark_read',
              ]).toContain(handler.event);
            } else {
              expect(ack.error?.code).not.toBe('internal');
            }
          }
        }
      }
    } finally {
      socket.close();
    }
    expect(await Post.findById(res.post.id).lean()).toMatchObject({ status: 'pending' });
  }, 60_000);
});

describe('size and shape limits', () => {
  it('answers 413 to oversized form and JSON bodies and refuses deep nesting quickly', async () => {
    const { agent, csrf } = await anonymous();
    const form = await agent
      .post('/login')
      .type('form')
      .send(`_csrf=${csrf}&email=${'a'.repeat(300_000)}`);
    expect(form.status).toBe(413);
    // 50,000 levels of nesting: refused with 400, not parsed into a stack overflow.
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const nested = await agent
      .post('/login')
      .set('x-csrf-token', csrf)
      .set('Accept', 'application/json')
      .type('json')
      .send(deep);
    expect([400, 413]).toContain(nested.status);
  });

  it('drops a socket message over the 64 kB limit', async () => {
    const user = await createUser();
    const agent = await signIn(t.baseUrl, user.email, TEST_PASSWORD);
    const socket = await socketFor(agent);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    socket.emit('post:submit', { body: 'x'.repeat(200_000) });
    expect(await closed).toMatch(/transport (close|error)/);
  });

  it('sets header and request timeouts on the HTTP server', () => {
    const server = http.createServer();
    applyServerLimits(server);
    expect(server.headersTimeout).toBe(SERVER_LIMITS.headersTimeout);
    expect(server.requestTimeout).toBe(SERVER_LIMITS.requestTimeout);
    expect(server.headersTimeout).toBeLessThanOrEqual(30_000);
    expect(server.requestTimeout).toBeGreaterThan(0);
    expect(readFileSync(path.join(ROOT, 'server/main.ts'), 'utf8')).toMatch(
      /applyServerLimits\(server\)/,
    );
  });
});

/** Every regular-expression literal in the server code (the engine's own parser excluded). */
function serverRegexes(): Array<{ where: string; regex: RegExp }> {
  const found: Array<{ where: string; regex: RegExp }> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) {
        if (!full.includes(path.join('database', 'embedded'))) walk(full);
      } else if (name.endsWith('.ts')) {
        const source = readFileSync(full, 'utf8');
        const file = ts.createSourceFile(full, source, ts.ScriptTarget.Latest, true);
        const visit = (node: ts.Node) => {
          if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
            const text = node.getText(file);
            const end = text.lastIndexOf('/');
            const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
            found.push({
              where: `${path.relative(ROOT, full)}:${line + 1}`,
              regex: new RegExp(text.slice(1, end), text.slice(end + 1).replace(/[gy]/g, '')),
            });
          }
          ts.forEachChild(node, visit);
        };
        visit(file);
      }
    }
  };
  walk(path.join(ROOT, 'server'));
  return found;
}

/** 100 kB strings built to make backtracking regexes explode (repeats with a failing tail). */
function adversarialInputs(): string[] {
  const n = 100_000;
  const unit = (s: string) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
  return [
    unit('a'),
    unit('a') + '!',
    unit(' ') + 'x',
    unit('\t\n'),
    unit('a.') + '@',
    unit('a@'),
    unit('@a.') + '\u0000',
    unit('-a') + '.',
    unit('1'),
    unit('1_') + 'z',
    unit('<a '),
    unit('http://a'),
    unit('aa.com '),
    unit('x.jpg'),
    unit('!['),
    unit('é😀'),
    unit('\u202e'),
  ];
}

/**
 * Milliseconds for `fn`, the fastest of up to three tries: catastrophic backtracking is slow
 * every time, while a busy shared machine only slows a single try.
 */
function fastestOf3(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3 && best >= 50; i++) {
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

describe('regular expressions on user input (ReDoS guard)', () => {
  it('every regex in the server code finishes each 100 kB adversarial string in under 50 ms', () => {
    const regexes = serverRegexes();
    expect(regexes.length).toBeGreaterThan(20);
    const slow: unknown[] = [];
    for (const input of adversarialInputs()) {
      for (const { where, regex } of regexes) {
        const ms = fastestOf3(() => regex.test(input));
        if (ms >= 50) slow.push({ where, regex: String(regex).slice(0, 80), ms });
      }
    }
    expect(slow).toEqual([]);
  });

  it('screening (every rule and the profanity matcher) handles the largest accepted body in under 50 ms', () => {
    const slow: unknown[] = [];
    // The body schema accepts at most MAX_BODY * 2 characters before trimming.
    for (const input of adversarialInputs().map((s) => s.slice(0, MAX_BODY * 2))) {
      const ms = fastestOf3(() => screen(input));
      if (ms >= 50) slow.push({ input: input.slice(0, 12), ms });
    }
    expect(slow).toEqual([]);
  });
});

describe('the embedded engine', () => {
  it('refuses $where, $function, $accumulator and mapReduce', async () => {
    const db = mongoose.connection.db!;
    const coll = db.collection('hostile_engine');
    await coll.insertOne({ x: 1 });
    await expect(coll.find({ $where: 'true' }).toArray()).rejects.toThrow();
    await expect(
      coll
        .aggregate([{ $project: { y: { $function: { body: 'x', args: [], lang: 'js' } } } }])
        .toArray(),
    ).rejects.toThrow();
    await expect(
      coll
        .aggregate([
          {
            $group: {
              _id: null,
              z: {
                $accumulator: {
                  init: 'function(){return 0}',
                  accumulate: 'function(s){return s}',
                  accumulateArgs: [],
                  merge: 'function(a){return a}',
                  lang: 'js',
                },
              },
            },
          },
        ])
        .toArray(),
    ).rejects.toThrow();
    await expect(
      db.command({ mapReduce: 'hostile_engine', map: 'function(){}', reduce: 'function(){}' }),
    ).rejects.toThrow();
  });
});
