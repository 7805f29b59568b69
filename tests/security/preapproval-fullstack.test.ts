import fc from 'fast-check';
import mongoose from 'mongoose';
import type { Socket as ClientSocket } from 'socket.io-client';
import {
  Consent,
  NOTIFICATION_KINDS,
  NotificationSettings,
  Post,
  type GroupDoc,
} from '../../models';
import { currentSiteVersions } from '../../server/services/documents';
import { actorFor, addMember, createGroup, TEST_PASSWORD } from '../helpers/factories';
import {
  signIn,
  socketFor,
  startTestApp,
  type SignedInAgent,
  type TestApp,
} from '../helpers/test-app';
import { anonymousAgent, createPeople, type AnonymousAgent, type People } from './helpers/roles';

/**
 * The pre-approval invariant through the whole stack (issue 12, item 2): generated sequences of
 * submit, reply, edit, resubmit, withdraw, approve, reject, hide, restore and reconnect, run
 * against the real HTTP app (sessions, CSRF, forms) and real Socket.IO clients, by the author and
 * a moderator of group A, each command through a form or a socket event. Spies in every other role
 * hold live sockets (reconnecting with catch-up from their last sequence number) and read pages.
 *
 * After every step (once live delivery has settled) no spy has received, live, a text that is
 * not published: pending, rejected, withdrawn, an earlier version of an edited post, or the text
 * of a post hidden since. Spies outside A receive no text of A at all. One spy per step, and every
 * spy at the end of each run, also reads the conversation page, its JSON and catch-up APIs, the
 * notifications page, the home and group pages, the queue (refused) and, for the administrator,
 * the outbox and audit pages; e-mails are read at the end of each run and one spy's data export
 * is prepared in the background and downloaded. Every text is a unique canary, so a substring
 * search over everything a spy saw is the whole check.
 *
 * The service-level model (preapproval-model.test.ts) runs 1,000 sequences; this one costs about
 * a second per run, so `npm test` runs 20 (plus two walk-throughs that take every command through
 * both doors). HARBOUR_MODEL_RUNS sets the number (`npm run test:model`: 250); a failure prints
 * fast-check's seed and path, replayed with HARBOUR_MODEL_SEED and HARBOUR_MODEL_PATH.
 */
const RUNS = Number(process.env.HARBOUR_MODEL_RUNS ?? 20);
const REPLAY = process.env.HARBOUR_MODEL_SEED
  ? { seed: Number(process.env.HARBOUR_MODEL_SEED), path: process.env.HARBOUR_MODEL_PATH }
  : {};

/** Inside A and allowed to read its published conversation (not pending posts). */
const INSIDERS = ['member', 'advocate', 'muted'] as const;
/** May not see inside A at all. */
const OUTSIDERS = [
  'nonMember',
  'otherMember',
  'moderatorElsewhere',
  'admin',
  'suspended',
  'removed',
] as const;
const SPIES = [...INSIDERS, ...OUTSIDERS] as const;
type Spy = (typeof SPIES)[number];
/** Everyone holding a socket: the spies, the author and A's moderator. */
type Holder = Spy | 'author' | 'moderator';
type Via = 'socket' | 'form';

let t: TestApp;
let people: People;
let anonymous: AnonymousAgent;
let group: GroupDoc;
let authorAgent: SignedInAgent;
/** The member's published post, which the author may reply to (the member is then told). */
let seed: { id: string; text: string };
const agents = {} as Record<Holder, SignedInAgent>;

/** One live connection per person at a time (none while offline); its log survives reconnects. */
interface Live {
  socket: ClientSocket | null;
  log: string[];
  /** How much of the log the step checks have looked at. */
  checked: number;
  lastSeq: number;
}
const live = new Map<Holder, Live>();

/**
 * Every text ever written (by its marker), those that were the body of an approved post at some
 * moment, and those of posts hidden now. Checks look for markers, so they stay linear in what a
 * spy saw however many texts the runs wrote.
 */
