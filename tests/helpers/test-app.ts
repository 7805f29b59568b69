import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import mongoose from 'mongoose';
import pino from 'pino';
import type { Server as SocketServer } from 'socket.io';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import request from 'supertest';
import { generateSync } from 'otplib';
import { User } from '../../models';
import { createApp } from '../../server/app';
import { hardenMongoose } from '../../server/database';
import { newTotpSecret } from '../../server/auth/totp';
import type { ManualClock } from '../../server/clock';
import { appKit } from '../../server/http/app-kit';
import { createServices, type Services } from '../../server/services';
import { attachBroadcasters, createSocketServer } from '../../server/sockets';
import type { SocketHandlerSpec } from '../../server/sockets/define-handler';
import { testDatabaseUri } from './db';
import { testDeps, type TestDeps } from './deps';

export interface TestApp {
  deps: TestDeps;
  services: Services;
  app: Express;
  io: SocketServer;
  server: http.Server;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The whole app (HTTP + Socket.IO) on 127.0.0.1 with a random port, on its own database.
 * `env` overrides configuration (NODE_ENV=test, bcrypt cost 4, fixed test pepper by default).
 */
export async function startTestApp(
  opts: {
    name?: string;
    env?: Record<string, string>;
    handlers?: SocketHandlerSpec[];
    /** The app's logger (silent by default). */
    log?: TestDeps['log'];
  } = {},
): Promise<TestApp> {
  // The same query hardening as production (connectDatabase does this).
  hardenMongoose();
  if (mongoose.connection.readyState !== 1) {
    await mongoose.connect(testDatabaseUri(opts.name ?? 'app'));
  }
  const deps = testDeps(opts.env);
  // HARBOUR_TEST_LOG=debug (or info, error) shows the app's logs while a test is debugged.
  if (process.env.HARBOUR_TEST_LOG) deps.log = pino({ level: process.env.HARBOUR_TEST_LOG });
  if (opts.log) deps.log = opts.log;
  const services = createServices(deps);
  const app = createApp(deps, services);
  const server = http.createServer(app);
  const io = createSocketServer(server, deps, services, appKit(app), opts.handlers);
  const detach = attachBroadcasters(io, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    deps,
    services,
    app,
    io,
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      detach();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      await mongoose.disconnect();
    },
  };
}

export type Agent = ReturnType<typeof request.agent>;
export type SignedInAgent = Agent & {
  baseUrl: string;
  /** The CSRF token of this session (for `_csrf` fields or the `x-csrf-token` header). */
  csrf(): string;
  /** The session cookie as a Cookie header value. */
  cookie(): string;
};

/** The CSRF token a page carries in its `<meta name="csrf-token">`. */
export function csrfFrom(html: string): string {
  const match = /<meta name="csrf-token" content="([^"]*)">/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

export function sessionCookieFrom(setCookie: string[] | string | undefined): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = list.find((c) => /^(__Host-harbour|harbour\.sid)=/.test(c));
  return found?.split(';')[0];
}

/** Signs in through the real form (CSRF token included) and returns the agent holding the session. */
export async function signIn(
  baseUrl: string,
  email: string,
  password: string,
  /** For accounts with TOTP (see `enableTotp`): the code is made at the app's clock time. */
  secondFactor?: { secret: string; clock: ManualClock },
): Promise<SignedInAgent> {
  const agent = request.agent(baseUrl);
  const page = await agent.get('/login').expect(200);
  const login = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password });
  if (login.status !== 303) {
    throw new Error(`sign-in failed with status ${login.status}`);
  }
  const cookie = sessionCookieFrom(login.headers['set-cookie']) ?? '';
  // The session was regenerated at sign-in: take the new CSRF token from the next page (the start
  // page, or the second-factor page the sign-in led to).
  const next = await agent.get(String(login.headers.location ?? '/')).redirects(1);
  let token = csrfFrom(next.text);
  if (secondFactor && login.headers.location === '/login/code') {
    const { secret, clock } = secondFactor;
    // Each code works once: move the clock past this step for the next sign-in.
    const code = generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
    clock.advance(30_000);
    const done = await agent.post('/login/code').type('form').send({ _csrf: token, code });
    if (done.status !== 303) throw new Error(`second factor failed with status ${done.status}`);
    token = csrfFrom((await agent.get('/')).text);
  }
  return Object.assign(agent, { baseUrl, csrf: () => token, cookie: () => cookie });
}

/** Turns TOTP on for a user directly in the database; returns the secret for `signIn`. */
export async function enableTotp(userId: unknown): Promise<string> {
  const secret = newTotpSecret();
  await User.updateOne({ _id: userId }, { $set: { totp: { secret, enabledAt: new Date() } } });
  return secret;
}

/** A connected Socket.IO client using the agent's session (rejects on `connect_error`). */
export function socketFor(
  agent: { baseUrl: string; cookie(): string },
  opts: { origin?: string } = {},
): Promise<ClientSocket> {
  const socket = connectSocket(agent.baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie: agent.cookie(), origin: opts.origin ?? agent.baseUrl },
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}
