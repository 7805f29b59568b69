import fc from 'fast-check';
import mongoose from 'mongoose';
import { Post, type GroupDoc, type UserDoc } from '../../models';
import { hardenMongoose } from '../../server/database';
import { isAppError } from '../../server/errors';
import { createServices, type Services } from '../../server/services';
import { attachBroadcaster } from '../../server/sockets/broadcaster';
import { testDatabaseUri } from '../helpers/db';
import { testDeps, type TestDeps } from '../helpers/deps';
import { actorFor, addMember, createGroup, createUser } from '../helpers/factories';
import { SpyIo, type SpySocket } from './helpers/spy-io';

/**
 * The pre-approval invariant as a model test: random sequences of submit, reply, edit, approve,
 * reject, withdraw, resubmit, hide, restore and reconnect, with a spy client in every role. A text
 * that was never approved (pending, rejected, withdrawn, or an earlier version of an edited post)
 * never reaches anyone but its author and the group's moderators: not in live events, catch-up,
 * conversation pages, notifications, the review queue or e-mails. A hidden post's text (seen
 * while it was published) reaches nobody else from the moment it is hidden until it is restored.
 * The service outcome of every command also matches a small state model.
 *
 * Runs at the service + broadcaster level with in-memory spy sockets so 1,000 runs stay cheap;
 * tests/security/preapproval-fullstack.test.ts runs the same idea through the real HTTP app and
 * Socket.IO clients (fewer runs).
 */
const RUNS = Number(process.env.PREAPPROVAL_RUNS ?? 1000);
const PRIVILEGED = ['author', 'moderator'] as const;
const WATCHERS = ['reader', 'advocate', 'muted', 'outsider', 'moderatorElsewhere'] as const;
type Privileged = (typeof PRIVILEGED)[number];
type Watcher = (typeof WATCHERS)[number];
type Who = Privileged | Watcher;

let deps: TestDeps;
let services: Services;
let io: SpyIo;
let detach: () => void;
let users: Record<Who, UserDoc>;
let group: GroupDoc;
const sockets = new Map<Who, SpySocket>();
const lastSeq = new Map<Who, number>();
/** Every text ever submitted or edited in; those never published are the secrets. */
const written = new Set<string>();
let counter = 0;

beforeAll(async () => {
  hardenMongoose();
  await mongoose.connect(testDatabaseUri('security-preapproval'));
  deps = testDeps();
  services = createServices(deps);
  io = new SpyIo();
  detach = attachBroadcaster(io.asServer(), deps);
  const entries = await Promise.all(
    [...PRIVILEGED, ...WATCHERS].map(async (who) => [who, await createUser()] as const),
  );
  users = Object.fromEntries(entries) as Record<Who, UserDoc>;
  const elsewhere = await createGroup();
  await addMember(users.moderatorElsewhere, elsewhere, ['member', 'moderator']);
  group = await createGroup();
  const soon = new Date(deps.clock.now().getTime() + 30 * 86_400_000);
  await Promise.all([
    addMember(users.author, group, ['member']),
    addMember(users.reader, group, ['member']),
    addMember(users.moderator, group, ['member', 'moderator']),
    addMember(users.advocate, group, ['member', 'advocate']),
    addMember(users.muted, group, ['member'], { mutedUntil: soon }),
  ]);
  for (const who of [...PRIVILEGED, ...WATCHERS]) await connect(who);
}, 60_000);

afterAll(async () => {
  detach();
  await mongoose.disconnect();
});

async function connect(who: Who): Promise<void> {
  const old = sockets.get(who);
  if (old) io.disconnect(old);
  const rooms = await services.myGroups.roomsFor(actorFor(users[who]));
  const socket = io.connect(
    String(users[who]._id),
    rooms.flatMap((r) =>
      r.moderator
        ? [`group:${r.groupId}`, `group:${r.groupId}:moderators`]
        : [`group:${r.groupId}`],
    ),
  );
  sockets.set(who, socket);
  // Resume from the last sequence number seen, as the client does after a reconnect.
  try {
    const page = await services.posts.catchUp(actorFor(users[who]), {
      groupId: String(group._id),
      afterSeq: lastSeq.get(who) ?? 0,
    });
    socket.received.push({ event: 'catch_up', payload: JSON.parse(JSON.stringify(page)) });
    lastSeq.set(who, page.lastSeq);
  } catch (error) {
    if (!isAppError(error) || error.code !== 'not_found') throw error;
  }
}

