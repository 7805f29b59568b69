import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import { Server, type Socket } from 'socket.io';
import { trusted } from 'mongoose';
import { SessionRecord, type SessionRecordDoc } from '../../models';
import { loadSessionUser, loadSessionUsers } from '../auth/passport';
import { parseStoredSession } from '../auth/session';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { isAppError, ValidationError } from '../errors';
import type { AppKit } from '../http/app-kit';
import { actorForSession, actorFrom } from '../http/middleware/auth';
import { zodIssues } from '../http/mount-routes';
import { en } from '../i18n/en';
import type { Services } from '../services';
import type { Ack, SocketHandlerSpec } from './define-handler';
import { attachBroadcaster } from './broadcaster';
import { attachModerationBroadcaster } from './moderation-broadcaster';
import { attachPmBroadcaster } from './pm-broadcaster';
import { allHandlers } from './handlers';
import '../http/types';

/** How long a socket trusts its last session check (session store + user epoch). */
const SESSION_RECHECK_MS = 2000;
/**
 * How often every connected socket's session is re-checked even when the client sends nothing:
 * a session that expired (idle or absolute limit) stops receiving live messages within this time.
 */
export const SESSION_SWEEP_MS = 5000;
/** Sockets the sweep re-checks with one set of queries (bounds one query's size). */
const SWEEP_BATCH = 500;

/** connect-mongo keeps the session as JSON text by default. */
interface SocketState {
  userId: string;
  sessionId: string;
  actor: Actor;
  checkedAt: number;
  rooms: string[];
}

type HandshakeRequest = IncomingMessage & {
  user?: Express.User;
  session?: SessionData & { id: string };
  sessionID?: string;
  _query?: Record<string, string>;
};

export type HarbourSocketServer = Server;

/** The response object of each handshake request, until its socket is set up (see below). */
const handshakeResponses = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * Lets go of the handshake request once the socket is set up: the middleware above needed it
 * (with its session, Passport's additions and the headers), the socket does not. Socket.IO keeps
 * it as `socket.conn.request` unless dropped (its memory-usage advice). Engine.IO's response
 * object for a WebSocket upgrade stays referenced for the connection's life too (by a 'close'
 * listener on the TCP socket), and holds the request (`req`) and express-session's wrappers of
 * `end` and `writeHead`, closures over the request and its session. Dropping those frees about
 * 6.5 KB per connected member (heap snapshot diff, see README → Performance). The 101 answer
 * (with the session cookie express-session set through `writeHead`) is sent by now.
 */
function releaseHandshake(socket: Socket): void {
  const req = socket.request;
  const res = handshakeResponses.get(req);
  handshakeResponses.delete(req);
  (socket.conn as unknown as { request: unknown }).request = null;
  if (!res) return;
  // Put back the class's own methods (assigned, not deleted: a delete would turn the object into
  // a slower, bigger dictionary-mode object).
  const own = Object.getPrototypeOf(res) as object;
  Reflect.set(res, 'end', Reflect.get(own, 'end'));
  Reflect.set(res, 'writeHead', Reflect.get(own, 'writeHead'));
  Reflect.set(res, 'req', null);
}

/** Per server: events being handled, and whether it is draining before shutdown. */
interface Lifecycle {
  running: number;
  draining: boolean;
  idle: Array<() => void>;
}
const lifecycles = new WeakMap<Server, Lifecycle>();

function lifecycleOf(io: Server): Lifecycle {
  let state = lifecycles.get(io);
  if (!state) {
    state = { running: 0, draining: false, idle: [] };
    lifecycles.set(io, state);
  }
  return state;
}

/** Room for one browser session, so signing out there closes exactly its sockets. */
export function sessionRoom(sessionId: string): string {
  return `session:${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}`;
}

/** Runs an Express middleware on the engine's handshake request only (not on every poll). */
function onHandshake(middleware: RequestHandler) {
  return (req: HandshakeRequest, res: ServerResponse, next: (err?: unknown) => void) => {
    if (req._query?.sid === undefined) {
      (middleware as unknown as (a: unknown, b: unknown, c: unknown) => void)(req, res, next);
    } else {
      next();
    }
  };
}

/**
 * Socket.IO on the same HTTP server, authenticated by the same session cookie. Refuses foreign
 * origins and sockets without a valid, fully signed-in session (`connect_error: unauthenticated`).
 * Every event in `allHandlers` is dispatched through validation, a fresh session check, its rate
 * limit and the handler, and acknowledged `{ ok, data | error }`.
 */
