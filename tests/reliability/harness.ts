import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import { AuditEvent, Consent, Post } from '../../models';
import { ManualClock } from '../../server/clock';
import { hardenMongoose } from '../../server/database';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../server/database/embedded/process';
import { verifyAuditChain } from '../../server/services/audit';
import { currentSiteVersions } from '../../server/services/documents';
import { TEST_PASSWORD_PEPPER } from '../helpers/deps';
import { addMember, createGroup, createUser, TEST_PASSWORD } from '../helpers/factories';
import { enableTotp, signIn, type SignedInAgent } from '../helpers/test-app';

/**
 * Crash and reconnect machinery shared by `npm test` (a few trials) and `npm run test:chaos`
 * (hundreds): the real server process (server/main.ts) on its own embedded engine process, load
 * from real socket clients, SIGKILL of either process at a random moment, restart, and a check
 * that every acknowledged post and decision exists exactly once with its audit record.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** Seeded PRNG (mulberry32): trials are reproducible from their seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface AppProcess {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<unknown>;
}

const SESSION_SECRET = 'reliability-session-secret-0123456789abcdef';

export async function startApp(uri: string, dataDir: string): Promise<AppProcess> {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      MONGODB_URI: uri,
      PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
      SESSION_SECRET,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const m = /"port":(\d+),"url":"[^"]*","msg":"Harbour is listening"/.exec(out);
    if (m) return { child, baseUrl: `http://127.0.0.1:${m[1]}`, exited };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${out.slice(-500)}`);
}

/** A clock for TOTP codes against a real server: real time. */
function realClock(): ManualClock {
  const clock = new ManualClock(new Date());
  return Object.assign(clock, { now: () => new Date(), advance: () => undefined });
}

export function socketOf(agent: { baseUrl: string; cookie(): string }): ClientSocket {
  return connectSocket(agent.baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie: agent.cookie(), origin: agent.baseUrl },
  });
}

type Ack = { ok: boolean; data?: { post?: { id: string } }; error?: { code: string } };