type Status = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'hidden';
interface ModelPost {
  id: string;
  status: Status;
  reply: boolean;
  /** The current text (edits and resubmissions replace it). */
  text: string;
  /** While hidden: how much of each spy socket's log came before the hide. */
  hiddenFrom?: Map<SpySocket, number>;
}

type Command =
  | { k: 'submit' }
  | { k: 'reply'; i: number }
  | {
      k: 'edit' | 'approve' | 'reject' | 'withdraw' | 'resubmit' | 'hide' | 'restore';
      i: number;
    }
  | { k: 'reconnect'; who: Who };

/** A command on the i-th post of the run (modulo the number of posts). */
const onPost = (k: Exclude<Command['k'], 'submit' | 'reconnect'>, weight: number) => ({
  weight,
  arbitrary: fc.record({ k: fc.constant(k), i: fc.nat(20) }) as fc.Arbitrary<Command>,
});

// Approve, reply, hide and restore weigh more: they need a post in the right state first.
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ k: 'submit' as const }) },
  onPost('reply', 2),
  onPost('edit', 1),
  onPost('approve', 2),
  onPost('reject', 1),
  onPost('withdraw', 1),
  onPost('resubmit', 1),
  onPost('hide', 2),
  onPost('restore', 2),
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('reconnect' as const),
      who: fc.constantFrom<Who>(...PRIVILEGED, ...WATCHERS),
    }),
  },
);

/** Texts written in the current run (they belong to this run's posts only). */
let writtenThisRun: string[] = [];
/** Commands that took effect, by kind (the runs must really exercise each). */
const succeeded = new Map<Command['k'], number>();
/** Texts that were the body of an approved post at some moment (members may have seen them). */
const published = new Set<string>();

function newText(): string {
  counter += 1;
  const text = `Sharing how my week went, note ${counter} z${process.pid}q${counter}x`;
  written.add(text);
  writtenThisRun.push(text);
  return text;
}

