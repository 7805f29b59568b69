import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import { Server, type Socket } from 'socket.io';
import { loadSessionUser } from '../auth/passport';
import type { Actor } from '../context';
import type { Deps } from '../deps';
import { isAppError, ValidationError } from '../errors';
import type { AppKit } from '../http/app-kit';
import { actorForSession } from '../http/middleware/auth';
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

  // Expiry needs no event to happen: sweep the sockets whose sessions ended on their own.
  const sweep = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      currentActor(socket)
        .then((actor) => {
          if (!actor) socket.disconnect(true);
        })
        .catch((error: unknown) => {
          deps.log.error({ err: errorInfo(error) }, 'socket session sweep failed');
        });
    }
  }, SESSION_SWEEP_MS);
  sweep.unref();
  httpServer.once('close', () => clearInterval(sweep));

  io.on('connection', (socket) => {
    const state = socket.data as SocketState;
    void socket.join(state.rooms);
    // The handshake request (with its session and headers) was needed by the middleware above
    // only; Socket.IO keeps it for the socket's life unless dropped (its memory-usage advice).
    (socket.conn as unknown as { request: unknown }).request = null;
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
    const reply = ack ?? (() => undefined);
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
      });
      reply({ ok: true, data: data ?? null });
    } catch (error) {
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

/** Shutdown: tell clients to come back a little later, then close every connection. */
export async function closeSocketServer(io: Server): Promise<void> {
  io.emit('server:shutdown', { reconnectAfterMs: 5000 });
  io.disconnectSockets(true);
  await new Promise<void>((resolve) => {
    void io.close(() => resolve());
  });
}