function emitWithTimeout(socket: ClientSocket, event: string, payload: unknown, ms: number) {
  return new Promise<Ack | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    socket.emit(event, payload, (ack: Ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

export interface TrialResult {
  kill: 'app' | 'engine';
  ackedPosts: number;
  ackedDecisions: number;
  ackedRejections: number;
  problems: string[];
}

/**
 * One crash trial: load for a random 300-1500 ms, SIGKILL the app or the engine, restart both,
 * then check the acknowledged work.
 */
export async function crashTrial(seed: number, kill: 'app' | 'engine'): Promise<TrialResult> {
  const random = rng(seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'harbour-crash-'));
  let engine: EmbeddedEngine | undefined;
  let app: AppProcess | undefined;
  const sockets: ClientSocket[] = [];
  const problems: string[] = [];
  const acked = new Map<string, string>(); // idempotency key -> post id
  const decided = new Map<string, 'approved' | 'rejected'>(); // post id -> acknowledged decision
  try {
    engine = await startEmbeddedEngine({ dataDir: path.join(dir, 'db') });
    const uri = `${engine.uri}/harbour`;
    // The app publishes the default terms at start; the people below have accepted them.
    app = await startApp(uri, dir);
    hardenMongoose();
    await mongoose.connect(uri);
    const group = await createGroup();
    const authors = await Promise.all([createUser(), createUser(), createUser()]);
    const moderator = await createUser();
    for (const a of authors) await addMember(a, group, ['member']);
    await addMember(moderator, group, ['member', 'moderator']);
    const secret = await enableTotp(moderator._id);
    const site = await currentSiteVersions();
    for (const user of [...authors, moderator]) {
      for (const kind of ['terms', 'privacy'] as const) {
        const version = site[kind];
        if (version) {
          await Consent.create({
            user: user._id,
            kind,
            group: null,
            version,
            acceptedAt: new Date(),
          });
        }
      }
    }
    await mongoose.disconnect();
    const agents: SignedInAgent[] = [];
    for (const a of authors) agents.push(await signIn(app.baseUrl, a.email, TEST_PASSWORD));
    const modAgent = await signIn(app.baseUrl, moderator.email, TEST_PASSWORD, {
      secret,
      clock: realClock(),
    });
    const modSocket = socketOf(modAgent);
    sockets.push(modSocket);
    let running = true;
    const loops = agents.map(async (agent, i) => {
      const socket = socketOf(agent);
      sockets.push(socket);
      for (let n = 0; running && n < 20; n++) {
        const key = `crash-${seed}-${i}-${n}`;
        const ack = await emitWithTimeout(
          socket,
          'post:submit',
          {
            group: String(group._id),
            body: `Crash trial ${seed} post ${i}-${n}`,
            idempotencyKey: key,
          },
          3000,
        );
        if (!ack?.ok || !ack.data?.post) break;
        acked.set(key, ack.data.post.id);
        // One post in four is rejected (citing a rule), the rest approved: both are decisions.
        const reject = random() < 0.25;
        const decision = await emitWithTimeout(
          modSocket,
          reject ? 'review:reject' : 'review:approve',
          reject
            ? { postId: ack.data.post.id, version: 1, ruleId: 'r-kind' }
            : { postId: ack.data.post.id, version: 1 },
          3000,
        );
        if (decision?.ok) decided.set(ack.data.post.id, reject ? 'rejected' : 'approved');
      }
    });
    // The random moment counts from the first acknowledged post: on a busy machine the clients
    // may need a while to start, and a kill before anything was stored proves nothing.
    const firstAck = Date.now() + 15_000;
    while (acked.size === 0 && Date.now() < firstAck) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 1200)));
    if (kill === 'app') app.child.kill('SIGKILL');
    else process.kill(engine.pid, 'SIGKILL');
    running = false;
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 4000))]);
    for (const s of sockets) s.close();
    // The app may outlive its engine; it is restarted either way (the engine only if killed).
    app.child.kill('SIGKILL');
    await app.exited;
    let uri2 = uri;
    if (kill === 'engine') {
      await engine.exited;
      engine = await startEmbeddedEngine({ dataDir: path.join(dir, 'db') });
      uri2 = `${engine.uri}/harbour`;
    }
    app = await startApp(uri2, dir);
    const ready = await fetch(`${app.baseUrl}/readyz`);
    if (ready.status !== 200) problems.push(`readyz ${ready.status} after restart`);
    await mongoose.connect(uri2);
    for (const [key, postId] of acked) {
      const copies = await Post.find({ idempotencyKey: key }).select({ _id: 1, history: 1 }).lean();
      if (copies.length !== 1 || String(copies[0]?._id) !== postId) {
        problems.push(`acknowledged post ${key}: ${copies.length} copies`);
      }
      // A submission's record is its history entry (decisions also get audit events).
      const submitted = (copies[0]?.history ?? []).filter((h) => h.action === 'submitted').length;
      if (copies.length === 1 && submitted !== 1) {
        problems.push(`acknowledged post ${key}: ${submitted} submission records`);
      }
    }
    for (const [postId, action] of decided) {
      const post = await Post.findById(postId).select({ status: 1 }).lean();
      if (post?.status !== action) problems.push(`acknowledged ${action} of ${postId} lost`);
      const audits = await AuditEvent.countDocuments({ targetId: postId });
      const matching = await AuditEvent.countDocuments({
        action: `post.${action}`,
        targetId: postId,
      });
      if (matching !== 1 || audits !== 1) {
        problems.push(`${action} of ${postId}: ${matching} matching of ${audits} audit records`);
      }
    }
    const broken = await verifyAuditChain();
    if (broken !== null) problems.push(`audit chain broken at ${broken}`);
  } finally {
    for (const s of sockets) s.close();
    if (mongoose.connection.readyState !== 0) await mongoose.disconnect();
    if (app && app.child.exitCode === null && app.child.signalCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const ackedRejections = [...decided.values()].filter((a) => a === 'rejected').length;
  return { kill, ackedPosts: acked.size, ackedDecisions: decided.size, ackedRejections, problems };
}
