import type http from 'node:http';

/**
 * Time limits on the HTTP server, so slow or stalled clients (slowloris) cannot hold connections
 * open: the request headers must arrive within 20 s and the whole request within 30 s.
 */
export const SERVER_LIMITS = {
  headersTimeout: 20_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
} as const;

export function applyServerLimits(server: http.Server): void {
  server.headersTimeout = SERVER_LIMITS.headersTimeout;
  server.requestTimeout = SERVER_LIMITS.requestTimeout;
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeout;
}
