import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Socket as ClientSocket } from 'socket.io-client';
import { RECONNECT_AFTER_MS } from '../../server/shutdown';
import { testDatabaseUri } from '../helpers/db';
import { addMember, createGroup, createUser, TEST_PASSWORD } from '../helpers/factories';
import { csrfFrom, signIn, type SignedInAgent } from '../helpers/test-app';
import { socketOf, startApp, type AppProcess } from './harness';

/**
 * Issue 12, item 8: SIGTERM under load. The real server process serves steady HTTP traffic
 * (keep-alive connections and a new connection per request; pages, a signed-in page, failed
 * sign-ins that run bcrypt) and live sockets sending events. The load generator stops issuing at
 * the moment the signal is sent, as a load balancer would; every request and event issued before
 * that must get a full answer (no reset, no refused connection, no 5xx, no missing
 * acknowledgement), every socket must be told to reconnect, and the process must exit with
 * code 0 within 10 seconds.
 */
let app: AppProcess | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'harbour-shutdown-'));

afterAll(async () => {
  if (mongoose.connection.readyState !== 0) await mongoose.disconnect();
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGKILL');
    await app.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  label: string;
  status?: number;
  error?: string;
}

/** One HTTP request with Node's client; resolves with the status or the transport error. */
function send(
  baseUrl: string,
  label: string,
  opts: {
    path: string;
    agent: http.Agent | false;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<Outcome> {
  const url = new URL(opts.path, baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        agent: opts.agent,
        headers: { accept: 'text/html', ...opts.headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ label, status: res.statusCode }));
        res.on('error', (error) => resolve({ label, error: error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ label, error: error.code ?? error.message }),
    );
    req.end(opts.body);
  });
}

it('SIGTERM under load: every request already sent is answered, sockets are told to reconnect, exit 0 within 10 s', async () => {
  const uri = testDatabaseUri('reliability-shutdown');
  app = await startApp(uri, dir);
  const { baseUrl } = app;
  await mongoose.connect(uri);
  const group = await createGroup({ hidden: false });
  const people = await Promise.all([createUser(), createUser(), createUser()]);
  for (const p of people) await addMember(p, group);
  await mongoose.disconnect();

  const agents: SignedInAgent[] = [];
  for (const p of people) agents.push(await signIn(baseUrl, p.email, TEST_PASSWORD));
  const sockets: ClientSocket[] = [];
  for (const agent of agents) {
    for (let i = 0; i < 2; i++) {
      const socket = socketOf(agent);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      sockets.push(socket);
    }
  }
  const told = sockets.map(
    (s) =>
      new Promise<unknown>((resolve) => {
        s.once('server:shutdown', resolve);
      }),
  );

  // A form session for failed sign-ins (bcrypt on every one: the slowest common request).
  const loginPage = await fetch(`${baseUrl}/login`);
  const loginCookie = (loginPage.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const loginForm = new URLSearchParams({
    _csrf: csrfFrom(await loginPage.text()),
    email: 'nobody@example.test',
    password: 'not the password of anyone at all',
  }).toString();

  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const kinds: Array<(agent: http.Agent | false) => Promise<Outcome>> = [
    (agent) => send(baseUrl, 'login page', { path: '/login', agent }),
    (agent) => send(baseUrl, 'public group page', { path: `/g/${group.slug}`, agent }),
    (agent) =>
      send(baseUrl, 'signed-in start page', {
        path: '/',
        agent,
        headers: { cookie: agents[0]!.cookie() },
      }),
    (agent) =>
      send(baseUrl, 'failed sign-in', {
        path: '/login',
        method: 'POST',
        agent,
        headers: {
          cookie: loginCookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: loginForm,
      }),
  ];

  let stopped = false;
  let inFlight = 0;
  const outcomes: Outcome[] = [];
  const loop = async (n: number, agent: http.Agent | false) => {
    for (let i = n; !stopped; i++) {
      inFlight += 1;
      const outcome = await kinds[i % kinds.length]!(agent);
      inFlight -= 1;
      outcomes.push(outcome);
    }
  };
  // Live sockets keep asking too: every event sent must be acknowledged.
  const socketLoop = async (socket: ClientSocket) => {
    while (!stopped) {
      inFlight += 1;
      const ack = await new Promise<{ ok?: boolean } | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 5000);
        socket.emit(
          'posts:catch_up',
          { groupId: String(group._id), afterSeq: 0 },
          (answer: { ok?: boolean }) => {
            clearTimeout(timer);
            resolve(answer);
          },
        );
      });
      inFlight -= 1;
      outcomes.push(
        ack?.ok
          ? { label: 'socket catch-up', status: 200 }
          : { label: 'socket catch-up', error: ack ? JSON.stringify(ack) : 'no acknowledgement' },
      );
    }
  };
  // Six loops on keep-alive connections, six opening a new connection for every request.
  const loops = [
    ...Array.from({ length: 6 }, (_, n) => loop(n, keepAlive)),
    ...Array.from({ length: 6 }, (_, n) => loop(n, false)),
    ...sockets.map(socketLoop),
  ];
  // Steady load for a while (at least 1.5 s and 60 answers, however busy the machine is).
  const started = Date.now();
  while (Date.now() - started < 1500 || outcomes.length < 60) {
    await new Promise((r) => setTimeout(r, 50));
  }

  // The load balancer stops sending here; whatever was sent must be answered.
  stopped = true;
  const inFlightAtSignal = inFlight;
  const signalledAt = Date.now();
  app.child.kill('SIGTERM');
  await Promise.all(loops);
  const code = await app.exited;
  const tookMs = Date.now() - signalledAt;
  keepAlive.destroy();

  process.stdout.write(
    `shutdown: ${outcomes.length} requests, ${inFlightAtSignal} in flight at SIGTERM, ` +
      `exit ${code} after ${tookMs} ms\n`,
  );
  const failed = outcomes.filter((o) => o.error !== undefined || (o.status ?? 500) >= 500);
  expect(failed).toEqual([]);
  expect(outcomes.length).toBeGreaterThanOrEqual(60);
  expect(inFlightAtSignal).toBeGreaterThan(0);
  // Every live socket was told to come back (to another instance, or this one restarted).
  const messages = await Promise.all(told);
  expect(messages).toHaveLength(sockets.length);
  for (const m of messages) expect(m).toEqual({ reconnectAfterMs: RECONNECT_AFTER_MS });
  for (const s of sockets) s.close();
  expect(code).toBe(0);
  expect(tookMs).toBeLessThan(10_000);
}, 90_000);