export function createSocketServer(
  httpServer: HttpServer,
  deps: Deps,
  services: Services,
  kit: AppKit,
  /** The events served; tests may pass their own, the app serves the registry. */
  handlerSpecs: readonly SocketHandlerSpec[] = allHandlers,
): Server {
  const allowedOrigin = new URL(deps.config.publicUrl).origin;
  const io = new Server(httpServer, {
    transports: ['websocket', 'polling'],
    perMessageDeflate: false,
    httpCompression: false,
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // Off: a reconnecting client catches up by sequence from the database instead, and every
    // connection goes through the membership check below.
    connectionStateRecovery: undefined,
    allowRequest: (req, callback) => {
      // Shutting down: no new connections. Refused at the transport, so the client keeps
      // retrying (with back-off) and lands on another instance, or on this one restarted.
      if (lifecycleOf(io).draining) return callback(null, false);
      const origin = req.headers.origin;
      const host = req.headers.host;
      const sameHost =
        origin && host && (origin === `http://${host}` || origin === `https://${host}`);
      if (origin) return callback(null, origin === allowedOrigin || Boolean(sameHost));
      // Browsers always send Origin on WebSocket; a same-origin poll may only say so here.
      callback(null, req.headers['sec-fetch-site'] === 'same-origin');
    },
  });

  io.engine.use(onHandshake(kit.session.middleware));
  io.engine.use(onHandshake(kit.auth.initialize() as unknown as RequestHandler));
  io.engine.use(onHandshake(kit.auth.session() as unknown as RequestHandler));
  io.engine.use(
    onHandshake((req, res, next) => {
      handshakeResponses.set(req, res);
      next();
    }),
  );

  io.use((socket, next) => {
    const req = socket.request as HandshakeRequest;
    const user = req.user;
    const session = req.session;
    const sessionId = req.sessionID;
    const fail = () => next(new Error('unauthenticated'));
    if (!user || !session || !sessionId) return fail();
    actorForSession(deps, services, session, user, randomUUID(), socket.handshake.address)
      .then(async (actor) => {
        if (!actor || !actor.secondFactorDone) return fail();
        const groups = await services.myGroups.roomsFor(actor);
        const rooms = [`user:${user.id}`, sessionRoom(sessionId)];
        for (const g of groups) {
          rooms.push(`group:${g.groupId}`);
          if (g.moderator) rooms.push(`group:${g.groupId}:moderators`);
        }
        const state: SocketState = {
          userId: user.id,
          sessionId,
          actor,
          checkedAt: Date.now(),
          rooms,
        };
        socket.data = state;
        next();
      })
      .catch((error: unknown) => {
        deps.log.error({ err: errorInfo(error) }, 'socket handshake failed');
        next(new Error('unavailable'));
      });
  });

  const handlers = new Map<string, SocketHandlerSpec>(handlerSpecs.map((h) => [h.event, h]));

  // Expiry needs no event to happen: sweep the sockets whose sessions ended on their own (idle
  // or absolute limit, an account no longer active, a staff role without its second factor).
  // Sockets are re-checked in batches, each with three queries for the whole batch (sessions
  // with users, then staff roles) instead of three per socket; never two sweeps at once.
  let sweeping = false;
  const sweepSessions = async () => {
    const sockets = [...io.of('/').sockets.values()];
    for (let i = 0; i < sockets.length; i += SWEEP_BATCH) {
      try {
        await recheckBatch(sockets.slice(i, i + SWEEP_BATCH));
      } catch (error: unknown) {
        deps.log.error({ err: errorInfo(error) }, 'socket session sweep failed');
      }
    }
  };

  /** The batch's sockets whose session, account or second factor no longer hold are closed. */
  async function recheckBatch(batch: Socket[]): Promise<void> {
    const states = batch.filter((s) => s.connected).map((s) => s.data as SocketState);
    if (states.length === 0) return;
    const userIds = [...new Set(states.map((s) => s.userId))];
    const [records, users] = await Promise.all([
      SessionRecord.find({
        _id: trusted({ $in: [...new Set(states.map((s) => s.sessionId))] }),
        // As the store's own read (connect-mongo's get): a session past its expiry is gone.
        $or: [{ expires: trusted({ $exists: false }) }, { expires: trusted({ $gt: new Date() }) }],
      }).lean<SessionRecordDoc[]>(),
      loadSessionUsers(userIds),
    ]);
    const needSecondFactor = await services.accounts.secondFactorRequiredAmong([...users.values()]);
    const sessions = new Map(records.map((r) => [r._id, parseStoredSession(r.session)]));
    const now = Date.now();
    for (const socket of batch) {
      if (!socket.connected) continue;
      const state = socket.data as SocketState;
      const stored = sessions.get(state.sessionId);
      const user = users.get(state.userId);
      const passportUser = (stored as { passport?: { user?: unknown } } | null | undefined)
        ?.passport?.user;
      const actor =
        stored && user && String(passportUser) === state.userId
          ? actorFrom(
              deps,
              stored,
              user,
              needSecondFactor.has(user.id),
              randomUUID(),
              socket.handshake.address,
            )
          : null;
      if (!actor || !actor.secondFactorDone) {
        socket.disconnect(true);
        continue;
      }
      state.actor = actor;
      state.checkedAt = now;
    }
  }
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void sweepSessions().finally(() => {
      sweeping = false;
    });
  }, SESSION_SWEEP_MS);
  sweep.unref();
  httpServer.once('close', () => clearInterval(sweep));

  io.on('connection', (socket) => {
    const state = socket.data as SocketState;
    void socket.join(state.rooms);
    releaseHandshake(socket);
    // One listener per socket for every declared event (not one per event): less to keep per
    // connected member. Events nobody declared get no handler; a caller waiting hears so.
    socket.onAny((event: string, ...args: unknown[]) => {
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (last as AckFn) : null;
      const spec = handlers.get(event);
      if (!spec) {
        ack?.({ ok: false, error: { code: 'not_found', message: en.errors.notFound } });
        return;
      }
      const payload = ack && args.length === 1 ? undefined : args[0];
      void dispatch(socket, spec, payload, ack);
    });
  });

  type AckFn = (ack: Ack) => void;

  /** Re-checks the session in the store and the user's epoch (cached a couple of seconds). */
  async function currentActor(socket: Socket): Promise<Actor | null> {
    const state = socket.data as SocketState;
    if (Date.now() - state.checkedAt < SESSION_RECHECK_MS) {
      return { ...state.actor, requestId: randomUUID() };
    }
    const stored = await new Promise<SessionData | null | undefined>((resolve, reject) =>
      kit.session.store.get(state.sessionId, (error: unknown, value?: SessionData | null) =>
        error ? reject(error) : resolve(value),
      ),
    );
    const passportUser = (stored as { passport?: { user?: unknown } } | null | undefined)?.passport
      ?.user;
    if (!stored || String(passportUser) !== state.userId) return null;
    const user = await loadSessionUser(state.userId);
    if (!user) return null;
    const actor = await actorForSession(
      deps,
      services,
      stored,
      user,
      randomUUID(),
      socket.handshake.address,
    );
    if (!actor || !actor.secondFactorDone) return null;
    state.actor = actor;
    state.checkedAt = Date.now();
    return actor;
  }

  async function dispatch(
    socket: Socket,
    spec: SocketHandlerSpec,
    payload: unknown,
    ack: AckFn | null,
  ): Promise<void> {
    let answered = false;
    const reply = (a: Ack): void => {
      if (answered) return;
      answered = true;
      ack?.(a);
    };
    const life = lifecycleOf(io);
    life.running += 1;
    try {
      const actor = await currentActor(socket);
      if (!actor) {
        reply({ ok: false, error: { code: 'unauthenticated', message: en.errors.signInRequired } });
        socket.disconnect(true);
        return;
      }
      const parsed = spec.schema.safeParse(payload);
      if (!parsed.success) {
        throw new ValidationError(en.errors.validation, zodIssues(parsed.error));
      }
      if (spec.rateLimit) {
        await kit.limiters.consume(spec.rateLimit, `u:${String(actor.userId)}`);
      }
      const data = await spec.handle({
        actor,
        input: parsed.data,
        services,
        rooms: {
          join: (room) => void socket.join(room),
          leave: (room) => void socket.leave(room),
        },
        acknowledge: (early) => reply({ ok: true, data: early ?? null }),
      });
      reply({ ok: true, data: data ?? null });
    } catch (error) {
      if (answered) {
        deps.log.error(
          { event: spec.event, err: errorInfo(error) },
          'socket handler failed after its answer',
        );
        return;
      }
      if (isAppError(error)) {
        reply({
          ok: false,
          error: {
            code: error.code,
            message: error.message,
            ...(error.details ? { details: error.details } : {}),
          },
        });
        return;
      }
      deps.log.error({ event: spec.event, err: errorInfo(error) }, 'socket handler failed');
      reply({ ok: false, error: { code: 'internal', message: en.errors.internal } });
    } finally {
      life.running -= 1;
      if (life.running === 0) life.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  return io;
}

function errorInfo(error: unknown) {
  return error instanceof Error ? { message: error.message, stack: error.stack } : String(error);
}

/**
 * Subscribes the socket layer to domain events. Foundation's part: sessions that end close their
 * sockets at once. The conversation broadcaster (`server/sockets/broadcaster.ts`) delivers posts,
 * queue changes, notifications and membership changes. Returns an unsubscribe.
 */
export function attachBroadcasters(io: Server, deps: Deps): () => void {
  const offs = [
    deps.events.on('user.sessions_revoked', ({ userId }) => {
      io.in(`user:${userId}`).disconnectSockets(true);
    }),
    deps.events.on('session.ended', ({ sessionId }) => {
      io.in(sessionRoom(sessionId)).disconnectSockets(true);
    }),
    attachBroadcaster(io, deps),
    attachModerationBroadcaster(io, deps),
    attachPmBroadcaster(io, deps),
  ];
  return () => offs.forEach((off) => off());
}

/**
 * Shutdown, first step: every connected client is told to reconnect after `reconnectAfterMs`
 * (`server:shutdown`; public/js/app.js does so, with jitter), and new connections are refused.
 * Events already arriving are still handled and acknowledged.
 */
export function drainSocketServer(io: Server, reconnectAfterMs: number): void {
  lifecycleOf(io).draining = true;
  // `local`: with the Redis adapter a plain emit would reach every instance's clients.
  io.local.emit('server:shutdown', { reconnectAfterMs });
}

/** Resolves once no socket event is being handled (their acknowledgements are sent). */
export function socketHandlersIdle(io: Server): Promise<void> {
  const life = lifecycleOf(io);
  if (life.running === 0) return Promise.resolve();
  return new Promise((resolve) => life.idle.push(resolve));
}