const written = new Map<string, string>();
const published = new Set<string>();
const hiddenNow = new Set<string>();
/**
 * The texts of the current run. Checks during a run look at these only, so a failure belongs to
 * the run's own commands and shrinks to a short readable sequence; the last test looks at all.
 */
let runTexts = new Set<string>();
/** Published texts the member found on pages (the page checks are not looking at nothing). */
let publishedOnMemberPages = 0;
let counter = 0;
let stepReader = 0;
const succeeded = new Map<string, number>();
let refused = 0;

type Status = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'hidden';
interface ModelPost {
  id: string;
  status: Status;
  reply: boolean;
  text: string;
}
interface Model {
  posts: ModelPost[];
}

const MARKER = /k\d+x\d+q/g;
function newText(): string {
  counter += 1;
  const marker = `k${process.pid}x${counter}q`;
  const text = `Canary week note ${counter} ${marker}`;
  written.set(marker, text);
  runTexts.add(text);
  return text;
}

/** The written texts whose marker occurs in what someone saw. */
function textsIn(haystack: string): string[] {
  const texts = new Set<string>();
  for (const match of haystack.matchAll(MARKER)) {
    const text = written.get(match[0]);
    if (text) texts.add(text);
  }
  return [...texts];
}

const slug = () => group.slug;
const form = (agent: SignedInAgent, path: string, fields: Record<string, unknown>) =>
  agent
    .post(path)
    .redirects(0)
    .type('form')
    .send({ ...fields, _csrf: agent.csrf() });