/** What the model says a command must do to a post in this state. */
function allowed(k: Command['k'], status: Status | undefined): boolean {
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

async function run(cmd: Command, posts: ModelPost[]): Promise<void> {
  const author = actorFor(users.author);
  const moderator = actorFor(users.moderator);
  if (cmd.k === 'reconnect') return connect(cmd.who);
  if (cmd.k === 'submit') {
    const text = newText();
    const res = await services.posts.submitPost(author, {
      group: group.slug,
      body: text,
      idempotencyKey: `model-${process.pid}-${counter}`,
      acknowledgedFindings: true,
    });
    if (res.status !== 'stored') throw new Error('submission not stored');
    posts.push({ id: res.post.id, status: 'pending', reply: false, text });
    return;
  }
  const post = posts[cmd.i % Math.max(1, posts.length)];
  if (!post) return;
  const stored = await Post.findById(post.id).select({ version: 1 }).lean();
  const version = stored?.version ?? 1;
  // Replies go to published top-level posts only; anything else reads as "not available".
  const expectOk = allowed(cmd.k, post.status) && !(cmd.k === 'reply' && post.reply);
  let ok = true;
  try {
    switch (cmd.k) {
      case 'reply': {
        const text = newText();
        const res = await services.posts.submitPost(author, {
          group: group.slug,
          parentId: post.id,
          body: text,
          idempotencyKey: `model-${process.pid}-${counter}`,
          acknowledgedFindings: true,
        });
        if (res.status === 'stored')
          posts.push({ id: res.post.id, status: 'pending', reply: true, text });
        break;
      }
      case 'edit': {
        const text = newText();
        await services.posts.editPost(author, {
          postId: post.id,
          body: text,
          version,
          acknowledgedFindings: true,
        });
        post.text = text;
        break;
      }
      case 'resubmit': {
        const text = newText();
        await services.posts.resubmitPost(author, {
          postId: post.id,
          body: text,
          version,
          acknowledgedFindings: true,
        });
        post.status = 'pending';
        post.text = text;
        break;
      }
      case 'withdraw':
        await services.posts.withdrawPost(author, { postId: post.id, version });
        post.status = 'withdrawn';
        break;
      case 'approve':
        await services.reviews.approvePost(moderator, { postId: post.id, version });
        post.status = 'approved';
        published.add(post.text);
        break;
      case 'hide':
        // Deliveries of the published post that were on their way belong before the hide.
        await deps.events.settled();
        await services.moderation.hidePost(moderator, {
          postId: post.id,
          version,
          ruleId: 'r-kind',
          note: 'Hidden while we look at it',
        });
        post.status = 'hidden';
        post.hiddenFrom = new Map(io.sockets.map((s) => [s, s.received.length]));
        break;
      case 'restore':
        await services.moderation.restorePost(moderator, { postId: post.id, version });
        post.status = 'approved';
        delete post.hiddenFrom;
        break;
      case 'reject':
        await services.reviews.rejectPost(moderator, {
          postId: post.id,
          version,
          ruleId: 'r-kind',
          note: 'Please rephrase this',
        });
        post.status = 'rejected';
        break;
    }
  } catch (error) {
    const refusal = cmd.k === 'reply' ? [404, 409, 422] : [409, 422];
    if (!isAppError(error) || !refusal.includes(error.status)) throw error;
    ok = false;
  }
  expect({ cmd, status: post.status, ok }).toEqual({ cmd, status: post.status, ok: expectOk });
  if (ok) succeeded.set(cmd.k, (succeeded.get(cmd.k) ?? 0) + 1);
}

/**
 * Texts never published: all of them, or those written in this run. Cross-checked against the
 * database: a text the model counts as unpublished must not be the body of an approved post.
 */
async function secrets(thisRun: boolean): Promise<string[]> {
  const unpublished = (thisRun ? writtenThisRun : [...written]).filter((t) => !published.has(t));
  const approved = await Post.countDocuments({
    group: group._id,
    status: 'approved',
    body: mongoose.trusted({ $in: unpublished }),
  });
  expect(approved).toBe(0);
  return unpublished;
}

/** New deliveries to a watcher's sockets that carry the text of a post hidden since. */
function hiddenLeaks(who: Who, posts: ModelPost[]): string[] {
  const found: string[] = [];
  for (const post of posts) {
    if (post.status !== 'hidden' || !post.hiddenFrom) continue;
    for (const socket of io.sockets.filter((s) => s.userId === String(users[who]._id))) {
      const after = JSON.stringify(socket.received.slice(post.hiddenFrom.get(socket) ?? 0));
      if (after.includes(post.text)) found.push(post.text);
    }
  }
  return found;
}

/** How much of each socket's log was already checked (so each run checks only what is new). */
const checkedUpTo = new Map<SpySocket, number>();
function newDeliveries(who: Who): string {
  const parts: unknown[] = [];
  for (const socket of io.sockets.filter((s) => s.userId === String(users[who]._id))) {
    const from = checkedUpTo.get(socket) ?? 0;
    parts.push(socket.received.slice(from));
    checkedUpTo.set(socket, socket.received.length);
  }
  return JSON.stringify(parts);
}

function leaked(haystack: string, secretTexts: string[]): string[] {
  // Texts are unique by their numbered marker, so a cheap marker scan finds them.
  return secretTexts.filter((s) => haystack.includes(s));
}

/** Everything a watcher can read through the services (pages, APIs, notifications, queue). */
async function watcherViews(who: Watcher): Promise<string> {
  const actor = actorFor(users[who]);
  const parts: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      parts.push(await fn());
    } catch (error) {
      if (!isAppError(error) || ![403, 404].includes(error.status)) throw error;
    }
  };
  await attempt(() => services.posts.listConversation(actor, { group: group.slug }));
  await attempt(() => services.posts.catchUp(actor, { groupId: String(group._id), afterSeq: 0 }));
  await attempt(() => services.notifications.listNotifications(actor, { limit: 50 }));
  await attempt(() => services.reviews.listQueue(actor, { group: group.slug }));
  return JSON.stringify(parts);
}

