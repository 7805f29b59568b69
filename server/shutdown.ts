import type http from 'node:http';
import type { Logger } from 'pino';
import type { Server as SocketServer } from 'socket.io';
import { drainSocketServer, socketHandlersIdle } from './sockets';

/** How long clients wait before reconnecting (plus up to 2 s of jitter in public/js/app.js). */
export const RECONNECT_AFTER_MS = 2000;

export interface GracefulStop {
  server: http.Server;
  io: SocketServer;
  log: Logger;
  /** How long to keep serving after the signal before the listener closes. */
  drainMs: number;
  /** Turns the app's draining switch on (createApp's `draining` option). */
  startDraining(): void;
}

/**
 * Stops serving without failing anything already sent:
 * 1. drain: /readyz answers 503 (a load balancer stops sending), every answer carries
 *    `Connection: close` (keep-alive clients do not send into a closing connection), live
 *    sockets are told to reconnect and new ones are refused; requests still arriving, also on
 *    connections the kernel accepted just before the signal, are served;
 * 2. the listener closes (new connections are refused) and idle connections with it;
 * 3. socket events being handled finish and are acknowledged, then sockets are disconnected;
 * 4. resolves once every HTTP connection has ended (requests in flight answered).
 * The caller then closes the database and exits; main.ts bounds the whole at 9 seconds.
 */
export async function stopGracefully(stop: GracefulStop): Promise<void> {
  stop.startDraining();
  drainSocketServer(stop.io, RECONNECT_AFTER_MS);
  await new Promise((resolve) => setTimeout(resolve, stop.drainMs));
  const closed = new Promise<void>((resolve) => stop.server.once('close', () => resolve()));
  stop.server.close();
  await socketHandlersIdle(stop.io);
  // Only this instance's sockets: with the Redis adapter, io.disconnectSockets() would end
  // the connections of every instance.
  stop.io.local.disconnectSockets(true);
  // Closes the socket engine (and a Redis adapter); its second close of the HTTP server only
  // reports that the server is already closing.
  await stop.io.close();
  // Answers sent outside the app (the socket engine's own) keep their connection alive: close
  // each as soon as it is idle instead of waiting for the keep-alive timeout.
  const sweep = setInterval(() => stop.server.closeIdleConnections(), 100);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
  stop.log.info('all connections ended');
}