type Ack = { ok: boolean; data?: unknown; error?: { code: string } };
function emit(who: Holder, event: string, payload: unknown): Promise<Ack> {
  const socket = live.get(who)?.socket;
  if (!socket) throw new Error(`${who} is offline`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${event}: no answer`)), 10_000);
    socket.emit(event, payload, (ack: Ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

/** Opens a person's socket and catches up from their last sequence number, as the client does. */
async function connect(who: Holder): Promise<void> {
  const previous = live.get(who);
  previous?.socket?.close();
  const socket = await socketFor(agents[who]);
  const state: Live = previous ?? { socket, log: [], checked: 0, lastSeq: 0 };
  state.socket = socket;
  socket.onAny((event: string, ...args: unknown[]) => {
    state.log.push(`${event} ${JSON.stringify(args)}`);
    const seq = (args[0] as { seq?: unknown } | undefined)?.seq;
    if (event === 'post:published' && typeof seq === 'number') {
      state.lastSeq = Math.max(state.lastSeq, seq);
    }
  });
  live.set(who, state);
  const ack = await emit(who, 'posts:catch_up', { groupId: slug(), afterSeq: state.lastSeq });
  state.log.push(`catch_up ${JSON.stringify(ack)}`);
  const lastSeq = (ack.data as { lastSeq?: number } | undefined)?.lastSeq;
  if (ack.ok && typeof lastSeq === 'number') state.lastSeq = lastSeq;
}

/**
 * Live delivery is complete: the services' events have been turned into emits, and a round trip
 * on every socket (an undeclared event is answered at once) proves the emits before it arrived.
 */
async function settle(): Promise<void> {
  await t.deps.events.settled();
  await Promise.all(
    [...live.values()].map(
      (l) =>
        new Promise<void>((resolve) =>
          l.socket ? l.socket.emit('model:barrier', () => resolve()) : resolve(),
        ),
    ),
  );
}

const isOutsider = (who: Spy | 'anonymous') =>
  who === 'anonymous' || (OUTSIDERS as readonly string[]).includes(who);

/**
 * The texts in what a spy saw that they may not see now: outsiders no text of A at all; people
 * in A none that was never published, nor that of a post hidden now. `scope` limits the check to
 * some texts (a run's own).
 */
function leaksFor(who: Spy | 'anonymous', haystack: string, scope?: Set<string>): string[] {
  const texts = textsIn(haystack).filter((text) => !scope || scope.has(text));
  if (isOutsider(who)) return texts;
  return texts.filter((text) => !published.has(text) || hiddenNow.has(text));
}

/** This run's texts, and for outsiders also the member's published post. */
const runScope = (who: Spy | 'anonymous') =>
  isOutsider(who) ? new Set([...runTexts, seed.text]) : runTexts;

/** What a person sees on the pages and APIs that could carry post texts. */
async function readSurfaces(who: Spy | 'anonymous', full: boolean): Promise<string> {
  const agent = who === 'anonymous' ? anonymous : agents[who];
  const paths = [
    `/g/${slug()}/conversation`,
    `/api/groups/${slug()}/posts/since?after=0`,
    ...(full
      ? [
          `/api/groups/${slug()}/posts`,
          '/notifications',
          '/api/unread',
          '/',
          `/g/${slug()}`,
          `/g/${slug()}/queue`,
          `/api/groups/${slug()}/queue`,
          ...(who === 'admin' ? ['/admin/outbox', '/admin/audit/browse', '/admin/insights'] : []),
        ]
      : []),
  ];
  const parts: string[] = [];
  for (const path of paths) {
    const res = await agent.get(path).redirects(0);
    if (res.status >= 500) throw new Error(`${path} answered ${res.status} to ${who}`);
    parts.push(`${path} ${res.status} ${res.text ?? ''}`);
  }
  const text = parts.join('\n');
  if (who === 'member') {
    publishedOnMemberPages += textsIn(text).filter((x) => published.has(x)).length;
  }
  return text;
}

/** After every command: live deliveries to every spy, and one spy's pages. */
async function checkStep(step: string): Promise<void> {
  await settle();
  const problems: unknown[] = [];
  for (const who of SPIES) {
    const l = live.get(who)!;
    const fresh = l.log.slice(l.checked).join('\n');
    l.checked = l.log.length;
    const leaked = leaksFor(who, fresh, runScope(who));
    if (leaked.length) problems.push({ step, who, live: leaked });
  }
  await mongoose.connection.collection('rate_limits').deleteMany({});
  const who = SPIES[stepReader++ % SPIES.length]!;
  const leaked = leaksFor(who, await readSurfaces(who, false), runScope(who));
  if (leaked.length) problems.push({ step, who, pages: leaked });
  expect(problems).toEqual([]);
}

async function dbPost(id: string) {
  // The test's own view of the truth (no member read): status, body, version.
  return Post.findById(id).select({ status: 1, body: 1, version: 1 }).lean();
}

/** What the model says a command must do to a post in this state. */
function allowed(k: string, status: Status | undefined): boolean {
  switch (k) {
    case 'edit':
    case 'approve':
    case 'reject':
      return status === 'pending';
    case 'withdraw':
      return status === 'pending' || status === 'rejected';
    case 'resubmit':
      return status === 'rejected';
    case 'reply':
    case 'hide':
      return status === 'approved';
    case 'restore':
      return status === 'hidden';
    default:
      return true;
  }
}

function count(k: string, via: Via | '' = ''): void {
  const key = via ? `${k} by ${via}` : k;
  succeeded.set(key, (succeeded.get(key) ?? 0) + 1);
}

type Cmd = fc.AsyncCommand<Model, object>;

class Submit implements Cmd {
  constructor(readonly via: Via) {}
  check = () => true;
  async run(m: Model): Promise<void> {
    await mongoose.connection.collection('rate_limits').deleteMany({});
    const text = newText();
    const key = `fullstack-${process.pid}-${counter}`;
    let id: string;
    if (this.via === 'socket') {
      const ack = await emit('author', 'post:submit', {
        group: slug(),
        body: text,
        idempotencyKey: key,
        acknowledgedFindings: true,
      });
      const data = ack.data as { status?: string; post?: { id: string } } | undefined;
      expect({ ok: ack.ok, status: data?.status }).toEqual({ ok: true, status: 'stored' });
      id = data!.post!.id;
    } else {
      const res = await form(authorAgent, `/g/${slug()}/conversation`, {
        body: text,
        idempotencyKey: key,
        acknowledgedFindings: 'on',
      });
      expect(res.status).toBe(303);
      id = /#post-([0-9a-f]{24})$/.exec(String(res.headers.location))?.[1] ?? '';
    }
    expect(await dbPost(id)).toMatchObject({ status: 'pending', body: text });
    m.posts.push({ id, status: 'pending', reply: false, text });
    count('submit', this.via);
    await checkStep(this.toString());
  }
  toString = () => `submit(${this.via})`;
}

/**
 * A command on the i-th post of the run (replies: of the member's post and the run's posts).
 * "Fitting" commands count only the posts the model allows the command on (if there are any),
 * so most commands take effect; the others also try what must be refused.
 */
class OnPost implements Cmd {
  constructor(
    readonly k:
      'reply' | 'edit' | 'resubmit' | 'withdraw' | 'approve' | 'reject' | 'hide' | 'restore',
    readonly i: number,
    readonly via: Via,
    readonly fitting = true,
  ) {}
  check = (m: Readonly<Model>) => this.k === 'reply' || m.posts.length > 0;
  toString = () => `${this.k}(${this.fitting ? 'fitting ' : ''}#${this.i}, ${this.via})`;

  private fits(post: ModelPost): boolean {
    return allowed(this.k, post.status) && !(this.k === 'reply' && post.reply);
  }

  async run(m: Model): Promise<void> {
    await mongoose.connection.collection('rate_limits').deleteMany({});
    const seedPost: ModelPost = { id: seed.id, status: 'approved', reply: false, text: seed.text };
    const all = this.k === 'reply' ? [seedPost, ...m.posts] : m.posts;
    const fitting = all.filter((p) => this.fits(p));
    const choices = this.fitting && fitting.length > 0 ? fitting : all;
    const post = choices[this.i % choices.length]!;
    const before = await dbPost(post.id);
    const version = before?.version ?? 1;
    const expectOk = this.fits(post);
    const text = ['reply', 'edit', 'resubmit'].includes(this.k) ? newText() : null;
    const { ok, replyId } = await this.perform(post, version, text);
    expect({ cmd: this.toString(), ok }).toEqual({ cmd: this.toString(), ok: expectOk });
    if (!ok) refused += 1;
    if (ok) {
      switch (this.k) {
        case 'reply':
          m.posts.push({ id: replyId!, status: 'pending', reply: true, text: text! });
          break;
        case 'edit':
          post.text = text!;
          break;
        case 'resubmit':
          post.text = text!;
          post.status = 'pending';
          break;
        case 'withdraw':
          post.status = 'withdrawn';
          break;
        case 'approve':
          post.status = 'approved';
          published.add(post.text);
          break;
        case 'reject':
          post.status = 'rejected';
          break;
        case 'hide':
          post.status = 'hidden';
          hiddenNow.add(post.text);
          break;
        case 'restore':
          post.status = 'approved';
          hiddenNow.delete(post.text);
          break;
      }
      count(this.k, this.via);
    }
    // The stored post is what the model says, whichever way the command went.
    expect({ cmd: this.toString(), post: await dbPost(post.id) }).toMatchObject({
      cmd: this.toString(),
      post: { status: post.status, body: post.text },
    });
    await checkStep(this.toString());
  }

  /** Runs the command as a person would; whether it took effect (and a new reply's id). */
  private async perform(
    post: ModelPost,
    version: number,
    text: string | null,
  ): Promise<{ ok: boolean; replyId?: string }> {
    const base = `/g/${slug()}`;
    const sock = this.via === 'socket';
    const rule = { ruleId: 'r-kind', note: 'Please look at the group rules' };
    let ack: Ack | null = null;
    let res: { status: number } | null = null;
    switch (this.k) {
      case 'reply': {
        const key = `fullstack-${process.pid}-${counter}`;
        if (sock) {
          ack = await emit('author', 'post:submit', {
            group: slug(),
            parentId: post.id,
            body: text,
            idempotencyKey: key,
            acknowledgedFindings: true,
          });
        } else {
          res = await form(authorAgent, `${base}/conversation`, {
            parentId: post.id,
            body: text,
            idempotencyKey: key,
            acknowledgedFindings: 'on',
          });
        }
        const reply = await Post.findOne({ idempotencyKey: key }).select({ _id: 1 }).lean();
        if (sock) expect(ack?.ok ?? false).toBe(reply !== null);
        expect(res?.status ?? 0).toBeLessThan(500);
        return reply ? { ok: true, replyId: String(reply._id) } : { ok: false };
      }
      case 'edit':
      case 'resubmit':
        if (sock) {
          ack = await emit('author', this.k === 'edit' ? 'post:edit' : 'post:resubmit', {
            postId: post.id,
            body: text,
            version,
            acknowledgedFindings: true,
          });
        } else {
          res = await form(authorAgent, `${base}/posts/${post.id}/edit`, {
            body: text,
            version,
            acknowledgedFindings: 'on',
            ...(this.k === 'resubmit' ? { mode: 'resubmit' } : {}),
          });
        }
        break;
      case 'withdraw':
        if (sock) ack = await emit('author', 'post:withdraw', { postId: post.id, version });
        else res = await form(authorAgent, `${base}/posts/${post.id}/withdraw`, {});
        break;
      case 'approve':
        if (sock) ack = await emit('moderator', 'review:approve', { postId: post.id, version });
        else res = await form(agents.moderator, `${base}/queue/${post.id}/approve`, { version });
        break;
      case 'reject':
        if (sock) {
          ack = await emit('moderator', 'review:reject', { postId: post.id, version, ...rule });
        } else {
          res = await form(agents.moderator, `${base}/queue/${post.id}/reject`, {
            version,
            ...rule,
          });
        }
        break;
      case 'hide':
        if (sock) ack = await emit('moderator', 'post:hide', { postId: post.id, version, ...rule });
        else {
          res = await form(agents.moderator, `${base}/posts/${post.id}/hide`, { version, ...rule });
        }
        break;
      case 'restore':
        if (sock) ack = await emit('moderator', 'post:restore', { postId: post.id, version });
        else res = await form(agents.moderator, `${base}/posts/${post.id}/restore`, { version });
        break;
    }
    if (res) {
      // A refused form answers with a page or a redirect and a message, never a server error.
      const status = res.status;
      expect({
        cmd: this.toString(),
        status,
        fine: [200, 303, 404, 409, 422].includes(status),
      }).toEqual({ cmd: this.toString(), status, fine: true });
    }
    if (ack && !ack.ok) {
      const code = ack.error?.code ?? '';
      const fine = ['conflict', 'post_already_decided', 'not_found'].includes(code);
      expect({ cmd: this.toString(), code, fine }).toEqual({
        cmd: this.toString(),
        code,
        fine: true,
      });
    }
    if (ack) return { ok: ack.ok };
    // Forms: whether it took effect is read from the stored post.
    const after = await dbPost(post.id);
    return { ok: after?.version !== version };
  }
}

/** A spy's connection drops; what they miss comes with the catch-up when they reconnect. */
class GoOffline implements Cmd {
  constructor(readonly who: Spy) {}
  check = () => live.get(this.who)?.socket !== null;
  async run(): Promise<void> {
    const l = live.get(this.who)!;
    l.socket?.close();
    l.socket = null;
    count('offline');
    await checkStep(this.toString());
  }
  toString = () => `offline(${this.who})`;
}

/** Connects again (after going offline, or straight away) and catches up from the last seq. */
class Reconnect implements Cmd {
  constructor(readonly who: Holder) {}
  check = () => true;
  async run(): Promise<void> {
    await connect(this.who);
    count('reconnect');
    await checkStep(this.toString());
  }
  toString = () => `reconnect(${this.who})`;
}

const via = fc.constantFrom<Via>('socket', 'form');
const onPost = (k: OnPost['k'], weight: number) => ({
  weight,
  arbitrary: fc
    .tuple(fc.nat(20), via, fc.nat(3))
    .map(([i, v, f]) => new OnPost(k, i, v, f > 0) as Cmd),
});
const commandsArb = fc.commands(
  [
    fc.oneof(
      // Submissions and approvals weigh more: most commands need a post in the right state.
      { weight: 6, arbitrary: via.map((v) => new Submit(v) as Cmd) },
      onPost('reply', 2),
      onPost('edit', 1),
      onPost('resubmit', 2),
      onPost('withdraw', 1),
      onPost('approve', 4),
      onPost('reject', 2),
      onPost('hide', 4),
      onPost('restore', 3),
      {
        weight: 2,
        arbitrary: fc
          .constantFrom<Holder>(...SPIES, 'author', 'moderator')
          .map((who) => new Reconnect(who) as Cmd),
      },
      { weight: 2, arbitrary: fc.constantFrom(...SPIES).map((who) => new GoOffline(who) as Cmd) },
    ),
  ],
  { maxCommands: 14, size: 'max' },
);

/** Every command through one door, in an order where each takes effect (runs first). */
function walkThrough(v: Via): Cmd[] {
  return [
    new Submit(v),
    new OnPost('edit', 0, v, false),
    new OnPost('reject', 0, v, false),
    new OnPost('resubmit', 0, v, false),
    new OnPost('approve', 0, v, false),
    new OnPost('reply', 1, v, false), // the run's first post (0 is the member's)
    new OnPost('hide', 0, v, false),
    new OnPost('restore', 0, v, false),
    new Submit(v),
    new OnPost('withdraw', 2, v, false),
    new OnPost('approve', 0, v, false), // refused: the first post is published already
    new Reconnect('member'),
    new GoOffline('advocate'),
    new Submit(v),
    new OnPost('approve', 3, v, false),
    new Reconnect('advocate'),
  ];
}

/** Who each e-mail address belongs to. */
let spyByEmail: Map<string, Spy>;

async function exportOf(who: Spy): Promise<string> {
  const agent = agents[who];
  await mongoose.connection.collection('rate_limits').deleteMany({});
  // Each request gets its own time, so "the latest export" is this one.
  t.deps.clock.advance(1000);
  const res = await form(agent, '/me/data/export', {});
  expect(res.status).toBe(303);
  const until = Date.now() + 20_000;
  for (;;) {
    const page = await agent.get('/me/data');
    const id = /\/me\/data\/export\/([0-9a-f]{24})\/json/.exec(page.text)?.[1];
    if (id) {
      const json = await agent.get(`/me/data/export/${id}/json`).expect(200);
      const html = await agent.get(`/me/data/export/${id}/html`).expect(200);
      return `${json.text}\n${html.text}`;
    }
    if (Date.now() > until) throw new Error(`the export of ${who} was not ready in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** After a run: every spy's pages, the e-mails of the run, one spy's data export. */
async function checkRun(mailsBefore: number, run: number): Promise<void> {
  // Whoever is offline comes back and catches up; that is checked like any live delivery.
  for (const [who, l] of live) if (!l.socket) await connect(who);
  await checkStep('end of run');
  const problems: unknown[] = [];
  for (const who of [...SPIES, 'anonymous'] as const) {
    await mongoose.connection.collection('rate_limits').deleteMany({});
    const leaked = leaksFor(who, await readSurfaces(who, true), runScope(who));
    if (leaked.length) problems.push({ who, pages: leaked });
  }
  for (const mail of t.deps.mailer.sent.slice(mailsBefore)) {
    const who = spyByEmail.get(String(mail.to));
    if (!who) continue; // the author's and the moderator's own e-mails
    const leaked = leaksFor(who, JSON.stringify(mail), runScope(who));
    if (leaked.length) problems.push({ who, email: leaked });
  }
  const exporter = SPIES[run % SPIES.length]!;
  const leaked = leaksFor(exporter, await exportOf(exporter), runScope(exporter));
  if (leaked.length) problems.push({ who: exporter, export: leaked });
  expect(problems).toEqual([]);
}

beforeAll(async () => {
  t = await startTestApp({ name: 'security-preapproval-fullstack' });
  people = await createPeople(t);
  anonymous = await anonymousAgent(t.baseUrl);
  const { users } = people;
  const soon = new Date(t.deps.clock.now().getTime() + 30 * 86_400_000);
  group = await createGroup({ name: 'Fullstack model circle' });
  const elsewhere = await createGroup({ name: 'Another circle' });
  await Promise.all([
    addMember(users.target, group, ['member']),
    addMember(users.member, group, ['member']),
    addMember(users.advocate, group, ['member', 'advocate']),
    addMember(users.moderator, group, ['member', 'moderator']),
    addMember(users.muted, group, ['member'], { mutedUntil: soon }),
    addMember(users.suspended, group, ['member'], { suspendedUntil: soon }),
    addMember(users.removed, group, ['member'], { status: 'removed' }),
    addMember(users.otherMember, elsewhere, ['member']),
    addMember(users.moderatorElsewhere, elsewhere, ['member', 'moderator', 'advocate']),
  ]);
  const site = await currentSiteVersions();
  for (const kind of ['terms', 'privacy'] as const) {
    const version = site[kind];
    if (!version) continue;
    for (const user of Object.values(users)) {
      await Consent.updateOne(
        { user: user._id, kind, group: null, version },
        { $setOnInsert: { acceptedAt: t.deps.clock.now() } },
        { upsert: true },
      );
    }
  }
  // Everyone asks for every notification by e-mail at once, naming the group: the most an
  // e-mail could ever say.
  const email = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, 'immediately']));
  for (const user of Object.values(users)) {
    await NotificationSettings.create({ user: user._id, email, mention: 'group' });
  }
  spyByEmail = new Map(SPIES.map((who) => [users[who].email, who]));
  // The member's own published post, to which the author replies.
  seed = { id: '', text: newText() };
  const submitted = await t.services.posts.submitPost(actorFor(users.member), {
    group: group.slug,
    body: seed.text,
    idempotencyKey: `fullstack-seed-${process.pid}`,
    acknowledgedFindings: true,
  });
  if (submitted.status !== 'stored') throw new Error('seed post not stored');
  seed.id = submitted.post.id;
  await t.services.reviews.approvePost(actorFor(users.moderator), { postId: seed.id, version: 1 });
  published.add(seed.text);
  authorAgent = await signIn(t.baseUrl, users.target.email, TEST_PASSWORD);
  for (const who of SPIES) agents[who] = people.agents[who];
  agents.author = authorAgent;
  agents.moderator = people.agents.moderator;
  for (const who of [...SPIES, 'author', 'moderator'] as const) await connect(who);
}, 120_000);

afterAll(async () => {
  for (const l of live.values()) l.socket?.close();
  await t.close();
});

describe('full stack: unpublished texts reach only their author and the group moderators', () => {
  it(
    `holds over ${RUNS} generated command sequences (pages, APIs, sockets, notifications, e-mails, exports)`,
    async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(commandsArb, async (cmds) => {
          run += 1;
          runTexts = new Set();
          const mailsBefore = t.deps.mailer.sent.length;
          await fc.asyncModelRun(() => ({ model: { posts: [] } as Model, real: {} }), cmds);
          await checkRun(mailsBefore, run);
        }),
        {
          numRuns: RUNS,
          // Few runs: without the bias towards small values each run is a full-length sequence.
          unbiased: true,
          examples: [[walkThrough('socket')], [walkThrough('form')]],
          ...REPLAY,
        },
      );
      expect(run).toBeGreaterThanOrEqual(RUNS);
    },
    Math.max(600_000, RUNS * 5_000),
  );

  it('held over everything each spy ever received and every text of every run, and the channels were not silent', async () => {
    await settle();
    // Now, every page and an export of every spy, against the texts of all runs.
    const now: unknown[] = [];
    for (const who of [...SPIES, 'anonymous'] as const) {
      await mongoose.connection.collection('rate_limits').deleteMany({});
      const leaked = leaksFor(who, await readSurfaces(who, true));
      if (leaked.length) now.push({ who, pages: leaked });
    }
    for (const who of SPIES) {
      const leaked = leaksFor(who, await exportOf(who));
      if (leaked.length) now.push({ who, export: leaked });
    }
    expect(now).toEqual([]);
    // Hidden texts were seen while they were published: here only never-published ones count.
    const neverPublished = (text: string) => !published.has(text);
    const problems: unknown[] = [];
    for (const who of SPIES) {
      const texts = textsIn(live.get(who)!.log.join('\n'));
      const leaked = isOutsider(who) ? texts : texts.filter(neverPublished);
      if (leaked.length) problems.push({ who, leaked });
    }
    for (const mail of t.deps.mailer.sent) {
      const who = spyByEmail.get(String(mail.to));
      if (!who) continue;
      const texts = textsIn(JSON.stringify(mail));
      const leaked = isOutsider(who) ? texts : texts.filter(neverPublished);
      if (leaked.length) problems.push({ who, email: leaked });
    }
    expect(problems).toEqual([]);
    // Not vacuous: the author was told about their own waiting posts live, a member received
    // published texts live and on the page, the moderator's queue shows what waits, e-mails went out.
    expect(
      textsIn(live.get('author')!.log.join('\n')).filter(neverPublished).length,
    ).toBeGreaterThan(0);
    expect(
      textsIn(live.get('member')!.log.join('\n')).filter((x) => published.has(x)).length,
    ).toBeGreaterThan(1);
    expect(publishedOnMemberPages).toBeGreaterThan(1);
    // …and a spy who came back after being offline was caught up with what was published meanwhile.
    const caughtUp = live
      .get('advocate')!
      .log.filter((line) => line.startsWith('catch_up'))
      .flatMap((line) => textsIn(line));
    expect(caughtUp.filter((x) => published.has(x)).length).toBeGreaterThan(0);
    const waiting = await Post.find({ group: group._id, status: 'pending' })
      .select({ body: 1 })
      .lean();
    if (waiting.length > 0) {
      const queue = await agents.moderator.get(`/g/${slug()}/queue`).expect(200);
      const waitingTexts = new Set(waiting.map((p) => p.body));
      expect(textsIn(queue.text).filter((x) => waitingTexts.has(x)).length).toBeGreaterThan(0);
    }
    expect(t.deps.mailer.sent.some((mail) => spyByEmail.has(String(mail.to)))).toBe(true);
    // Every command took effect through both doors (the walk-throughs make sure of it).
    const kinds = [
      'submit',
      'reply',
      'edit',
      'resubmit',
      'withdraw',
      'approve',
      'reject',
      'hide',
      'restore',
    ];
    const missing = kinds.flatMap((k) =>
      (['socket', 'form'] as const)
        .filter((v) => !succeeded.get(`${k} by ${v}`))
        .map((v) => `${k} by ${v}`),
    );
    expect(missing).toEqual([]);
    // A long run (HARBOUR_MODEL_RUNS set) reports what it exercised.
    if (process.env.HARBOUR_MODEL_RUNS) {
      const tally = [...succeeded].sort().map(([k, n]) => `${k} ${n}`);
      process.stdout.write(
        `full-stack model: ${written.size} texts; took effect: ${tally.join(', ')}; refused as the model expected: ${refused}; e-mails ${t.deps.mailer.sent.length}\n`,
      );
    }
  });
});