describe('pending and rejected posts reach only their author and the group moderators', () => {
  it(
    `holds over ${RUNS} generated command sequences`,
    async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(commandArb, { minLength: 1, maxLength: 8 }),
          fc.constantFrom<Watcher>(...WATCHERS),
          async (commands, reader) => {
            runs += 1;
            writtenThisRun = [];
            const posts: ModelPost[] = [];
            for (const cmd of commands) await run(cmd, posts);
            // Live delivery of this run is complete before anything is checked.
            await deps.events.settled();
            // Each run reads one watcher's views through the APIs (all of them over the runs);
            // new live deliveries to every watcher are checked at the end of every run (and all
            // of them once more at the end, against every never-published text).
            const secretTexts = await secrets(true);
            const hiddenTexts = posts.filter((p) => p.status === 'hidden').map((p) => p.text);
            if (secretTexts.length + hiddenTexts.length === 0) return;
            expect(leaked(await watcherViews(reader), [...secretTexts, ...hiddenTexts])).toEqual(
              [],
            );
            for (const who of WATCHERS) {
              const log = newDeliveries(who);
              expect({
                who,
                leaked: leaked(log, secretTexts),
                hidden: hiddenLeaks(who, posts),
              }).toEqual({
                who,
                leaked: [],
                hidden: [],
              });
            }
          },
        ),
        {
          numRuns: RUNS,
          endOnFailure: true,
          // Runs first, so every kind of command takes effect whatever the random draw (a chain
          // like approve → hide → restore on one post is rare among short random sequences).
          examples: [
            [
              [
                { k: 'submit' },
                { k: 'edit', i: 0 },
                { k: 'reject', i: 0 },
                { k: 'resubmit', i: 0 },
                { k: 'approve', i: 0 },
                { k: 'reply', i: 0 },
                { k: 'hide', i: 0 },
                { k: 'restore', i: 0 },
                { k: 'withdraw', i: 1 },
              ],
              'reader',
            ],
          ],
        },
      );
      expect(runs).toBeGreaterThanOrEqual(RUNS);
      // Every kind of command took effect at least once (the model is not vacuous).
      const kinds = ['reply', 'edit', 'approve', 'reject', 'withdraw', 'hide', 'restore'] as const;
      expect(kinds.filter((k) => !succeeded.get(k))).toEqual([]);
    },
    Math.max(240_000, RUNS * 200),
  );

  it('also held for late deliveries, e-mails, and the privileged actually saw their posts', async () => {
    await deps.events.settled();
    const secretTexts = await secrets(false);
    expect(secretTexts.length).toBeGreaterThan(0);
    for (const who of WATCHERS) {
      for (const socket of io.sockets.filter((s) => s.userId === String(users[who]._id))) {
        expect({ who, leaked: leaked(JSON.stringify(socket.received), secretTexts) }).toEqual({
          who,
          leaked: [],
        });
      }
    }
    const allowedTo = new Set([users.author.email, users.moderator.email]);
    for (const mail of deps.mailer.sent) {
      if (allowedTo.has(String(mail.to))) continue;
      expect(leaked(JSON.stringify(mail), secretTexts)).toEqual([]);
    }
    // The invariant is not vacuous: the author was told about their own waiting posts live,
    // and the moderators' queue shows waiting texts.
    const authorLog = io.sockets
      .filter((s) => s.userId === String(users.author._id))
      .flatMap((s) => s.received);
    expect(leaked(JSON.stringify(authorLog), secretTexts).length).toBeGreaterThan(0);
    const queue = await services.reviews.listQueue(actorFor(users.moderator), {
      group: group.slug,
    });
    const waiting = await Post.countDocuments({ group: group._id, status: 'pending' });
    if (waiting > 0) expect(leaked(JSON.stringify(queue), secretTexts).length).toBeGreaterThan(0);
  });
});
